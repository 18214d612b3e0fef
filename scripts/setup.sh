#!/usr/bin/env bash
# Installs what Kartrummet needs on Debian 12 (as root), skipping what is already there.
# Sourced by scripts/demo.sh and scripts/test.sh; `setup_for test` adds the browser for tests.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"

apt_install() {
  local missing=()
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  if ((${#missing[@]})); then
    echo "== installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

npm_install() {
  local dir=$1
  [ -f "$dir/package.json" ] || return 0
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "== installing npm packages in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

setup_for() {
  local purpose=$1
  # mesa-vulkan-drivers and libvulkan1: the CPU Vulkan driver maplibre-rs draws map images
  # with; protobuf-compiler: maplibre-rs's vector tile decoder is generated at build time.
  local packages=(libgdal-dev gdal-bin pkg-config gcc libc6-dev ca-certificates curl
    mesa-vulkan-drivers libvulkan1 protobuf-compiler)
  command -v node >/dev/null || packages+=(nodejs)
  command -v npm >/dev/null || packages+=(npm)
  [ "$purpose" = test ] && packages+=(chromium fonts-dejavu-core poppler-utils python3-venv)
  apt_install "${packages[@]}"
  if ! command -v cargo >/dev/null; then
    echo "error: Rust (cargo) is not installed; install the Rust toolchain (rustup) first" >&2
    exit 1
  fi
  npm_install web
  [ "$purpose" = test ] && npm_install tests/web
  return 0
}
