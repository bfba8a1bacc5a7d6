#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs the whole test suite:
# once in a normal build, once under AddressSanitizer + UndefinedBehaviorSanitizer.
# Then, when clang++ is installed, builds the libFuzzer targets and runs each briefly
# (FRAMEWORK_FUZZ_SECONDS per target, default 20; 0 skips them; scripts/fuzz.sh runs longer).
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
    -E 'Chromium|crash safety: .framework')
  # Left out above, run once in the normal build: the browser tests exercise Chromium, not our
  # code, and the 400 kills of the real binary test the file system's rename, not memory safety
  # (the library-level kill test still runs here).
fi

fuzz_seconds="${FRAMEWORK_FUZZ_SECONDS:-20}"
if [ "${FRAMEWORK_SKIP_SANITIZERS:-0}" != 1 ] && [ "$fuzz_seconds" != 0 ]; then
  if command -v clang++ >/dev/null; then
    FUZZ_BUILD_DIR=build-fuzz FUZZ_JOBS="$jobs" scripts/fuzz.sh "$fuzz_seconds"
  else
    echo "== fuzz targets skipped: clang++ not installed (scripts/setup.sh installs it)"
  fi
fi
