#!/bin/sh
# determinism.sh - the trace hash of the reference sequence, and every
# figure the engine demo prints, must be the same with gcc and clang, at -O0
# and -O2 (docs/design.md §3); the hash must change with the seed.  Builds
# each variant in build-det/CC-OPT.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
compilers=""
for cc in gcc clang; do
	command -v "$cc" >/dev/null 2>&1 && compilers="$compilers $cc"
done
[ -n "$compilers" ] || { echo "determinism: no compiler found" >&2; exit 3; }
ref=""
refname=""
status=0
for cc in $compilers; do
	for opt in -O0 -O2; do
		b="build-det/$cc$opt"
		# gcc -O2 is the default build's compiler and level: reuse build/
		[ "$cc$opt" = gcc-O2 ] && [ "$(cc --version | head -1 | cut -d' ' -f1)" = cc ] && b=build
		make -s -j"$jobs" CC="$cc" OPT="$opt" BUILD="$b" "$b/afsim" >/dev/null
		h1=$("$b/afsim" selftest --quiet --seed 1)
		h2=$("$b/afsim" selftest --quiet --seed 2)
		# the engine end to end: every figure of the demo, digested
		d=$("$b/afsim" demo --handoffs 50 | cksum | cut -d' ' -f1)
		# every scenario of the library: its trace hash
		rm -f "$b/det.db"
		l=$("$b/afsim" run -j "$jobs" --db "$b/det.db" scenarios/ | grep -o 'trace [0-9a-f]*' | cksum | cut -d' ' -f1)
		printf '%-12s seed 1: %s  seed 2: %s  engine demo: %s  library: %s\n' "$cc$opt" "$h1" "$h2" "$d" "$l"
		h2="$h2 $d $l"
		if [ "$h1" = "${h2%% *}" ]; then
			echo "determinism: $cc$opt gives the same hash for seeds 1 and 2" >&2
			status=1
		fi
		if [ -z "$ref" ]; then
			ref="$h1 $h2"
			refname="$cc$opt"
		elif [ "$ref" != "$h1 $h2" ]; then
			echo "determinism: $cc$opt differs from $refname" >&2
			status=1
		fi
	done
done
[ $status -eq 0 ] && echo "determinism: identical trace hashes (reference sequence, engine demo, scenario library) across$compilers at -O0 and -O2"
exit $status
