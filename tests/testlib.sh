# testlib.sh - what a tests/cli_*.sh script needs, sourced first thing:
#   . "$(dirname "$0")/testlib.sh"
# It runs from the top of the tree, takes the binary under test from $AFSIM
# (make check passes build/afsim; default ./afsim), makes a temporary folder
# $tmp removed on exit, and counts checks: ok TEXT, bad TEXT, then finish
# prints "N passed, M failed" and returns non-zero on any failure.
set -u
cd "$(dirname "$0")/.."
AFSIM=${AFSIM:-./afsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; }
finish() {
	echo "$passes passed, $fails failed"
	[ "$fails" -eq 0 ]
}
