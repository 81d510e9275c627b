#!/bin/sh
# cli_merge_valid.sh - `afsim db merge` carries the validations of rigs.
# Two rigs' databases, written by the real `afsim hil validate` - one
# against the rig emulator, one against a rig nobody serves, next to a
# simulated run - merged into one: the merge says per input and in all how
# many validations were new, ids follow the starts (not the input order),
# every validation and item arrives with its figures and outcome as
# recorded, `afsim report --validation` shows each from the merged
# database as from its rig's own (but the id), merging again adds
# nothing, and an input whose validations cannot be read merges nothing
# (exit 3).
. "$(dirname "$0")/testlib.sh"
command -v sqlite3 > /dev/null || bad "sqlite3 is missing (make deps installs it)"
spid=""
trap '[ -n "$spid" ] && kill "$spid" 2> /dev/null; rm -rf "$tmp"' EXIT
show() { sed 's/^/     /' "$1"; }

# 1. the rigs' databases.  rig1: a bench on the emulator (the world of
# cli_validate.sh: a fast bus and a quick slider), 3 repetitions; its
# verdict is not this test's business (a loaded host may make a timed
# measurement MARGINAL, FAIL or even ERROR: exit 0, 1 or 3), only that it
# is recorded.
cp tests/bench-world.yaml "$tmp/world.yaml"
"$AFSIM" rig serve --listen 127.0.0.1:0 --scenario "$tmp/world.yaml" > "$tmp/serve.out" 2> "$tmp/serve.err" &
spid=$!
i=0
while [ $i -lt 50 ] && ! grep -q '^listening on ' "$tmp/serve.out"; do
	sleep 0.1
	i=$((i + 1))
done
transport=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$tmp/serve.out")
printf 'name: bench\ntransport: %s\n' "$transport" > "$tmp/bench.yaml"
"$AFSIM" hil validate --rig "$tmp/bench.yaml" --db "$tmp/rig1.db" --reps 3 > "$tmp/v1.out" 2>&1
rc=$?
kill "$spid" 2> /dev/null
wait "$spid" 2> /dev/null
spid=""
[ $rc != 2 ] && grep -q "recorded as validation 1 in $tmp/rig1.db$" "$tmp/v1.out" \
	&& ok "rig1: a validation on the emulator, recorded (exit $rc)" || { bad "rig1: exit $rc"; show "$tmp/v1.out"; }
# rig2: a rig nobody serves (every measurement ERROR), and a simulated run
printf 'name: nobody\ntransport: tcp:127.0.0.1:9\nconnect_timeout_ms: 300\n' > "$tmp/nobody.yaml"
"$AFSIM" hil validate --rig "$tmp/nobody.yaml" --db "$tmp/rig2.db" > "$tmp/v2.out" 2>&1
rc=$?
[ $rc = 3 ] && grep -q "recorded as validation 1 in $tmp/rig2.db$" "$tmp/v2.out" \
	&& ok "rig2: a validation of a rig nobody serves, recorded (exit 3)" || { bad "rig2: exit $rc"; show "$tmp/v2.out"; }
"$AFSIM" run scenarios/nominal/autofocus.yaml --db "$tmp/rig2.db" > /dev/null 2>&1 || bad "a run into rig2.db"

# 2. merged, rig2 first: ids by start all the same (bench 1, nobody 2)
"$AFSIM" db merge "$tmp/all.db" "$tmp/rig2.db" "$tmp/rig1.db" > "$tmp/m.out" 2>&1
rc=$?
[ $rc = 0 ] && grep -q "^  $tmp/rig2.db: schema [0-9]*, 1 run: 1 new, 0 already there, 0 refreshed; 0 baselines; 1 validation: 1 new, 0 already there$" "$tmp/m.out" \
	&& grep -q "^  $tmp/rig1.db: schema [0-9]*, 0 runs: 0 new, 0 already there, 0 refreshed; 0 baselines; 1 validation: 1 new, 0 already there$" "$tmp/m.out" \
	&& ok "db merge: per input, its validations new and already there" || { bad "db merge exits $rc"; show "$tmp/m.out"; }
grep -q "^$tmp/all.db: 1 new run (ids 1\.\.1), .*; validations: 2 new (ids 1\.\.2, 30 items), 0 already there$" "$tmp/m.out" \
	&& ok "db merge sums up: 2 new validations, ids 1..2, 30 items" || bad "summary: $(tail -1 "$tmp/m.out")"
[ "$(sqlite3 "$tmp/all.db" "SELECT group_concat(id || ' ' || rig, ', ') FROM (SELECT id, rig FROM validations ORDER BY id)")" = "1 bench, 2 nobody" ] \
	&& ok "ids by start: bench 1, nobody 2" || bad "ids: $(sqlite3 "$tmp/all.db" "SELECT id, rig FROM validations")"

