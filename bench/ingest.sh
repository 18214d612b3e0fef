#!/usr/bin/env bash
# Ingest and startup benchmark (issue 2). Prints wall time and peak memory (max RSS) for:
#   - ingesting the 13,155 service points (GeoJSON, WGS84 → SWEREF 99 TM)
#   - ingesting the 2,978 tätort polygons (Shapefile, with validity checks and one repair)
#   - starting the server on the full demo store until /healthz answers
# Usage: bash bench/ingest.sh [runs]   (default 3 runs each; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/setup.sh
setup_for demo
apt_install time
runs=${1:-3}
cargo build --release --locked -q
bin=target/release/kartrum
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

measure_ingest() {
  local label=$1 file=$2 times=() mems=()
  for i in $(seq "$runs"); do
    rm -rf "$work/store"
    /usr/bin/time -f "%e %M" -o "$work/t" "$bin" ingest --data-dir "$work/store" --layer bench "$file" >/dev/null 2>&1
    read -r t m <"$work/t"
    times+=("$t"); mems+=("$m")
  done
  printf '%-34s median %6.2f s   peak RSS %6.1f MiB   (runs: %s s)\n' "$label" \
    "$(printf '%s\n' "${times[@]}" | median)" \
    "$(echo "$(printf '%s\n' "${mems[@]}" | median) / 1024" | bc -l)" "${times[*]}"
}

echo "kartrum ingest/startup benchmark, $(nproc) cores, $(date -u +%F)"
measure_ingest "ingest servicepunkter (13,155 pts)" data/sverige/servicepunkter_se_poi.geojson
measure_ingest "ingest tätortsytor (2,978 polys)" data/sverige/tatorter_lm_1milj_shp

# Startup on the full demo store: build it once, then time start → first /healthz.
rm -rf "$work/store"
"$bin" serve --data-dir "$work/store" --demo data/demo.toml --port 0 --web-dir web >"$work/out" 2>/dev/null &
pid=$!
until grep -q listening "$work/out" 2>/dev/null; do sleep 0.2; done
kill "$pid"; wait "$pid" 2>/dev/null || true
times=() mems=()
for i in $(seq "$runs"); do
  : >"$work/out"
  start=$(date +%s.%N)
  "$bin" serve --data-dir "$work/store" --port 0 --web-dir web >"$work/out" 2>/dev/null &
  pid=$!
  until url=$(grep -o 'http://[0-9.:]*' "$work/out" 2>/dev/null) && curl -sf "$url/healthz" >/dev/null; do sleep 0.02; done
  end=$(date +%s.%N)
  mems+=("$(awk '/VmHWM/ {print $2}' /proc/$pid/status)")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  times+=("$(echo "$end - $start" | bc -l)")
done
printf '%-34s median %6.2f s   peak RSS %6.1f MiB   (%s layers)\n' "startup on the demo store" \
  "$(printf '%s\n' "${times[@]}" | median)" \
  "$(echo "$(printf '%s\n' "${mems[@]}" | median) / 1024" | bc -l)" \
  "$(ls "$work/store/layers" | wc -l)"
