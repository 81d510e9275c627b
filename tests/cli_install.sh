#!/bin/sh
# cli_install.sh - `make install DESTDIR=... PREFIX=/usr` puts the binary,
# the man page, the scenario library (folders and trace CSVs kept) and the
# docs where docs/afsim.1 says; the installed binary runs an installed
# scenario that reads its trace CSV; `make uninstall` takes it all away.
# Uses the build under test ($BUILD, as make check passes it).
. "$(dirname "$0")/testlib.sh"
BUILD=${BUILD:-build}
root="$tmp/root"
usr="$root/usr"

make -s install BUILD="$BUILD" DESTDIR="$root" PREFIX=/usr > "$tmp/make.out" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "make install DESTDIR PREFIX=/usr exits 0" || { bad "make install exits $rc"; cat "$tmp/make.out"; }

# the binary
[ -x "$usr/bin/afsim" ] && "$usr/bin/afsim" version > /dev/null \
	&& ok "PREFIX/bin/afsim runs" || bad "PREFIX/bin/afsim missing or broken"
# the man page
cmp -s docs/afsim.1 "$usr/share/man/man1/afsim.1" && ok "PREFIX/share/man/man1/afsim.1 is docs/afsim.1" \
	|| bad "PREFIX/share/man/man1/afsim.1 missing or different"
# the scenario library, tree for tree
(cd scenarios && find . -type f | sort) > "$tmp/want"
(cd "$usr/share/afsim/scenarios" 2> /dev/null && find . -type f | sort) > "$tmp/got"
n=$(grep -c '\.yaml$' "$tmp/want")
cmp -s "$tmp/want" "$tmp/got" && [ "$n" -ge 27 ] \
	&& ok "PREFIX/share/afsim/scenarios holds the library ($n scenarios, README, trace CSV)" \
	|| bad "PREFIX/share/afsim/scenarios differs: $(diff "$tmp/want" "$tmp/got" | head -5)"
# an installed scenario whose trace CSV sits beside it
"$usr/bin/afsim" run --db "$tmp/x.db" "$usr/share/afsim/scenarios/thermal/compensation-off.yaml" > "$tmp/run.out" 2>&1
rc=$?
[ $rc -eq 0 ] && grep -q "^PASS  thermal-compensation-off" "$tmp/run.out" \
	&& ok "the installed afsim runs an installed scenario with its trace CSV" \
	|| bad "installed run exits $rc: $(head -3 "$tmp/run.out")"
# the docs: README.md beside docs/, every docs/*.md and picture
miss=""
for f in README.md docs/*.md docs/*.png; do
	cmp -s "$f" "$usr/share/doc/afsim/$f" || miss="$miss $f"
done
[ -z "$miss" ] && ok "PREFIX/share/doc/afsim holds README.md and docs/ ($(ls docs/*.md | wc -l) documents)" \
	|| bad "PREFIX/share/doc/afsim lacks:$miss"
for f in design.md physics.md; do
	[ -f "$usr/share/doc/afsim/docs/$f" ] && ok "docs/$f installed" || bad "docs/$f not installed"
done

# uninstall leaves nothing but empty folders
make -s uninstall DESTDIR="$root" PREFIX=/usr > "$tmp/make.out" 2>&1
rc=$?
left=$(find "$root" -type f | wc -l)
[ $rc -eq 0 ] && [ "$left" -eq 0 ] && ok "make uninstall removes every installed file" \
	|| bad "make uninstall exits $rc, $left files left: $(find "$root" -type f | head -3)"

finish
