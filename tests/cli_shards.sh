#!/bin/sh
# cli_shards.sh - the examples of docs/examples/ run as written, with the
# variables each engine would set and no cluster: a Kubernetes Indexed Job
# (JOB_COMPLETION_INDEX 0..3 with --shard-count 4), a Slurm array
# (SLURM_ARRAY_TASK_ID 0..3 of SLURM_ARRAY_TASK_COUNT 4), a GitHub Actions
# matrix (--shard 1/4 .. 4/4).  For each: the shards' runs are disjoint and
# their union is the whole suite, the merge step merges them, and the
# merged database's report is byte for byte the one of the same suite run
# on one machine.  A second GitHub pipeline starts from the history: its
# shards split by past wall times (the same plan in every shard), still
# the whole suite, and regress finds every run identical.  TAP from
# --tap is read by prove.  A small suite of seven scenarios keeps it quick.
. "$(dirname "$0")/testlib.sh"
root=$(pwd)
case "$AFSIM" in /*) ;; *) AFSIM="$root/$AFSIM" ;; esac
command -v sqlite3 > /dev/null || bad "sqlite3 is missing (make deps installs it)"

# the work tree: ./afsim, afsim on PATH, scenarios/ (seven, two folders)
work="$tmp/work"
mkdir -p "$work/scenarios/nominal" "$work/scenarios/faults" "$tmp/bin"
ln -s "$AFSIM" "$work/afsim"
ln -s "$AFSIM" "$tmp/bin/afsim"
PATH="$tmp/bin:$PATH"
export PATH
cp scenarios/nominal/autofocus.yaml scenarios/nominal/handoff-b-to-a.yaml "$work/scenarios/nominal/"
cp scenarios/faults/stage-stall.yaml scenarios/faults/turret-jam.yaml scenarios/faults/sensor-glitch.yaml \
	scenarios/camera/dropped-frames.yaml scenarios/stage/early-not-busy.yaml "$work/scenarios/faults/"
n=7

# The script between "# afsim-example: WHAT" and "# afsim-example: end" of
# FILE, its indentation removed.
extract() { # file what
	awk -v m="# afsim-example: $2" '
	{ line = $0; sub(/^[ \t]+/, "", line) }
	line == m { on = 1; next }
	line == "# afsim-example: end" { on = 0 }
	on { print line }' "$1"
}
for f in k8s-indexed-job.yaml github-matrix.yml; do
	for w in shard merge; do
		extract "docs/examples/$f" $w > "$tmp/$f.$w.sh"
		[ -s "$tmp/$f.$w.sh" ] || bad "docs/examples/$f has no '# afsim-example: $w' script"
	done
done

# One machine, the reference: the suite in one run, -j 1.
one() { # invocation -> $tmp/one-INV.db and its report
	(cd "$work" && AFSIM_INVOCATION=$1 ./afsim run scenarios/ --db "$tmp/one-$1.db" > /dev/null 2>&1)
	afsim report --invocation "$1" --db "$tmp/one-$1.db" > "$tmp/one-$1.report" 2>&1
}
# The shards' databases: the scenarios each ran, one per line.
ran() { # db invocation
	sqlite3 "$1" "SELECT scenario FROM runs WHERE invocation = '$2' ORDER BY scenario"
}
# Every scenario once over the shards, none twice, every shard some.
check_union() { # engine invocation db...
	e=$1
	inv=$2
	shift 2
	: > "$tmp/union"
	for d in "$@"; do
		ran "$d" "$inv" > "$tmp/part"
		[ -s "$tmp/part" ] || { bad "$e: shard $d ran nothing"; return; }
		cat "$tmp/part" >> "$tmp/union"
	done
	sort "$tmp/union" > "$tmp/union.sorted"
	ran "$tmp/one-$inv.db" "$inv" > "$tmp/all"
	cmp -s "$tmp/union.sorted" "$tmp/all" && [ "$(wc -l < "$tmp/all")" -eq $n ] \
		&& ok "$e: the 4 shards ran every scenario once ($n)" \
		|| bad "$e: union of the shards: $(tr '\n' ' ' < "$tmp/union.sorted") vs $(tr '\n' ' ' < "$tmp/all")"
}
same_report() { # engine merged-db invocation
	afsim report --invocation "$3" --db "$2" > "$tmp/merged.report" 2>&1
	cmp -s "$tmp/merged.report" "$tmp/one-$3.report" && grep -q "^profiling report: $n runs (1, 2, 3, 4, 5, 6, 7)" "$tmp/merged.report" \
		&& ok "$1: the merged database's report is the one machine's" \
		|| bad "$1: report differs: $(diff "$tmp/one-$3.report" "$tmp/merged.report" | head -4)"
}

# 1. Kubernetes: an Indexed Job of 4 completions, then the merge Job
one k8s-nightly-1
mkdir -p "$work/k8s"
for i in 0 1 2 3; do
	(cd "$work" && JOB_COMPLETION_INDEX=$i RESULTS="$work/k8s" AFSIM_INVOCATION=k8s-nightly-1 \
		sh "$tmp/k8s-indexed-job.yaml.shard.sh") > "$tmp/k8s.$i.out" 2>&1 \
		|| bad "k8s shard $i exits $?: $(tail -2 "$tmp/k8s.$i.out")"
done
grep -q "^shard 1/4 (JOB_COMPLETION_INDEX): 2 of $n scenarios, plan " "$tmp/k8s.0.out" \
	&& ok "k8s: JOB_COMPLETION_INDEX=0 with --shard-count 4 is shard 1/4" || bad "k8s shard line: $(head -1 "$tmp/k8s.0.out")"
check_union k8s k8s-nightly-1 "$work"/k8s/shard-0.db "$work"/k8s/shard-1.db "$work"/k8s/shard-2.db "$work"/k8s/shard-3.db
(cd "$work" && RESULTS="$work/k8s" AFSIM_INVOCATION=k8s-nightly-1 sh "$tmp/k8s-indexed-job.yaml.merge.sh") \
	> "$tmp/k8s.merge" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "^$work/k8s/afsim.db: $n new runs (ids 1\.\.$n)" "$tmp/k8s.merge" && [ -s "$work/k8s/report.md" ] \
	&& ok "k8s: the merge Job merges the 4 shards, reports, blesses the first baseline" || { bad "k8s merge exits $rc"; cat "$tmp/k8s.merge"; }
same_report k8s "$work/k8s/afsim.db" k8s-nightly-1

# 2. Slurm: the array script itself, then the merge script
one slurm-77
mkdir -p "$work/results"
for i in 0 1 2 3; do
	(cd "$work" && SLURM_ARRAY_JOB_ID=77 SLURM_ARRAY_TASK_ID=$i SLURM_ARRAY_TASK_COUNT=4 SLURM_ARRAY_TASK_MIN=0 \
		SLURM_ARRAY_TASK_MAX=3 SLURM_CPUS_PER_TASK=2 AFSIM="$AFSIM" sh "$root/docs/examples/slurm-array.sh") \
		> "$tmp/slurm.$i.out" 2>&1 || bad "slurm task $i exits $?: $(tail -2 "$tmp/slurm.$i.out")"
done
grep -q "^shard 4/4 (SLURM_ARRAY_TASK_ID): [0-9] of $n scenarios, plan " "$tmp/slurm.3.out" \
	&& ok "slurm: SLURM_ARRAY_TASK_ID=3 of 4 is shard 4/4" || bad "slurm shard line: $(head -1 "$tmp/slurm.3.out")"
check_union slurm slurm-77 "$work"/results/shard-0.db "$work"/results/shard-1.db "$work"/results/shard-2.db "$work"/results/shard-3.db
(cd "$work" && AFSIM_INVOCATION=slurm-77 AFSIM="$AFSIM" sh "$root/docs/examples/slurm-merge.sh") > "$tmp/slurm.merge" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "$n new runs (ids 1\.\.$n)" "$tmp/slurm.merge" \
	&& ok "slurm: the merge job merges the array" || { bad "slurm merge exits $rc"; cat "$tmp/slurm.merge"; }
same_report slurm "$work/results/afsim.db" slurm-77

# 3. GitHub Actions: the matrix's shard step, then the merge job's step
one ci-5-1
gh_pipeline() { # invocation
	for s in 1 2 3 4; do
		(cd "$work" && SHARD=$s AFSIM_INVOCATION=$1 GITHUB_STEP_SUMMARY="$work/summary-$1.md" \
			sh "$tmp/github-matrix.yml.shard.sh") > "$tmp/gh.$s.out" 2> "$tmp/gh.$s.err" \
			|| bad "github shard $s exits $?: $(tail -2 "$tmp/gh.$s.err")"
	done
	rm -rf "$work/shards"
	cp -r "$work/shard" "$work/shards"   # download-artifact, merge-multiple
	(cd "$work" && AFSIM_INVOCATION=$1 GITHUB_STEP_SUMMARY="$work/summary-$1.md" \
		sh "$tmp/github-matrix.yml.merge.sh") > "$tmp/gh.merge" 2>&1
}
gh_pipeline ci-5-1
rc=$?
[ $rc -eq 0 ] && ok "github: the merge job exits 0 (the first pipeline blesses its runs)" || { bad "github merge exits $rc"; cat "$tmp/gh.merge"; }
check_union github ci-5-1 "$work"/shard/shard-1.db "$work"/shard/shard-2.db "$work"/shard/shard-3.db "$work"/shard/shard-4.db
same_report github "$work/ci/afsim.db" ci-5-1
[ "$(grep -c '^### afsim run: ' "$work/summary-ci-5-1.md")" -eq 4 ] && grep -q "^## afsim profiling report" "$work/summary-ci-5-1.md" \
	&& ok "github: the step summary has each shard's table and the merged report" \
	|| bad "github summary: $(grep -c '^### afsim run: ' "$work/summary-ci-5-1.md") shard headings"
for s in 1 2 3 4; do
	prove -e cat "$work/shard/shard-$s.tap" > "$tmp/prove.$s" 2>&1 || bad "prove of shard $s's TAP: $(cat "$tmp/prove.$s")"
done
grep -q "^Result: PASS" "$tmp/prove.1" && ok "github: prove reads each shard's TAP (Result: PASS)" || bad "prove: $(cat "$tmp/prove.1")"

# 3b. the next pipeline: from the cached history, split by past wall times
one ci-6-1
cp "$work/ci/afsim.db" "$tmp/history.db"
gh_pipeline ci-6-1
rc=$?
plans=$(grep -h -o "plan [0-9a-f]*" "$tmp"/gh.[1-4].err | sort -u | wc -l)
grep -q "^shard 2/4 (--shard): [0-9] of $n scenarios, expected [0-9.]* s of [0-9.]* s ($n known), plan " "$tmp/gh.2.err" \
	&& [ "$plans" -eq 1 ] && ok "github: from the history every shard splits by past wall times, one plan" \
	|| bad "github second pipeline: $(head -1 "$tmp/gh.2.err"), $plans plans"
check_union "github (history)" ci-6-1 "$work"/shard/shard-1.db "$work"/shard/shard-2.db "$work"/shard/shard-3.db "$work"/shard/shard-4.db
[ $rc -eq 0 ] && grep -q "$n new runs" "$tmp/gh.merge" && grep -q "already there" "$tmp/gh.merge" \
	&& grep -q "^$n runs: 0 regressed, 0 changed within tolerance, $n identical" "$work/regress.md" \
	&& ok "github: the merge skips the history, regress finds all $n identical" || { bad "github second merge exits $rc"; cat "$tmp/gh.merge" "$work/regress.md"; }

# 4. TAP of a failing scenario: prove says so
# (its p95 bound at 330 ms: seed 3 takes 348.4)
sed 's/handoff.total_ms.p95: {max: 400}/handoff.total_ms.p95: {max: 330}/' "$work/scenarios/nominal/handoff-b-to-a.yaml" > "$tmp/b2a.yaml"
(cd "$work" && ./afsim run "$tmp/b2a.yaml" --seed 3 --db "$tmp/t.db" --tap > "$tmp/fail.tap" 2> /dev/null)
rc=$?
prove -e cat "$tmp/fail.tap" > "$tmp/prove.fail" 2>&1
prc=$?
[ $rc -eq 1 ] && [ $prc -ne 0 ] && grep -q "^not ok 1 - handoff-b-to-a$" "$tmp/fail.tap" \
	&& grep -q '^    - "handoff.total_ms.p95 = 348.4 (max 330)"$' "$tmp/fail.tap" && grep -q "^Result: FAIL" "$tmp/prove.fail" \
	&& ok "--tap: a failed scenario is 'not ok' with its expectation, prove fails" || { bad "tap of a failure: exit $rc, prove $prc"; cat "$tmp/fail.tap"; }

finish
