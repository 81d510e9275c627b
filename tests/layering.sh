#!/bin/sh
# layering.sh [ROOT] - check the layering of docs/architecture.md on the
# sources under ROOT (default: the top of this tree): every #include of every
# .c and .h in kernel/, engine/, models/, db/, sim/, field/, hil/ and viz/
# against what its folder (and, inside sim/, its part) may include.  Prints
# one line per violation, "FILE:LINE: includes X: RULE", and exits 1 when
# there is one, 0 when there is none.  cli/, tests/ and bench/ may include
# everything.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2

# ISO C11's headers: the only system headers of the kernel, the engine and
# the models (the models without stdio.h and time.h: no I/O, no clock), and
# for the engine and the models the compiler's own intrinsics, <*intrin.h>,
# for vector code (they come with the compiler, not a library).
iso_c="assert.h complex.h ctype.h errno.h fenv.h float.h inttypes.h iso646.h limits.h
locale.h math.h setjmp.h signal.h stdalign.h stdarg.h stdatomic.h stdbool.h stddef.h
stdint.h stdio.h stdlib.h stdnoreturn.h string.h tgmath.h threads.h time.h uchar.h
wchar.h wctype.h"

out=$(find kernel engine models db sim field hil viz -type f \( -name '*.c' -o -name '*.h' \) \
	2> /dev/null | LC_ALL=C sort | while read -r f; do
	awk -v file="$f" -v iso="$iso_c" '
	BEGIN {
		n = split(iso, a, /[ \n]+/)
		for (i = 1; i <= n; i++) isoc[a[i]] = 1
		dir = file; sub(/\/[^\/]*$/, "", dir)
		base = file; sub(/^.*\//, "", base)
		# the runner side of sim/: reaches a rig through sim/rig.h only
		runner = dir == "sim" && (base ~ /^runner/ || base == "rig.h")
	}
	function fail(inc, rule) {
		printf "%s:%d: includes %s: %s\n", file, FNR, inc, rule
	}
	/^[ \t]*#[ \t]*include[ \t]*"/ {
		inc = $0
		sub(/^[^"]*"/, "", inc); sub(/".*$/, "", inc)
		path = inc ~ /\// ? inc : dir "/" inc
		top = path; sub(/\/.*$/, "", top)
		q = "\"" inc "\""
		if (dir == "kernel" && top != "kernel")
			fail(q, "kernel/ may include kernel/ only")
		else if (dir == "engine" && top != "engine")
			fail(q, "engine/ may include engine/ only")
		else if (dir == "models" && top != "models" && top != "kernel")
			fail(q, "models/ may include models/ and kernel/ only")
		else if (dir == "db" && top != "db")
			fail(q, "db/ may include db/ only")
		else if (dir == "viz" && top != "viz" && top != "db")
			fail(q, "viz/ may include viz/ and db/ only")
		else if ((dir == "sim" || dir == "field" || dir == "hil") && top !~ /^(sim|kernel|models|engine|db|field|hil)$/)
			fail(q, dir "/ may include engine/, kernel/, models/, sim/ and its own folder only")
		else if (dir == "sim" && (top == "field" || top == "hil"))
			fail(q, "sim/ may not include " top "/")
		else if (dir == "field" && top == "hil")
			fail(q, "field/ may not include hil/")
		else if ((dir == "field" || dir == "hil") && top == "db")
			fail(q, dir "/ may not include db/ (runs reach the store through sim/results.h)")
		else if (dir == "sim" && top == "db" && base !~ /^(results_db\.[ch]|metrics\.c)$/)
			fail(q, "in sim/ only results_db and metrics (the results interface and the metric definitions) include db/")
		else if (runner && path ~ /^sim\/sim_(hal|ctl|hal_impl)\.h$/)
			fail(q, "the runner drives a rig through sim/rig.h, never the simulator (sim_hal.h, sim_ctl.h)")
		next
	}
	/^[ \t]*#[ \t]*include[ \t]*</ {
		inc = $0
		sub(/^[^<]*</, "", inc); sub(/>.*$/, "", inc)
		q = "<" inc ">"
		if (dir == "kernel" && !(inc in isoc))
			fail(q, "kernel/ may include ISO C headers only")
		else if (dir == "engine" && !(inc in isoc) && inc !~ /intrin\.h$/)
			fail(q, "engine/ may include ISO C headers and compiler intrinsics only")
		else if (dir == "models" && !(inc in isoc) && inc !~ /intrin\.h$/)
			fail(q, "models/ may include ISO C headers and compiler intrinsics only")
		else if (dir == "models" && (inc == "stdio.h" || inc == "time.h"))
			fail(q, "models/ do no I/O and read no clock")
	}
	' "$f"
done)
[ -z "$out" ] && exit 0
echo "$out"
exit 1
