#!/usr/bin/env bash
# Installs the Debian 12 packages framework needs to build and test, and only those missing.
# Run as root (or with sudo available). Does nothing when everything is present.
# --test: also what only the test suite needs.
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libcli11-dev libyaml-cpp-dev libicu-dev libsimdjson-dev nlohmann-json3-dev libxlsxwriter-dev
  libzip-dev libpugixml-dev libxml2-utils
  doctest-dev python3 python3-jsonschema python3-yaml
)
# Only the tests and benchmarks need these (scripts/test.sh passes --test): a real browser for the
# HTML export, with fonts, and pdftotext to read its PDF back; clang for the fuzz targets; GNU time
# and Google Benchmark for bench/.
if [ "${1:-}" = "--test" ]; then
  packages+=(chromium fonts-liberation fonts-dejavu-core poppler-utils clang time libbenchmark-dev)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: run as root to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
