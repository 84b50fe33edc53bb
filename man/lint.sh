#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Lint every man page: mandoc -T lint -W warning must print nothing, groff
# -ww must print nothing where groff is installed, and each full page's .TH
# must name the page and its section.  man1/fanwatch.1 is linted when it
# exists.  The library's own pages (man3, man7) must also have the usual
# sections in the usual order, end with SEE ALSO fanotify_init(2),
# fanotify_mark(2), fanotify(7) and libfanotify(7), and refer only to
# section-3 pages of the library that exist.
#
# Alias pages are one line, ".so man3/<family>.3": they are followed, that is
# checked to name an existing full page, which is linted in its own right.
# They are not handed to mandoc themselves, whose only remark on such a file
# is the advice ".so is fragile, better use ln(1)" (a warning since mandoc
# 1.14): the .so form is the one man-db and every distribution install.
#
# usage: lint.sh MANDIR
# exit 0 pass, 1 fail, 77 skip
set -u

mandir=$1
if ! command -v mandoc >/dev/null 2>&1; then
	echo "skip: mandoc not installed (scripts/deps.sh installs it)"
	exit 77
fi
cd "$mandir" || exit 1
fail=0
n=0

[ -f man1/fanwatch.1 ] || echo "note: man1/fanwatch.1 does not exist yet, not linted"

for page in man1/*.1 man3/*.3 man7/*.7; do
	[ -f "$page" ] || continue
	n=$((n + 1))
	case $(head -n 1 "$page") in
	.so\ *)
		target=$(head -n 1 "$page" | cut -d' ' -f2)
		if [ "$(wc -l <"$page")" -ne 1 ] || [ ! -f "$target" ]; then
			echo "FAIL: $page: not one .so line naming an existing page"
			fail=1
		elif head -n 1 "$target" | grep -q '^\.so '; then
			echo "FAIL: $page: $target is an alias too"
			fail=1
		fi
		continue
		;;
	esac
	out=$(mandoc -T lint -W warning "$page" 2>&1)
	rc=$?
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		echo "FAIL: mandoc -T lint -W warning $page (exit $rc)"
		printf '%s\n' "$out"
		fail=1
	fi
	if command -v groff >/dev/null 2>&1; then
		out=$(groff -ww -z -t -man "$page" 2>&1)
		if [ -n "$out" ]; then
			echo "FAIL: groff -ww -z -t -man $page"
			printf '%s\n' "$out"
			fail=1
		fi
	fi
	base=$(basename "$page")
	sec=${base##*.}
	title=$(printf '%s' "${base%.*}" | tr '[:lower:]' '[:upper:]')
	th=$(grep -m 1 '^\.TH ' "$page" | awk '{ print $2, $3 }')
	[ "$th" = "$title $sec" ] || {
		echo "FAIL: $page: .TH says \"$th\", expected \"$title $sec\""
		fail=1
	}
done

# Structure of the library's pages: the sections a C programmer looks for,
# in the usual order, and the references every page ends with.
for page in man3/*.3 man7/*.7; do
	case $(head -n 1 "$page") in
	.so\ *) continue ;;
	esac
	case $page in
	man3/*) want="NAME|SYNOPSIS|DESCRIPTION|RETURN VALUE|ERRORS|EXAMPLES|HISTORY|SEE ALSO" ;;
	*) want="NAME|DESCRIPTION|EXAMPLES|SEE ALSO" ;;
	esac
	have=$(sed -n 's/^\.SH "\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$page" | grep -xE "$(echo "$want" | sed 's/|/|/g')" |
		tr '\n' '|' | sed 's/|$//')
	[ "$have" = "$want" ] || {
		echo "FAIL: $page: sections \"$have\", expected \"$want\" in that order"
		fail=1
	}
	for ref in "fanotify_init (2)" "fanotify_mark (2)" "fanotify (7)" "libfanotify (7)"; do
		[ "$page" = man7/libfanotify.7 ] && [ "$ref" = "libfanotify (7)" ] && continue
		sed -n '/^\.SH SEE ALSO/,$p' "$page" | grep -q "^\.BR $ref" ||
			{ echo "FAIL: $page: SEE ALSO lacks $ref"; fail=1; }
	done
	# every reference to a page of this library names one that exists
	for ref in $(grep -o '^\.BR \(fan_\|LIBFANOTIFY_\)[A-Za-z0-9_]* (3)' "$page" | awk '{ print $2 }'); do
		[ -f "man3/$ref.3" ] || { echo "FAIL: $page refers to $ref(3), which does not exist"; fail=1; }
	done
done

echo "$n pages linted"
exit $fail
