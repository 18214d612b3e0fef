#!/usr/bin/env bash
# Soak benchmark: a release server on the Dalarna demo store under 60 s of mixed traffic at
# concurrency 32 (tiles, features, catalog, service access, what-ifs, isochrones, requests that
# must be refused, one re-ingest half-way; bench/soak.py). Prints requests/s, p50/p99 per kind,
# answers by status and the server's RSS before and after the load.
#
#   bench/soak.sh                          # 60 s at c=32
#   DURATION=20 CONCURRENCY=8 WARMUP=10 bench/soak.sh   # WARMUP: seconds of load before the start RSS
#
# The server runs with the default limits (kartrum.toml-free); uses CARGO_TARGET_DIR when set.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
(cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build --release --quiet)
KARTRUM=$TARGET/release/kartrum
WORK=$(mktemp -d /tmp/kartrum-soak.XXXXXX)
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/web"
TOKEN=soak-$RANDOM$RANDOM

echo "loading the demo into $WORK/data…"
KARTRUM_TOKEN=$TOKEN "$KARTRUM" serve --demo "$ROOT/data/demo.toml" --data-dir "$WORK/data" \
  --port 0 --web-dir "$WORK/web" >"$WORK/serve.out" 2>"$WORK/serve.err" &
SERVER_PID=$!
for _ in $(seq 1 600); do
  grep -q "listening on" "$WORK/serve.out" 2>/dev/null && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.err" >&2; exit 1; }
  sleep 0.5
done
BASE=$(sed -n 's/^listening on //p' "$WORK/serve.out" | head -1)
[ -n "$BASE" ] || { echo "server did not start" >&2; exit 1; }

python3 "$ROOT/bench/soak.py" --base "$BASE" --pid "$SERVER_PID" --token "$TOKEN" \
  --reingest "$ROOT/data/dalarna/kollektivtrafik_hallplatser.geojson" \
  --duration "${DURATION:-60}" --concurrency "${CONCURRENCY:-32}" --warmup "${WARMUP:-60}"
