#!/bin/sh
# cli_docs.sh - every command in the docs runs as written.
#
# Each ```sh fenced block of README.md, docs/*.md, scenarios/README.md and
# scenarios/field/README.md runs under `sh -e` in a fresh copy of the source
# tree, with the afsim under test as ./afsim and on PATH; the blocks of one
# file run in order in one copy (a later block may use what an earlier one
# made).  A block that cannot run in a test (it installs packages, or is the
# test suite itself) carries `<!-- no-test: REASON -->` on the line before
# its fence.  Output goes in ```text fences, other languages in theirs; only
# sh runs.  A ```text block after `<!-- output-of: COMMAND -->` must be
# exactly what COMMAND prints there (run at that point, after the blocks
# before it).
# The conventions: docs/README.md.
#
# A failing block is reported as FILE:LINE (the command that failed, else
# the fence) with its output.  The copy takes build/ along, so a block's
# `make` is quick when the tree is built.  `cli_docs.sh FILE.md...` checks those files
# only; with no arguments the script first checks itself on a small
# document with a failing block.
. "$(dirname "$0")/testlib.sh"
root=$(pwd)
case "$AFSIM" in /*) ;; *) AFSIM="$root/$AFSIM" ;; esac

# A block that runs this script again (make check) would recurse for ever.
if [ -n "${AFSIM_DOCS_TEST:-}" ]; then
	echo "cli_docs.sh: a docs block runs the docs test itself (make check?): mark it no-test" >&2
	exit 1
fi
mkdir -p "$tmp/bin"
ln -s "$AFSIM" "$tmp/bin/afsim"

# Split FILE into $2/block-N.sh (the ```sh blocks) or $2/block-N.cmd and
# .expect (an output-of command and its ```text block), with $2/block-N.line
# the line of its fence, $2/block-N.skip the no-test reason; errors on stdout.
split_blocks() {
	awk -v out="$2" '
	function fail(msg) { printf "%s:%d: %s\n", FILENAME, NR, msg; bad = 1 }
	!infence && /^[ \t]*<!--[ \t]*no-test:/ {
		reason = $0
		sub(/^[ \t]*<!--[ \t]*no-test:[ \t]*/, "", reason)
		sub(/[ \t]*-->[ \t]*$/, "", reason)
		if (reason == "") fail("no-test without a reason")
		marked = NR
		next
	}
	!infence && /^[ \t]*<!--[ \t]*output-of:/ {
		cmd = $0
		sub(/^[ \t]*<!--[ \t]*output-of:[ \t]*/, "", cmd)
		sub(/[ \t]*-->[ \t]*$/, "", cmd)
		if (cmd == "") fail("output-of without a command")
		outmark = NR
		next
	}
	/^[ \t]*```/ {
		if (!infence) {
			infence = 1
			lang = $0
			sub(/^[ \t]*```[ \t]*/, "", lang)
			sub(/[ \t].*/, "", lang)
			if (outmark == NR - 1 && lang != "text")
				fail("output-of before a ```" lang " block, expected a ```text block")
			if (lang == "sh" || (lang == "text" && outmark == NR - 1)) {
				n++
				f = out "/block-" n
				body = f (lang == "sh" ? ".sh" : ".expect")
				print NR > (f ".line")
				close(f ".line")
				printf "" > body
				if (lang == "text") {
					print cmd > (f ".cmd")
					close(f ".cmd")
					lang = "expect"
				}
				if (marked == NR - 1) {
					print reason > (f ".skip")
					close(f ".skip")
				}
			} else if (marked == NR - 1) {
				fail("no-test before a ```" lang " block, which never runs")
			}
			marked = 0
			outmark = 0
			next
		}
		infence = 0
		if (lang == "sh" || lang == "expect") close(body)
		lang = ""
		next
	}
	infence && (lang == "sh" || lang == "expect") { print > body }
	{ if (marked && marked == NR - 1 && !infence) fail("no-test not followed by a ```sh fence") }
	{ if (outmark && outmark == NR - 1 && !infence) fail("output-of not followed by a ```text fence") }
	END {
		if (infence) { printf "%s:%d: unclosed fence\n", FILENAME, NR; bad = 1 }
		exit bad
	}' "$1"
}

# The file line of the command that failed: the last command traced by
# `sh -x`, matched by its first two words to a line of the block.
failed_line() { # fence-line block.sh trace
	cmd=$(grep '^+ ' "$3" | tail -1 | sed 's/^+ //')
	set -- "$1" "$2" "$(echo "$cmd" | awk '{print $1, $2}')"
	[ -n "$3" ] || { echo "$1"; return; }
	awk -v fence="$1" -v want="$3" '
	{ line = $0; sub(/^[ \t]+/, "", line); split(line, w, /[ \t]+/)
	  if (w[1] " " w[2] == want || (w[1] == want)) { print fence + NR; found = 1; exit } }
	END { if (!found) print fence }' "$2"
}

