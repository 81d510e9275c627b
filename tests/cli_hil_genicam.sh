#!/bin/sh
# cli_hil_genicam.sh - the scenario library on a GenICam rig: `afsim run
# --rig` with `camera: genicam:127.0.0.1` against `afsim rig serve
# --genicam`, every frame the engine focuses on crossing Aravis's GVCP/GVSP
# on loopback, in a private network namespace.
#   1. the nominal scenarios, whole, against one emulator: all pass,
#      recorded as hil on the rig, the ground-truth expectations not
#      applicable;
#   2. each nominal scenario with handoffs against an emulator of its own
#      world (rig serve --scenario): success and accuracy agree with the
#      same scenario in simulation (afsim gap: Fisher's exact test on the
#      success rate, Mann-Whitney with the practical floor on the mapping
#      error, alpha 0.01);
#   3. a camera fault of the scenario (camera_drop) is a HAL error the run
#      records, the run goes on.
# The emulators run without pacing (the camera polls its trigger at 1 kHz):
# about 25 s.  Where no namespace can be made it prints a SKIP line (fails
# under CI).
set -u
cd "$(dirname "$0")/.."
AFSIM=${AFSIM:-./afsim}
case "$AFSIM" in /*) ;; *) AFSIM="$(pwd)/$AFSIM" ;; esac

if [ "${1:-}" != --inside ]; then
	out=$(mktemp)
	sh tests/netns.sh env AFSIM="$AFSIM" sh "$0" --inside > "$out" 2>&1
	rc=$?
	if [ $rc = 77 ]; then
		echo "SKIP cli_hil_genicam: $(cat "$out")"
		rm -f "$out"
		exit 0
	fi
	cat "$out"
	rm -f "$out"
	exit $rc
fi

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

# An emulator with its GenICam camera (ARGS... after --genicam); the rig
# file $tmp/gv.yaml names both.
serve() {
	: > "$tmp/serve.out"
	"$AFSIM" rig serve --listen 127.0.0.1:0 --genicam --no-pacing --quiet "$@" > "$tmp/serve.out" 2> "$tmp/serve.err" &
	pid=$!
	pids="$pids $pid"
	i=0
	while [ $i -lt 50 ] && ! grep -q '^listening on ' "$tmp/serve.out"; do
		sleep 0.1
		i=$((i + 1))
	done
	sed -n 's/^listening on \([^ ]*\) camera \(genicam:.*\)$/name: gv\ntransport: \1\ncamera: \2\ntimeout_ms: 10000\ncamera_timeout_ms: 2000\n/p' \
		"$tmp/serve.out" > "$tmp/gv.yaml"
}
unserve() { kill "$pid" 2> /dev/null; wait "$pid" 2> /dev/null; }

# 1. the nominal library on one GenICam rig
serve
grep -q '^camera: genicam:127.0.0.1$' "$tmp/gv.yaml" && ok "rig serve --genicam: the rig file names genicam:127.0.0.1" \
	|| { bad "ready line: $(cat "$tmp/serve.out")"; }
"$AFSIM" run --rig "$tmp/gv.yaml" scenarios/nominal/ --db "$db" > "$tmp/n.txt" 2>&1
rc=$?
unserve
n=$(grep -c "^PASS  .* hil  .*rig gv: emul (afsim-.*/emulator/seed-1)$" "$tmp/n.txt")
[ $rc -eq 0 ] && [ "$n" -eq 5 ] && ok "the 5 nominal scenarios pass on GenICam frames" \
	|| { bad "nominal on the GenICam rig exits $rc ($n PASS)"; cat "$tmp/n.txt"; }
grep -q "^5 scenarios: 5 passed, 0 failed, 0 errors; 850 handoffs; [0-9.]* s wall on the rig 'gv'$" "$tmp/n.txt" \
	&& [ "$(q "SELECT count(*) FROM runs WHERE mode = 'hil' AND status = 'passed'")" -eq 5 ] \
	&& [ "$(q "SELECT count(*) FROM expectations WHERE passed IS NULL")" -eq 7 ] \
	&& [ "$(q "SELECT count(*) FROM events WHERE kind = 'hal_error'")" -eq 0 ] \
	&& ok "recorded as hil: 850 handoffs, 7 expectations not applicable, no HAL error" \
	|| { bad "the records of the GenICam runs"; tail -3 "$tmp/n.txt"; }

# 2. each scenario with handoffs, in its own world, against its simulation
for s in handoff-b-to-a handoff-fast handoff-standard handoff-ultra-fast; do
	f=scenarios/nominal/$s.yaml
	"$AFSIM" run "$f" --db "$db" > /dev/null 2>&1
	sim=$(q "SELECT max(id) FROM runs")
	serve --scenario "$f"
	"$AFSIM" run --rig "$tmp/gv.yaml" "$f" --db "$db" > "$tmp/r.txt" 2>&1
	rc=$?
	unserve
	hil=$(q "SELECT max(id) FROM runs")
	"$AFSIM" gap "$sim" "$hil" --db "$db" > "$tmp/gap.txt" 2>&1
	grc=$?
	[ $rc -eq 0 ] && [ $grc -eq 0 ] && grep -q "^mapping_error .* agree$" "$tmp/gap.txt" \
		&& grep -q "^verdict: success and accuracy agree; " "$tmp/gap.txt" \
		&& ok "$s on GenICam frames agrees with its simulation: $(grep '^success ' "$tmp/gap.txt" | tr -s ' ')" \
		|| { bad "$s: run exits $rc, gap $grc"; cat "$tmp/r.txt" "$tmp/gap.txt"; }
done

# 3. a dropped GenICam frame: a HAL error recorded, the run goes on
cat > "$tmp/drop.yaml" << 'EOF'
scenario: gv-drop
faults:
  - {at_op: 30, kind: camera_drop, count: 1}
steps:
  - handoff: {from: A, to: B, z_um: 1.0, repeat: 5}
EOF
serve --scenario "$tmp/drop.yaml"
"$AFSIM" run --rig "$tmp/gv.yaml" "$tmp/drop.yaml" --db "$db" > "$tmp/d.txt" 2>&1
rc=$?
unserve
run=$(q "SELECT max(id) FROM runs")
[ "$(q "SELECT status FROM runs WHERE id = $run")" != error ] \
	&& q "SELECT detail FROM events WHERE run_id = $run AND kind = 'hal_error'" | grep -q "rig 'gv' (genicam:127.0.0.1): no frame from camera '127.0.0.1' within 2000 ms of its software trigger" \
	&& [ "$(q "SELECT count(*) FROM ops WHERE run_id = $run AND kind = 'handoff'")" -eq 5 ] \
	&& ok "camera_drop: the HAL error recorded with the driver's message, all 5 handoffs run (exit $rc)" \
	|| { bad "camera_drop run exits $rc"; cat "$tmp/d.txt"; q "SELECT kind, detail FROM events WHERE run_id = $run"; }

echo "cli_hil_genicam (inside the namespace): $passes passed, $fails failed"
[ "$fails" -eq 0 ]
