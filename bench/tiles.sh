#!/usr/bin/env bash
# Vector-tile benchmark: the fixed request list bench/tile-requests.txt (z0–z14 over the demo
# layers, from bench/gen-tile-requests.py) sent by wrk at concurrency 1 and 64, cold cache
# (fresh server, every tile once) and warm cache (looping over the list for DURATION seconds).
# Prints tiles/s, p50 and p99 for each.
#
# Our server: a release `kartrum serve --demo data/demo.toml` on a temporary data directory.
# Martin: when `martin`, PostgreSQL 15 with PostGIS 3 and ogr2ogr are installed, the same list
# runs against Martin serving the same layers (loaded from our store's GeoPackages into
# PostGIS with ogr2ogr) and the ratio ours/Martin in tiles/s is printed. They are installed
# only when asked:
#
#   bench/tiles.sh                    # ours only (wrk is installed from Debian if missing)
#   bench/tiles.sh --install-martin   # also installs PostGIS and Martin 1.14, then compares
#   DURATION=30 bench/tiles.sh        # longer warm runs (default 10 s)
#
# Uses CARGO_TARGET_DIR when set. Needs python3 only to regenerate the request list.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
LIST=$ROOT/bench/tile-requests.txt
LUA=$ROOT/bench/tiles.lua
DURATION=${DURATION:-10}
INSTALL_MARTIN=0
for arg in "$@"; do
  case $arg in
    --install-martin) INSTALL_MARTIN=1 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "unknown argument $arg" >&2; exit 2 ;;
  esac
done

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
apt_install() {
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@"
}

command -v wrk >/dev/null || apt_install wrk
if [ "$INSTALL_MARTIN" = 1 ]; then
  apt_install postgresql-15-postgis-3 gdal-bin
  command -v martin >/dev/null ||
    cargo install martin@1.14.0 --locked --no-default-features --features postgres,pmtiles,mbtiles
fi
PG_BIN=/usr/lib/postgresql/15/bin
HAVE_MARTIN=0
if command -v martin >/dev/null && [ -x "$PG_BIN/initdb" ] && command -v ogr2ogr >/dev/null &&
  ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1; then
  HAVE_MARTIN=1
fi

[ -s "$LIST" ] || python3 "$ROOT/bench/gen-tile-requests.py"
(cd "$ROOT" && CARGO_TARGET_DIR=$TARGET cargo build --release --quiet)
KARTRUM=$TARGET/release/kartrum

WORK=$(mktemp -d /tmp/kartrum-bench.XXXXXX)
SERVER_PID=""
PG_STARTED=0
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  [ "$PG_STARTED" = 1 ] && "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -m fast stop >/dev/null 2>&1
  rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/web"

