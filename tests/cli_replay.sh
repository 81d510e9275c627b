#!/bin/sh
# cli_replay.sh - `afsim replay` end to end on field logs written by the
# engine's flight recorder: `afsim run --record` (the runner on the
# simulated rig, the same recorder an instrument uses) and, for logs run
# cannot make (pixels of the last operations only), tests/mkfieldlog.  A
# run with a turret jam and dropped frames, recorded, replays identically
# (exit 0) and has the trace hash of the same run unrecorded; a changed
# search setting diverges at a named call (exit 1) and lists what was
# decided before; a log without pixels replays from its recorded scores; a
# log cut in the middle of a record replays up to its end with a warning;
# damage is an error naming the record and byte (exit 2), and so is bad
# usage; --dump prints it; --record with several scenarios writes a folder
# of logs and refuses one file (exit 2).
set -u
cd "$(dirname "$0")/.."
AFSIM=${AFSIM:-./afsim}
MKFIELDLOG=${MKFIELDLOG:-$(dirname "$AFSIM")/tests/mkfieldlog}
[ -x "$MKFIELDLOG" ] || MKFIELDLOG=build/tests/mkfieldlog
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; }

# The run to record: a calibration, an autofocus, ten handoffs with waits;
# the switcher jams at the fourth operation (the second handoff's switch)
# and two frames drop at the ninth (two handoffs fail on them).
cat > "$tmp/faults.yaml" << 'EOF'
scenario: replay-faults
description: a turret jam and two dropped frames, recorded for afsim replay
seed: 1
faults:
  - {at_op: 4, kind: turret_jam}
  - {at_op: 9, kind: camera_drop, count: 2}
steps:
  - calibrate: {points: 11, from_um: -8, to_um: 8}
  - autofocus: {lens: B, near_um: 4}
  - handoff: {from: A, to: B, z_um: {uniform: [-5, 5]}, repeat: 4}
  - wait: {s: 30}
  - handoff: {from: A, to: B, z_um: {uniform: [-5, 5]}, repeat: 4}
  - wait: {s: 30}
  - handoff: {from: A, to: B, z_um: {uniform: [-5, 5]}, repeat: 2}
EOF

# 1. a faulted run, recorded, replays identically
"$AFSIM" run "$tmp/faults.yaml" --db "$tmp/a.db" --record "$tmp/f.aflog" > "$tmp/mk.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^PASS  replay-faults .* handoffs 7/10 " "$tmp/mk.txt" \
	&& grep -q "^wrote field log $tmp/f.aflog ([0-9]* bytes)$" "$tmp/mk.txt" \
	&& ok "afsim run --record writes the log of a run with a jam and dropped frames" \
	|| { bad "run --record exits $rc"; cat "$tmp/mk.txt"; }
"$AFSIM" run "$tmp/faults.yaml" --db "$tmp/a.db" > "$tmp/plain.txt" 2>&1
h1=$(sed -n 's/^PASS .* trace \([0-9a-f]*\)$/\1/p' "$tmp/mk.txt")
h2=$(sed -n 's/^PASS .* trace \([0-9a-f]*\)$/\1/p' "$tmp/plain.txt")
[ -n "$h1" ] && [ "$h1" = "$h2" ] && ok "recording leaves the run as it is: trace $h1 both ways" \
	|| bad "trace hashes differ with and without --record: '$h1' '$h2'"
"$AFSIM" replay "$tmp/f.aflog" > "$tmp/r.txt" 2> "$tmp/r.err"; rc=$?
[ $rc -eq 0 ] && ok "replay exits 0" || { bad "replay exits $rc"; cat "$tmp/r.txt" "$tmp/r.err"; }
ncalls=$(sed -n 's/.*operations, \([0-9]*\) calls,.*/\1/p' "$tmp/r.txt")
grep -q "^reproduced: 26 ops, $ncalls HAL calls, results identical$" "$tmp/r.txt" \
	&& ok "reproduced: 26 ops, $ncalls HAL calls, results identical" || { bad "no reproduced line"; cat "$tmp/r.txt"; }
[ -s "$tmp/r.err" ] && bad "replay wrote to stderr: $(cat "$tmp/r.err")" || ok "nothing on stderr"
"$AFSIM" replay "$tmp/f.aflog" -v > "$tmp/v.txt" 2>&1
grep -q "^op 7 handoff A->B from -2.18182 um: EHW, .*select_lens: objective switcher jammed moving from lens A to lens B \[calls" "$tmp/v.txt" \
	&& grep -q "^op 18 handoff A->B from -0.146023 um: ETIMEDOUT, .*camera frame dropped" "$tmp/v.txt" \
	&& ok "-v shows the jam and the dropped frame reproduced" || { bad "-v"; grep "^op" "$tmp/v.txt" | head -30; }

# 2. the search setting changed: the first handoff departs at a named call
"$AFSIM" replay "$tmp/f.aflog" --engine-set optimization=standard > "$tmp/d.txt" 2>&1; rc=$?
[ $rc -eq 1 ] && ok "a changed optimization exits 1" || { bad "changed optimization exits $rc"; cat "$tmp/d.txt"; }
grep -q "^engine changed: optimization = standard (recorded fast)$" "$tmp/d.txt" \
	&& ok "the change is named" || bad "no 'engine changed' line"
