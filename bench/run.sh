#!/usr/bin/env bash
# The performance benchmark: every batch command beside `wc -l`, on generated corpora of
# 400, 4,000 and 20,000 transcripts (with charts), plus the machine it ran on.
#
# Usage: bench/run.sh [FRAMEWORK_BIN]
#   FRAMEWORK_BIN   defaults to build/cli/framework (build it with -DCMAKE_BUILD_TYPE=Release)
#   BENCH_SIZES     corpus sizes (default "400 4000 20000"; 20,000 transcripts are ~1.25 GB)
#   BENCH_ROOT=DIR  where corpora go (default /tmp; DIR/framework-bench-N)
#   REPS=N          timed runs per command (default 5), JOBS=N (--jobs), SUMMARISE_ARGS:
#                   passed to commands.sh
#
# A corpus is generated only when its folder does not already hold one made by this same
# generator with the same parameters (a stamp file, DIR/.bench-stamp, records both). The
# `check` against `wc -l` detail for one study: bench/check_vs_wc.sh STUDY [BIN].
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/.." && pwd)
bin=${1:-$repo_root/build/cli/framework}
sizes=${BENCH_SIZES:-400 4000 20000}
root=${BENCH_ROOT:-/tmp}

echo "== machine"
echo "cpu model:    $(lscpu 2> /dev/null | awk -F: '/^Model name/ {gsub(/^ +/, "", $2); print $2; exit}')"
echo "cores:        $(nproc) (nproc)"
echo "memory:       $(awk '/^MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo 2> /dev/null || echo unknown)"
echo "kernel:       $(uname -sr)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows wall times)"
echo "wc:           $(wc --version 2> /dev/null | head -n 1 || echo unknown)"
echo "framework:    $bin ($("$bin" --version 2> /dev/null | head -n 1 || echo 'no --version'))"
echo

for n in $sizes; do
  dir=$root/framework-bench-$n
  gen_args=(--seed 1 --transcripts "$n")
  stamp="gen_corpus.py $(sha256sum "$here/gen_corpus.py" | cut -c1-16) ${gen_args[*]}"
  if [[ ! -f $dir/.bench-stamp || $(cat "$dir/.bench-stamp") != "$stamp" ]]; then
    rm -f "$dir/.bench-stamp"
    mkdir -p "$dir"
    python3 "$here/gen_corpus.py" "${gen_args[@]}" --force -o "$dir"
    echo "$stamp" > "$dir/.bench-stamp"
  fi
done

echo "| transcripts | MB | command | wc -l (ms) | command (ms) | ratio | CPU (s) | peak RSS (MB) | runs (ms) |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in $sizes; do
  "$here/commands.sh" "$root/framework-bench-$n" "$bin"
done
