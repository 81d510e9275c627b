#!/bin/sh
# cli_genicam.sh - the network-namespace harness (tests/netns.sh) and the
# GenICam driver as a command (build/tests/genicam_probe) against Aravis's
# stock arv-fake-gv-camera-0.8 running as a process of its own, all inside a
# private network namespace: the namespace has only lo, up, and passes the
# command's exit status on; the camera is found by serial, by address and by
# device id, frames come software-triggered and free running in Mono8 and
# Mono16 at the asked ROI; an unknown camera, a pixel format it lacks and a
# ROI off the sensor exit 3 with the driver's message, bad usage exits 2,
# and a camera that is gone exits 3 within Aravis's bounded wait.
# Where no namespace can be made it prints a SKIP line (fails under CI).
set -u
cd "$(dirname "$0")/.."
PROBE=${GENICAM_PROBE:-build/tests/genicam_probe}
STOCK=arv-fake-gv-camera-0.8
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; }
expect_rc() { [ "$2" = "$3" ] && ok "$1 exits $3" || bad "$1 exits $2, want $3"; }
expect_line() {   # name file line
	grep -qxF -- "$3" "$2" && ok "$1: '$3'" || { bad "$1: no line '$3' in:"; sed 's/^/     /' "$2"; }
}
expect_count() {  # name file pattern count
	n=$(grep -c -- "$3" "$2")
	[ "$n" = "$4" ] && ok "$1: $4 lines '$3'" || bad "$1: $n lines '$3', want $4"
}

if [ "${1:-}" != --inside ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	sh tests/netns.sh sh -c 'ip -o link show | wc -l; ip -o link show lo; echo "$AFSIM_NETNS"' \
		> "$tmp/ns" 2> "$tmp/ns.err"
	rc=$?
	if [ $rc = 77 ]; then
		echo "SKIP cli_genicam: $(cat "$tmp/ns.err")"
		exit 0
	fi
	expect_rc "netns.sh" $rc 0
	[ "$(sed -n 1p "$tmp/ns")" = 1 ] && ok "the namespace has one interface" ||
		bad "the namespace has $(sed -n 1p "$tmp/ns") interfaces"
	sed -n 2p "$tmp/ns" | grep -q '^1: lo: <LOOPBACK,UP,' && ok "lo is up" ||
		bad "lo: $(sed -n 2p "$tmp/ns")"
	[ "$(sed -n 3p "$tmp/ns")" = 1 ] && ok "AFSIM_NETNS=1 inside" || bad "AFSIM_NETNS not set inside"
	sh tests/netns.sh sh -c 'exit 5'
	expect_rc "a command exiting 5 in the namespace" $? 5
	AFSIM_NETNS=1 sh tests/netns.sh sh -c 'ip -o link show | grep -c .' > "$tmp/n2"
	[ "$(cat "$tmp/n2")" = "$(ip -o link show | grep -c .)" ] &&
		ok "AFSIM_NETNS=1 already set: runs where it is" || bad "AFSIM_NETNS=1 made a namespace"
	sh tests/netns.sh sh "$0" --inside
	rc=$?
	[ $rc = 0 ] && ok "the camera checks inside the namespace" ||
		bad "the camera checks inside the namespace (exit $rc)"
	echo "cli_genicam: $passes passed, $fails failed"
	[ $fails = 0 ]
	exit
fi

# --- inside the namespace ---------------------------------------------
tmp=$(mktemp -d)
cam=
trap '[ -n "$cam" ] && kill "$cam" 2> /dev/null; rm -rf "$tmp"' EXIT
if ! command -v "$STOCK" > /dev/null 2>&1; then
	case "${CI:-}" in "" | false | 0) echo "SKIP cli_genicam: $STOCK is not installed (aravis-tools)"; exit 0 ;; esac
	echo "FAIL $STOCK is not installed (aravis-tools)"
	exit 1
