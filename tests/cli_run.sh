#!/bin/sh
# cli_run.sh - `afsim run` end to end on the scenario library: it passes;
# the same run twice, and with -j 2, prints the same trace hashes; the
# JUnit file is well-formed with one testcase per scenario; a scenario made
# measurably worse through an override fails with exit 1; bad input exits 2
# with file:line:col and runs nothing.  Every run goes to a temp database
# (--db): the runs table holds one finished row per scenario with the
# printed status and trace hash, `afsim runs` lists them, bad input writes
# nothing, and a database that cannot be opened (missing folder, read-only,
# another program's) or an output that cannot be written exits before any
# run; the summary speaks of what this invocation recorded.
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
grep -q "FAIL handoff.total_ms.p95 = .* (max 305)" "$tmp/slow.txt" \
	&& ok "the failed expectation names the metric, value and bound" || bad "no p95 failure line"
grep -q "<failure" "$tmp/slow.xml" && ok "JUnit carries the failure" || bad "no <failure> in JUnit"
[ "$(q "SELECT r.status || ' ' || x.passed || ' ' || x.op || ' ' || x.bound FROM runs r JOIN expectations x ON x.run_id = r.id WHERE r.id = (SELECT max(id) FROM runs) AND x.metric = 'handoff.total_ms.p95'")" = "failed 0 max 305.0" ] \
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

# 6. --png DIR: a timeline picture per recorded run (DIR/ names the same folder)
"$AFSIM" run scenarios/nominal/handoff-fast.yaml scenarios/nominal/autofocus.yaml \
	--db "$tmp/png.db" --png "$tmp/pngs/" > "$tmp/png.out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "--png exits 0" || { bad "--png exits $rc"; cat "$tmp/png.out"; }
grep -qx "wrote 2 timelines to $tmp/pngs/" "$tmp/png.out" && ok "wrote 2 timelines to DIR/, one slash" \
	|| bad "wrote line: $(grep wrote "$tmp/png.out")"
for f in handoff-fast autofocus; do
	if [ -f "$tmp/pngs/$f.png" ] && [ "$(od -An -c -j1 -N3 "$tmp/pngs/$f.png" | tr -d ' ')" = "PNG" ]; then
		ok "--png wrote $f.png"
	else
		bad "--png did not write $f.png"
	fi
done

# 7. outputs and the database are checked before anything runs: an empty
# path is usage (2), one that cannot be written a harness error (3); the
# message is afsim's own, one line, and nothing is simulated or recorded
one=scenarios/nominal/autofocus.yaml
before=$(q "SELECT count(*) FROM runs")
check_refused() {   # want-rc, want-stderr, args...
	want=$1; msg=$2; shift 2
	"$AFSIM" run "$one" "$@" > "$tmp/ref.out" 2> "$tmp/ref.err"; rc=$?
	if [ $rc -eq "$want" ] && [ ! -s "$tmp/ref.out" ] && [ "$(cat "$tmp/ref.err")" = "$msg" ]; then
		ok "$* exits $want before running: $msg"
	else
		bad "$*: exit $rc, out '$(head -1 "$tmp/ref.out")', err '$(cat "$tmp/ref.err")'"
	fi
}
check_refused 2 "afsim run: --db needs a path, not an empty string" --db ""
check_refused 2 "afsim run: --junit needs a path, not an empty string" --db "$db" --junit ""
check_refused 2 "afsim run: --png needs a path, not an empty string" --db "$db" --png ""
check_refused 3 "afsim run: cannot write JUnit file '$tmp/no/j.xml': No such file or directory" \
	--db "$db" --junit "$tmp/no/j.xml"
check_refused 3 "afsim run: cannot write JUnit file '$tmp': it is a folder" --db "$db" --junit "$tmp"
check_refused 3 "afsim run: --png: cannot create folder '$tmp/no/pics': No such file or directory" \
	--db "$db" --png "$tmp/no/pics"
: > "$tmp/afile"
check_refused 3 "afsim run: --png: '$tmp/afile' is not a folder" --db "$db" --png "$tmp/afile"
[ "$(q "SELECT count(*) FROM runs")" = "$before" ] && ok "refused outputs recorded nothing" \
	|| bad "rows were written for refused outputs"
[ ! -e "$tmp/no" ] && ok "refused outputs created nothing" || bad "something was created: $(ls "$tmp/no")"

# 8. a database afsim may not write, or that is not afsim's: exit 3 before
# running (as an unprivileged user: root writes whatever the modes say)
cp "$tmp/png.db" "$tmp/ro.db"
chmod 0444 "$tmp/ro.db"; chmod 0755 "$tmp"
if [ "$(id -u)" = 0 ]; then as_user() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
else as_user() { "$@"; }; fi
as_user "$AFSIM" run "$one" --db "$tmp/ro.db" > "$tmp/ro.out" 2> "$tmp/ro.err"; rc=$?
[ $rc -eq 3 ] && [ ! -s "$tmp/ro.out" ] && grep -q "cannot open database '$tmp/ro.db': it is read-only" "$tmp/ro.err" \
	&& ok "a read-only database exits 3 before running" \
	|| bad "read-only database: exit $rc, $(head -1 "$tmp/ro.out") $(cat "$tmp/ro.err")"
