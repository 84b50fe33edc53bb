#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Every name a program can use from libfanotify has a man page, and every
# man page is for such a name:
#   - each symbol of the version script, and each symbol the built shared
#     library exports, has man/man3/<symbol>.3;
#   - so has each function-like macro of the public header
#     (fan_for_each_event, LIBFANOTIFY_OPTS, ...);
#   - an alias page is one line ".so man3/<family>.3" naming a page that
#     exists, is not itself an alias, and lists the name in its NAME section
#     and its SYNOPSIS;
#   - no page in man3 is for a name that does not exist, and man/meson.build
#     installs every page;
#   - the version script and the exports of the library agree.
#
# usage: check-symbols.sh MANDIR SYMFILE HEADER [LIBRARY.so]
# exit 0 pass, 1 fail, 77 skip
set -u

mandir=$1 symfile=$2 header=$3 lib=${4:-}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

# Symbols of the version script: "	fan_name;" lines of the global: part.
sed -n 's/^[[:space:]]*\(fan_[A-Za-z0-9_]*\);.*/\1/p' "$symfile" | sort -u >"$tmp/sym"
[ -s "$tmp/sym" ] || { bad "no symbols found in $symfile"; exit 1; }

# Symbols the built library exports (functions; the version node is an A symbol).
if [ -n "$lib" ]; then
	if ! command -v nm >/dev/null 2>&1; then
		echo "skip: nm not installed"
		exit 77
	fi
	nm -D --defined-only "$lib" | awk '$2 ~ /^[TtWi]$/ { sub(/@.*/, "", $3); print $3 }' |
		sort -u >"$tmp/nm"
	comm -23 "$tmp/sym" "$tmp/nm" | while read -r s; do
		echo "FAIL: $s is in $(basename "$symfile") but $lib does not export it"
	done | tee "$tmp/mismatch"
	comm -13 "$tmp/sym" "$tmp/nm" | while read -r s; do
		echo "FAIL: $lib exports $s, which $(basename "$symfile") does not list"
	done | tee -a "$tmp/mismatch"
	[ -s "$tmp/mismatch" ] && fail=1
	cat "$tmp/nm" >>"$tmp/sym"
fi

# Function-like macros of the public header are API too.
sed -n 's/^#define[[:space:]]\{1,\}\([A-Za-z_][A-Za-z0-9_]*\)(.*/\1/p' "$header" |
	sort -u >"$tmp/macros"
cat "$tmp/sym" "$tmp/macros" | sort -u >"$tmp/names"
echo "$(wc -l <"$tmp/names") names: $(wc -l <"$tmp/macros") macros and the exported functions"

# The lines of one section of a page: from ".SH NAME" to the next ".SH".
section() {
	awk -v want="$2" '
		/^\.SH/ { insec = ($0 == ".SH " want || $0 == ".SH \"" want "\"") ; next }
		insec { print }' "$1"
}

# Names a page documents: its NAME line(s), before "\-".
page_names() {
	section "$1" NAME | tr '\n' ' ' | sed 's/\\-.*//' | tr ',' '\n' |
		sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | grep -v '^$'
}

while read -r name; do
	page=$mandir/man3/$name.3
	if [ ! -f "$page" ]; then
		bad "$name has no man page (expected man3/$name.3)"
		continue
	fi
	first=$(head -n 1 "$page")
	case $first in
	.so\ *)
		[ "$(wc -l <"$page")" -eq 1 ] || bad "man3/$name.3: an alias page must be one .so line"
		target=$mandir/${first#.so }
		if [ ! -f "$target" ]; then
			bad "man3/$name.3 points to ${first#.so }, which does not exist"
			continue
		fi
		case $(head -n 1 "$target") in
		.so\ *) bad "man3/$name.3 points to another alias, ${first#.so }"; continue ;;
		esac
		;;
	*)
		target=$page
		;;
	esac
	page_names "$target" | grep -qx "$name" ||
		bad "$(basename "$target") does not list $name in its NAME section"
	section "$target" SYNOPSIS | grep -q "$name" ||
		bad "$(basename "$target") does not show $name in its SYNOPSIS"
done <"$tmp/names"

# No page for a name that does not exist; every page installed.
for page in "$mandir"/man3/*.3; do
	name=$(basename "$page" .3)
	grep -qx "$name" "$tmp/names" || bad "man3/$name.3 documents $name, which the library does not have"
	grep -q "'man3/$name.3'" "$mandir/meson.build" || bad "man/meson.build does not install man3/$name.3"
done
for page in "$mandir"/man7/*.7; do
	grep -q "'man7/$(basename "$page")'" "$mandir/meson.build" ||
		bad "man/meson.build does not install man7/$(basename "$page")"
done

[ $fail -eq 0 ] && echo "every name has its page"
exit $fail
