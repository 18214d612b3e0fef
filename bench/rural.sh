#!/usr/bin/env bash
# Benchmark: full rural classification of Dalarna (4,004 grid cells, bus network, tätort points
# and polygons), release build. Prints wall time and peak memory (max RSS) of the analysis
# process; ingest runs in separate processes and is not counted.
#
#   bench/rural.sh            # uses $CARGO_TARGET_DIR or ./target
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin="${CARGO_TARGET_DIR:-target}/release/kartrum"
store="$(mktemp -d)"
trap 'rm -rf "$store"' EXIT
ingest() { "$bin" ingest --data-dir "$store" --layer "$1" "${@:3}" "$2" >/dev/null; }
ingest busslinjer data/dalarna/kollektivtrafik_linjer.geojson
ingest befolkning_1km data/dalarna/befolkning_1km_2025.geojson
ingest tatorter data/sverige/tatorter_scb_2020_punkter.geojson
ingest tatortsytor data/sverige/tatorter_lm_1milj_shp/mb_riks.shp
ingest kommuner data/sverige/kommuner_scb_2024.geojson
for towns in "tatorter" "tatortsytor --towns-population BEF"; do
    echo "== towns: $towns"
    # shellcheck disable=SC2086
    /usr/bin/time -f "wall %e s, peak memory %M KiB (max RSS)" \
        "$bin" analyze rural --data-dir "$store" --profile data/demo.toml --towns $towns | tail -n 2
done
