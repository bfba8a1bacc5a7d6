#!/usr/bin/env bash
# Times `framework check` against `wc -l` over the same transcript files.
#
# Usage: bench/check_vs_wc.sh STUDY_DIR [FRAMEWORK_BIN]
#   FRAMEWORK_BIN  defaults to build/cli/framework under the repository root
#   REPS=N         repetitions of each command (default 5); the median wall time is reported
#
# No root tricks: caches are never dropped. The files are read once first so that both
# commands run from a warm page cache, then each command runs once untimed (the check run
# also shows its diagnostics summary) and REPS times timed, alternating wc and check.
# Quality bar: check within 3x the time of wc -l, using every core.
set -euo pipefail

usage() { echo "usage: $0 STUDY_DIR [FRAMEWORK_BIN]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
study=$1
bin=${2:-$repo_root/build/cli/framework}
reps=${REPS:-5}
tdir=$study/transcripts

[[ -f $study/framework.yaml ]] || { echo "$0: no framework.yaml in $study" >&2; exit 2; }
[[ -d $tdir ]] || { echo "$0: no transcripts/ folder in $study" >&2; exit 2; }
[[ -x $bin ]] || { echo "$0: framework binary not found or not executable: $bin" >&2; exit 2; }
[[ $reps =~ ^[1-9][0-9]*$ ]] || { echo "$0: REPS must be a positive integer" >&2; exit 2; }

files=$(find "$tdir" -type f -name '*.txt' | wc -l)
bytes=$(find "$tdir" -type f -name '*.txt' -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')
[[ $files -gt 0 ]] || { echo "$0: no *.txt files under $tdir" >&2; exit 2; }

# Warm the page cache: read every file once.
cat "$study/framework.yaml" "$study"/participants.* > /dev/null 2>&1 || true
find "$tdir" -type f -name '*.txt' -print0 | xargs -0 cat > /dev/null

run_wc() { find "$tdir" -type f -name '*.txt' -print0 | xargs -0 wc -l > /dev/null; }
run_check() { "$bin" check -C "$study" -q > /dev/null 2>&1; }

# Wall time of one run of a function, in nanoseconds.
time_ns() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" || true
  t1=$(date +%s%N)
  echo $((t1 - t0))
}

median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {
  if (NR % 2) print v[(NR + 1) / 2]; else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ms() { awk -v ns="$1" 'BEGIN {printf "%.1f", ns / 1e6}'; }

# Untimed first runs: warm-up, and a look at what check reports (without -q).
run_wc
check_out=$(mktemp)
trap 'rm -f "$check_out"' EXIT
set +e
"$bin" check -C "$study" > "$check_out" 2>&1
check_status=$?
"$bin" check -C "$study" -q > /dev/null 2>&1
quiet_status=$?
set -e
if [[ $quiet_status -ne $check_status ]]; then
  echo "$0: 'check -q' exited $quiet_status but 'check' exited $check_status; is -q supported?" >&2
  exit 1
fi

wc_times=()
check_times=()
for ((i = 0; i < reps; i++)); do
  wc_times+=("$(time_ns run_wc)")
  check_times+=("$(time_ns run_check)")
done
wc_med=$(median "${wc_times[@]}")
check_med=$(median "${check_times[@]}")

# Peak memory of one more check run, when GNU time is available.
peak=""
if [[ -x /usr/bin/time ]]; then
  peak=$(/usr/bin/time -f '%M' "$bin" check -C "$study" -q 2>&1 > /dev/null | tail -n 1 || true)
fi

mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}')
echo "study:        $study"
echo "binary:       $bin"
echo "files:        $files"
echo "total bytes:  $bytes ($mb MB)"
echo "repetitions:  $reps (median wall time; page cache warm)"
echo "wc -l:        $(ms "$wc_med") ms  ($(awk -v b="$bytes" -v ns="$wc_med" 'BEGIN {printf "%.0f", b / 1e6 / (ns / 1e9)}') MB/s)  runs: $(for t in "${wc_times[@]}"; do printf '%s ' "$(ms "$t")"; done)"
echo "check -q:     $(ms "$check_med") ms  ($(awk -v b="$bytes" -v ns="$check_med" 'BEGIN {printf "%.0f", b / 1e6 / (ns / 1e9)}') MB/s)  runs: $(for t in "${check_times[@]}"; do printf '%s ' "$(ms "$t")"; done)"
[[ $peak =~ ^[0-9]+$ ]] && echo "check peak RSS: $((peak / 1024)) MB"
echo "check exit status: $check_status; last lines of its output (without -q):"
tail -n 3 "$check_out" | sed 's/^/  | /'
echo "ratio check/wc: $(awk -v c="$check_med" -v w="$wc_med" 'BEGIN {printf "%.2f", c / w}')"
if [[ $check_status -ne 0 ]]; then
  echo "$0: warning: framework check exited $check_status; the study is not clean (timings kept)" >&2
  exit 1
fi
