#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs the whole test suite:
# once in a normal build, once under AddressSanitizer + UndefinedBehaviorSanitizer.
# Set FRAMEWORK_SKIP_SANITIZERS=1 to run only the first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
# The HTML export test must run in Chromium here, not skip.
export FRAMEWORK_REQUIRE_BROWSER=1
jobs="$(nproc)"

echo "== build (warnings as errors)"
cmake -S . -B build -DFRAMEWORK_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
echo "== tests"
(cd build && ctest --output-on-failure -j"$jobs")

if [ "${FRAMEWORK_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer)"
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DFRAMEWORK_WERROR=ON -DFRAMEWORK_SANITIZE=ON >/dev/null
  cmake --build build-sanitize -j"$jobs"
  echo "== tests under sanitizers"
  (cd build-sanitize && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j"$jobs" \
    -E 'Chromium')  # the browser tests exercise Chromium, not our code: run once, above
fi
