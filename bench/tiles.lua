-- wrk script for bench/tiles.sh: sends the paths of a request list, split between wrk's
-- threads. Arguments (after --): MODE THREADS LIST
--   MODE "once": each thread sends its share of the list once, then stops (cold cache)
--   MODE "loop": threads cycle through the list until wrk's duration ends (warm cache)
-- Prints one line "RESULT requests=.. seconds=.. p50_ms=.. p99_ms=.. errors=.." at the end.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } kartrum_timespec;
  int clock_gettime(int clock, kartrum_timespec *ts);
]]
local timespec = ffi.new("kartrum_timespec")

-- Monotonic seconds. wrk reports its whole -d duration even when threads stop early, so the
-- "once" mode times itself from the first request to the last response.
local function now()
  ffi.C.clock_gettime(1, timespec)
  return tonumber(timespec.tv_sec) + tonumber(timespec.tv_nsec) / 1e9
end

local next_id = 1
local threads = {}

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
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
  if first == nil then
    first = now()
  end
  local path = paths[(position % #paths) + 1]
  position = position + nthreads
  return wrk.format("GET", path, { ["Accept-Encoding"] = "gzip" })
end

function response(status, headers, body)
  received = received + 1
  last = now()
  if mode == "once" and received >= share then
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local start, finish = nil, nil
  for _, t in ipairs(threads) do
    if t:get("mode") == "once" and t:get("first") ~= nil then
      start = math.min(start or t:get("first"), t:get("first"))
      finish = math.max(finish or t:get("last"), t:get("last"))
    end
  end
  if start ~= nil then
    seconds = finish - start
  end
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f errors=%d\n",
    summary.requests, seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.status + e.timeout))
end
