#!/usr/bin/env bash
# Times every batch command over one study, each beside `wc -l` over the same files (the
# transcripts and the chart files) in the same run, and records each command's peak memory (GNU /usr/bin/time -v, "Maximum resident set
# size").
#
# Usage: bench/commands.sh STUDY_DIR [FRAMEWORK_BIN]
#   FRAMEWORK_BIN   defaults to build/cli/framework under the repository root
#   REPS=N          timed runs of each command (default 5); the median wall time is reported
#   JOBS=N          passed as --jobs N (default: unset, every core)
#   SUMMARISE_ARGS  arguments for `framework summarise` (default: none)
#   ONLY="a b"      run only the commands whose row name starts with one of these words
#                   (check, chart, export, export-wide, summarise, quotes)
#
# Prints one Markdown table row per command:
#   | transcripts | MB (transcripts+charts) | command | wc -l ms | command ms | ratio | CPU s | peak RSS MB | runs (ms) |
# CPU s: the command's user + system seconds over wc -l's (find + xargs + wc), medians, and
# their ratio; less disturbed than wall time when other work shares the machine.
# No root tricks: the page cache is warmed by reading every file once, then each command runs
# once untimed, then REPS times, alternating with wc -l. A command that is not in this binary
# (e.g. summarise before it is built) gets a row saying "not yet built".
set -euo pipefail

usage() { echo "usage: $0 STUDY_DIR [FRAMEWORK_BIN]" >&2; exit 2; }
[[ $# -ge 1 && $# -le 2 ]] || usage
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
study=$1
bin=${2:-$repo_root/build/cli/framework}
reps=${REPS:-5}
tdir=$study/transcripts
[[ -f $study/framework.yaml && -d $tdir ]] || { echo "$0: not a study: $study" >&2; exit 2; }
[[ -x $bin ]] || { echo "$0: no framework binary at $bin" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "$0: GNU time is missing (apt-get install time)" >&2; exit 2; }

jobs=()
[[ -n ${JOBS:-} ]] && jobs=(--jobs "$JOBS")
files=$(find "$tdir" -type f -name '*.txt' | wc -l)
bytes=$(find "$tdir" -type f -name '*.txt' -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}')
theme=$(awk '/^  - id: / {print $3; exit}' "$study/framework.yaml")
subtheme=$(awk '/^      - id: / {print $3; exit}' "$study/framework.yaml")
# The files wc -l reads: every transcript and every chart file (charts/*.yaml), NUL-separated.
list_files() {
  find "$tdir" -type f -name '*.txt' -print0
  [[ -d $study/charts ]] && find "$study/charts" -maxdepth 1 -type f -name '*.yaml' -print0
  return 0
}
chart_bytes=0
[[ -d $study/charts ]] && chart_bytes=$(find "$study/charts" -maxdepth 1 -type f -name '*.yaml' \
  -printf '%s\n' | awk '{s += $1} END {printf "%d", s}')
mb=$(awk -v b="$bytes" -v c="$chart_bytes" 'BEGIN {printf "%.1f+%.1f", b / 1e6, c / 1e6}')

list_files | xargs -0 cat > /dev/null
cat "$study"/*.yaml > /dev/null 2>&1 || true

list=$(mktemp)
list_files > "$list"
export list
timed_wc() { /usr/bin/time -v -o "$wc_rss_file" bash -c 'xargs -0 wc -l < "$list" > /dev/null'; }
cpu_ms() { awk -F': ' '/User time|System time/ {s += $2} END {printf "%d", s * 1000}' "$1"; }
time_ns() {
  local t0 t1
  t0=$(date +%s%N)
  "$@" > /dev/null 2>&1 || true
  t1=$(date +%s%N)
  echo $((t1 - t0))
}
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {
  if (NR % 2) print v[(NR + 1) / 2]; else printf "%d\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ms() { awk -v ns="$1" 'BEGIN {printf "%.0f", ns / 1e6}'; }

rss_file=$(mktemp)
wc_rss_file=$(mktemp)
out_dir=$(mktemp -d)
trap 'rm -rf "$rss_file" "$wc_rss_file" "$list" "$out_dir"' EXIT

# One command: NAME, then the framework arguments.
bench() {
  local name=$1
  shift
  if [[ -n ${ONLY:-} ]]; then
    local w keep=0
    for w in $ONLY; do [[ $name == "$w"* ]] && keep=1; done
    ((keep)) || return 0
  fi
  local cmd=("$bin" "$@" -C "$study" "${jobs[@]}")
  local status=0
  "${cmd[@]}" > /dev/null 2>&1 || status=$?
  # check exits 1 when it finds stale cells (warnings do not count) or errors: report, go on.
  [[ $status -le 1 ]] || { echo "| $files | $mb | \`$name\` | | failed (exit $status) | | | | |"; return; }
  local wc_t=() t=() cpu=() wc_cpu=() peak=0 r
  for ((i = 0; i < reps; i++)); do
    wc_t+=("$(time_ns timed_wc)")
    wc_cpu+=("$(cpu_ms "$wc_rss_file")")
    t+=("$(time_ns /usr/bin/time -v -o "$rss_file" "${cmd[@]}")")
    r=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$rss_file")
    ((r > peak)) && peak=$r
    cpu+=("$(cpu_ms "$rss_file")")
  done
  local wm cm
  wm=$(median "${wc_t[@]}")
  cm=$(median "${t[@]}")
  echo "| $files | $mb | \`$name\` | $(ms "$wm") | $(ms "$cm") | $(awk -v c="$cm" -v w="$wm" \
    'BEGIN {printf "%.2f", c / w}') | $(awk -v c="$(median "${cpu[@]}")" -v w="$(median "${wc_cpu[@]}")" \
    'BEGIN {printf "%.2f / %.2f = %.1f", c / 1000, w / 1000, (w > 0 ? c / w : 0)}') | $((peak / 1024)) | $(for x in "${t[@]}"; do printf '%s ' "$(ms "$x")"; done)|"
}

bench "check" check -q
bench "chart $theme" chart "$theme" --pager never
bench "chart $theme --format json" chart "$theme" --format json
bench "export-wide (csv, a file per theme)" export --format csv -o "$out_dir/wide"
bench "export --long (segments, csv)" export --format csv --long
bench "export --long --content summary" export --format csv --long --content summary
bench "export --format json" export --format json
bench "export --format xlsx" export --format xlsx -o "$out_dir/out.xlsx"
if "$bin" summarise --help > /dev/null 2>&1; then
  # shellcheck disable=SC2086
  bench "summarise ${SUMMARISE_ARGS:-}" summarise ${SUMMARISE_ARGS:-}
else
  echo "| $files | $mb | \`summarise\` | | not yet built | | | | |"
fi
bench "quotes $theme.$subtheme" quotes "$theme.$subtheme"
