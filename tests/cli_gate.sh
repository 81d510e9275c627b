#!/bin/sh
# cli_gate.sh - the regression gate and the report as a CI job and a new
# user meet them (issue 9), end to end on a temporary database:
#   - the first pipeline blesses its own invocation (baseline set --invocation
#     last), later ones compare exactly the runs of their invocation
#     (regress --invocation last), --latest says how old each run is and
#     warns when they come from several invocations, --since selects by age;
#   - a killed run is named ABORTED by report and refused by regress (exit 3)
#     unless --allow-incomplete, never picked by --latest, never blessed;
#   - the output opens with a summary, one line per run, units on values;
#     the first divergent event names the op and the fields that differ;
#   - the report counts a run named twice once, counts a failed calibration
#     as failed, gives autofocus its section, names injected faults and HAL
#     errors apart, and advises only what the run's configuration does not
#     do already; "baseline set ''" is a usage error; singular counts.
set -u
cd "$(dirname "$0")/.."
AFSIM=${AFSIM:-./afsim}
tmp=$(mktemp -d)
bg=
trap '[ -n "$bg" ] && kill -9 "$bg" 2> /dev/null; rm -rf "$tmp"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; }
db="$tmp/ci.db"
AFSIM_DB=$db
export AFSIM_DB
fast=scenarios/nominal/handoff-fast.yaml
ultra=scenarios/nominal/handoff-ultra-fast.yaml

# expect NAME WANT-EXIT FILE PATTERN... : the command that wrote FILE exited
# $rc; every fixed-string PATTERN is a line of FILE (grep -x -F)
expect() {
	name=$1 want=$2 file=$3
	shift 3
	if [ "$rc" -ne "$want" ]; then
		bad "$name: exit $rc, want $want"
		cat "$file"
		return
	fi
	for p in "$@"; do
		if ! grep -q -x -F -- "$p" "$file"; then
			bad "$name: no line '$p'"
			cat "$file"
			return
		fi
	done
	ok "$name"
}

# 1. the first pipeline: no baseline yet; it blesses its own invocation
AFSIM_INVOCATION=ci-1 "$AFSIM" run "$fast" "$ultra" > "$tmp/run1.txt" 2>&1
rc=$?
expect "first pipeline runs" 0 "$tmp/run1.txt"
"$AFSIM" regress --invocation last > "$tmp/r0.txt" 2>&1
rc=$?
expect "no baseline yet: nothing to compare, exit 3" 3 "$tmp/r0.txt" \
	"afsim regress: nothing to compare: no baseline 'main' for any run's scenario"
"$AFSIM" baseline set main --invocation last --reason bootstrap > "$tmp/b.txt" 2>&1
rc=$?
expect "baseline set main --invocation last blesses the invocation's runs" 0 "$tmp/b.txt" \
	"baseline 'main' of scenario 'handoff-fast': run 1 (trace 3a285fd035c6ef07)" \
	"baseline 'main' of scenario 'handoff-ultra-fast': run 2 (trace 1e127e8afe15112c)"

# 2. a later pipeline runs one scenario: the gate compares that run only
AFSIM_INVOCATION=ci-2 "$AFSIM" run "$fast" > /dev/null 2>&1
"$AFSIM" regress --invocation last > "$tmp/r1.txt" 2>&1
rc=$?
expect "regress --invocation last compares this invocation's 1 run" 0 "$tmp/r1.txt" \
	"regress against baseline 'main': 1 run" \
	"summary: 0 regressed, 0 changed within tolerance, 1 identical, 0 with nothing to compare"
[ "$(wc -l < "$tmp/r1.txt")" -eq 4 ] && ok "an identical run is one line (4 lines in all)" \
	|| { bad "regress printed $(wc -l < "$tmp/r1.txt") lines"; cat "$tmp/r1.txt"; }
"$AFSIM" regress --invocation ci-1 > "$tmp/r2.txt" 2>&1
rc=$?
expect "regress --invocation ci-1 compares its 2 runs" 0 "$tmp/r2.txt" "regress against baseline 'main': 2 runs"
"$AFSIM" regress --latest > "$tmp/r3.txt" 2>&1
rc=$?
expect "regress --latest" 0 "$tmp/r3.txt" "regress against baseline 'main': 2 runs"
grep -q "^warning: the runs come from 2 invocations (newest recorded [0-9]* s ago, oldest [0-9]* s ago)" "$tmp/r3.txt" \
	&& grep -q "^  identical   handoff-ultra-fast  *run 2  *vs 2  *recorded [0-9]* s ago  trace 1e127e8afe15112c$" "$tmp/r3.txt" \
	&& ok "--latest says how old each run is and that they come from 2 invocations" \
	|| { bad "--latest ages"; cat "$tmp/r3.txt"; }
