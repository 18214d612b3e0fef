#!/usr/bin/env bash
# Installs what is missing, builds, loads the bundled Dalarna demo into the store on first start
# and serves the API and the web map at http://127.0.0.1:8080 (KARTRUM_PORT to change).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_for demo
cargo build --release --locked
exec target/release/kartrum serve \
  --data-dir "${KARTRUM_DATA_DIR:-kartrum-data}" \
  --port "${KARTRUM_PORT:-8080}" \
  --demo data/demo.toml \
  --web-dir web