# Every relative link of FILE points at a file or folder that exists.
check_links() { # file
	dir=$(dirname "$root/$1")
	grep -n -o '\]([^)]*)' "$root/$1" | sed 's/\](\(.*\))$/\1/' > "$tmp/links"
	nl=0
	miss=""
	while IFS=: read -r ln target; do
		case "$target" in http://* | https://* | mailto:* | \#*) continue ;; esac
		target=${target%%#*}
		nl=$((nl + 1))
		[ -e "$dir/$target" ] || miss="$miss $1:$ln:$target"
	done < "$tmp/links"
	[ -z "$miss" ] && { [ $nl -eq 0 ] || ok "$1: $nl relative links lead somewhere"; } \
		|| bad "dead links:$miss"
}

# Run the blocks of FILE (as named in messages) in a fresh copy of the tree.
check_file() { # file
	name=$1
	check_links "$name"
	work="$tmp/work"
	rm -rf "$work" "$tmp/blocks"
	mkdir -p "$work" "$tmp/blocks"
	if ! split_blocks "$root/$name" "$tmp/blocks" > "$tmp/split.err" 2>&1; then
		sed "s|^$root/||" "$tmp/split.err" | while read -r l; do echo "FAIL $l"; done
		fails=$((fails + $(wc -l < "$tmp/split.err")))
		return
	fi
	# build/ comes along (times kept): a block's `make` finds it up to date
	# instead of compiling everything again; the build is make check's test.
	(cd "$root" && tar -cf - --exclude='./build-*' --exclude=./.git --exclude=./afsim \
		--exclude='*.db' --exclude='*.db-*' --exclude='./build/bench' --exclude='./build/tests' .) |
		(cd "$work" && tar -xf -)
	cp "$AFSIM" "$work/afsim"
	mkdir -p "$work/.tmp"
	n=0
	for b in "$tmp"/blocks/block-*.line; do
		[ -e "$b" ] || break
		n=$((n + 1))
	done
	i=1
	while [ $i -le $n ]; do
		b="$tmp/blocks/block-$i"
		line=$(cat "$b.line")
		i=$((i + 1))
		if [ -e "$b.skip" ]; then
			echo "skip $name:$line: $(cat "$b.skip")"
			continue
		fi
		if [ -e "$b.cmd" ]; then
			(cd "$work" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u AFSIM_DB -u AFSIM_INVOCATION \
				AFSIM_DOCS_TEST=1 PATH="$tmp/bin:$PATH" HOME="$work" TMPDIR="$work/.tmp" timeout 600 sh -c "$(cat "$b.cmd")") > "$tmp/out" 2>&1
			if cmp -s "$tmp/out" "$b.expect"; then
				ok "$name:$line: the block is what '$(cat "$b.cmd")' prints"
			else
				bad "$name:$line: the block is not what '$(cat "$b.cmd")' prints (- doc, + now):"
				diff "$b.expect" "$tmp/out" | grep '^[<>]' | head -15 | sed 's/^</     -/; s/^>/     +/'
			fi
			continue
		fi
		(cd "$work" && env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS -u AFSIM_DB -u AFSIM_INVOCATION \
			AFSIM_DOCS_TEST=1 PATH="$tmp/bin:$PATH" HOME="$work" TMPDIR="$work/.tmp" timeout 600 sh -e -x "$b.sh") > "$tmp/out" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then
			ok "$name:$line: the block runs ($(grep -c . "$b.sh") lines)"
		else
			at=$(failed_line "$line" "$b.sh" "$tmp/out")
			bad "$name:$at: exit $rc: $(sed -n "${at}p" "$root/$name" | sed 's/^[ \t]*//')"
			tail -15 "$tmp/out" | sed 's/^/     | /'
		fi
	done
	[ $n -gt 0 ] || echo "     ($name has no sh block)"
}

if [ $# -eq 0 ]; then
	# the script itself: a failing block is named by file and line, a
	# marked block is skipped, a bare marker is an error
	mkdir -p "$tmp/self"
	cat > "$tmp/self/doc.md" <<'EOF'
# doc

```sh
echo fine > made.txt
```

```sh
test -f made.txt
afsim version
afsim nosuch-command
echo unreachable
```

<!-- no-test: needs a real stage -->
```sh
exit 7
```

<!-- output-of: cat made.txt -->
```text
fine
```

<!-- output-of: echo changed -->
```text
unchanged
```
EOF
	out=$(cd "$tmp/self" && AFSIM="$AFSIM" sh "$root/tests/cli_docs.sh" --root "$tmp/self" doc.md 2>&1)
	rc=$?
	echo "$out" | grep -q '^FAIL doc.md:10: exit 2: afsim nosuch-command$' && [ $rc -ne 0 ] \
		&& echo "$out" | grep -q '^ok   doc.md:3: the block runs' \
		&& echo "$out" | grep -q '^skip doc.md:15: needs a real stage$' \
		&& echo "$out" | grep -q "^ok   doc.md:20: the block is what 'cat made.txt' prints" \
		&& echo "$out" | grep -q "^FAIL doc.md:25: the block is not what 'echo changed' prints" \
		&& echo "$out" | grep -q '^     + changed$' \
		&& ok "cli_docs.sh names a failing block's command by file:line, skips no-test blocks, checks output-of blocks" \
		|| { bad "cli_docs.sh on a failing document (exit $rc):"; echo "$out" | sed 's/^/     | /'; }
	printf '<!-- no-test: why -->\n```text\nx\n```\n<!-- no-test: -->\n<!-- output-of: true -->\n```sh\n```\n' > "$tmp/self/bad.md"
	out=$(AFSIM="$AFSIM" sh "$root/tests/cli_docs.sh" --root "$tmp/self" bad.md 2>&1)
	echo "$out" | grep -q '^FAIL bad.md:2: no-test before a ```text block, which never runs$' \
		&& echo "$out" | grep -q '^FAIL bad.md:5: no-test without a reason$' \
		&& echo "$out" | grep -q '^FAIL bad.md:7: output-of before a ```sh block, expected a ```text block$' \
		&& ok "cli_docs.sh refuses a misplaced or empty no-test marker" \
		|| { bad "cli_docs.sh on misplaced markers:"; echo "$out" | sed 's/^/     | /'; }
	set -- README.md docs/*.md scenarios/README.md scenarios/field/README.md
elif [ "$1" = "--root" ]; then
	root=$2
	shift 2
fi
for f in "$@"; do
	check_file "$f"
done
finish
