#!/bin/sh
# cli_peer.sh - the numpy peer (bench/peer/) renders the same frames as
# afsim, statistically: its check passes (mean within 0.1 %, Brenner
# within 1 % at three defocus values, 128 and 512 pixels a side) and fails
# with exit 1 when the peer's signal is off by 0.3 %; the frames program
# answers a bad command with an error line.  Skipped when Debian's numpy
# and scipy are missing (setup.sh installs them).
set -u
cd "$(dirname "$0")/.."
AFSIM=${AFSIM:-./afsim}
frames=$(dirname "$AFSIM")/bench/peer/frames
py=/usr/bin/python3
[ -x "$py" ] || py=python3
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; }
if ! "$py" -c 'import numpy, scipy' 2> /dev/null; then
	echo "skip: numpy or scipy missing for $py (setup.sh installs python3-numpy python3-scipy)"
	exit 0
fi
[ -x "$frames" ] || { echo "FAIL no frames program at $frames"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$py" bench/peer/peer.py "$frames" --check > "$tmp/out" 2>&1
rc=$?
n=$(grep -c '  ok$' "$tmp/out")
if [ "$rc" = 0 ] && [ "$n" = 6 ]; then ok "peer statistics match afsim's (6 checks)"; else
	bad "peer check: exit $rc, $n ok lines"; cat "$tmp/out"; fi

"$py" bench/peer/peer.py "$frames" --check --signal-scale 1.003 > "$tmp/out" 2>&1
rc=$?
if [ "$rc" = 1 ] && grep -q 'mean afsim .* (0\.[23][0-9]* %).*FAIL$' "$tmp/out"; then
	ok "a 0.3 % brighter peer fails the check (exit 1)"; else
	bad "perturbed peer: exit $rc"; cat "$tmp/out"; fi

out=$(printf 'stats 3 0 1\nfrobnicate\nquit\n' | "$frames")
if [ "$out" = "error: cannot do 'stats 3 0 1'
error: cannot do 'frobnicate'" ]; then ok "frames answers bad commands with an error line"; else
	bad "frames bad commands: '$out'"; fi

echo "$passes passed, $fails failed"
[ "$fails" = 0 ]
