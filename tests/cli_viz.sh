#!/bin/sh
# cli_viz.sh - `afsim viz` end to end on a database recorded by `afsim run`:
# every picture renders headless to a PNG of the asked size; nothing to draw
# (unknown run, empty or missing database) still writes the message picture
# and exits 3 - so does hist of a run whose handoffs all failed; the
# timeline's --op and --from/--to choose its window (an unknown op exits 3,
# a bad range 2); bad usage exits 2; the interactive window under xvfb-run runs
# a key script and its screenshot has the window's size and differs from the
# first frame (the help overlay is drawn); without a display a screenshot
# session falls back to SDL's offscreen driver and a plain one exits 3.
set -u
cd "$(dirname "$0")/.."
AFSIM=${AFSIM:-./afsim}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; }

# "WxH" from a PNG's IHDR (bytes 16..23, big-endian), "" when not a PNG
png_size() {
	[ -f "$1" ] || return 0
	[ "$(od -An -tx1 -N8 "$1" | tr -d ' \n')" = "89504e470d0a1a0a" ] || return 0
	od -An -tu1 -j16 -N8 "$1" | awk '{ printf "%dx%d\n", $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8 }'
}
expect_png() {   # name file size
	s=$(png_size "$2")
	[ "$s" = "$3" ] && ok "$1: PNG $3" || bad "$1: PNG size '$s', want $3"
}

if ! "$AFSIM" viz --help > /dev/null 2>&1; then
	bad "$AFSIM has no viz command (cli/main.c must dispatch to afsim_cmd_viz)"
	echo "cli_viz: $passes passed, $fails failed"
	exit 1
fi

# 1. a real database: the nominal scenario at two seeds, a slower level, a baseline
db=$tmp/x.db
"$AFSIM" run scenarios/nominal/handoff-fast.yaml --db "$db" > /dev/null 2>&1
"$AFSIM" run scenarios/nominal/handoff-fast.yaml --seed 2 --db "$db" > /dev/null 2>&1
"$AFSIM" run scenarios/nominal/handoff-standard.yaml --db "$db" > /dev/null 2>&1
"$AFSIM" baseline set main 1 --reason "cli_viz" --db "$db" > /dev/null 2>&1
n=$(sqlite3 "$db" 'SELECT count(*) FROM runs' 2>/dev/null || echo 0)
[ "$n" = 3 ] && ok "afsim run recorded 3 runs" || bad "afsim run recorded '$n' runs, want 3"

# 2. every picture, headless
run_viz() {   # name expected-exit args...
	name=$1 want=$2
	shift 2
	"$AFSIM" viz "$@" --db "$db" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	[ $rc -eq "$want" ] && ok "$name exits $want" || { bad "$name exits $rc, want $want"; cat "$tmp/err"; }
}
run_viz "timeline last" 0 timeline last --png "$tmp/tl.png"
expect_png "timeline" "$tmp/tl.png" 1280x800
run_viz "trend p95" 0 trend --scenario handoff-fast --metric handoff.total_ms.p95 --png "$tmp/tr.png" --size 800x500
expect_png "trend" "$tmp/tr.png" 800x500
run_viz "hist of two runs" 0 hist 1 2 --png "$tmp/hi.png"
expect_png "hist" "$tmp/hi.png" 1280x800
run_viz "compare" 0 compare 1 3 --png "$tmp/cm.png" --size 1600x1000
expect_png "compare" "$tmp/cm.png" 1600x1000
"$AFSIM" viz timeline 1 --db "$db" --png "$tmp/tl2.png" 2> /dev/null
cmp -s "$tmp/tl.png" "$tmp/tl2.png" && bad "timeline 1 equals timeline last (3)" || ok "timeline 1 and last (3) differ"
"$AFSIM" viz timeline 1 --db "$db" --png "$tmp/tl3.png" 2> /dev/null
cmp -s "$tmp/tl2.png" "$tmp/tl3.png" && ok "the same picture twice is the same PNG" || bad "two renders differ"

# 3. nothing to draw: message picture, exit 3, the reason on stderr
run_viz "timeline of an unknown run" 3 timeline 999 --png "$tmp/none.png"
grep -q "no run 999 in the database" "$tmp/err" && ok "stderr names the missing run" || bad "stderr: $(cat "$tmp/err")"
expect_png "message picture" "$tmp/none.png" 1280x800
# an afsim database with no runs: record one, then delete every row
"$AFSIM" run "$(dirname "$0")/../scenarios/nominal/autofocus.yaml" --db "$tmp/empty.db" > /dev/null 2>&1
sqlite3 "$tmp/empty.db" "DELETE FROM samples; DELETE FROM events; DELETE FROM expectations;
	DELETE FROM trace_chunks; DELETE FROM ops; DELETE FROM runs"
"$AFSIM" viz hist last --db "$tmp/empty.db" --png "$tmp/empty.png" 2> "$tmp/err"
rc=$?
[ $rc -eq 3 ] && grep -q "has no runs" "$tmp/err" && ok "empty database: exit 3, says so" || bad "empty database: exit $rc, $(cat "$tmp/err")"
expect_png "empty database picture" "$tmp/empty.png" 1280x800
"$AFSIM" viz timeline 1 --db "$tmp/missing.db" --png "$tmp/missing.png" 2> "$tmp/err"
rc=$?
[ $rc -eq 3 ] && grep -q "no results database at" "$tmp/err" && [ ! -e "$tmp/missing.db" ] \
	&& ok "missing database: exit 3, not created" || bad "missing database: exit $rc, $(cat "$tmp/err")"

