#!/bin/sh
# cli_hil.sh - `afsim run --rig` end to end against the rig emulator
# (`afsim rig serve`), on loopback TCP and on a pseudo-terminal:
#   1. usage: -j above 1 with --rig, a bad rig file, an empty --rig: exit 2,
#      nothing recorded; a rig nobody serves: a recorded error, exit 3;
#   2. the library's nominal scenarios, whole, over TCP and over a pty
#      (the emulator without pacing: every step and expectation, in
#      seconds), recorded as hil with the rig's name and identity, no trace
#      hash, the ground-truth expectations not applicable (on the run
#      lines, in JUnit, in the report);
#   3. in real time over the pty: a nominal scenario, recorded with
#      --record, and its field log replays exactly;
#   4. every rig-level fault (link_drop, garbage, slow_reply, no_reply)
#      ends the run as a recorded error within its timeout, the last
#      exchange in runs.message, what came before kept, exit 3;
#   5. afsim regress on hil runs takes the statistical path: two runs
#      against the same emulator are no regression (exit 0); against an
#      emulator whose stage is 50 % slower, focus_move regresses (exit 1);
#   6. afsim gap: the same scenario in simulation and on the emulator agree
#      in success and accuracy, the gap of each phase is reported.
# The emulator runs in real time: parts 3, 5 and 6 take about 20 s.
set -u
cd "$(dirname "$0")/.."
AFSIM=${AFSIM:-./afsim}
tmp=$(mktemp -d)
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2> /dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; }
db="$tmp/hil.db"
q() { sqlite3 "$db" "$1"; }

# Start an emulator: serve NAME ARGS...; its transport in $transport (a
# pty's with @115200 for the rig file), its pid in $pid.
serve() {
	name=$1
	shift
	"$AFSIM" rig serve "$@" --quiet > "$tmp/$name.out" 2> "$tmp/$name.err" &
	pid=$!
	pids="$pids $pid"
	i=0
	while [ $i -lt 50 ] && ! grep -q '^listening on ' "$tmp/$name.out" 2> /dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	transport=$(sed -n '1s/^listening on //p' "$tmp/$name.out")
	case "$transport" in serial:*) transport="$transport@115200" ;; esac
}

# A rig file $tmp/NAME.yaml: rigfile NAME TRANSPORT [TIMEOUT_MS RETRIES].
# Without faults the timeout is generous (10 s): a loaded test machine
# must not pass for a rig that stopped answering.
rigfile() {
	printf 'name: %s\ntransport: %s\ntimeout_ms: %s\nretries: %s\n' "$1" "$2" "${3:-10000}" \
		"${4:-2}" > "$tmp/$1.yaml"
}

# 1. usage and an absent rig
serve fast --listen 127.0.0.1:0 --no-pacing --name emul
fast_pid=$pid
rigfile emul "$transport"
"$AFSIM" run -j 2 --rig "$tmp/emul.yaml" scenarios/nominal/autofocus.yaml --db "$db" > /dev/null 2> "$tmp/e.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim run: --rig drives one physical rig, which takes one run at a time: -j 2 is refused (leave -j out)" "$tmp/e.err" \
	&& ok "-j 2 with --rig: exit 2" || { bad "-j 2 with --rig exits $rc"; cat "$tmp/e.err"; }
printf 'name: emul\ntransport: tcp:127.0.0.1:99999\n' > "$tmp/badrig.yaml"
"$AFSIM" run --rig "$tmp/badrig.yaml" scenarios/nominal/autofocus.yaml --db "$db" > /dev/null 2> "$tmp/e.err"; rc=$?
[ $rc -eq 2 ] && grep -q "^$tmp/badrig.yaml:2:12: error: transport 'tcp:127.0.0.1:99999': port '99999' is not in 1..65535" "$tmp/e.err" \
	&& ok "a bad rig file: exit 2 with file:line:col" || { bad "bad rig file exits $rc"; cat "$tmp/e.err"; }