# Loads the demo once (the first start ingests it), so later starts only read the store.
start_ours() {
  "$KARTRUM" serve --demo "$ROOT/data/demo.toml" --data-dir "$WORK/data" --port 0 \
    --web-dir "$WORK/web" >"$WORK/serve.out" 2>"$WORK/serve.err" &
  SERVER_PID=$!
  for _ in $(seq 1 600); do
    if grep -q "listening on" "$WORK/serve.out" 2>/dev/null; then
      BASE=$(sed -n 's/^listening on //p' "$WORK/serve.out" | head -1)
      return
    fi
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.err" >&2; exit 1; }
    sleep 0.5
  done
  echo "server did not start" >&2
  exit 1
}
stop_ours() {
  kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

# run NAME MODE CONCURRENCY BASE LIST -> prints a row, sets LAST_RATE
run() {
  local name=$1 mode=$2 c=$3 base=$4 list=$5 threads=1 duration=$DURATION
  [ "$c" -gt 1 ] && threads=2
  # wrk always runs for -d; "once" threads stop early and time themselves.
  [ "$mode" = once ] && duration=${ONCE_LIMIT:-60}
  local out
  out=$(wrk -t"$threads" -c"$c" -d"${duration}s" --timeout 30s -s "$LUA" "$base" -- \
    "$mode" "$threads" "$list" | grep '^RESULT')
  local requests seconds p50 p99 errors
  requests=$(sed 's/.*requests=\([0-9]*\).*/\1/' <<<"$out")
  seconds=$(sed 's/.*seconds=\([0-9.]*\).*/\1/' <<<"$out")
  p50=$(sed 's/.*p50_ms=\([0-9.]*\).*/\1/' <<<"$out")
  p99=$(sed 's/.*p99_ms=\([0-9.]*\).*/\1/' <<<"$out")
  errors=$(sed 's/.*errors=\([0-9]*\).*/\1/' <<<"$out")
  LAST_RATE=$(awk -v r="$requests" -v s="$seconds" 'BEGIN { printf "%.0f", r / s }')
  local cache=warm
  [ "$mode" = once ] && cache=cold
  printf "%-8s %-5s c=%-3s %9s tiles/s  p50 %7s ms  p99 %7s ms  (%s requests, %s errors)\n" \
    "$name" "$cache" "$c" "$LAST_RATE" "$p50" "$p99" "$requests" "$errors"
}

# bench NAME START STOP BASE-VAR LIST -> fills RATES[NAME:cold:c] etc.
declare -A RATES
bench() {
  local name=$1 start=$2 stop=$3 list=$4
  for c in 1 64; do
    $start
    run "$name" once "$c" "$BASE" "$list"
    RATES[$name:cold:$c]=$LAST_RATE
    run "$name" loop "$c" "$BASE" "$list"
    RATES[$name:warm:$c]=$LAST_RATE
    $stop
  done
}

echo "$(wc -l <"$LIST") tile requests, wrk, warm runs ${DURATION}s, $(nproc) cores"
echo "loading the demo into $WORK/data…"
start_ours # the first start ingests the demo; later starts only read the store
stop_ours
bench kartrum start_ours stop_ours "$LIST"

if [ "$HAVE_MARTIN" = 0 ]; then
  echo "Martin or PostGIS not installed: skipping the comparison (bench/tiles.sh --install-martin)"
  exit 0
fi

# PostGIS in a throw-away cluster on a Unix socket, with our stored layers in Web Mercator.
# PostgreSQL refuses to run as root: as root, the cluster belongs to the `postgres` user.
PG_AS=()
if [ "$(id -u)" -eq 0 ]; then
  PG_AS=(runuser -u postgres --)
  chmod 755 "$WORK"
fi
PGSOCK=$WORK/pgsock
mkdir -p "$PGSOCK" "$WORK/pg"
[ "$(id -u)" -eq 0 ] && chown postgres "$PGSOCK" "$WORK/pg"
"${PG_AS[@]}" "$PG_BIN/initdb" -D "$WORK/pg" -U bench --auth=trust >/dev/null
"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$WORK/pg" -o "-k $PGSOCK -c listen_addresses=''" \
  -l "$WORK/pg/server.log" start >/dev/null
PG_STARTED=1
"$PG_BIN/createdb" -h "$PGSOCK" -U bench tiles
psql -q -h "$PGSOCK" -U bench -d tiles -c "CREATE EXTENSION postgis" >/dev/null
for gpkg in "$WORK"/data/layers/*.gpkg; do
  id=$(basename "$gpkg" .gpkg)
  ogr2ogr -f PostgreSQL "PG:host=$PGSOCK user=bench dbname=tiles" "$gpkg" -nln "$id" \
    -t_srs EPSG:3857 -nlt PROMOTE_TO_MULTI -lco GEOMETRY_NAME=geom -lco SPATIAL_INDEX=GIST -overwrite
done
psql -q -h "$PGSOCK" -U bench -d tiles -c "ANALYZE" >/dev/null

# Martin's paths: /{source[,source…]}/{z}/{x}/{y}
sed -e 's#^/tiles/##' -e 's#\.mvt$##' -e 's#^#/#' "$LIST" >"$WORK/martin-requests.txt"
MARTIN_PORT=$((20000 + RANDOM % 20000))
start_martin() {
  martin --listen-addresses "127.0.0.1:$MARTIN_PORT" \
    "postgresql://bench@localhost/tiles?host=$PGSOCK" >"$WORK/martin.out" 2>&1 &
  SERVER_PID=$!
  BASE=http://127.0.0.1:$MARTIN_PORT
  for _ in $(seq 1 120); do
    curl -sf "$BASE/catalog" >/dev/null 2>&1 && return
    sleep 0.5
  done
  echo "martin did not start" >&2
  cat "$WORK/martin.out" >&2
  exit 1
}
bench martin start_martin stop_ours "$WORK/martin-requests.txt"

echo "ours / Martin, tiles/s:"
for cache in cold warm; do
  for c in 1 64; do
    awk -v a="${RATES[kartrum:$cache:$c]}" -v b="${RATES[martin:$cache:$c]}" -v k="$cache" -v c="$c" \
      'BEGIN { printf "  %s c=%-3s %.2f\n", k, c, (b > 0 ? a / b : 0) }'
  done
done