# 3b. a run whose handoffs all failed (the low-texture specimen): hist has
# nothing to draw (exit 3 and the reason), compare still draws; the
# timeline's window options
"$AFSIM" run scenarios/specimen/low-texture.yaml --db "$db" > /dev/null 2>&1
nf=$(sqlite3 "$db" "SELECT max(id) FROM runs" 2> /dev/null)
run_viz "hist of a run without a successful handoff" 3 hist "$nf" --png "$tmp/nf.png"
grep -q "run $nf has 20 handoffs and none succeeded: no phase times to draw" "$tmp/err" \
	&& ok "hist says why it has nothing to draw" || bad "hist stderr: $(cat "$tmp/err")"
expect_png "the message picture" "$tmp/nf.png" 1280x800
run_viz "compare with that run still draws" 0 compare 1 "$nf" --png "$tmp/nfc.png"
run_viz "timeline --op 2" 0 timeline 1 --op 2 --png "$tmp/op.png"
run_viz "timeline --from --to" 0 timeline 1 --from 47000 --to 48000 --png "$tmp/ft.png"
cmp -s "$tmp/op.png" "$tmp/ft.png" && bad "--op 2 and --from/--to draw the same" || ok "--op and --from/--to choose different windows"
run_viz "timeline --op 999" 3 timeline 1 --op 999 --png "$tmp/op9.png"
grep -q "run 1 has no operation 999 (its operations are 1 to 301)" "$tmp/err" && ok "the missing op is named" \
	|| bad "stderr: $(cat "$tmp/err")"
run_viz "timeline --from after --to" 2 timeline 1 --from 5 --to 1 --png "$tmp/u.png"
run_viz "--op on hist" 2 hist 1 --op 2 --png "$tmp/u.png"
run_viz "--from without --to" 2 timeline 1 --from 5 --png "$tmp/u.png"

# 4. usage: exit 2
run_viz "unknown metric" 2 trend --scenario handoff-fast --metric handoff.total_ms.p97 --png "$tmp/m.png"
grep -q "unknown metric 'handoff.total_ms.p97'" "$tmp/err" && ok "the bad metric is named" || bad "stderr: $(cat "$tmp/err")"
run_viz "no picture named" 2
run_viz "timeline without a run" 2 timeline --png "$tmp/u.png"
run_viz "bad size" 2 hist 1 --size 10x10 --png "$tmp/u.png"
run_viz "unknown option" 2 hist 1 --pgn "$tmp/u.png"
run_viz "bad script key" 2 hist 1 --script "right,jump"

# 5. the window, scripted, on a virtual display
# The window path brings up SDL's video drivers, whose system libraries
# (X11, dbus) keep allocations until exit; under AddressSanitizer leak
# checking is off for these runs only (the PNG path above is checked).
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
if command -v xvfb-run > /dev/null; then
	xv() { xvfb-run -a -s "-screen 0 1600x1000x24" "$AFSIM" viz timeline 1 --db "$db" "$@"; }
	xv --script "" --screenshot "$tmp/first.png" 2> "$tmp/err"
	rc=$?
	[ $rc -eq 0 ] && ok "window: first frame exits 0" || { bad "window first frame exits $rc"; cat "$tmp/err"; }
	expect_png "window first frame" "$tmp/first.png" 1280x800
	xv --script "right,plus,h" --screenshot "$tmp/win.png" 2> "$tmp/err"
	rc=$?
	[ $rc -eq 0 ] && ok "window: script right,plus,h exits 0" || { bad "window script exits $rc"; cat "$tmp/err"; }
	expect_png "window screenshot" "$tmp/win.png" 1280x800
	[ -s "$tmp/win.png" ] && ! cmp -s "$tmp/first.png" "$tmp/win.png" \
		&& ok "the screenshot differs from the first frame (help overlay)" || bad "screenshot equals the first frame"
	xvfb-run -a -s "-screen 0 1600x1000x24" "$AFSIM" viz trend --scenario handoff-fast \
		--metric handoff.total_ms.mean --db "$db" --size 900x600 --script "plus,left,home,?" \
		--screenshot "$tmp/wtr.png" 2> "$tmp/err"
	expect_png "trend window at 900x600" "$tmp/wtr.png" 900x600
else
	bad "xvfb-run is missing (make deps installs xvfb)"
fi
env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$AFSIM" viz hist 1 --db "$db" --script h \
	--screenshot "$tmp/off.png" 2> "$tmp/err"
rc=$?
[ $rc -eq 0 ] && ok "no display: a screenshot session uses the offscreen driver" || { bad "offscreen exits $rc"; cat "$tmp/err"; }
expect_png "offscreen screenshot" "$tmp/off.png" 1280x800
env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER "$AFSIM" viz hist 1 --db "$db" 2> "$tmp/err"
rc=$?
[ $rc -eq 3 ] && grep -q "no display" "$tmp/err" && ok "no display, no --png: exit 3 with a hint" || bad "no display: exit $rc, $(cat "$tmp/err")"

echo "cli_viz: $passes passed, $fails failed"
[ $fails -eq 0 ]
