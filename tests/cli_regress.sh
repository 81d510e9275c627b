#!/bin/sh
# cli_regress.sh - report, baseline and regress end to end on a temporary
# database: run the nominal scenario, bless it as baseline `main`, rerun it
# (regress: identical, exit 0), rerun it with the stage made slower through
# a rig override (focus_move about 12 % slower: regress exits 1 and names
# focus_move first), the report's markdown phase table and its JSON (parsed
# by python3 when there is one), and the usage and missing-baseline exits.
set -u
cd "$(dirname "$0")/.."
AFSIM=${AFSIM:-./afsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; }
db="$tmp/t.db"
# `afsim run` finds the database through $AFSIM_DB; the other commands are
# given --db as well
AFSIM_DB=$db
export AFSIM_DB
scen=scenarios/nominal/handoff-fast.yaml

# 1. a run, blessed as baseline main
"$AFSIM" run "$scen" > "$tmp/run1.txt" 2>&1 || { bad "afsim run $scen exits $?"; cat "$tmp/run1.txt"; }
"$AFSIM" baseline set main --last --reason "first" --db "$db" > "$tmp/set.txt" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "baseline 'main' of scenario 'handoff-fast': run 1" "$tmp/set.txt" \
	&& ok "baseline set main --last" || { bad "baseline set exits $rc"; cat "$tmp/set.txt"; }
"$AFSIM" baseline show main --db "$db" > "$tmp/show.txt" 2>&1
grep -q "^main  *handoff-fast  *1  .*first$" "$tmp/show.txt" && ok "baseline show lists run 1 with its reason" \
	|| { bad "baseline show"; cat "$tmp/show.txt"; }
"$AFSIM" baseline list --db "$db" > "$tmp/list.txt" 2>&1
grep -q "^main  *1 scenario$" "$tmp/list.txt" && ok "baseline list counts 1 scenario" \
	|| { bad "baseline list"; cat "$tmp/list.txt"; }

# 2. the same scenario again: identical, exit 0
"$AFSIM" run "$scen" > /dev/null 2>&1
"$AFSIM" regress --last --db "$db" > "$tmp/same.txt" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "regress --last after a rerun exits 0" || { bad "regress of a rerun exits $rc"; cat "$tmp/same.txt"; }
grep -q "^  identical   handoff-fast  *run 2  *vs 1  *trace " "$tmp/same.txt" && ok "the rerun is identical" \
	|| { bad "rerun not identical"; cat "$tmp/same.txt"; }
"$AFSIM" regress --last -v --db "$db" > "$tmp/same-v.txt" 2>&1
grep -q "vs baseline run 1: identical" "$tmp/same-v.txt" && ok "regress -v prints the identical run in full" \
	|| { bad "regress -v"; cat "$tmp/same-v.txt"; }
"$AFSIM" regress --latest --db "$db" > "$tmp/latest.txt" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "^  identical   handoff-fast  *run 2  *vs 1  *recorded [0-9]* s ago  trace " "$tmp/latest.txt" \
	&& ok "regress --latest compares the newest run of each baselined scenario, with its age" \
	|| { bad "regress --latest exits $rc"; cat "$tmp/latest.txt"; }

# 3. a slower stage (focus_move about +12 %): regressed, exit 1, focus_move first
sed 's/^engine:$/rig: {stage: {max_speed_um_per_s: 760, accel_um_per_s2: 7600, settle_ms: 24}}\nengine:/' \
	"$scen" > "$tmp/slow.yaml"
grep -q 'settle_ms: 24' "$tmp/slow.yaml" || bad "could not build the slower scenario"
"$AFSIM" run "$tmp/slow.yaml" > /dev/null 2>&1
"$AFSIM" regress --last --db "$db" > "$tmp/slow.txt" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "regress of the slower stage exits 1" || { bad "slower stage: regress exits $rc"; cat "$tmp/slow.txt"; }
first=$(sed -n 's/^  first regression: \([a-z_]*\)\..*/\1/p' "$tmp/slow.txt")
[ "$first" = "focus_move_ms" ] && ok "the first regression named is focus_move" \
	|| { bad "first regression is '$first'"; cat "$tmp/slow.txt"; }