"$AFSIM" run --rig "" scenarios/nominal/autofocus.yaml --db "$db" > /dev/null 2> "$tmp/e.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim run: --rig needs a path, not an empty string" "$tmp/e.err" \
	&& ok "--rig '': exit 2" || { bad "--rig '' exits $rc"; cat "$tmp/e.err"; }
[ ! -e "$db" ] && ok "nothing recorded by the refused invocations" || bad "a refused invocation made $db"
# a port nobody listens on: the run is recorded, as an error
"$AFSIM" rig serve --listen 127.0.0.1:0 --quiet > "$tmp/gone.out" 2> /dev/null &
gone=$!
i=0; while [ $i -lt 50 ] && ! grep -q '^listening on ' "$tmp/gone.out" 2> /dev/null; do sleep 0.1; i=$((i + 1)); done
kill "$gone"; wait "$gone"
rigfile gone "$(sed 's/^listening on //' "$tmp/gone.out")" 300 0
"$AFSIM" run --rig "$tmp/gone.yaml" scenarios/nominal/autofocus.yaml --db "$db" > "$tmp/o.txt" 2>&1; rc=$?
[ $rc -eq 3 ] && grep -q "^ERROR autofocus .* hil  rig gone$" "$tmp/o.txt" \
	&& [ "$(q "SELECT mode || ' ' || status || ' ' || rig FROM runs")" = "hil error gone" ] \
	&& q "SELECT message FROM runs" | grep -q "^rig 'gone': cannot connect to " \
	&& ok "a rig nobody serves: a recorded error run, exit 3" || { bad "absent rig exits $rc"; cat "$tmp/o.txt"; q "SELECT * FROM runs"; }

# 2. the nominal library over TCP, then over a pty (no pacing: seconds)
"$AFSIM" run --rig "$tmp/emul.yaml" scenarios/nominal/ --db "$db" --junit "$tmp/j.xml" > "$tmp/n.txt" 2>&1; rc=$?
n=$(grep -c "^PASS  .* hil  .*rig emul (afsim-.*/emulator/seed-1)$" "$tmp/n.txt")
[ $rc -eq 0 ] && [ "$n" -eq 5 ] && ok "the 5 nominal scenarios pass against the emulator over TCP" \
	|| { bad "nominal over TCP exits $rc ($n PASS)"; cat "$tmp/n.txt"; }
grep -q "^  N/A  handoff.focus_error_um.max, handoff.focus_error_um.mean: not applicable under hil (needs the simulator's ground truth)$" "$tmp/n.txt" \
	&& grep -q "^5 scenarios: 5 passed, 0 failed, 0 errors; 850 handoffs; [0-9.]* s wall on the rig 'emul'$" "$tmp/n.txt" \
	&& ok "the ground-truth expectations are said not applicable; the summary counts wall time on the rig" \
	|| { bad "n/a or summary lines"; cat "$tmp/n.txt"; }
ident=$(q "SELECT DISTINCT rig FROM runs WHERE scenario = 'handoff-fast'")
[ "$(q "SELECT count(*) FROM runs WHERE mode = 'hil' AND status = 'passed' AND trace_hash IS NULL AND virtual_s IS NULL")" -eq 5 ] \
	&& echo "$ident" | grep -q "^emul (afsim-.*/emulator/seed-1)$" \
	&& [ "$(q "SELECT count(*) FROM ops o JOIN runs r ON r.id = o.run_id WHERE r.status = 'passed' AND o.kind = 'handoff' AND o.focus_error_um IS NULL")" -eq 850 ] \
	&& [ "$(q "SELECT count(*) FROM samples WHERE true_focus_um IS NOT NULL")" -eq 0 ] \
	&& [ "$(q "SELECT count(*) FROM samples s JOIN runs r ON r.id = s.run_id WHERE r.status = 'passed'")" -gt 5000 ] \
	&& [ "$(q "SELECT count(*) FROM expectations WHERE passed IS NULL")" -eq 7 ] \
	&& [ "$(q "SELECT count(*) FROM expectations WHERE passed = 1")" -eq 14 ] \
	&& ok "recorded as hil on '$ident': 850 handoffs, their frames, no truth, 7 expectations n/a and 14 passed" \
	|| { bad "the hil records"; q "SELECT id, mode, status, trace_hash, rig FROM runs"; }
