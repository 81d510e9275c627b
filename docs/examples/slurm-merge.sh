#!/bin/sh
#SBATCH --job-name=afsim-merge
#SBATCH --time=00:20:00
#SBATCH --output=results/merge.log
# slurm-merge.sh - the merge step of slurm-array.sh (docs/scale.md): once
# the array is done (sbatch --dependency=afterany:<array job id>), fold the
# shards' databases into results/afsim.db - the history the next pipeline
# starts from - write the report and gate on the baseline `main` (the first
# pipeline blesses its own runs).  AFSIM_INVOCATION comes from sbatch
# --export (slurm-<array job id>).
set -eu
RESULTS=${RESULTS:-results}
AFSIM=${AFSIM:-./afsim}
# afsim-example: merge
"$AFSIM" db merge "$RESULTS/afsim.db" "$RESULTS"/shard-*.db
"$AFSIM" report --invocation "$AFSIM_INVOCATION" --format markdown --db "$RESULTS/afsim.db" > "$RESULTS/report.md"
status=0
if "$AFSIM" baseline list main --db "$RESULTS/afsim.db" > /dev/null 2>&1; then
	"$AFSIM" regress --invocation "$AFSIM_INVOCATION" --db "$RESULTS/afsim.db" || status=$?
else
	"$AFSIM" baseline set main --invocation "$AFSIM_INVOCATION" --reason "bootstrap: first sharded run" \
		--db "$RESULTS/afsim.db"
fi
exit "$status"
# afsim-example: end
