#!/bin/sh
# cli_field.sh - the field-failure loop end to end (docs/field-replay.md):
#   1. a HIL run against the rig emulator, whose world has a turret jam,
#      two dropped frames and a room that jumps 3 C (the stand follows it
#      at once), recorded to a field log (afsim run --rig --record);
#   2. afsim replay reproduces it exactly;
#   3. with the engine's search setting changed the replay names the first
#      call that differs (exit 1);
#   4. afsim field import makes a scenario of it: the faults at the
#      operations where they happened, the room from the readings, the
#      expectations of the failures; the import's own check in simulation
#      passes;
#   5. afsim run on that scenario fails the same operations with the same
#      codes as the HIL run did (the database of each run compared);
#   6. afsim viz timeline draws the log;
#   7. the library's field scenario is what importing its log gives, byte
#      for byte, and passes;
#   8. what cannot be imported: a log without clock stamps (exit 2, nothing
#      written; --force writes it, saying what is missing), a log without
#      an engine, a damaged log, bad usage, an output that cannot be
#      written (exit 3).
# The emulator runs without pacing: the whole script takes a few seconds.
. "$(dirname "$0")/testlib.sh"
MKFIELDLOG=${MKFIELDLOG:-$(dirname "$AFSIM")/tests/mkfieldlog}
[ -x "$MKFIELDLOG" ] || MKFIELDLOG=build/tests/mkfieldlog
command -v sqlite3 > /dev/null || bad "sqlite3 is missing (make deps installs it)"
emulator=""
trap '[ -n "$emulator" ] && kill "$emulator" 2> /dev/null; rm -rf "$tmp"' EXIT

# The emulated world: the switcher jams at the 57th request (the setup of
# the fourth handoff), two frames drop from the 137th, the room steps from
# 22 to 25 C after 1.5 s of the rig's time and the stand follows it at once.
cat > "$tmp/world.yaml" << 'EOF'
scenario: field-world
description: a turret jam, two dropped frames and a 3 C step of the room
rig:
  truth: nominal   # the client does not calibrate: the datasheet instrument
  thermal: {tau_fast_s: 0, tau_slow_s: 0, sensor_lag_s: 0}
environment:
  temperature:
    steps: [{at_s: 0, c: 22}, {at_s: 1.5, c: 25}]
faults:
  - {at_op: 57, kind: turret_jam}
  - {at_op: 137, kind: camera_drop, count: 2}
steps:
  - wait: {s: 1}
EOF
# What the instrument does: eight handoffs, a pause after the fourth.
cat > "$tmp/client.yaml" << 'EOF'
scenario: field-client
description: eight handoffs against the emulated rig, a pause after the fourth
steps:
  - handoff: {from: A, to: B, z_um: 0.5}
  - handoff: {from: A, to: B, z_um: -1.5}
  - handoff: {from: A, to: B, z_um: 1.2}
  - handoff: {from: A, to: B, z_um: -0.4}
  - wait: {s: 0.3}
  - handoff: {from: A, to: B, z_um: 2.0}
  - handoff: {from: A, to: B, z_um: -2.2}
  - handoff: {from: A, to: B, z_um: 0.8}
  - handoff: {from: A, to: B, z_um: -0.9}
EOF

# failed ops of the only run of database $1: "seq kind CODE" lines
failures() {
	sqlite3 "$1" "SELECT seq || ' ' || kind || ' ' || substr(error, 1, instr(error, ':') - 1)
		FROM ops WHERE success = 0 ORDER BY seq"
}

# 1. the HIL run, recorded
"$AFSIM" rig serve --listen 127.0.0.1:0 --scenario "$tmp/world.yaml" --no-pacing --quiet \
	> "$tmp/serve.out" 2> "$tmp/serve.err" &
emulator=$!
i=0
while [ $i -lt 50 ] && ! grep -q '^listening on ' "$tmp/serve.out" 2> /dev/null; do
	sleep 0.1
	i=$((i + 1))
done
printf 'name: bench\ntransport: %s\n' "$(sed -n '1s/^listening on //p' "$tmp/serve.out")" > "$tmp/rig.yaml"
"$AFSIM" run --rig "$tmp/rig.yaml" "$tmp/client.yaml" --db "$tmp/hil.db" --record "$tmp/hil.aflog" \
	> "$tmp/hil.txt" 2>&1
