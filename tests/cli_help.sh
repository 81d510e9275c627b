#!/bin/sh
# cli_help.sh - every command and subcommand answers -h and --help with its
# usage and exit 0, wherever the flag stands among its arguments, and
# `afsim help CMD [SUB]` prints the same; unknown commands exit 2.  The man
# page renders without a warning and documents, in the section of each
# command, every option its --help lists.
. "$(dirname "$0")/testlib.sh"

entries="run runs report baseline baseline_set baseline_show baseline_list regress
viz viz_timeline viz_trend viz_hist viz_compare replay field field_import gap rig rig_serve rig_hello
hil hil_validate swarm shrink db db_merge export export_trace demo selftest version help"

# 1. --help, -h, help CMD: exit 0, the usage line first, the same text
for e in $entries; do
	c=$(echo "$e" | tr _ ' ')
	# shellcheck disable=SC2086
	"$AFSIM" $c --help > "$tmp/long" 2> "$tmp/err"
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && ok "afsim $c --help exits 0, nothing on stderr" \
		|| bad "afsim $c --help exits $rc: $(cat "$tmp/err")"
	first=$(head -1 "$tmp/long")
	case "$first" in
	"usage: afsim $c"*) ok "afsim $c --help starts 'usage: afsim $c'" ;;
	*) bad "afsim $c --help starts '$first'" ;;
	esac
	[ "$(wc -l < "$tmp/long")" -ge 4 ] && ok "afsim $c --help explains (more than the usage line)" \
		|| bad "afsim $c --help is $(wc -l < "$tmp/long") lines"
	# shellcheck disable=SC2086
	"$AFSIM" $c -h > "$tmp/short" 2>&1
	rc=$?
	[ $rc -eq 0 ] && cmp -s "$tmp/long" "$tmp/short" && ok "afsim $c -h is the same" \
		|| bad "afsim $c -h exits $rc or differs"
	# shellcheck disable=SC2086
	"$AFSIM" help $c > "$tmp/help" 2>&1
	rc=$?
	[ $rc -eq 0 ] && cmp -s "$tmp/long" "$tmp/help" && ok "afsim help $c is the same" \
		|| bad "afsim help $c exits $rc or differs"
done

# 2. the flag anywhere among the arguments wins over everything else
for args in "run nosuch.yaml --seed x --help" "regress --bogus -h" "viz timeline 1 --size 1x1 --help" \
	"baseline set main --last -h" "demo --handoffs 0 --help" "report 1 2 3 --format nope --help"; do
	# shellcheck disable=SC2086
	out=$("$AFSIM" $args 2>&1)
	rc=$?
	c=$(echo "$args" | cut -d' ' -f1)
	case "$c" in baseline | viz) c="$c $(echo "$args" | cut -d' ' -f2)" ;; esac
	[ $rc -eq 0 ] && [ "$(echo "$out" | head -1 | cut -c1-$((13 + ${#c})))" = "usage: afsim $c" ] \
		&& ok "afsim $args: help, exit 0" || bad "afsim $args exits $rc: $(echo "$out" | head -2)"
done
# a help request runs nothing: no database appears
(cd "$tmp" && "$OLDPWD/$AFSIM" run "$OLDPWD/scenarios/nominal" --help > /dev/null 2>&1)
[ ! -e "$tmp/afsim.db" ] && ok "afsim run DIR --help runs nothing" || bad "afsim run DIR --help created afsim.db"

# 3. the overview, unknown commands, no command
for f in --help -h help; do
	"$AFSIM" $f > "$tmp/over" 2>&1
	rc=$?
	miss=""
	for c in run runs report baseline regress viz replay field rig hil swarm shrink db export demo selftest version help; do
		grep -q "^  afsim $c" "$tmp/over" || miss="$miss $c"
	done
	[ $rc -eq 0 ] && [ -z "$miss" ] && ok "afsim $f lists every command, exit 0" \
		|| bad "afsim $f exits $rc, missing:$miss"
done
"$AFSIM" help nosuch > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "unknown command 'nosuch'" "$tmp/err" && ok "afsim help nosuch exits 2" \
	|| bad "afsim help nosuch exits $rc: $(cat "$tmp/err")"
"$AFSIM" help viz nosuch > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "'viz' has no subcommand 'nosuch'" "$tmp/err" && ok "afsim help viz nosuch exits 2" \
	|| bad "afsim help viz nosuch exits $rc: $(cat "$tmp/err")"
"$AFSIM" nosuch --help > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 2 ] && ok "afsim nosuch --help exits 2" || bad "afsim nosuch --help exits $rc"
"$AFSIM" > /dev/null 2> "$tmp/err"
rc=$?
[ $rc -eq 2 ] && grep -q "^usage: afsim COMMAND" "$tmp/err" && ok "afsim alone: usage on stderr, exit 2" \
	|| bad "afsim alone exits $rc"

# 4. the man page: no warning, and every option of every --help in its section
if command -v groff > /dev/null; then
	groff -man -ww -z docs/afsim.1 > "$tmp/warn" 2>&1
	rc=$?
	[ $rc -eq 0 ] && [ ! -s "$tmp/warn" ] && ok "groff -man -ww: docs/afsim.1 renders without a warning" \
		|| bad "groff -man -ww docs/afsim.1: $(head -3 "$tmp/warn")"
	groff -man -Tascii -rHY=0 -P-cbou docs/afsim.1 > "$tmp/man.txt" 2>/dev/null
	for e in $entries; do
		c=$(echo "$e" | tr _ ' ')
		top=${c%% *}
		# the command's section: from its heading to the next one
		awk -v h="   afsim $top" 'index($0, h) == 1 && (length($0) == length(h) || substr($0, length(h) + 1, 1) ~ /[ \[]/) { on = 1; print; next }
			/^   afsim / { on = 0 } /^[A-Z]/ { on = 0 } on' "$tmp/man.txt" > "$tmp/section"
		[ -s "$tmp/section" ] || { bad "man page: no section 'afsim $top'"; continue; }
		# shellcheck disable=SC2086
		"$AFSIM" help $c | grep -o -- '\(^\|[ ,(|[]\)--*[a-z][a-z-]*' | sed 's/^[ ,(|[]//' | sort -u > "$tmp/opts"
		miss=""
		while read -r o; do
			grep -q -- "$o\([^a-z-]\|$\)" "$tmp/section" || miss="$miss $o"
		done < "$tmp/opts"
		[ -z "$miss" ] && ok "man page section 'afsim $top' has the $(wc -l < "$tmp/opts") options of afsim help $c" \
			|| bad "man page section 'afsim $top' lacks:$miss"
	done
else
	bad "groff is missing (make deps installs groff-base)"
fi

finish
