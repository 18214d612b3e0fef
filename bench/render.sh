#!/usr/bin/env bash
# Map image and report benchmark (issue 16): the Dalarna overview with the service-access grid
# choropleth (1 km cells by travel time to a grocery store) over the municipalities, drawn by
# maplibre-rs on Mesa's CPU Vulkan driver, in a release build. Prints, per size, the median time
# of GET /api/render on a warm server and the time and peak memory (max RSS) of the same map
# drawn by `kartrum render` in a process of its own; then the meeting report of a saved view.
# Usage: bash bench/render.sh [runs]   (default 5 runs per case; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
setup_for demo
apt_install time jq
runs=${1:-5}
cargo build --release --locked -q
bin=target/release/kartrum
work=$(mktemp -d)
server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

KARTRUM_TOKEN=bench "$bin" serve --demo data/demo.toml --data-dir "$work/store" --port 0 >"$work/log" 2>&1 &
server=$!
for _ in $(seq 600); do grep -q "^listening on" "$work/log" && break; sleep 0.5; done
url=$(sed -n 's/^listening on //p' "$work/log")
for _ in $(seq 600); do grep -q "^map images" "$work/log" && break; sleep 0.5; done
grep "^map images" "$work/log"
result=$(curl -sf -X POST "$url/api/analysis/service-access" -H 'Content-Type: application/json' \
  -d '{"kind":"grocery","bands":{"unit":"min","breaks":[5,10,20,30]},"threshold":30}' | jq -r .layer.id)
layers="kommuner,$result"
bbox="12.1,59.8,16.8,62.3"
echo "kartrum render benchmark, $(nproc) cores, $(date -u +%F): layers $layers over $bbox"

for size in "1024 768" "3508 2480"; do
  read -r w h <<<"$size"
  query="layers=$layers&bbox=$bbox&width=$w&height=$h"
  curl -sf -o /dev/null "$url/api/render?$query"   # warm: networks, shader cache
  times=()
  for _ in $(seq "$runs"); do times+=("$(curl -sf -o "$work/map.png" -w '%{time_total}' "$url/api/render?$query")"); done
  printf '%-10s GET /api/render   median %6.3f s  (runs: %s s)\n' "${w}x$h" "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}"
  /usr/bin/time -f "%e %M" -o "$work/t" "$bin" render --data-dir "$work/store" --profile data/demo.toml \
    --layers "$layers" --bbox "$bbox" --width "$w" --height "$h" --out "$work/cli.png" >/dev/null
  read -r t m <"$work/t"
  printf '%-10s kartrum render    %6.2f s, peak RSS %6.1f MiB (a new process: store, Vulkan device, map)\n' "${w}x$h" "$t" "$(echo "$m / 1024" | bc -l)"
done

view=$(curl -sf -X POST "$url/api/views" -H 'Content-Type: application/json' -H "Authorization: Bearer bench" \
  -d '{"title":"Dagligvaror i Dalarna","camera":{"center":[14.6,61.0],"zoom":6.5},"layers":[{"id":"kommuner","opacity":0.6}],"analysis":{"service":{"kind":"grocery","breaks":[5,10,20,30]}}}' \
  | jq -r .id)
curl -sf -o /dev/null "$url/api/views/$view/report.pdf"
times=()
for _ in $(seq "$runs"); do times+=("$(curl -sf -o "$work/report.pdf" -w '%{time_total}' "$url/api/views/$view/report.pdf")"); done
printf '%-10s GET report.pdf    median %6.3f s  (runs: %s s), %s bytes\n' "A4" "$(printf '%s\n' "${times[@]}" | median)" "${times[*]}" "$(stat -c %s "$work/report.pdf")"
printf 'server peak RSS after all of it: %s\n' "$(grep VmHWM /proc/$server/status | awk '{printf "%.1f MiB", $2/1024}')"