grep -q "^diverged at op 5 handoff A->B from 0.48376 um, HAL call [0-9]* (the operation's call 4): the engine makes another call$" "$tmp/d.txt" \
	&& grep -q "^  recorded: call [0-9]* move_z([0-9]*\.[0-9]* um) -> ok$" "$tmp/d.txt" \
	&& grep -q "^  replayed: select_lens(B)$" "$tmp/d.txt" \
	&& ok "the first divergent call is named: op, call, recorded and new" || { bad "divergence report"; cat "$tmp/d.txt"; }
grep -q "^decided before the divergence (5 operations completed with the recorded results):$" "$tmp/d.txt" \
	&& grep -q "^  op 2 calibrate 11 sites -8..8 um, 2 passes, backlash: ok, 11 sites" "$tmp/d.txt" \
	&& ok "what the engine had decided up to there" || { bad "decided list"; cat "$tmp/d.txt"; }

# 3. pixels not kept: replayed from the recorded scores
"$MKFIELDLOG" "$tmp/k.aflog" --faults --handoffs 10 --keep-last 1 --ring-bytes 0 > /dev/null 2>&1
"$AFSIM" replay "$tmp/k.aflog" > "$tmp/k.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^frames: 0 scored from their pixels, [1-9][0-9]* answered with their recorded score (pixels not kept)$" "$tmp/k.txt" \
	&& ok "a log without pixels replays from its scores" || { bad "keep-last replay exits $rc"; cat "$tmp/k.txt"; }
[ "$(wc -c < "$tmp/k.aflog")" -lt $(($(wc -c < "$tmp/f.aflog") / 20)) ] \
	&& ok "and is less than a twentieth of the size" || bad "sizes $(wc -c < "$tmp/k.aflog") / $(wc -c < "$tmp/f.aflog")"

# 4. a log cut in the middle of a record (the instrument stopped)
size=$(wc -c < "$tmp/f.aflog")
head -c $((size * 2 / 3)) "$tmp/f.aflog" > "$tmp/cut.aflog"
"$AFSIM" replay "$tmp/cut.aflog" > "$tmp/c.txt" 2> "$tmp/c.err"; rc=$?
[ $rc -eq 0 ] && grep -q "^afsim replay: warning: $tmp/cut.aflog: record [0-9]* at byte [0-9]* is torn ([0-9]* of its [0-9]* bytes): skipped$" "$tmp/c.err" \
	&& grep -q "^reproduced up to the end of the log: .* results identical; the log ends inside op" "$tmp/c.txt" \
	&& ok "a torn log replays up to its end with a warning" || { bad "torn log exits $rc"; cat "$tmp/c.txt" "$tmp/c.err"; }

# 5. damage and usage: exit 2
cp "$tmp/f.aflog" "$tmp/bad.aflog"
printf 'X' | dd of="$tmp/bad.aflog" bs=1 seek=5000 conv=notrunc 2> /dev/null
"$AFSIM" replay "$tmp/bad.aflog" > /dev/null 2> "$tmp/b.err"; rc=$?
[ $rc -eq 2 ] && grep -q "^afsim replay: $tmp/bad.aflog: record [0-9]* (call) at byte [0-9]*: checksum mismatch (stored 0x[0-9a-f]\{8\}, computed 0x[0-9a-f]\{8\})$" "$tmp/b.err" \
	&& ok "a damaged log exits 2 naming the record and byte" || { bad "damaged log exits $rc"; cat "$tmp/b.err"; }
printf 'not a log' > "$tmp/text.aflog"
"$AFSIM" replay "$tmp/text.aflog" > /dev/null 2> "$tmp/t.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim replay: $tmp/text.aflog: not a field log: no field log magic at byte 0" "$tmp/t.err" \
	&& ok "not a log: exit 2" || { bad "not a log exits $rc"; cat "$tmp/t.err"; }
"$AFSIM" replay "$tmp/none.aflog" > /dev/null 2> "$tmp/n.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim replay: cannot open field log '$tmp/none.aflog': No such file or directory" "$tmp/n.err" \
	&& ok "a missing log: exit 2" || { bad "missing log exits $rc"; cat "$tmp/n.err"; }
"$AFSIM" replay "$tmp/f.aflog" --engine-set cache.size=bogus > /dev/null 2> "$tmp/e.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim replay: --engine-set cache.size=bogus: 'bogus' is not an integer, expected an integer in \[0, 1024\]" "$tmp/e.err" \
	&& ok "a bad --engine-set value: exit 2" || { bad "bad --engine-set exits $rc"; cat "$tmp/e.err"; }
"$AFSIM" replay "$tmp/f.aflog" --engine-set z_min_um=600 > /dev/null 2> "$tmp/e2.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim replay: --engine-set z_min_um=600: engine configuration is inconsistent: engine limits are invalid" "$tmp/e2.err" \
	&& ok "a key inconsistent with the defaults: exit 2" || { bad "inconsistent key exits $rc"; cat "$tmp/e2.err"; }
