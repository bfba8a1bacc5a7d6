#!/usr/bin/env bash
# A Slurm array job that exports a large study in parts and merges them: one array task per
# part, then one dependent job that joins the parts. Submit from the study folder:
#
#   sbatch --array=0-15 scripts/slurm-export.sh          # 16 parts
#   sbatch --dependency=afterok:<ARRAY_JOB_ID> --wrap \
#     'framework merge parts/part-*.json -o export.json'
#
# Each task takes every PARTS-th transcript (by sorted file name), so the parts are disjoint and
# cover the study; `framework merge` refuses overlapping parts and parts of different studies,
# and its output is byte-identical to one `framework export --format json` over the whole study.
#SBATCH --job-name=framework-export
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --time=00:30:00
#SBATCH --output=parts/slurm-%A_%a.log
set -euo pipefail

task=${SLURM_ARRAY_TASK_ID:?run as an array job: sbatch --array=0-N-1}
parts=${SLURM_ARRAY_TASK_COUNT:?run as an array job}
mkdir -p parts
list=parts/list-$task.txt
find transcripts -name '*.txt' -printf '%P\n' | sort | sed 's/\.txt$//' |
  awk -v k="$parts" -v i="$task" '(NR - 1) % k == i {print "transcripts/" $0 ".txt"}' > "$list"
framework export --format json --jobs "${SLURM_CPUS_PER_TASK:-2}" --only-from "$list" \
  -o "parts/part-$(printf '%04d' "$task").json"