grep -q "<system-out>seed 1 mode hil rig emul (afsim-.*/emulator/seed-1); not applicable under hil: handoff.focus_error_um.max, handoff.focus_error_um.mean</system-out>" "$tmp/j.xml" \
	&& [ "$(grep -c "<testcase " "$tmp/j.xml")" -eq 5 ] && ! grep -q "<failure\|<error" "$tmp/j.xml" \
	&& ok "JUnit: 5 testcases, the rig and the expectations not applicable in system-out" \
	|| { bad "JUnit of the hil runs"; cat "$tmp/j.xml"; }
"$AFSIM" report $(q "SELECT group_concat(id, ' ') FROM runs WHERE status = 'passed'") --db "$db" > "$tmp/rep.txt" 2>&1
grep -q "^profiling report: 5 runs (.*), scenario .*, mode hil$" "$tmp/rep.txt" \
	&& grep -qx "expectations: 14 passed, 0 failed, 7 not applicable (autofocus.focus_error_um.max 1, handoff.focus_error_um.max 4, handoff.focus_error_um.mean 2): they need the simulator's ground truth, which a rig run has not" "$tmp/rep.txt" \
	&& ok "afsim report of the hil runs counts the expectations not applicable" \
	|| { bad "report of the hil runs"; cat "$tmp/rep.txt"; }
serve pty --pty --no-pacing
rigfile ptyrig "$transport"
"$AFSIM" run --rig "$tmp/ptyrig.yaml" scenarios/nominal/ --db "$db" > "$tmp/p.txt" 2>&1; rc=$?
n=$(grep -c "^PASS  .* hil  .*rig ptyrig: emul (afsim-.*/emulator/seed-1)$" "$tmp/p.txt")
[ $rc -eq 0 ] && [ "$n" -eq 5 ] && ok "the 5 nominal scenarios pass against the emulator over a pty ($transport)" \
	|| { bad "nominal over the pty exits $rc ($n PASS)"; cat "$tmp/p.txt"; }
kill "$pid" "$fast_pid"

# 3. in real time over a pty, recorded, and the log replays exactly
serve paced --pty --name bench-3
rigfile bench-3 "$transport"
"$AFSIM" run --rig "$tmp/bench-3.yaml" scenarios/nominal/autofocus.yaml --db "$db" --record "$tmp/hil.aflog" > "$tmp/r.txt" 2>&1; rc=$?
wall=$(q "SELECT round(wall_s, 2) FROM runs WHERE id = (SELECT max(id) FROM runs)")
[ $rc -eq 0 ] && grep -q "^wrote field log $tmp/hil.aflog ([0-9]* bytes)$" "$tmp/r.txt" \
	&& awk -v w="$wall" "BEGIN { exit !(w > 3.5 && w < 15) }" \
	&& ok "autofocus in real time over the pty: ${wall} s wall (4.5 s simulated), field log written" \
	|| { bad "paced pty run exits $rc (wall $wall)"; cat "$tmp/r.txt"; }
"$AFSIM" replay "$tmp/hil.aflog" > "$tmp/rp.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^field log $tmp/hil.aflog: engine .* rig 'bench-3 (afsim-.*/emulator/seed-1)', 5 operations" "$tmp/rp.txt" \
	&& grep -q "^reproduced: 5 ops, [0-9]* HAL calls, results identical$" "$tmp/rp.txt" \
	&& ok "the hil run's field log replays exactly" || { bad "replay of the hil log exits $rc"; cat "$tmp/rp.txt"; }
