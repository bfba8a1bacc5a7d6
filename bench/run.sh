#!/usr/bin/env bash
# The performance benchmark: `framework check` against `wc -l` over a generated corpus.
#
# Usage: bench/run.sh [FRAMEWORK_BIN]
#   FRAMEWORK_BIN        defaults to build/cli/framework under the repository root
#   BENCH_TRANSCRIPTS=N  corpus size (default 4000 transcripts, about 250 MB)
#   BENCH_DIR=DIR        where the corpus goes (default /tmp/framework-bench-N)
#   REPS=N               repetitions per command (default 5), passed to check_vs_wc.sh
#
# The corpus is generated only when DIR does not already hold one made by this same generator
# with the same parameters (a stamp file, DIR/.bench-stamp, records both).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/.." && pwd)
bin=${1:-$repo_root/build/cli/framework}
n=${BENCH_TRANSCRIPTS:-4000}
dir=${BENCH_DIR:-/tmp/framework-bench-$n}
gen_args=(--seed 1 --transcripts "$n")

echo "== machine"
echo "cpus (nproc): $(nproc)"
model=$(grep -m1 -E '^(model name|Model|Hardware|cpu model)' /proc/cpuinfo 2> /dev/null | cut -d: -f2- | sed 's/^ *//' || true)
echo "cpu model:    ${model:-unknown}"
echo "memory:       $(awk '/^MemTotal/ {printf "%.1f GB", $2 / 1048576}' /proc/meminfo 2> /dev/null || echo unknown)"
echo "kernel:       $(uname -sr)"
echo "wc:           $(wc --version 2> /dev/null | head -n 1 || echo unknown)"
if [[ -x $bin ]]; then
  echo "framework:    $("$bin" --version 2> /dev/null | head -n 1 || echo '(no --version)')"
fi
echo

stamp="gen_corpus.py $(sha256sum "$here/gen_corpus.py" | cut -c1-16) ${gen_args[*]}"
echo "== corpus: $dir"
if [[ -f $dir/.bench-stamp && $(cat "$dir/.bench-stamp") == "$stamp" ]]; then
  echo "present, same parameters ($stamp)"
else
  rm -f "$dir/.bench-stamp"
  mkdir -p "$dir"
  python3 "$here/gen_corpus.py" "${gen_args[@]}" --force -o "$dir"
  echo "$stamp" > "$dir/.bench-stamp"
fi
echo

echo "== check vs wc"
exec "$here/check_vs_wc.sh" "$dir" "$bin"