"$AFSIM" regress --since 1h > "$tmp/r4.txt" 2>&1
rc=$?
expect "regress --since 1h: the 3 runs of the last hour" 0 "$tmp/r4.txt" "regress against baseline 'main': 3 runs"
"$AFSIM" regress --since 2999-01-01 > "$tmp/r5.txt" 2>&1
rc=$?
expect "regress --since a future day: nothing selected, exit 2" 2 "$tmp/r5.txt" \
	"afsim regress: no runs started since 2999-01-01T00:00:00Z in $db"
"$AFSIM" regress --since soon > "$tmp/r6.txt" 2>&1
rc=$?
expect "regress --since soon: usage, exit 2" 2 "$tmp/r6.txt" \
	"afsim regress: --since needs an ISO 8601 UTC time (2026-11-22T02:52:17Z, 2026-11-22) or an age (45s, 30m, 2h, 1d), not 'soon'"
"$AFSIM" regress --invocation nope > "$tmp/r7.txt" 2>&1
rc=$?
expect "regress --invocation nope: exit 2" 2 "$tmp/r7.txt" "afsim regress: no runs of invocation 'nope' in $db"

# 3. a slower stage: regressed; summary first, units, what differs where the traces part
sed 's/^engine:$/rig: {stage: {max_speed_um_per_s: 760, accel_um_per_s2: 7600, settle_ms: 24}}\nengine:/' \
	"$fast" > "$tmp/handoff-fast.yaml"
AFSIM_INVOCATION=ci-4 "$AFSIM" run "$tmp/handoff-fast.yaml" > /dev/null 2>&1
"$AFSIM" regress --invocation last > "$tmp/slow.txt" 2>&1
rc=$?
expect "the slower stage regresses: summary first, the headline with its unit" 1 "$tmp/slow.txt" \
	"summary: 1 regressed, 0 changed within tolerance, 0 identical, 0 with nothing to compare" \
	"  REGRESSED   handoff-fast                     run 4              vs 1      focus_move_ms.mean +12.4 % (52.1 ms -> 58.57 ms)" \
	"  focus_move_ms.mean            52.1 ms     58.57 ms    +12.4 %   +5 % (>=1 ms)  regressed" \
	"    in op 1 (calibrate) on both sides" \
	"    op 1 differs (baseline -> candidate): total_ms 55916.4 -> 58154.8, temperature_c 21.988859 -> 21.988858"
[ "$(sed -n 2p "$tmp/slow.txt" | cut -c1-8)" = "summary:" ] && ok "the summary is the second line" \
	|| bad "line 2 is '$(sed -n 2p "$tmp/slow.txt")'"

# 4. a run killed half-way: ABORTED everywhere, refused by the gate
cat > "$tmp/long.yaml" << 'EOF'
scenario: handoff-fast
seed: 1
engine:
  optimization: fast
steps:
  - calibrate: {points: 11, from_um: -8, to_um: 8}
  - handoff: {from: A, to: B, z_um: {uniform: [-5, 5]}, repeat: 100000}
EOF
AFSIM_INVOCATION=ci-5 "$AFSIM" run "$tmp/long.yaml" > /dev/null 2>&1 &
bg=$!
n=0
# wait until it has recorded handoffs (batches of 512 rows), at most 30 s
while [ "$(sqlite3 "$db" "SELECT count(*) FROM ops WHERE run_id = 5" 2> /dev/null || echo 0)" -lt 600 ] && [ $n -lt 300 ]; do
	sleep 0.1
	n=$((n + 1))
done
kill -9 "$bg" 2> /dev/null
wait "$bg" 2> /dev/null
bg=
# a read-only command shows the dead writer's run as aborted without writing
"$AFSIM" runs > "$tmp/runs.txt" 2>&1
grep -Eq "^ *5 .* aborted " "$tmp/runs.txt" && ok "afsim runs shows the killed run 5 as aborted" \
	|| { bad "afsim runs of the killed run"; cat "$tmp/runs.txt"; }