rc=$?
kill "$emulator" 2> /dev/null
wait "$emulator" 2> /dev/null
emulator=""
[ $rc -eq 0 ] && grep -q "^wrote field log $tmp/hil.aflog ([0-9]* bytes)$" "$tmp/hil.txt" \
	&& ok "a HIL run against the emulator, recorded" || { bad "the HIL run exits $rc"; cat "$tmp/hil.txt"; }
failures "$tmp/hil.db" > "$tmp/hil.fail"
grep -q "^4 handoff EHW$" "$tmp/hil.fail" && [ "$(grep -c ' ETIMEDOUT$' "$tmp/hil.fail")" -eq 2 ] \
	&& ok "on the rig: the jam fails handoff 4 (EHW), the drops two handoffs (ETIMEDOUT)" \
	|| { bad "the rig's failures"; cat "$tmp/hil.fail"; }
"$AFSIM" replay --dump "$tmp/hil.aflog" | sed -n 's/.*read_temperature() -> \([0-9]*\)\..*/\1/p' \
	| sort -u > "$tmp/temps"
grep -qx 21 "$tmp/temps" && grep -qx 24 "$tmp/temps" \
	&& ok "the log's temperature readings show the 3 C step" || { bad "readings"; cat "$tmp/temps"; }

# 2. replayed exactly
"$AFSIM" replay "$tmp/hil.aflog" > "$tmp/rp.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^reproduced: 17 ops, [0-9]* HAL calls, results identical$" "$tmp/rp.txt" \
	&& ok "afsim replay reproduces the HIL run exactly" || { bad "replay exits $rc"; cat "$tmp/rp.txt"; }

# 3. the search setting changed: the first divergent call, named
"$AFSIM" replay "$tmp/hil.aflog" --engine-set optimization=standard > "$tmp/d.txt" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "^diverged at op 3 handoff A->B from 0.5 um, HAL call [0-9]* (the operation's call [0-9]*): " "$tmp/d.txt" \
	&& grep -q "^  recorded: call [0-9]* move_z(" "$tmp/d.txt" && grep -q "^  replayed: select_lens(B)$" "$tmp/d.txt" \
	&& ok "the engine changed: replay names the first divergent call (exit 1)" \
	|| { bad "changed replay exits $rc"; cat "$tmp/d.txt"; }

# 4. imported
"$AFSIM" field import "$tmp/hil.aflog" -o "$tmp/imp/field-hil.yaml" > "$tmp/i0.txt" 2>&1; rc=$?
[ $rc -eq 3 ] && grep -q "^afsim field import: cannot write '$tmp/imp/field-hil.temps.csv': No such file or directory$" "$tmp/i0.txt" \
	&& [ ! -e "$tmp/imp" ] && ok "an output folder that is not there: exit 3" || { bad "import to a missing folder exits $rc"; cat "$tmp/i0.txt"; }
mkdir "$tmp/imp"
"$AFSIM" field import "$tmp/hil.aflog" -o "$tmp/imp/field-hil.yaml" > "$tmp/i.txt" 2>&1; rc=$?
y="$tmp/imp/field-hil.yaml"
[ $rc -eq 0 ] && grep -q "^wrote $y: 8 operations (8 handoffs, 0 calibrations, 0 autofocus) and 1 wait, 3 faults, the room from 8 temperature readings ($tmp/imp/field-hil.temps.csv)$" "$tmp/i.txt" \
	&& grep -q "^checked in simulation (seed 1): the [0-9]* operations that failed in the log fail with the same codes, the others succeed$" "$tmp/i.txt" \
	&& ok "afsim field import writes the scenario and its check in simulation passes" \
	|| { bad "import exits $rc"; cat "$tmp/i.txt"; }
