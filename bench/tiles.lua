-- wrk script for bench/tiles.sh: sends the paths of a request list, split between wrk's
-- threads. Arguments (after --): MODE THREADS LIST
--   MODE "once": each thread sends its share of the list once, then stops (cold cache)
--   MODE "loop": threads cycle through the list until wrk's duration ends (warm cache)
-- Prints one line "RESULT requests=.. seconds=.. p50_ms=.. p99_ms=.. errors=.." at the end.

local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  mode = args[1] or "loop"
  nthreads = tonumber(args[2] or "1")
  paths = {}
  for line in io.lines(args[3]) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  position = id - 1
  received = 0
  share = math.floor((#paths - id) / nthreads) + 1
end

function request()
  local path = paths[(position % #paths) + 1]
  position = position + nthreads
  return wrk.format("GET", path, { ["Accept-Encoding"] = "gzip" })
end

function response(status, headers, body)
  received = received + 1
  if mode == "once" and received >= share then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
