#!/usr/bin/env bash
# Corridor benchmark (issue 7): times the analysis of a ~100 km, 2 km wide Stråktrafik corridor
# over the Dalarna demo layers in a release build, and prints the peak memory.
# Usage: bash bench/corridor.sh [runs]   (default 30 runs per case; median and max reported)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked --bench corridor -- "${1:-30}"