st=$(sqlite3 "$db" "SELECT status FROM runs WHERE id = 5" 2> /dev/null)
[ "$st" = running ] && ok "afsim runs (read-only) left the file as it was" || bad "run 5 is '$st' in the file"
"$AFSIM" report --last > "$tmp/ab-report.txt" 2>&1
rc=$?
[ $rc -eq 0 ] && sed -n 2p "$tmp/ab-report.txt" | grep -q "^run 5 ABORTED: it did not finish; the numbers cover only what it recorded" \
	&& ok "report --last names the abort on its second line" || { bad "report of the aborted run"; head -5 "$tmp/ab-report.txt"; }
"$AFSIM" regress --last > "$tmp/ab1.txt" 2>&1
rc=$?
expect "regress refuses the aborted run, exit 3" 3 "$tmp/ab1.txt" \
	"afsim regress: 1 candidate run did not finish: nothing compared (--allow-incomplete compares them anyway)"
grep -q "^afsim regress: run 5 (handoff-fast) is aborted, not finished" "$tmp/ab1.txt" && ok "it names the run" \
	|| bad "no message naming run 5"
"$AFSIM" regress --invocation last > "$tmp/ab2.txt" 2>&1
rc=$?
expect "regress --invocation last refuses it too, exit 3" 3 "$tmp/ab2.txt"
"$AFSIM" regress --last --allow-incomplete > "$tmp/ab3.txt" 2>&1
rc=$?
grep -q "^warning: 1 candidate run did not finish (compared as asked, partial data)$" "$tmp/ab3.txt" \
	&& grep -q "run 5 (ABORTED)" "$tmp/ab3.txt" && [ $rc -ne 3 ] \
	&& ok "--allow-incomplete compares it and says so" || { bad "--allow-incomplete exits $rc"; head -5 "$tmp/ab3.txt"; }
"$AFSIM" regress --latest > "$tmp/ab4.txt" 2>&1
rc=$?
grep -q "^  REGRESSED   handoff-fast  *run 4  *vs 1 .*(1 newer run did not finish: left out)$" "$tmp/ab4.txt" \
	&& ok "--latest skips the aborted run and says so" || { bad "--latest with an aborted run"; cat "$tmp/ab4.txt"; }
"$AFSIM" baseline set main 5 --reason x > "$tmp/ab5.txt" 2>&1
rc=$?
expect "an aborted run is never blessed, exit 2" 2 "$tmp/ab5.txt" \
	"afsim baseline: run 5 (handoff-fast) is aborted, not finished: a baseline must be a complete run"

# 5. usage
"$AFSIM" baseline set "" --last --reason x > "$tmp/u1.txt" 2>&1
rc=$?
expect "baseline set '' is a usage error, exit 2" 2 "$tmp/u1.txt" "afsim baseline set: the baseline name is empty"

# 6. the report
"$AFSIM" report 1 1 > "$tmp/rep11.txt" 2>&1
rc=$?
[ $rc -eq 0 ] && head -1 "$tmp/rep11.txt" | grep -q "^profiling report: 1 run (1), scenario handoff-fast, mode sim$" \
	&& grep -q "^handoffs 300, successful 300 (100.0 %)$" "$tmp/rep11.txt" \
	&& ok "report 1 1 counts run 1 once" || { bad "report 1 1"; head -3 "$tmp/rep11.txt"; }
"$AFSIM" report 1 > "$tmp/rep-fast.txt" 2>&1
"$AFSIM" report 2 > "$tmp/rep-ultra.txt" 2>&1
grep -q "use engine.optimization ultra_fast (the run is at fast)" "$tmp/rep-fast.txt" \
	&& ok "a run at fast is advised ultra_fast" || { bad "advice for fast"; sed -n '/^recommendations/,$p' "$tmp/rep-fast.txt"; }
grep -q "the run is at ultra_fast, the fastest level already" "$tmp/rep-ultra.txt" \
	&& ! grep -q "optimization fast or ultra_fast\|use engine.optimization ultra_fast" "$tmp/rep-ultra.txt" \
	&& ok "a run at ultra_fast is not advised ultra_fast" || { bad "advice for ultra_fast"; sed -n '/^recommendations/,$p' "$tmp/rep-ultra.txt"; }
cp "$fast" "$tmp/edited.yaml"
AFSIM_INVOCATION=ci-6 "$AFSIM" run "$tmp/edited.yaml" > /dev/null 2>&1
echo "# edited after the run" >> "$tmp/edited.yaml"
"$AFSIM" report --last > "$tmp/rep-edit.txt" 2>&1
grep -q "(its configuration is not known: the scenario file '$tmp/edited.yaml' changed since run 6)" "$tmp/rep-edit.txt" \
	&& ok "a changed scenario file: the advice says the configuration is not known" \
	|| { bad "advice with an edited file"; sed -n '/^recommendations/,$p' "$tmp/rep-edit.txt"; }
