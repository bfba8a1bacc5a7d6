#!/usr/bin/env bash
# Installs what is missing, builds framework, and runs it on the bundled example study.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)" --target framework_cli
example=examples/ipv-social-work
echo
echo "\$ framework check -C $example"
build/cli/framework check -C "$example"
echo
echo "\$ framework codes -C $example"
build/cli/framework codes -C "$example"
