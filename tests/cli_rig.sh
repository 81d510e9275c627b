#!/bin/sh
# cli_rig.sh - `afsim rig serve` and `afsim rig hello` end to end: the one
# ready line on TCP (port 0 picks one) and on a pty; a rig file reaches the
# emulator over both; a second client is refused with a busy error naming
# the holder (exit 3); SIGTERM and SIGINT end the emulator with exit 0;
# usage, bad scenarios and bad rig files exit 2 with file:line:col; a port
# in use and a rig nobody serves exit 3.
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

# Start an emulator: serve ARGS... with stdout in $tmp/$name.out; sets $pid
# and waits (at most 5 s) for its ready line, in $ready.
serve() {
	name=$1
	shift
	"$AFSIM" rig serve "$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
	pid=$!
	pids="$pids $pid"
	i=0
	while [ $i -lt 50 ] && ! grep -q '^listening on ' "$tmp/$name.out"; do
		sleep 0.1
		i=$((i + 1))
	done
	ready=$(cat "$tmp/$name.out")
}

# Stop emulator $1 with signal $2; its exit code in $rc.
stop() {
	kill "-$2" "$1"
	wait "$1"
	rc=$?
}

rigfile() { printf 'name: %s\ntransport: %s\ntimeout_ms: %s\nretries: 0\n' "$1" "$2" "${3:-1000}" > "$tmp/$1.yaml"; }

# 1. TCP: one ready line, a free port
serve tcp --listen 127.0.0.1:0
tcp_pid=$pid
echo "$ready" | grep -qx 'listening on tcp:127\.0\.0\.1:[1-9][0-9]*' && [ "$(wc -l < "$tmp/tcp.out")" -eq 1 ] \
	&& ok "serve --listen 127.0.0.1:0: one line '$ready'" || bad "ready line: '$ready'"