sqlite3 "$tmp/other.db" "CREATE TABLE notes (x); INSERT INTO notes VALUES (1)"
"$AFSIM" run "$one" --db "$tmp/other.db" > "$tmp/fo.out" 2> "$tmp/fo.err"; rc=$?
[ $rc -eq 3 ] && [ ! -s "$tmp/fo.out" ] && grep -q "it is not an afsim database" "$tmp/fo.err" \
	&& [ "$(sqlite3 "$tmp/other.db" "PRAGMA journal_mode; SELECT group_concat(name) FROM sqlite_master")" = "delete
notes" ] && ok "another program's database is refused untouched" \
	|| bad "foreign database: exit $rc, $(cat "$tmp/fo.err")"

# 9. wording: one scenario, one run; the ids this invocation recorded, a
# run of another writer in between left out (a trigger stands for it)
sqlite3 "$tmp/png.db" "CREATE TRIGGER other AFTER INSERT ON runs WHEN NEW.scenario = 'handoff-b-to-a'
	BEGIN INSERT INTO runs (scenario, scenario_path, scenario_sha256, seed, mode, started_at,
	status, afsim_version, host, pid, rig) VALUES ('other', 'o.yaml', NEW.scenario_sha256, 1, 'sim',
	NEW.started_at, 'passed', 'v', 'elsewhere', 1, 'r'); END"
"$AFSIM" run "$one" --db "$tmp/png.db" > "$tmp/w1.txt" 2>&1
grep -q "^1 scenario: 1 passed, 0 failed, 0 errors; 0 handoffs;" "$tmp/w1.txt" \
	&& grep -q "^recorded 1 run in $tmp/png.db (id 3, invocation [0-9a-f]*)$" "$tmp/w1.txt" \
	&& ok "1 scenario, 1 run, id 3" || bad "wording: $(tail -2 "$tmp/w1.txt")"
"$AFSIM" run scenarios/nominal --db "$tmp/png.db" > "$tmp/w5.txt" 2>&1
grep -q "^recorded 5 runs in $tmp/png.db (ids 4\.\.5, 7\.\.9, invocation [0-9a-f]*)$" "$tmp/w5.txt" \
	&& ok "the ids of this invocation: 4..5, 7..9 (6 is another writer's)" \
	|| bad "ids: $(tail -1 "$tmp/w5.txt"); $(sqlite3 "$tmp/png.db" "SELECT group_concat(id || ':' || scenario) FROM runs")"

# 10. a failed calibration says why on the run line, and handoffs that all
# failed say so instead of printing nan
printf 'scenario: flat\nrig: {specimen: {kind: flat}}\nsteps:\n  - calibrate: {points: 5, from_um: -4, to_um: 4}\n  - handoff: {from: A, to: B, z_um: 1, repeat: 2}\nexpect:\n  calibration.rms_um: {max: 0.1}\n' > "$tmp/flat.yaml"
"$AFSIM" run "$tmp/flat.yaml" --db "$db" > "$tmp/flat.txt" 2>&1; rc=$?
[ $rc -eq 1 ] && ok "a failed calibration fails the run (exit 1)" || bad "failed calibration exits $rc"
grep -q "^FAIL  flat .* handoffs 0/2 (none succeeded: no timings)  trace [0-9a-f]\{16\}$" "$tmp/flat.txt" \
	&& ! grep -q nan "$tmp/flat.txt" && ok "no successful handoff: said, no nan" || bad "run line: $(head -1 "$tmp/flat.txt")"
grep -q "^  WARN calibration (op 1) failed: ENOFOCUS: calibration found focus at 0 of 5 sites, fewer than the 3 it needs: site 0 at -4.000 um, lens A: no focus .*; the operations after it use the factory mapping (nominal offset 4.000 um)$" "$tmp/flat.txt" \
	&& ok "the calibration's failure and its consequence are printed" || bad "no calibration line: $(cat "$tmp/flat.txt")"
grep -q "^  FAIL calibration.rms_um: no data (max 0.1)$" "$tmp/flat.txt" \
	&& ok "an expectation without data says so" || bad "expectation line: $(grep FAIL "$tmp/flat.txt")"

# 11. rig-level faults act on a bridge's link only: in simulation the run
# goes on as if they were not there (same trace as without them)
printf 'scenario: linkfault\nsteps:\n  - calibrate:\n  - handoff: {from: A, to: B, z_um: 1}\n' > "$tmp/nolink.yaml"
{ cat "$tmp/nolink.yaml"; printf 'faults:\n  - {at_s: 1, kind: link_drop}\n  - {at_op: 2, kind: garbage}\n'; } > "$tmp/link.yaml"
"$AFSIM" run "$tmp/nolink.yaml" --db "$db" > "$tmp/nolink.txt" 2>&1
"$AFSIM" run "$tmp/link.yaml" --db "$db" > "$tmp/link.txt" 2>&1; rc=$?
h1=$(grep -o "trace [0-9a-f]*" "$tmp/nolink.txt"); h2=$(grep -o "trace [0-9a-f]*" "$tmp/link.txt")
[ $rc -eq 0 ] && [ -n "$h1" ] && [ "$h1" = "$h2" ] && ok "rig-level faults are ignored in simulation (exit 0, same trace)" \
	|| bad "rig-level faults in simulation: exit $rc, '$h1' vs '$h2': $(tail -2 "$tmp/link.txt")"

echo "cli: $passes passed, $fails failed"
[ $fails -eq 0 ]