kill "$pid"

# 4. rig-level faults: each a recorded error within its timeout, exit 3
cat > "$tmp/client.yaml" << 'EOF'
scenario: hil-client
seed: 1
steps:
  - handoff: {from: A, to: B, z_um: {uniform: [-4, 4]}, repeat: 10}
expect:
  handoff.success_rate: {min: 1}
EOF
for kind in link_drop garbage slow_reply no_reply; do
	printf 'scenario: fault-%s\nrig: {truth: nominal}\nfaults:\n  - {at_op: 30, kind: %s}\nsteps:\n  - wait: {s: 1}\n' \
		"$kind" "$kind" > "$tmp/fault-$kind.yaml"
	serve "$kind" --listen 127.0.0.1:0 --scenario "$tmp/fault-$kind.yaml" --name "rig-$kind"
	rigfile "rig-$kind" "$transport" 300 1
	"$AFSIM" run --rig "$tmp/rig-$kind.yaml" "$tmp/client.yaml" --db "$db" > "$tmp/f.txt" 2>&1; rc=$?
	id=$(q "SELECT max(id) FROM runs")
	msg=$(q "SELECT message FROM runs WHERE id = $id")
	case $kind in
	link_drop) want="connection closed by the peer; sent '30 " ;;
	# the 30th request, or its retry when it was a read the bridge repeats
	garbage) want="garbled reply: .*; sent '3[01] .*', received '" ;;
	*) want="no reply within [0-9]* ms (nothing received); sent '3[01] .*', received nothing" ;;
	esac
	[ $rc -eq 3 ] && grep -q "^ERROR hil-client .* hil  .*rig rig-$kind (" "$tmp/f.txt" \
		&& [ "$(q "SELECT status FROM runs WHERE id = $id")" = error ] \
		&& echo "$msg" | grep -q "^the rig was lost in step 1 (line 4): rig 'rig-$kind' (tcp:127.0.0.1:[0-9]*): [A-Z_]*: $want" \
		&& [ "$(q "SELECT count(*) FROM ops WHERE run_id = $id AND success = 1")" -ge 1 ] \
		&& [ "$(q "SELECT count(*) FROM events WHERE run_id = $id AND kind = 'link'")" -eq 1 ] \
		&& [ "$(q "SELECT wall_s < 10 FROM runs WHERE id = $id")" -eq 1 ] \
		&& ok "$kind: error in $(q "SELECT round(wall_s, 2) FROM runs WHERE id = $id") s, exit 3, $(q "SELECT count(*) FROM ops WHERE run_id = $id") ops kept: $msg" \
		|| { bad "$kind exits $rc: $msg"; cat "$tmp/f.txt"; }
	kill "$pid"
done

# 5. regression on hil runs: statistical.  A quiet stage (no settle jitter,
# a constant bus latency) so that 10 handoffs a side show a 50 % slower
# stage (every move takes 1.5 times as long: top speed / 1.5, acceleration
# / 1.5^2); the same handoffs (seed) on both emulators.  (30 % was enough
# while the focus move ended with a GET_Z round trip; without it the phase
# is shorter and its spread on a loaded host a larger part of it.)
cat > "$tmp/quiet.yaml" << 'EOF'
scenario: hil-regress
description: A->B handoffs on a quiet stage, for the statistical regression on a rig
seed: 1
rig:
  truth: nominal
  stage: {settle_jitter_ms: 0, bus_latency_min_ms: 10, bus_latency_max_ms: 10}
steps:
  - handoff: {from: A, to: B, z_um: {uniform: [-4, 4]}, repeat: 10}