# 3. every column of the rows and the items, as the rigs recorded them
row="SELECT rig, rig_file, identity, camera, started_at, finished_at, status, reps, afsim_version, host, message, quote(wall_s) FROM validations WHERE id = "
items="SELECT seq, name, quote(value), unit, quote(limit_lo), quote(limit_hi), quote(margin_pct), outcome, n, quote(sd), quote(duration_ms), detail FROM validation_items WHERE validation_id = "
for pair in "rig1 1 1" "rig2 1 2"; do
	set -- $pair
	sqlite3 "$tmp/$1.db" "$row $2" > "$tmp/a.row"
	sqlite3 "$tmp/all.db" "$row $3" > "$tmp/b.row"
	sqlite3 "$tmp/$1.db" "$items $2 ORDER BY seq" > "$tmp/a.items"
	sqlite3 "$tmp/all.db" "$items $3 ORDER BY seq" > "$tmp/b.items"
	[ -s "$tmp/a.row" ] && cmp -s "$tmp/a.row" "$tmp/b.row" && [ "$(wc -l < "$tmp/a.items")" = 15 ] \
		&& cmp -s "$tmp/a.items" "$tmp/b.items" \
		&& ok "$1's validation is validation $3: its row and 15 items, every figure and outcome" \
		|| { bad "$1's validation differs as validation $3"; diff "$tmp/a.items" "$tmp/b.items" | head -5; }
done
[ "$(sqlite3 "$tmp/all.db" "SELECT count(*) FROM validation_items WHERE validation_id = 2 AND outcome = 'ERROR' AND value IS NULL")" = 15 ] \
	&& ok "nobody's 15 ERROR items without a value" || bad "nobody's items"

# 4. afsim report --validation answers from the merged database
"$AFSIM" report --validation 1 --db "$tmp/rig1.db" > "$tmp/r1" 2>&1
"$AFSIM" report --validation 1 --db "$tmp/all.db" > "$tmp/m1" 2>&1
rc=$?
[ $rc = 0 ] && [ -s "$tmp/r1" ] && cmp -s "$tmp/r1" "$tmp/m1" \
	&& ok "report --validation 1: the merged database's is rig1's, byte for byte" || { bad "report --validation 1 (exit $rc)"; diff "$tmp/r1" "$tmp/m1" | head -5; }
for f in text json; do
	"$AFSIM" report --validation 1 --format $f --db "$tmp/rig2.db" | sed 's/^validation 1 of/validation N of/; s/^{"validation": 1,/{"validation": N,/' > "$tmp/r2"
	"$AFSIM" report --validation last --format $f --db "$tmp/all.db" > "$tmp/m2" 2>&1
	rc=$?
	sed 's/^validation 2 of/validation N of/; s/^{"validation": 2,/{"validation": N,/' "$tmp/m2" > "$tmp/m2n"
	[ $rc = 0 ] && ! cmp -s "$tmp/m2" "$tmp/m2n" && cmp -s "$tmp/r2" "$tmp/m2n" \
		&& ok "report --validation last --format $f: validation 2, rig2's but the id" || { bad "report --validation last --format $f (exit $rc)"; diff "$tmp/r2" "$tmp/m2n" | head -5; }
done
"$AFSIM" runs --db "$tmp/all.db" > "$tmp/runs" 2>&1
grep -q "autofocus" "$tmp/runs" && ok "runs: the run came along" || { bad "runs"; show "$tmp/runs"; }

# 5. merging again, one input twice: nothing more
dump() { sqlite3 "$1" "SELECT * FROM validations ORDER BY id; SELECT * FROM validation_items ORDER BY validation_id, seq" | cksum; }
before=$(dump "$tmp/all.db")
"$AFSIM" db merge "$tmp/all.db" "$tmp/rig1.db" "$tmp/rig2.db" "$tmp/rig1.db" > "$tmp/m2.out" 2>&1
rc=$?
[ $rc = 0 ] && grep -q "; validations: none new, 3 already there$" "$tmp/m2.out" && [ "$(dump "$tmp/all.db")" = "$before" ] \
	&& ok "merging again: none new, 3 already there, the tables unchanged" || { bad "merge again (exit $rc)"; show "$tmp/m2.out"; }

# 6. an input whose validations cannot be read: exit 3, nothing merged
cp "$tmp/rig1.db" "$tmp/broken.db"
sqlite3 "$tmp/broken.db" "DROP TABLE validation_items"
"$AFSIM" db merge "$tmp/x.db" "$tmp/rig2.db" "$tmp/broken.db" > /dev/null 2> "$tmp/err"
rc=$?
[ $rc = 3 ] && [ "$(cat "$tmp/err")" = "afsim db merge: cannot merge '$tmp/broken.db': cannot read its validations: no such table: validation_items (nothing merged)" ] \
	&& [ "$(sqlite3 "$tmp/x.db" "SELECT (SELECT count(*) FROM runs) || ' ' || (SELECT count(*) FROM validations)")" = "0 0" ] \
	&& ok "unreadable validations: exit 3, named, nothing of the other input merged" || { bad "broken input: exit $rc"; show "$tmp/err"; }

finish
