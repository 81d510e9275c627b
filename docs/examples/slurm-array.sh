#!/bin/sh
#SBATCH --job-name=afsim-shards
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --time=01:00:00
#SBATCH --output=results/shard-%a.log
# slurm-array.sh - afsim's scenario library in 4 shards as a Slurm job
# array (docs/scale.md).  Slurm gives each task SLURM_ARRAY_TASK_ID (0..3)
# and SLURM_ARRAY_TASK_COUNT (4), and `afsim run` picks that shard of the
# sorted library; each writes a database of its own; slurm-merge.sh, a job
# that depends on the array, folds them together.  From the top of the
# source tree (a shared file system), after `make`:
#
#   mkdir -p results
#   jid=$(sbatch --parsable docs/examples/slurm-array.sh)
#   sbatch --dependency=afterany:$jid --export=ALL,AFSIM_INVOCATION=slurm-$jid \
#          docs/examples/slurm-merge.sh
#
# The array's id names the pipeline: every shard records its runs under
# AFSIM_INVOCATION=slurm-<array job id>, which the merge job is given too.
# tests/cli_shards.sh runs this script as written, with the variables
# Slurm would set.
set -eu
RESULTS=${RESULTS:-results}
AFSIM=${AFSIM:-./afsim}
export AFSIM_INVOCATION="${AFSIM_INVOCATION:-slurm-$SLURM_ARRAY_JOB_ID}"
# afsim-example: shard
db="$RESULTS/shard-$SLURM_ARRAY_TASK_ID.db"
rm -f "$db" "$db-wal" "$db-shm"
# the history, when there is one: every shard splits the library by the
# same past wall times (and the merge skips what it already has)
if [ -f "$RESULTS/afsim.db" ]; then cp "$RESULTS/afsim.db" "$db"; fi
status=0
"$AFSIM" run -j "${SLURM_CPUS_PER_TASK:-1}" scenarios/ --db "$db" \
	--junit "$RESULTS/junit-$SLURM_ARRAY_TASK_ID.xml" || status=$?
# a failed expectation (1) is the merge's to judge; a harness error (3) fails the task
[ "$status" -le 1 ]
# afsim-example: end