grep -q "^  - {kind: turret_jam, at_s: [0-9.]*}$" "$y" && grep -q "^  - {kind: camera_drop, at_op: [0-9]*, count: 1}$" "$y" \
	&& grep -q "^  op.4.errors.EHW: {min: 1}$" "$y" && grep -q "^  handoff.errors.any: {max: [0-9]*}$" "$y" \
	&& grep -q "^    trace: \"field-hil.temps.csv\"$" "$y" && grep -q "^  - wait: {s: 0.3[0-9]*}$" "$y" \
	&& grep -q "^description: \"imported from the field log $tmp/hil.aflog " "$y" \
	&& ok "the scenario: the jam in a setup at a time, the drops at their operations, the failures expected, the room, the wait" \
	|| { bad "the scenario"; cat "$y"; }
grep -q "^#   turret_jam at_s [0-9.]*: in the setup of operation 4: log op 8, call select_lens(A) -> EHW: " "$y" \
	&& ok "its comment says where each fault comes from" || bad "no fault comment"
awk -F, 'NR > 1 && $2 < 23 { lo = 1 } NR > 1 && $2 > 24 { hi = 1 } END { exit !(lo && hi) }' "$tmp/imp/field-hil.temps.csv" \
	&& ok "the room trace holds the 3 C step" || { bad "room trace"; cat "$tmp/imp/field-hil.temps.csv"; }

# 5. the scenario reproduces the failures in simulation
"$AFSIM" run "$y" --db "$tmp/sim.db" > "$tmp/s.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^PASS  field-hil .* sim " "$tmp/s.txt" \
	&& ok "afsim run on the imported scenario passes (its expectations are the failures)" \
	|| { bad "run of the import exits $rc"; cat "$tmp/s.txt"; }
failures "$tmp/sim.db" > "$tmp/sim.fail"
[ -s "$tmp/sim.fail" ] && cmp -s "$tmp/hil.fail" "$tmp/sim.fail" \
	&& ok "the same operations fail with the same codes in simulation as on the rig ($(wc -l < "$tmp/sim.fail"))" \
	|| { bad "failures differ"; diff "$tmp/hil.fail" "$tmp/sim.fail"; }
sed 's/^  - {kind: turret_jam, at_s: .*}$//' "$y" > "$tmp/imp/nojam.yaml"
"$AFSIM" run "$tmp/imp/nojam.yaml" --db "$tmp/sim.db" > "$tmp/nj.txt" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "^  FAIL op.4.errors.EHW = 0 (min 1)$" "$tmp/nj.txt" \
	&& ok "without the jam the expectation of operation 4 fails (exit 1)" || { bad "without the jam: exit $rc"; cat "$tmp/nj.txt"; }

# 6. the log drawn
"$AFSIM" viz timeline "$tmp/hil.aflog" --png "$tmp/hil.png" > "$tmp/v.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && [ -s "$tmp/hil.png" ] && ok "afsim viz timeline LOG draws the log" || { bad "viz of the log exits $rc"; cat "$tmp/v.txt"; }
printf 'not a log' > "$tmp/text.aflog"
"$AFSIM" viz timeline "$tmp/text.aflog" --png "$tmp/t.png" > /dev/null 2> "$tmp/v.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim viz: $tmp/text.aflog: not a field log: no field log magic at byte 0" "$tmp/v.err" \
	&& [ ! -e "$tmp/t.png" ] && ok "viz timeline of a file that is not a log: exit 2" || { bad "viz of text exits $rc"; cat "$tmp/v.err"; }