port=${ready##*:}

# 2. a rig file reaches it
rigfile bench "tcp:127.0.0.1:$port"
"$AFSIM" rig hello "$tmp/bench.yaml" > "$tmp/hello.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^rig       emul (rig file .bench.)$' "$tmp/hello.out" \
	&& grep -q '^caps      busy exposure roi frames place settled_z$' "$tmp/hello.out" \
	&& grep -q '^z         0\.000 um (GET_Z round trip [0-9.]* ms)$' "$tmp/hello.out" \
	&& ok "rig hello over TCP: name, capabilities, z" || { bad "rig hello exits $rc"; cat "$tmp/hello.out"; }
grep -q "^afsim rig serve: tcp:127\.0\.0\.1:[0-9]* connected$" "$tmp/tcp.err" \
	&& ok "the emulator logs the connection" || bad "no connection in the log: $(cat "$tmp/tcp.err")"

# 3. SIGTERM: exit 0, a last log line
stop "$tcp_pid" TERM
[ $rc -eq 0 ] && ok "SIGTERM ends serve with exit 0" || bad "SIGTERM: exit $rc"
grep -q '^afsim rig serve: stopped; 1 connections, 0 refused, 2 requests (0 malformed, 0 swallowed), 0 rig-level faults$' "$tmp/tcp.err" \
	&& ok "the last log line counts the session" || bad "log: $(tail -1 "$tmp/tcp.err")"

# 4. one client at a time: a slow GET_Z holds the rig while a second hello comes
cat > "$tmp/slow.yaml" << 'EOF'
scenario: slow-get-z
faults:
  - {at_op: 2, kind: slow_reply, duration_ms: 1500}
steps:
  - wait: {s: 1}
EOF
serve busy --listen 127.0.0.1:0 --scenario "$tmp/slow.yaml"
busy_pid=$pid
port=${ready##*:}
rigfile holder "tcp:127.0.0.1:$port" 3000
rigfile second "tcp:127.0.0.1:$port"
"$AFSIM" rig hello "$tmp/holder.yaml" > "$tmp/holder.out" 2>&1 &
holder=$!
sleep 0.5
"$AFSIM" rig hello "$tmp/second.yaml" > "$tmp/second.out" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q "^afsim rig hello: rig 'second' at tcp:127\.0\.0\.1:$port is busy: rig 'emul' is held by tcp:127\.0\.0\.1:[0-9]* (connected [0-9.]* s ago)$" "$tmp/second.out" \
	&& ok "a second client: exit 3, busy, held by the first" || { bad "second client exits $rc"; cat "$tmp/second.out"; }
wait $holder
rc=$?
[ $rc -eq 0 ] && grep -q 'GET_Z round trip 1[5-9][0-9][0-9]\.[0-9]* ms' "$tmp/holder.out" \
	&& ok "the holder is served, its GET_Z 1.5 s late (slow_reply)" || { bad "holder exits $rc"; cat "$tmp/holder.out"; }
stop "$busy_pid" INT
[ $rc -eq 0 ] && ok "SIGINT ends serve with exit 0" || bad "SIGINT: exit $rc"
grep -q 'refused tcp:127\.0\.0\.1:[0-9]*: busy, held by tcp:127\.0\.0\.1:' "$tmp/busy.err" \
	&& grep -q 'fault slow_reply fired' "$tmp/busy.err" \
	&& ok "the log names the refusal and the fault" || bad "log: $(cat "$tmp/busy.err")"

# 5. a pty: the ready line, the same rig file over a serial line
serve pty --pty --name pty-rig
pty_pid=$pid
echo "$ready" | grep -qx 'listening on serial:/dev/pts/[0-9]*' && ok "serve --pty: '$ready'" || bad "pty ready line: '$ready'"
rigfile serial "${ready#listening on }@115200"
"$AFSIM" rig hello "$tmp/serial.yaml" > "$tmp/serial.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q '^rig       pty-rig ' "$tmp/serial.out" \
	&& ok "rig hello over the pty" || { bad "rig hello over the pty exits $rc"; cat "$tmp/serial.out"; }
stop "$pty_pid" TERM
[ $rc -eq 0 ] && ok "SIGTERM ends the pty emulator with exit 0" || bad "pty SIGTERM: exit $rc"

# 6. bad input: exit 2, nothing served
"$AFSIM" rig serve > /dev/null 2> "$tmp/e1"; rc=$?
[ $rc -eq 2 ] && grep -q 'give exactly one of --listen HOST:PORT and --pty' "$tmp/e1" \
	&& ok "serve without a place: exit 2" || bad "serve without a place: $rc $(cat "$tmp/e1")"
"$AFSIM" rig serve --pty --listen 127.0.0.1:0 > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "serve --pty --listen: exit 2" || bad "serve --pty --listen: $rc"
"$AFSIM" rig serve --listen localhost > /dev/null 2> "$tmp/e2"; rc=$?
[ $rc -eq 2 ] && grep -q "afsim rig serve: --listen 'localhost': expected HOST:PORT, port 0..65535" "$tmp/e2" \
	&& ok "serve --listen localhost: exit 2" || bad "--listen localhost: $rc $(cat "$tmp/e2")"
"$AFSIM" rig serve --pty --seed x > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "serve --seed x: exit 2" || bad "--seed x: $rc"
printf 'scenario: s\nfaults:\n  - {at_op: 1, kind: link_flap}\nsteps:\n  - wait: {s: 1}\n' > "$tmp/bad.yaml"
"$AFSIM" rig serve --pty --scenario "$tmp/bad.yaml" > "$tmp/o3" 2> "$tmp/e3"; rc=$?
[ $rc -eq 2 ] && [ ! -s "$tmp/o3" ] && grep -q "^$tmp/bad.yaml:3:22: error: 'link_flap' is not a valid fault kind" "$tmp/e3" \
	&& ok "a bad scenario: exit 2, file:line:col, no ready line" || bad "bad scenario: $rc $(cat "$tmp/e3")"
"$AFSIM" rig > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && ok "afsim rig: exit 2" || bad "afsim rig: $rc"
printf 'name: r\ntransport: tcp:127.0.0.1:1\ncamera_timeout_ms: 500\n' > "$tmp/gen.yaml"
"$AFSIM" rig hello "$tmp/gen.yaml" > /dev/null 2> "$tmp/e4"; rc=$?
[ $rc -eq 2 ] && grep -q "^$tmp/gen.yaml:3:1: error: camera_timeout_ms is for a GenICam camera, but the camera is 'rig'" "$tmp/e4" \
	&& ok "a camera key without a GenICam camera: exit 2" || bad "camera key: $rc $(cat "$tmp/e4")"
printf 'name: r\ntransport: tcp:127.0.0.1:1\ncamera: genicam:cam0\n' > "$tmp/gen.yaml"
"$AFSIM" rig hello "$tmp/gen.yaml" > /dev/null 2> "$tmp/e4"; rc=$?
[ $rc -eq 3 ] && grep -q "^afsim rig hello: rig 'r': cannot connect to 'tcp:127.0.0.1:1'" "$tmp/e4" \
	&& ok "a genicam camera is accepted; the rig first: exit 3, cannot connect" || bad "genicam: $rc $(cat "$tmp/e4")"

# 7. harness errors: exit 3
serve hold --listen 127.0.0.1:0 --quiet
hold_pid=$pid
port=${ready##*:}
"$AFSIM" rig serve --listen "127.0.0.1:$port" > /dev/null 2> "$tmp/e5"; rc=$?
[ $rc -eq 3 ] && grep -q "afsim rig serve: cannot listen on '127.0.0.1:$port': Address already in use" "$tmp/e5" \
	&& ok "a port in use: exit 3" || bad "port in use: $rc $(cat "$tmp/e5")"
stop "$hold_pid" TERM
[ ! -s "$tmp/hold.err" ] && ok "--quiet logs nothing" || bad "--quiet logged: $(cat "$tmp/hold.err")"
rigfile gone "tcp:127.0.0.1:$port"
"$AFSIM" rig hello "$tmp/gone.yaml" > /dev/null 2> "$tmp/e6"; rc=$?
[ $rc -eq 3 ] && grep -q "^afsim rig hello: rig 'gone': cannot connect to 'tcp:127.0.0.1:$port': Connection refused$" "$tmp/e6" \
	&& ok "nobody serving: exit 3, connection refused" || bad "nobody serving: $rc $(cat "$tmp/e6")"

echo "cli_rig: $passes passed, $fails failed"
[ $fails -eq 0 ]