fi
"$STOCK" -i 127.0.0.1 -s GVCLI > "$tmp/cam.log" 2>&1 &
cam=$!
i=0
while ! grep -q ' 0100007F:0F74 ' /proc/net/udp && [ $i -lt 250 ]; do
	sleep 0.02
	i=$((i + 1))
done
grep -q ' 0100007F:0F74 ' /proc/net/udp && ok "$STOCK serves on 127.0.0.1:3956" ||
	bad "$STOCK did not bind 127.0.0.1:3956: $(cat "$tmp/cam.log")"

"$PROBE" GVCLI --frames 5 --roi 16,8,64,48 --exposure 10000 > "$tmp/a" 2> "$tmp/a.err"
expect_rc "probe by serial" $? 0
expect_line "by serial" "$tmp/a" \
	"camera Aravis-Fake-GVCLI serial GVCLI at 127.0.0.1 GigEVision sensor 2048x2048 trigger software"
expect_count "by serial" "$tmp/a" '^frame [1-5] 64x48 Mono8 8-bit seq ' 5
expect_count "by serial" "$tmp/a" '^grabbed 5 frames in ' 1

# the camera keeps what the last client set, as a real one does: ROI each time
"$PROBE" 127.0.0.1 --format Mono16 --frames 2 --roi 0,0,256,128 > "$tmp/b" 2> "$tmp/b.err"
expect_rc "probe by address in Mono16" $? 0
expect_count "Mono16" "$tmp/b" '^frame [12] 256x128 Mono16 16-bit seq ' 2

"$PROBE" Aravis-Fake-GVCLI --free-run --frames 3 --format Mono8 --roi 8,8,32,32 > "$tmp/c" 2> "$tmp/c.err"
expect_rc "probe by device id, free running" $? 0
expect_line "free running" "$tmp/c" \
	"camera Aravis-Fake-GVCLI serial GVCLI at 127.0.0.1 GigEVision sensor 2048x2048 trigger free-run"
expect_count "free running" "$tmp/c" '^frame [1-3] 32x32 Mono8 8-bit seq ' 3

"$PROBE" NOPE > "$tmp/d" 2> "$tmp/d.err"
expect_rc "an unknown camera" $? 3
expect_line "an unknown camera" "$tmp/d.err" \
	"genicam_probe: no camera 'NOPE' among the 1 GenICam devices found (Aravis-Fake-GVCLI)"
"$PROBE" 127.0.0.1 --format Mono12 > "$tmp/e" 2> "$tmp/e.err"
expect_rc "a pixel format it lacks" $? 3
expect_line "a pixel format it lacks" "$tmp/e.err" \
	"genicam_probe: camera '127.0.0.1' does not offer pixel format 'Mono12' (it offers BayerBG8, BayerGB8, BayerGR8, BayerRG8, Mono8, RGB8, Mono16)"
"$PROBE" 127.0.0.1 --roi 2040,0,64,48 > "$tmp/f" 2> "$tmp/f.err"
expect_rc "a ROI off the sensor" $? 3
expect_line "a ROI off the sensor" "$tmp/f.err" \
	"genicam_probe: roi x=2040 width=64 leaves the sensor (width 2048) of camera '127.0.0.1'"
"$PROBE" 127.0.0.1 --frames x > /dev/null 2>&1
expect_rc "a bad --frames" $? 2

kill "$cam"
wait "$cam" 2> /dev/null
cam=
start=$(date +%s)
"$PROBE" 127.0.0.1 > "$tmp/g" 2> "$tmp/g.err"
expect_rc "a camera that is gone" $? 3
took=$(($(date +%s) - start))
[ $took -le 10 ] && ok "gone: gave up in ${took} s" || bad "gone: gave up after ${took} s"
expect_line "a camera that is gone" "$tmp/g.err" \
	"genicam_probe: cannot open camera '127.0.0.1': Can't connect to device at address '127.0.0.1'"

echo "cli_genicam (inside the namespace): $passes passed, $fails failed"
[ $fails = 0 ]
