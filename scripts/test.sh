#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs the whole test suite:
# once in a normal build, once under AddressSanitizer + UndefinedBehaviorSanitizer.
# The sanitizer build uses clang (installed by setup.sh --test) and also holds the libFuzzer
# targets, each then run briefly (FRAMEWORK_FUZZ_SECONDS per target, default 8; 0 skips them;
# scripts/fuzz.sh runs longer). Without clang++, a GCC sanitizer build and no fuzzing.
# Set FRAMEWORK_SKIP_SANITIZERS=1 to run only the first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
# The HTML export test must run in Chromium here, not skip.
export FRAMEWORK_REQUIRE_BROWSER=1
jobs="$(nproc)"

echo "== build (warnings as errors)"
# Optimised like a release (-O2, the level the warnings are checked at) but without debug info, and
# the test code itself at -O0: the same checks, in about half the build time.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
  -DFRAMEWORK_TESTS_UNOPTIMISED=ON -DFRAMEWORK_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
echo "== tests"
(cd build && ctest --output-on-failure -j"$jobs")

# Under the sanitizers the browser tests are left out (they exercise Chromium, not our code), and
# so are the 600 kills of the real binary (they test the file system's rename, not memory safety;
# the library-level kill test still runs): both ran above.
sanitizer_ctest() {
  (cd "$1" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest --output-on-failure -j"$jobs" \
    -E 'Chromium|crash safety: .framework|import atomicity: killed')
}

fuzz_seconds="${FRAMEWORK_FUZZ_SECONDS:-8}"
if [ "${FRAMEWORK_SKIP_SANITIZERS:-0}" != 1 ]; then
  if command -v clang++ >/dev/null; then
    # One clang build serves both: the tests under AddressSanitizer + UBSan, and the libFuzzer
    # targets (the same instrumentation plus coverage), so the library is compiled once for both.
    echo "== build with clang (AddressSanitizer + UndefinedBehaviorSanitizer + fuzz targets)"
    # -O1 without debug info: quick to compile, fast enough to test and fuzz; ASan and UBSan
    # still name the function and file of every frame. The test code itself at -O0 (it is
    # still instrumented: ASan and UBSan check it too).
    cmake -S . -B build-clang-sanitize -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE= \
      -DCMAKE_CXX_FLAGS=-O1 -DFRAMEWORK_BUILD_FUZZERS=ON -DFRAMEWORK_TESTS_UNOPTIMISED=ON \
      -DFRAMEWORK_WERROR=ON >/dev/null
    cmake --build build-clang-sanitize -j"$jobs"
    echo "== tests under sanitizers"
    sanitizer_ctest build-clang-sanitize
    if [ "$fuzz_seconds" != 0 ]; then
      FUZZ_BUILD_DIR=build-clang-sanitize FUZZ_CONFIGURED=1 FUZZ_JOBS="$jobs" \
        scripts/fuzz.sh "$fuzz_seconds"
    fi
  else
    echo "== build (AddressSanitizer + UndefinedBehaviorSanitizer; no clang++, so no fuzz targets)"
    cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DFRAMEWORK_WERROR=ON -DFRAMEWORK_SANITIZE=ON >/dev/null
    cmake --build build-sanitize -j"$jobs"
    echo "== tests under sanitizers"
    sanitizer_ctest build-sanitize
  fi
fi
