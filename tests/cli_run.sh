#!/bin/sh
# cli_run.sh - `afsim run` end to end on the scenario library: it passes;
# the same run twice, and with -j 2, prints the same trace hashes; the
# JUnit file is well-formed with one testcase per scenario; a scenario made
# measurably worse through an override fails with exit 1; bad input exits 2
# with file:line:col and runs nothing.  Every run goes to a temp database
# (--db): the runs table holds one finished row per scenario with the
# printed status and trace hash, `afsim runs` lists them, bad input writes
# nothing, and a database that cannot be opened exits 3 before any run.
set -u
cd "$(dirname "$0")/.."
AFSIM=${AFSIM:-./afsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; }

n=$(find scenarios -name '*.yaml' | wc -l)
db="$tmp/x.db"
command -v sqlite3 > /dev/null || bad "sqlite3 is missing (make deps installs it)"
q() { sqlite3 "$db" "$1"; }

# 1. the library passes, JUnit written
"$AFSIM" run scenarios/ -j 2 --db "$db" --junit "$tmp/junit.xml" > "$tmp/j2.txt" 2> "$tmp/j2.err"
rc=$?
[ $rc -eq 0 ] && ok "afsim run scenarios/ -j 2 exits 0" || { bad "afsim run scenarios/ -j 2 exits $rc"; cat "$tmp/j2.txt" "$tmp/j2.err"; }
grep -q "^$n scenarios: $n passed, 0 failed, 0 errors" "$tmp/j2.txt" \
	&& ok "$n scenarios, all passed" || bad "summary: $(tail -1 "$tmp/j2.txt")"

hashes() { grep -o '^[A-Z]* *[a-z0-9-]* .*trace [0-9a-f]*' "$1" | awk '{print $2, $NF}'; }

# 1b. every run of the -j 2 command is in the database, as printed
grep -q "^recorded $n runs in $db (ids 1\.\.$n, invocation [0-9a-f]\{16\})$" "$tmp/j2.txt" \
	&& ok "recorded $n runs (ids 1..$n)" || bad "no 'recorded' line: $(tail -1 "$tmp/j2.txt")"
[ "$(q "SELECT count(*) FROM runs WHERE finished_at IS NOT NULL AND status <> 'running'")" = "$n" ] \
	&& ok "$n finished runs in the database" || bad "runs table: $(q "SELECT status, count(*) FROM runs GROUP BY status")"
hashes "$tmp/j2.txt" | sort > "$tmp/printed"
q "SELECT scenario || ' ' || trace_hash FROM runs ORDER BY scenario" > "$tmp/stored"
cmp -s "$tmp/printed" "$tmp/stored" && ok "stored trace hashes are the printed ones" \
	|| { bad "stored trace hashes differ"; diff "$tmp/printed" "$tmp/stored" | head -5; }
grep -E '^(PASS|FAIL|ERROR) ' "$tmp/j2.txt" \
	| awk '{v = $1 == "PASS" ? "passed" : $1 == "FAIL" ? "failed" : "error"; print $2, v}' | sort > "$tmp/pstat"
q "SELECT scenario || ' ' || status FROM runs ORDER BY scenario" > "$tmp/sstat"
[ "$(wc -l < "$tmp/pstat")" -eq "$n" ] && cmp -s "$tmp/pstat" "$tmp/sstat" \
	&& ok "stored statuses are the printed verdicts" || { bad "stored statuses differ"; diff "$tmp/pstat" "$tmp/sstat" | head -5; }
[ "$(q "SELECT count(*) FROM runs WHERE mode = 'sim' AND rig = 'sim:default' AND length(scenario_sha256) = 64 AND wall_s > 0")" = "$n" ] \
	&& ok "mode, rig, scenario sha256 and wall time stored" || bad "run columns incomplete"
[ "$(q "SELECT count(*) FROM runs r WHERE (SELECT count(*) FROM ops o WHERE o.run_id = r.id) > 0 AND (SELECT sum(records) FROM trace_chunks t WHERE t.run_id = r.id) > 0")" = "$n" ] \
	&& ok "every run has its ops and trace index" || bad "runs without ops or trace index"
