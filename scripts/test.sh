#!/usr/bin/env bash
# Installs what is missing, then runs every check and test: formatting, clippy, the Rust unit,
# doc and integration tests (real GDAL, real server on 127.0.0.1), and the web map in headless
# Chromium when its tests are present.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
setup_for test

echo "== cargo fmt --check"
cargo fmt --check
echo "== cargo clippy"
cargo clippy --locked --all-targets -- -D warnings
echo "== cargo test"
cargo test --locked
if [ -d tests/web ] && ls tests/web/*.test.* >/dev/null 2>&1; then
  echo "== web map tests (headless Chromium)"
  cargo build --locked --bin kartrum
  node --test tests/web/
fi
