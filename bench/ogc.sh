#!/usr/bin/env bash
# OGC API — Features benchmark: a release `kartrum serve` over the 13,155 service points.
#   1. paging through every service point with limit=1000 by `next` links (14 pages), in CRS84
#      and in EPSG:3006;
#   2. one request of 10,000 features in EPSG:3006 against the same in EPSG:4326.
# Prints wall time, features/s and bytes for each (median of RUNS, default 5). The client is
# Python's http.client on the same machine, reading each body whole and parsing the JSON.
#
#   bench/ogc.sh            # uses $CARGO_TARGET_DIR or ./target
#   RUNS=9 bench/ogc.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
cargo build --release --locked --quiet
bin="${CARGO_TARGET_DIR:-target}/release/kartrum"
store=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$store"; }
trap cleanup EXIT
"$bin" ingest --data-dir "$store" --layer servicepunkter data/sverige/servicepunkter_se_poi.geojson >/dev/null
"$bin" serve --data-dir "$store" --port 0 --web-dir "$store" >"$store/out" 2>/dev/null &
pid=$!
for _ in $(seq 100); do grep -q "listening on" "$store/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^listening on //p' "$store/out")
[ -n "$url" ] || { echo "the server did not start" >&2; exit 1; }
echo "kartrum OGC API benchmark, $(nproc) cores, $(date -u +%F), $RUNS runs each (median)"
python3 - "$url" "$RUNS" <<'PY'
import http.client, json, statistics, sys, time, urllib.parse

base, runs = sys.argv[1], int(sys.argv[2])
host = urllib.parse.urlparse(base).netloc
items = "/ogc/collections/servicepunkter/items"
SWEREF = "http://www.opengis.net/def/crs/EPSG/0/3006"
WGS84 = "http://www.opengis.net/def/crs/EPSG/0/4326"

def fetch(conn, path):
    conn.request("GET", path, headers={"Accept": "application/geo+json"})
    response = conn.getresponse()
    body = response.read()
    assert response.status == 200, (path, response.status, body[:200])
    return body, json.loads(body)

def page_through(crs):
    conn = http.client.HTTPConnection(host)
    path = f"{items}?limit=1000" + (f"&crs={urllib.parse.quote(crs, safe='')}" if crs else "")
    features = pages = size = 0
    start = time.perf_counter()
    while path:
        body, doc = fetch(conn, path)
        features += doc["numberReturned"]; pages += 1; size += len(body)
        nxt = [l["href"] for l in doc["links"] if l["rel"] == "next"]
        path = urllib.parse.urlparse(nxt[0])._replace(scheme="", netloc="").geturl() if nxt else None
    assert features == 13155, features
    return time.perf_counter() - start, features, pages, size

def one_request(crs):
    conn = http.client.HTTPConnection(host)
    path = f"{items}?limit=10000&crs={urllib.parse.quote(crs, safe='')}"
    start = time.perf_counter()
    body, doc = fetch(conn, path)
    return time.perf_counter() - start, doc["numberReturned"], 1, len(body)

def report(label, measure):
    results = [measure() for _ in range(runs)]
    t = statistics.median(r[0] for r in results)
    _, n, pages, size = results[0]
    print(f"{label:<44} {t*1000:8.1f} ms  {n/t:10,.0f} features/s  {pages:3d} pages  {size/1e6:6.2f} MB")

report("paging limit=1000, CRS84", lambda: page_through(None))
report("paging limit=1000, EPSG:3006", lambda: page_through(SWEREF))
report("one request of 10,000, EPSG:4326", lambda: one_request(WGS84))
report("one request of 10,000, EPSG:3006", lambda: one_request(SWEREF))
PY
