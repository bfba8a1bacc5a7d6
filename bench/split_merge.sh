#!/usr/bin/env bash
# Proves that a split export merges to the single run's bytes, on a generated corpus:
# lists the transcripts, deals them into PARTS lists, exports each part in parallel with
# `framework export --format json --only-from LIST` (GNU parallel when installed, else xargs -P),
# merges the parts with `framework merge`, and compares with one `framework export --format json`.
#
# Usage: bench/split_merge.sh [STUDY_DIR] [FRAMEWORK_BIN]
#   STUDY_DIR       default: a corpus of BENCH_TRANSCRIPTS (default 400) generated into
#                   /tmp/framework-split-N by gen_corpus.py (with charts)
#   FRAMEWORK_BIN   default: build/cli/framework under the repository root
#   PARTS=K         number of parts (default 4)
#   JOBS=N          parts exported at once (default 2), each with --jobs 1
# Exits 0 when the bytes are identical, 1 when they differ.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(cd "$here/.." && pwd)
n=${BENCH_TRANSCRIPTS:-400}
study=${1:-/tmp/framework-split-$n}
bin=${2:-$repo_root/build/cli/framework}
parts=${PARTS:-4}
jobs=${JOBS:-2}
[[ -x $bin ]] || { echo "$0: no framework binary at $bin" >&2; exit 2; }
if [[ ! -f $study/framework.yaml ]]; then
  python3 "$here/gen_corpus.py" --transcripts "$n" --force -q -o "$study"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Deal the transcripts' names (without .txt, so --only matches the stem) into PARTS lists.
find "$study/transcripts" -name '*.txt' -printf '%f\n' | sed 's/\.txt$//' | sort |
  awk -v k="$parts" -v dir="$work" '{print > (dir "/list" (NR % k) ".txt")}'

t0=$(date +%s%N)
"$bin" export -C "$study" --format json -o "$work/single.json" -q
t1=$(date +%s%N)
export_part() { "$1" export -C "$2" --format json --jobs 1 --only-from "$3" -o "${3%.txt}.json" -q; }
export -f export_part
if command -v parallel > /dev/null; then
  ls "$work"/list*.txt | parallel -j "$jobs" export_part "$bin" "$study" {}
else
  ls "$work"/list*.txt | xargs -P "$jobs" -I{} bash -c 'export_part "$@"' _ "$bin" "$study" {}
fi
t2=$(date +%s%N)
"$bin" merge "$work"/list*.json -o "$work/merged.json" -q
t3=$(date +%s%N)

ms() { echo $((($2 - $1) / 1000000)); }
echo "study:   $study ($(find "$study/transcripts" -name '*.txt' | wc -l) transcripts)"
echo "single:  $(ms "$t0" "$t1") ms, $(stat -c %s "$work/single.json") bytes"
echo "parts:   $parts in $(ms "$t1" "$t2") ms ($jobs at a time), $(cat "$work"/list*.json | wc -c) bytes"
echo "merge:   $(ms "$t2" "$t3") ms"
if cmp -s "$work/single.json" "$work/merged.json"; then
  echo "identical: yes ($(sha256sum < "$work/merged.json" | cut -c1-16))"
else
  echo "identical: NO"
  cmp "$work/single.json" "$work/merged.json" || true
  exit 1
fi