"$AFSIM" runs --db "$db" > "$tmp/runs.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(wc -l < "$tmp/runs.txt")" -eq $((n + 1)) ] \
	&& ok "afsim runs lists $n runs" || { bad "afsim runs exits $rc with $(wc -l < "$tmp/runs.txt") lines"; head -3 "$tmp/runs.txt"; }
[ "$(awk 'NR == 2 {print $1}' "$tmp/runs.txt")" = "$n" ] && ok "afsim runs lists the newest first" || bad "first listed: $(sed -n 2p "$tmp/runs.txt")"
h=$(q "SELECT trace_hash FROM runs WHERE scenario = 'handoff-fast'")
"$AFSIM" runs --db "$db" --scenario handoff-fast > "$tmp/runs1.txt" 2>&1
[ "$(wc -l < "$tmp/runs1.txt")" -eq 2 ] && grep -q "handoff-fast .* passed .*$h" "$tmp/runs1.txt" \
	&& ok "afsim runs --scenario lists that scenario's run" || { bad "afsim runs --scenario"; cat "$tmp/runs1.txt"; }
"$AFSIM" runs --db "$db" --limit 3 | tail -n +2 | wc -l | grep -qx 3 && ok "afsim runs --limit 3" || bad "afsim runs --limit 3"
"$AFSIM" runs --db "$db" --limit x > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "afsim runs --limit x exits 2" || bad "afsim runs --limit x exits $rc"

# 2. determinism: -j 1 twice and -j 2 give the same hashes
"$AFSIM" run scenarios/ --db "$db" > "$tmp/a.txt" 2>/dev/null
"$AFSIM" run scenarios/ -j 1 --db "$db" > "$tmp/b.txt" 2>/dev/null
[ "$(q "SELECT count(DISTINCT trace_hash) FROM runs")" = "$n" ] && [ "$(q "SELECT count(*) FROM runs")" = "$((3 * n))" ] \
	&& ok "three recordings of the library, $n distinct trace hashes" || bad "stored hashes across recordings"
hashes "$tmp/a.txt" > "$tmp/ha"; hashes "$tmp/b.txt" > "$tmp/hb"; hashes "$tmp/j2.txt" > "$tmp/hj"
[ "$(wc -l < "$tmp/ha")" -eq "$n" ] && ok "one trace hash per scenario" || bad "hash lines: $(wc -l < "$tmp/ha")"
cmp -s "$tmp/ha" "$tmp/hb" && ok "same hashes on a second run" || bad "hashes differ between runs"
cmp -s "$tmp/ha" "$tmp/hj" && ok "same hashes with -j 2 as with -j 1" || bad "hashes differ with -j 2"
"$AFSIM" run scenarios/nominal/handoff-fast.yaml --seed 99 --db "$db" > "$tmp/s99.txt" 2>/dev/null
h1=$(grep handoff-fast "$tmp/ha" | cut -d' ' -f2); h99=$(awk '/handoff-fast/{print $NF}' "$tmp/s99.txt")
[ -n "$h1" ] && [ "$h1" != "$h99" ] && ok "--seed changes the run" || bad "--seed 99 gave $h99 (seed 1: $h1)"

# 3. JUnit: well-formed, one testcase per scenario
if command -v xmllint > /dev/null; then
	xmllint --noout "$tmp/junit.xml" && ok "JUnit is well-formed XML" || bad "JUnit is not well-formed"
	tc=$(xmllint --xpath 'count(//testcase)' "$tmp/junit.xml")
	[ "$tc" = "$n" ] && ok "JUnit has $n testcases" || bad "JUnit has $tc testcases, want $n"
else
	bad "xmllint is missing (make deps installs libxml2-utils)"
fi

# 4. a slower search through an override makes the nominal scenario fail
sed 's/^engine:$/engine:\n  search: {lens_b: {fast: {mode: scan, points: 7, step_um: 0.3, extrapolate_um: 0.3, max_frames: 12}}}/' \
	scenarios/nominal/handoff-fast.yaml > "$tmp/slower.yaml"