cat > "$tmp/calfail.yaml" << 'EOF'
scenario: calibration-fails
seed: 3
rig:
  parfocal: {c2_per_um: 0.004, c3_per_um2: 0.0006}   # lens B 75 um off at 50 um: beyond its search
steps:
  - calibrate: {points: 11, from_um: 40, to_um: 60}
  - handoff: {from: A, to: B, z_um: 1, repeat: 3}
EOF
"$AFSIM" run "$tmp/calfail.yaml" > /dev/null 2>&1
"$AFSIM" report --last > "$tmp/rep-cal.txt" 2>&1
rc=$?
expect "a failed calibration is counted as failed, never met" 0 "$tmp/rep-cal.txt" \
	"calibrations: 1, 0 successful, 1 failed" \
	"  calibration RMS  <= 0.1 um                        worst     - um           not met    1 of 1 calibration failed"
grep -q "^  failed: .*no focus" "$tmp/rep-cal.txt" && ok "with its reason" || bad "no reason for the failed calibration"
grep -q "0\.000 um.* met" "$tmp/rep-cal.txt" && bad "a 0.000 um calibration met" || ok "no 0.000 um 'met'"
"$AFSIM" run scenarios/nominal/autofocus.yaml scenarios/faults/stage-stall.yaml > /dev/null 2>&1
"$AFSIM" report --scenario autofocus > "$tmp/rep-af.txt" 2>&1
grep -q "^autofocus: [0-9]* operations, [0-9]* successful (" "$tmp/rep-af.txt" \
	&& grep -q "^  time (ms): n [0-9]*, mean " "$tmp/rep-af.txt" \
	&& ok "autofocus operations have their section" || { bad "no autofocus section"; cat "$tmp/rep-af.txt"; }
"$AFSIM" report --scenario fault-stage-stall > "$tmp/rep-f.txt" 2>&1
rc=$?
expect "injected faults and HAL errors are named apart" 0 "$tmp/rep-f.txt" \
	"  injected faults (events 'fault'): 2 (stage_stall 2)" \
	"  HAL errors the engine saw (events 'hal_error'): 2 (z stage stalled 2)" \
	"  failed handoffs: 2 (EHW 2)"

# 7. singular counts, nowhere "1 runs", "1 regressions", ...
cat "$tmp"/*.txt | grep -n -E "(^|[^0-9.])1 (runs|regressions|scenarios|handoffs|hits|operations|calibrations|metrics|invocations)\b" \
	> "$tmp/plural.out" && { bad "plurals of one:"; cat "$tmp/plural.out"; } || ok "no '1 runs' and the like"

# 8. read-only commands open read-only: a mistyped path is an error (exit 3)
# and no file appears; a foreign SQLite file is refused untouched
for c in "runs" "report --last" "regress --last" "baseline list" "viz hist last --png $tmp/x.png"; do
	# shellcheck disable=SC2086
	"$AFSIM" $c --db "$tmp/typo.db" > "$tmp/typo.txt" 2>&1
	rc=$?
	[ $rc -eq 3 ] && [ ! -e "$tmp/typo.db" ] && ok "afsim $c on a missing database: exit 3, nothing created" \
		|| bad "afsim $c on a missing database: exit $rc, $(head -1 "$tmp/typo.txt"), created: $(ls "$tmp" | grep -c typo.db)"
done
sqlite3 "$tmp/foreign.db" "CREATE TABLE t (x); INSERT INTO t VALUES (1)"
sum=$(cksum < "$tmp/foreign.db")
for c in "runs" "report --last" "run $(dirname "$0")/../scenarios/nominal/autofocus.yaml"; do
	# shellcheck disable=SC2086
	"$AFSIM" $c --db "$tmp/foreign.db" > "$tmp/foreign.txt" 2>&1
	rc=$?
	[ $rc -eq 3 ] && grep -q "not an afsim" "$tmp/foreign.txt" && [ "$(cksum < "$tmp/foreign.db")" = "$sum" ] \
		&& ok "afsim ${c%% *} refuses a foreign SQLite file untouched (exit 3)" \
		|| bad "afsim ${c%% *} on a foreign file: exit $rc, $(head -1 "$tmp/foreign.txt")"
done

echo "cli_gate: $passes passed, $fails failed"
[ $fails -eq 0 ]