pct=$(sed -n 's/^  first regression: focus_move_ms\.mean +\([0-9.]*\) %.*/\1/p' "$tmp/slow.txt")
# (a move is its travel and the status polls that find it settled, bus
# round trips a slower stage does not slow: 30 % slower travel, about 12 %)
awk -v p="${pct:-0}" 'BEGIN { exit !(p >= 8 && p <= 16) }' && ok "focus_move is ${pct} % slower (about 12 %)" \
	|| bad "focus_move change '${pct}' is not about 12 %"
grep -q "first divergent event: record [0-9]* " "$tmp/slow.txt" && ok "the first divergent event is named" \
	|| bad "no divergent event line"
"$AFSIM" regress --last --db "$db" --format json > "$tmp/slow.json" 2>&1
[ $? -eq 1 ] && ok "regress --format json exits 1 too" || bad "regress --format json exit code"

# 4. the report: markdown phase table, JSON that parses
"$AFSIM" report --last --format markdown --db "$db" > "$tmp/report.md" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "report --last --format markdown exits 0" || { bad "report markdown exits $rc"; cat "$tmp/report.md"; }
grep -q "^| phase | n | mean | std | min | max | p50 | p95 | p99 | CV | share | bottleneck |$" "$tmp/report.md" \
	&& grep -q "^| focus_move | 300 | " "$tmp/report.md" && grep -q "^| total | 300 | " "$tmp/report.md" \
	&& ok "the markdown report has the phase table" || { bad "no phase table"; cat "$tmp/report.md"; }
"$AFSIM" report 1 2 --format json --db "$db" > "$tmp/report.json" 2>&1 || bad "report 1 2 --format json exits $?"
if command -v python3 > /dev/null; then
	python3 -m json.tool "$tmp/report.json" > /dev/null && ok "report JSON passes python3 -m json.tool" \
		|| { bad "report JSON is invalid"; head -c 2000 "$tmp/report.json"; }
	python3 -m json.tool "$tmp/slow.json" > /dev/null && ok "regress JSON passes python3 -m json.tool" \
		|| bad "regress JSON is invalid"
	n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["handoffs"]["count"])' "$tmp/report.json" 2>/dev/null)
	[ "$n" = 600 ] && ok "report 1 2 aggregates 600 handoffs" || bad "report 1 2 counts '$n' handoffs"
else
	echo "skip JSON checks: no python3"
fi
"$AFSIM" report --scenario handoff-fast --db "$db" > "$tmp/all.txt" 2>&1
grep -q "^profiling report: 3 runs (1, 2, 3)" "$tmp/all.txt" && ok "report --scenario covers the 3 runs" \
	|| { bad "report --scenario"; head -3 "$tmp/all.txt"; }

# 5. exits: no baseline under a name 3, usage 2, no such run 2, bad database 3
"$AFSIM" regress --baseline nightly --last --db "$db" > "$tmp/none.txt" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q "nothing to compare" "$tmp/none.txt" && ok "no baseline: nothing to compare, exit 3" \
	|| { bad "no baseline exits $rc"; cat "$tmp/none.txt"; }
"$AFSIM" regress --db "$db" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "regress without runs exits 2" || bad "regress without runs exits $rc"
"$AFSIM" regress --baseline nightly --latest --db "$db" > /dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok "regress --latest without such a baseline exits 3" || bad "regress --latest, no baseline, exits $rc"
"$AFSIM" report --format xml --db "$db" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "report --format xml exits 2" || bad "report --format xml exits $rc"
"$AFSIM" report 99 --db "$db" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "report of a missing run exits 2" || bad "report 99 exits $rc"
"$AFSIM" baseline set main 1 --db "$db" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "baseline set without --reason exits 2" || bad "baseline set without reason exits $rc"
"$AFSIM" baseline set main 1 2 --reason x --db "$db" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "two runs of one scenario in one baseline exit 2" || bad "duplicate scenario exits $rc"
mkdir "$tmp/dir.db"
"$AFSIM" report --db "$tmp/dir.db" > /dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok "a database that cannot be opened exits 3" || bad "unopenable database exits $rc"

echo "cli_regress: $passes passed, $fails failed"
[ $fails -eq 0 ]
