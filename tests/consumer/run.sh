#!/usr/bin/env bash
# Installs the build tree to a temporary prefix, then builds tests/consumer against it twice, with
# find_package(framework) and with pkg-config, and runs both on the example study.
# Usage: run.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build="$1"
source="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null

expect() {  # the consumer's output on the example study
  grep -qx "version $(sed -n 's/^project(framework VERSION \([0-9.]*\).*/\1/p' "$source/CMakeLists.txt")" "$1"
  grep -qx 'errors 0' "$1"
  grep -qx 'transcripts 14' "$1"
  grep -Eqx 'segments [1-9][0-9]*' "$1"
}

cmake -S "$source/tests/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/cmake-build" >/dev/null
"$work/cmake-build/consumer" "$source/examples/ipv-social-work" >"$work/cmake.out"
expect "$work/cmake.out"

pc_dir="$(dirname "$(find "$work/prefix" -name framework.pc | head -1)")"
flags="$(PKG_CONFIG_PATH="$pc_dir" pkg-config --static --cflags --libs framework)"
# shellcheck disable=SC2086
c++ "$source/tests/consumer/consumer.cc" -o "$work/pc-consumer" $flags
"$work/pc-consumer" "$source/examples/ipv-social-work" >"$work/pc.out"
expect "$work/pc.out"
cat "$work/cmake.out"
echo "consumer: find_package and pkg-config builds load the example"