"$AFSIM" replay "$tmp/f.aflog" --engine-set z_min_um=450 --engine-set z_max_um=-450 > /dev/null 2> "$tmp/e3.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim replay: the changed engine configuration is invalid: engine limits are invalid" "$tmp/e3.err" \
	&& ok "keys inconsistent together: exit 2" || { bad "inconsistent keys exit $rc"; cat "$tmp/e3.err"; }
for args in "" "--bogus $tmp/f.aflog" "$tmp/f.aflog $tmp/f.aflog" "$tmp/f.aflog --engine-set"; do
	# shellcheck disable=SC2086
	"$AFSIM" replay $args > /dev/null 2>&1; rc=$?
	[ $rc -eq 2 ] && ok "usage 'replay $args' exits 2" || bad "usage 'replay $args' exits $rc"
done

# 6. --dump and help
"$AFSIM" replay --dump "$tmp/f.aflog" > "$tmp/dump.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^field log $tmp/f.aflog: format 2, engine 1.0, build '$("$AFSIM" version | sed 's/^afsim //')', rig 'sim:default', hal 'sim' version 1$" "$tmp/dump.txt" \
	&& grep -q "^  optimization = fast$" "$tmp/dump.txt" \
	&& grep -q "^optional ops: set_exposure_us get_exposure_us set_roi get_roi z_busy wait_settled_z; " "$tmp/dump.txt" \
	&& grep -q "^  call [0-9]* wait_settled_z(500 ms) -> -\{0,1\}[0-9.]* um \[" "$tmp/dump.txt" \
	&& grep -q "^  call [0-9]* select_lens(B) -> EHW: objective switcher jammed" "$tmp/dump.txt" \
	&& ok "--dump prints the header, the configuration and the calls" || { bad "--dump exits $rc"; head -5 "$tmp/dump.txt"; }
"$AFSIM" help replay | grep -q "^usage: afsim replay LOG \[--engine-set KEY=VALUE\]... \[-v\] \[--dump\]$" \
	&& ok "afsim help replay" || bad "afsim help replay"

# 7. --record with several scenarios: a folder of logs, each replays; one
# file for several is refused before anything runs (exit 2); a log that
# cannot be written is refused before anything runs (exit 3)
sed 's/^scenario: replay-faults/scenario: replay-faults-2/; s/^seed: 1/seed: 2/' "$tmp/faults.yaml" > "$tmp/faults2.yaml"
"$AFSIM" run -j 2 "$tmp/faults.yaml" "$tmp/faults2.yaml" --db "$tmp/a.db" --record "$tmp/logs/" > "$tmp/j.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^wrote 2 field logs to $tmp/logs/ ([0-9]* bytes)$" "$tmp/j.txt" \
	&& "$AFSIM" replay "$tmp/logs/replay-faults.aflog" | grep -q "^reproduced: 26 ops" \
	&& "$AFSIM" replay "$tmp/logs/replay-faults-2.aflog" | grep -q "^reproduced: " \
	&& ok "--record DIR/ with -j 2: one log per scenario, each replays" \
	|| { bad "--record DIR/ exits $rc"; cat "$tmp/j.txt"; ls -l "$tmp/logs"; }
n0=$(sqlite3 "$tmp/a.db" "SELECT count(*) FROM runs" 2> /dev/null || echo "?")
"$AFSIM" run "$tmp/faults.yaml" "$tmp/faults2.yaml" --db "$tmp/a.db" --record "$tmp/one.aflog" > /dev/null 2> "$tmp/e.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim run: --record $tmp/one.aflog names one field log, but 2 scenarios run: give a folder (--record DIR/) to write DIR/<scenario>.aflog for each" "$tmp/e.err" \
	&& [ ! -e "$tmp/one.aflog" ] && ok "--record FILE with 2 scenarios: exit 2, nothing written" \
	|| { bad "--record FILE with 2 scenarios exits $rc"; cat "$tmp/e.err"; }
"$AFSIM" run "$tmp/faults.yaml" --db "$tmp/a.db" --record "$tmp/no/such/f.aflog" > /dev/null 2> "$tmp/e.err"; rc=$?
[ $rc -eq 3 ] && grep -qx "afsim run: cannot write field log '$tmp/no/such/f.aflog': No such file or directory" "$tmp/e.err" \
	&& ok "an unwritable log: exit 3 before anything runs" || { bad "unwritable log exits $rc"; cat "$tmp/e.err"; }
"$AFSIM" run "$tmp/faults.yaml" --db "$tmp/a.db" --record "" > /dev/null 2> "$tmp/e.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim run: --record needs a path, not an empty string" "$tmp/e.err" \
	&& ok "--record '': exit 2" || { bad "--record '' exits $rc"; cat "$tmp/e.err"; }
n1=$(sqlite3 "$tmp/a.db" "SELECT count(*) FROM runs" 2> /dev/null || echo "?")
[ "$n0" = "$n1" ] && ok "the refused invocations recorded no run ($n1 runs)" || bad "runs went from $n0 to $n1"

echo "cli_replay: $passes passed, $fails failed"
[ $fails -eq 0 ]
