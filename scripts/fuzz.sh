#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/*_fuzzer.cc) with clang and runs each for a bounded time.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# SECONDS per target (default 60); TARGETs by name (transcript, chart, ...; default: all).
# Each target starts from a corpus collected at run time from the files its source names on
# `// fuzz-seeds:` lines (study folders on `// fuzz-seeds-study:` lines, packed into one input
# each), plus its regression inputs in tests/fuzz-regressions/<target>/, plus whatever earlier
# runs found (kept in the build folder). Exits non-zero if any target crashes, leaks, times out
# (a unit slower than FUZZ_TIMEOUT seconds, default 10) or runs out of memory; the input that
# did it is saved under $FUZZ_BUILD_DIR/fuzz-artifacts/<target>/.
#
# Environment: FUZZ_BUILD_DIR (default build-fuzz), FUZZ_TIMEOUT, FUZZ_RSS_MB (default 2048),
# FUZZ_JOBS (build parallelism, default nproc).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
seconds="${1:-60}"
shift || true
build="${FUZZ_BUILD_DIR:-build-fuzz}"
timeout="${FUZZ_TIMEOUT:-10}"
rss="${FUZZ_RSS_MB:-2048}"

command -v clang++ >/dev/null || { echo "fuzz: clang++ not found (apt-get install clang)" >&2; exit 2; }

echo "== build fuzz targets (clang, libFuzzer + AddressSanitizer + UBSan) in $build"
# FUZZ_CONFIGURED=1: $build is already configured with -DFRAMEWORK_BUILD_FUZZERS=ON (scripts/test.sh
# shares its clang sanitizer build), so it is used as it is; otherwise it is configured here with
# only the library and the fuzz targets.
if [ "${FUZZ_CONFIGURED:-0}" != 1 ]; then
  cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DFRAMEWORK_BUILD_FUZZERS=ON -DFRAMEWORK_BUILD_TESTS=OFF -DFRAMEWORK_WERROR=ON >/dev/null
fi
targets=("$@")
if ((${#targets[@]} == 0)); then
  for f in fuzz/*_fuzzer.cc; do
    n="$(basename "$f" _fuzzer.cc)"
    targets+=("$n")
  done
fi
build_targets=()
for t in "${targets[@]}"; do
  [ -f "fuzz/${t}_fuzzer.cc" ] || { echo "fuzz: no target '$t' (fuzz/${t}_fuzzer.cc)" >&2; exit 2; }
  build_targets+=("fuzz_$t")
done
cmake --build "$build" -j"${FUZZ_JOBS:-$(nproc)}" --target "${build_targets[@]}"

# The `// KEY: a b c` words of a target's source.
directive() { sed -n "s|^// $2: ||p" "fuzz/${1}_fuzzer.cc" | tr ' ' '\n' | sed '/^$/d'; }

# A study folder as one input of the study target: "@@ <path>" before each file.
pack_study() {
  (cd "$1" && find . -type f ! -path '*/.*' | sed 's|^\./||' | LC_ALL=C sort | while read -r f; do
    printf '@@ %s\n' "$f"
    cat "$f"
  done)
}

failed=()
summary=()
for t in "${targets[@]}"; do
  corpus="$build/fuzz-corpus/$t"
  artifacts="$build/fuzz-artifacts/$t"
  seeds="$build/fuzz-seeds/$t"
  mkdir -p "$corpus" "$artifacts"
  rm -rf "$seeds" && mkdir -p "$seeds"
  shopt -s nullglob
  while read -r pattern; do
    for f in $pattern; do
      [ -f "$f" ] && cp "$f" "$seeds/$(echo "$f" | tr '/' '_')"
    done
  done < <(directive "$t" fuzz-seeds)
  while read -r pattern; do
    for d in $pattern; do
      [ -d "$d" ] && pack_study "$d" >"$seeds/$(echo "$d" | tr '/' '_')"
    done
  done < <(directive "$t" fuzz-seeds-study)
  for f in tests/fuzz-regressions/"$t"/*; do cp "$f" "$seeds/regression_$(basename "$f")"; done
  shopt -u nullglob
  dict="$build/fuzz-seeds/$t.dict"
  : >"$dict"
  while read -r d; do cat "fuzz/$d" >>"$dict"; done < <(directive "$t" fuzz-dict)
  dict_flag=()
  [ -s "$dict" ] && dict_flag=(-dict="$dict")

  log="$build/fuzz-logs/$t.log"
  mkdir -p "$(dirname "$log")"
  echo "== fuzz $t for ${seconds}s ($(ls "$seeds" | wc -l) seeds, log $log)"
  status=0
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1}" \
    nice "$build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout="$timeout" -rss_limit_mb="$rss" \
    -print_final_stats=1 -artifact_prefix="$root/$artifacts/" "${dict_flag[@]}" \
    "$corpus" "$seeds" >"$log" 2>&1 || status=$?
  execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  line="$t: ${seconds}s, ${execs:-?} runs, corpus $(ls "$corpus" | wc -l) inputs"
  if [ "$status" -ne 0 ]; then
    failed+=("$t")
    line+=", FAILED (exit $status)"
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*runtime error|ALARM|artifact_prefix|Test unit written)" "$log" | head -20 >&2 || true
  fi
  echo "   $line"
  summary+=("$line")
done

echo "== fuzz summary"
printf '   %s\n' "${summary[@]}"
if ((${#failed[@]} > 0)); then
  echo "fuzz: findings in: ${failed[*]} (inputs under $build/fuzz-artifacts/)" >&2
  exit 1
fi