# 7. the library's field scenario: its log imports to it, byte for byte,
# and it passes
for log in scenarios/field/*.aflog; do
	base=${log%.aflog}
	name=$(sed -n 's/^scenario: "\(.*\)"$/\1/p' "$base.yaml")
	mkdir -p "$tmp/lib/scenarios/field"
	"$AFSIM" field import "$log" -o "$tmp/lib/$base.yaml" --name "$name" > "$tmp/lib.txt" 2>&1; rc=$?
	sed '1s/ afsim field import [^ ]* / afsim field import /' "$base.yaml" > "$tmp/lib/want.yaml"
	sed '1s/ afsim field import [^ ]* / afsim field import /' "$tmp/lib/$base.yaml" > "$tmp/lib/got.yaml"
	[ $rc -eq 0 ] && cmp -s "$tmp/lib/want.yaml" "$tmp/lib/got.yaml" && cmp -s "$base.temps.csv" "$tmp/lib/$base.temps.csv" \
		&& ok "$log imports to $base.yaml and its trace, as kept" \
		|| { bad "$log imports otherwise (exit $rc)"; cat "$tmp/lib.txt"; diff "$tmp/lib/want.yaml" "$tmp/lib/got.yaml" | head -20; }
	"$AFSIM" run "$base.yaml" --db "$tmp/lib.db" > "$tmp/lr.txt" 2>&1; rc=$?
	[ $rc -eq 0 ] && ok "$base.yaml passes" || { bad "$base.yaml exits $rc"; cat "$tmp/lr.txt"; }
done

# 8. what cannot be imported
"$MKFIELDLOG" "$tmp/ns.aflog" --handoffs 2 --no-stamps --no-calibrate --no-autofocus --keep-last 1 --ring-bytes 0 > /dev/null 2>&1
"$AFSIM" field import "$tmp/ns.aflog" -o "$tmp/imp/ns.yaml" > "$tmp/ns.txt" 2> "$tmp/ns.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim field import: $tmp/ns.aflog cannot be made into a faithful scenario; missing:" "$tmp/ns.err" \
	&& grep -q "^  clock stamps: the log's calls carry none" "$tmp/ns.err" \
	&& grep -qx "nothing written (--force writes the scenario without them)" "$tmp/ns.err" && [ ! -e "$tmp/imp/ns.yaml" ] \
	&& ok "a log without clock stamps: what is missing, exit 2, nothing written" || { bad "no stamps: exit $rc"; cat "$tmp/ns.txt" "$tmp/ns.err"; }
"$AFSIM" field import "$tmp/ns.aflog" -o "$tmp/imp/ns.yaml" --force > "$tmp/nf.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^# MISSING (written with --force: not faithful):$" "$tmp/imp/ns.yaml" \
	&& grep -q "^#   clock stamps: " "$tmp/imp/ns.yaml" && "$AFSIM" run "$tmp/imp/ns.yaml" --db "$tmp/ns.db" > /dev/null 2>&1 \
	&& ok "--force writes it, its comment naming what is missing, and it runs" || { bad "--force exits $rc"; cat "$tmp/nf.txt"; }
head -c 200 "$tmp/ns.aflog" > "$tmp/head.aflog"
"$AFSIM" field import "$tmp/head.aflog" -o "$tmp/imp/h.yaml" > /dev/null 2> "$tmp/h.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim field import: $tmp/head.aflog: the log holds no engine (it ends before the engine's creation): nothing to import" "$tmp/h.err" \
	&& ok "a log without an engine: exit 2" || { bad "no engine: exit $rc"; cat "$tmp/h.err"; }
cp "$tmp/hil.aflog" "$tmp/bad.aflog"
printf 'X' | dd of="$tmp/bad.aflog" bs=1 seek=3000 conv=notrunc 2> /dev/null
"$AFSIM" field import "$tmp/bad.aflog" -o "$tmp/imp/b.yaml" > /dev/null 2> "$tmp/b.err"; rc=$?
[ $rc -eq 2 ] && grep -q "^afsim field import: $tmp/bad.aflog: record [0-9]* (.*) at byte [0-9]*: " "$tmp/b.err" \
	&& [ ! -e "$tmp/imp/b.yaml" ] && ok "a damaged log: exit 2 naming the record and byte" || { bad "damaged: exit $rc"; cat "$tmp/b.err"; }
for args in "" "field" "field export" "field import" "field import $tmp/hil.aflog" \
	"field import $tmp/hil.aflog -o" "field import $tmp/hil.aflog -o $tmp/imp/u.yaml --bogus" \
	"field import $tmp/hil.aflog $tmp/hil.aflog -o $tmp/imp/u.yaml" \
	"field import $tmp/hil.aflog -o $tmp/imp/u.yaml --seed x" \
	"field import $tmp/hil.aflog -o $tmp/imp/u.yaml --name Bad.Name"; do
	[ -z "$args" ] && continue
	# shellcheck disable=SC2086
	"$AFSIM" $args > /dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] && [ ! -e "$tmp/imp/u.yaml" ] && ok "usage 'afsim $args': exit 2" || bad "usage 'afsim $args' exits $rc"
done

finish
