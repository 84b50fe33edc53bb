#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Path patterns: --include-regex/--exclude-regex (POSIX extended, the whole
# path), --includei/--excludei and -I (case), --include-from/--exclude-from
# (globs, "re:", comments, CRLF, standard input); an excluded directory
# takes its subtree with it, but never the watched PATH itself; the exact
# set of paths each time.  Bad patterns and files are usage errors.
. "${FWT_DIR:?}/lib.sh"

mkdir -p "$W/src/node_modules/pkg" "$W/node_modules_x" "$W/Build/obj" "$W/docs"
files=(src/a.c src/B.C src/a.h src/node_modules/pkg/i.js src/node_modules/top.js
	node_modules_x/keep.js Build/obj/o.o Build/log docs/READ.me docs/x.tmp top.TMP)

# run NAME ARGS...: fanwatch with ARGS on $W, the files created, the paths it reported (sorted)
run() {
	local name=$1 f
	shift
	rm -rf "${W:?}"/*
	mkdir -p "$W/src/node_modules/pkg" "$W/node_modules_x" "$W/Build/obj" "$W/docs"
	fw_start "$name" --format '%p' -e create "$@" "$W"
	args=()
	for f in "${files[@]}"; do args+=(create "$W/$f"); done
	run_wl "${args[@]}"
	fw_stop
	[[ $FWSTATUS == 0 ]] || fail "$name: exit $FWSTATUS"
	sed "s|^$W/||" "$LOG/$name.out" | sort >"$LOG/$name.got"
}
# expect NAME PATH...: exactly these
expect() {
	local name=$1
	shift
	printf '%s\n' "$@" | sort >"$LOG/$name.want"
	diff "$LOG/$name.want" "$LOG/$name.got" >&2 || fail "$name: paths differ (- wanted, + got)"
}

run re --include-regex '\.(c|h)$' --exclude-regex '/a\.h$'
expect re src/a.c
run rei --includei '\.(c|tmp)$'
expect rei src/a.c src/B.C docs/x.tmp top.TMP
# (regexes see the whole path: anchor them, the test's directory has a random name)
run I -I --include '*.c' --exclude-regex '/b\.c$'
expect I src/a.c
run Iglob -I --exclude '*.TMP' --exclude 'build'
expect Iglob src/a.c src/B.C src/a.h src/node_modules/pkg/i.js src/node_modules/top.js \
	node_modules_x/keep.js docs/READ.me
note "regexes, --includei, -I: ok"

# an excluded directory: its subtree goes with it (glob without '/', glob with '/', regex with $)
run sub1 --exclude node_modules --exclude '*.tmp'
expect sub1 src/a.c src/B.C src/a.h node_modules_x/keep.js Build/obj/o.o Build/log docs/READ.me top.TMP
run sub2 --exclude "$W/Build" --exclude-regex '/docs$'
expect sub2 src/a.c src/B.C src/a.h src/node_modules/pkg/i.js src/node_modules/top.js \
	node_modules_x/keep.js top.TMP
note "excluded directories take their subtree: ok"

# the watched PATH itself is never excluded by its own name
mkdir -p "$W/node_modules/inner"
fw_start root --format '%p' -e create --exclude node_modules --exclude-regex 'node_modules/inner' \
	"$W/node_modules"
run_wl create "$W/node_modules/f" create "$W/node_modules/inner/g"
fw_stop
[[ $(cat "$LOG/root.out") == "$W/node_modules/f" ]] || fail "root excluded by its name: $(cat "$LOG/root.out")"
rm -rf "${W:?}/node_modules"
note "the watched PATH is not excluded by its name: ok"

# pattern files: globs, re:, comments, blank lines, CRLF; '-' is standard input
printf '%s\r\n' '# sources only' '' '*.c' 're:\.h$' >"$TMP/inc"
printf '%s\n' 'node_modules' '# a comment' 're:^.*/B\.C$' >"$TMP/exc"
run files --include-from "$TMP/inc" --exclude-from - <"$TMP/exc"
expect files src/a.c src/a.h
run filesI -I --include-from "$TMP/inc"
expect filesI src/a.c src/B.C src/a.h
note "--include-from, --exclude-from: ok"

# one mark for a whole filesystem: exclusions hide, and fanwatch says so
"$FW" --filesystem --exclude node_modules -t 0.1 "$W" >/dev/null 2>"$LOG/fs.err" || fail "--filesystem: $?"
grep -q '^fanwatch: with --filesystem, exclusions only hide events' "$LOG/fs.err" ||
	fail "no word that exclusions only hide: $(cat "$LOG/fs.err")"
note "wide scopes say exclusions only hide"

u() { expect_status 2 "$@"; }
u "--include-regex: 'a\[' is not a valid regular expression: " "$FW" --include-regex 'a[' "$W"
u "--excludei: '\(x' is not a valid regular expression" "$FW" --excludei '(x' "$W"
u "--exclude-regex: empty value" "$FW" --exclude-regex '' "$W"
printf '%s\n' 'ok' 're:(' >"$TMP/bad"
u "--exclude-from $TMP/bad line 2: '\(' is not a valid regular expression" "$FW" --exclude-from "$TMP/bad" "$W"
printf '%s\n' 're:' >"$TMP/empty"
u "--include-from $TMP/empty line 1: empty pattern" "$FW" --include-from "$TMP/empty" "$W"
u "--include-from: cannot read $TMP/none: No such file" "$FW" --include-from "$TMP/none" "$W"
note "usage errors: ok"
exit 0