grep -q 'mode: scan' "$tmp/slower.yaml" || bad "could not build the slower scenario"
"$AFSIM" run "$tmp/slower.yaml" --db "$db" --junit "$tmp/slow.xml" > "$tmp/slow.txt" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "a slower search fails the scenario with exit 1" || { bad "slower search exits $rc"; cat "$tmp/slow.txt"; }
grep -q "FAIL handoff.total_ms.p95 = .* (max 280)" "$tmp/slow.txt" \
	&& ok "the failed expectation names the metric, value and bound" || bad "no p95 failure line"
grep -q "<failure" "$tmp/slow.xml" && ok "JUnit carries the failure" || bad "no <failure> in JUnit"
[ "$(q "SELECT r.status || ' ' || x.passed || ' ' || x.op || ' ' || x.bound FROM runs r JOIN expectations x ON x.run_id = r.id WHERE r.id = (SELECT max(id) FROM runs) AND x.metric = 'handoff.total_ms.p95'")" = "failed 0 max 280.0" ] \
	&& ok "the database records the failed run and expectation" || bad "failed run not recorded as such"

# 5. bad input: exit 2, file:line:col, nothing run
printf 'scenario: broken\nsteps:\n  - handoff: {from: A, to: B, z_um: 2, repet: 3}\n' > "$tmp/broken.yaml"
before=$(q "SELECT count(*) FROM runs")
"$AFSIM" run scenarios/nominal "$tmp/broken.yaml" --db "$db" > "$tmp/broken.out" 2> "$tmp/broken.err"
rc=$?
[ $rc -eq 2 ] && ok "a malformed scenario exits 2" || bad "malformed scenario exits $rc"
grep -q "broken.yaml:3:40: error: unknown key 'repet'" "$tmp/broken.err" \
	&& ok "the error names file:line:col" || { bad "error message"; cat "$tmp/broken.err"; }
[ ! -s "$tmp/broken.out" ] && ok "nothing ran" || bad "something ran: $(head -1 "$tmp/broken.out")"
[ "$(q "SELECT count(*) FROM runs")" = "$before" ] && ok "nothing was recorded" || bad "rows were written for bad input"
"$AFSIM" run "$tmp/missing.yaml" --db "$db" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "a missing file exits 2" || bad "missing file exits $rc"
"$AFSIM" run --db "$db" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "no arguments exits 2" || bad "no arguments exits $rc"
"$AFSIM" run -j 0 scenarios --db "$db" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "-j 0 exits 2" || bad "-j 0 exits $rc"
[ "$(q "SELECT count(*) FROM runs")" = "$before" ] && ok "bad usage recorded nothing" || bad "rows were written for bad usage"

# 6. a database that cannot be opened: exit 3, with the reason, before any run
"$AFSIM" run scenarios/nominal --db "$tmp" > "$tmp/nodb.out" 2> "$tmp/nodb.err"; rc=$?
[ $rc -eq 3 ] && ok "an unusable database exits 3" || bad "unusable database exits $rc"
grep -q "cannot open database '$tmp': is a directory" "$tmp/nodb.err" \
	&& ok "the error names the database and why" || { bad "database error message"; cat "$tmp/nodb.err"; }
[ ! -s "$tmp/nodb.out" ] && ok "nothing ran without a database" || bad "something ran: $(head -1 "$tmp/nodb.out")"
"$AFSIM" runs --db "$tmp/no/such/dir.db" > /dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok "afsim runs on an unusable database exits 3" || bad "afsim runs on an unusable database exits $rc"
[ "$(q "SELECT count(*) FROM runs WHERE status = 'running'")" = 0 ] && ok "no run left running" || bad "runs left running"

# 6. --png DIR: a timeline picture per recorded run
"$AFSIM" run scenarios/nominal/handoff-fast.yaml scenarios/nominal/autofocus.yaml \
	--db "$tmp/png.db" --png "$tmp/pngs" > "$tmp/png.out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "--png exits 0" || { bad "--png exits $rc"; cat "$tmp/png.out"; }
for f in handoff-fast autofocus; do
	if [ -f "$tmp/pngs/$f.png" ] && [ "$(od -An -c -j1 -N3 "$tmp/pngs/$f.png" | tr -d ' ')" = "PNG" ]; then
		ok "--png wrote $f.png"
	else
		bad "--png did not write $f.png"
	fi
done

echo "cli: $passes passed, $fails failed"
[ $fails -eq 0 ]
