#!/bin/sh
# coverage.sh BUILD [FOLDER] - line and branch coverage of FOLDER's C files
# (engine by default) from the gcov data a --coverage build in BUILD left
# (make coverage: BUILD=build-cov, after make check there).  Prints a line
# per file and the total, then every error return of FOLDER that never ran
# (a line that returns or sets an error: af__err, af__hal_err, an AF_E*
# code, a `goto oom`/`goto fail`) - the list make coverage wants empty.
# Run from the top folder.  Exit 0; 2 for bad usage or no data.
build=${1:?usage: coverage.sh BUILD [FOLDER]}
dir=${2:-engine}
[ -d "$build/$dir" ] || { echo "coverage.sh: no folder $build/$dir" >&2; exit 2; }
ls "$build/$dir"/*.gcda > /dev/null 2>&1 || { echo "coverage.sh: no gcov data in $build/$dir (run make coverage)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-28s %16s %16s %16s\n' "file" "lines" "branches" "branches taken"
for src in "$dir"/*.c; do
	obj="$build/${src%.c}.o"
	[ -f "${obj%.o}.gcda" ] || { printf '%-28s %16s\n' "$src" "never run"; continue; }
	gcov -b -c -n -o "${obj%/*}" "$src" > "$tmp/out" 2>&1
	g="$tmp/$(basename "$src").gcov"
	gcov -b -c -t -o "${obj%/*}" "$src" > "$g" 2> /dev/null
	# gcov's summary for the source itself (not the headers it includes)
	awk -v f="$src" -v base="$(basename "$src")" '
		/^File / { cur = ($0 ~ "/" base "'"'"'$" || $0 ~ "'"'"'" f "'"'"'$") }
		cur && /^Lines executed:/ { split($2, a, "%"); sub(/.*:/, "", a[1]); l = a[1]; ln = $NF }
		cur && /^Branches executed:/ { split($2, a, "%"); sub(/.*:/, "", a[1]); b = a[1]; bn = $NF }
		cur && /^Taken at least once:/ { split($4, a, "%"); sub(/.*:/, "", a[1]); t = a[1]; tn = $NF }
		END { printf "%-28s %7.2f%% of %5d %7.2f%% of %5d %7.2f%% of %5d\n", f, l, ln, b, bn, t, tn
		      printf "%s %d %d %d %d\n", f, l * ln / 100 + 0.5, ln, t * tn / 100 + 0.5, tn > "/dev/stderr" }' \
		"$tmp/out" 2>> "$tmp/sum"
	awk -F: -v f="$src" '$1 ~ /#####/ {
		code = $0; sub(/^[^:]*:[^:]*:/, "", code)
		if (code ~ /af__err|af__hal_err|return AF_E|= AF_E[A-Z]|goto oom|goto fail|calib_fail\(/) {
			gsub(/^[ \t]+/, "", code); printf "%s:%d: %s\n", f, $2 + 0, code } }' "$g" >> "$tmp/never"
done
awk '{ l += $2; ln += $3; t += $4; tn += $5 }
     END { printf "%-28s %7.2f%% of %5d %16s %7.2f%% of %5d\n", "total", 100 * l / ln, ln, "", 100 * t / tn, tn }' "$tmp/sum"
n=$(wc -l < "$tmp/never" 2> /dev/null || echo 0)
echo "error returns never run: $n"
cat "$tmp/never" 2> /dev/null
exit 0