EOF
sed 's/stage: {/stage: {max_speed_um_per_s: 666.7, accel_um_per_s2: 4444.4, /' "$tmp/quiet.yaml" > "$tmp/slow.yaml"
serve quiet --listen 127.0.0.1:0 --scenario "$tmp/quiet.yaml" --name rig-quiet
quiet_pid=$pid
rigfile rig-quiet "$transport"
serve slow --listen 127.0.0.1:0 --scenario "$tmp/slow.yaml" --name rig-slow
slow_pid=$pid
rigfile rig-slow "$transport"
"$AFSIM" run --rig "$tmp/rig-quiet.yaml" "$tmp/quiet.yaml" --db "$db" > /dev/null 2>&1; r1=$?
b=$(q "SELECT max(id) FROM runs")
"$AFSIM" run --rig "$tmp/rig-quiet.yaml" "$tmp/quiet.yaml" --db "$db" > /dev/null 2>&1; r2=$?
same=$(q "SELECT max(id) FROM runs")
"$AFSIM" run --rig "$tmp/rig-slow.yaml" "$tmp/quiet.yaml" --db "$db" > /dev/null 2>&1; r3=$?
slow=$(q "SELECT max(id) FROM runs")
[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && [ $r3 -eq 0 ] && ok "three hil runs of hil-regress: $b, $same (same emulator), $slow (slow stage)" \
	|| bad "hil-regress runs exit $r1 $r2 $r3"
"$AFSIM" baseline set main "$b" --reason "hil baseline" --db "$db" > /dev/null 2>&1
"$AFSIM" regress "$same" --db "$db" > "$tmp/g1.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && ! grep -q "REGRESSED" "$tmp/g1.txt" && grep -q "Mann-Whitney\|statistical" "$tmp/g1.txt" \
	&& ok "two runs against the same emulator: no regression (statistical path, exit 0)" \
	|| { bad "same emulator: regress exits $rc"; cat "$tmp/g1.txt"; }
"$AFSIM" regress "$slow" --db "$db" > "$tmp/g2.txt" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "focus_move.*regressed" "$tmp/g2.txt" \
	&& ok "a 50 % slower stage: focus_move regresses (exit 1): $(grep -m1 "focus_move" "$tmp/g2.txt" | tr -s ' ')" \
	|| { bad "slow stage: regress exits $rc"; cat "$tmp/g2.txt"; }

# 6. the gap between simulation and the rig: the same scenario and world
"$AFSIM" run "$tmp/quiet.yaml" --db "$db" > /dev/null 2>&1
sim=$(q "SELECT max(id) FROM runs")
"$AFSIM" gap "$sim" "$b" --db "$db" > "$tmp/gap.txt" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "^gap between simulation and rig: hil-regress$" "$tmp/gap.txt" \
	&& grep -q "^mapping_error .* agree$" "$tmp/gap.txt" \
	&& grep -q "^success  *10/10 sim, 10/10 rig .* agree$" "$tmp/gap.txt" \
	&& grep -q "^verdict: success and accuracy agree; the rig's total is [-+][0-9.]* ms ([-+][0-9.]* %) from the simulation's$" "$tmp/gap.txt" \
	&& [ "$(grep -c "^\(lens_switch\|focus_move\|focus_search\|validation\|total\) " "$tmp/gap.txt")" -eq 5 ] \
	&& ok "sim run $sim vs hil run $b: $(tail -1 "$tmp/gap.txt")" || { bad "gap exits $rc"; cat "$tmp/gap.txt"; }
"$AFSIM" gap "$sim" "$b" --format json --db "$db" | grep -q '"agree": true}$' \
	&& ok "gap --format json" || bad "gap --format json"
"$AFSIM" gap "$b" "$same" --db "$db" > /dev/null 2> "$tmp/e.err"; rc=$?
[ $rc -eq 2 ] && grep -qx "afsim gap: runs $b and $same are hil and hil: the gap needs one simulated run (sim) and one on a rig (hil)" "$tmp/e.err" \
	&& ok "two hil runs: exit 2" || { bad "gap of two hil runs exits $rc"; cat "$tmp/e.err"; }
kill "$quiet_pid" "$slow_pid"

echo "cli_hil: $passes passed, $fails failed"
[ $fails -eq 0 ]
