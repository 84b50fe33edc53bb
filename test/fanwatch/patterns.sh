#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Path patterns: --include-regex/--exclude-regex (POSIX extended, the whole
# path), --includei/--excludei and -I (case), --include-from/--exclude-from
# (globs, "re:", comments, CRLF, standard input); an excluded directory
# takes its subtree with it, but never the watched PATH itself; the exact
# set of paths each time.  Excluded directories are not marked (fdinfo),
# also when created or renamed later; with --deny or one filesystem mark
# exclusions only hide, and fanwatch says so.  Bad patterns and files are
# usage errors.
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

# ---- pruning: an excluded directory is not marked, nor anything below it ----
# (fdinfo: the marks of fanwatch's groups; a change is waited for, 30 s at most)
rm -rf "${W:?}"/*
mkdir -p "$W/keep/sub" "$W/cache/a/b" "$W/x/cache" "$W/re/skipme/deep"
# wait_marks WANT PATH...: each PATH marked (WANT 1) or not (WANT 0), once fanwatch caught up
wait_marks() {
	local want=$1 p i ok
	shift
	for ((i = 0; i < 1200; i++)); do
		ok=1
		for p in "$@"; do
			if marked "$FWPID" "$p"; then [[ $want == 1 ]] || ok=0
			else [[ $want == 0 ]] || ok=0; fi
		done
		((ok)) && return 0
		sleep 0.025
	done
	for p in "$@"; do marked "$FWPID" "$p" && echo "marked: $p" >&2 || echo "not marked: $p" >&2; done
	fail "prune: marks not as wanted ($want) within 30 s"
}
fw_start prune --json -e create --exclude cache --exclude-regex '/skipme$' "$W"
wait_marks 1 "$W" "$W/keep" "$W/keep/sub" "$W/x" "$W/re"
wait_marks 0 "$W/cache" "$W/cache/a" "$W/cache/a/b" "$W/x/cache" "$W/re/skipme" "$W/re/skipme/deep"
# created after the start: the same rules
mkdir -p "$W/keep/new/cache/in" "$W/keep/new/ok"
wait_marks 1 "$W/keep/new" "$W/keep/new/ok"
wait_marks 0 "$W/keep/new/cache" "$W/keep/new/cache/in"
# renamed to an excluded name: unmarked with its subtree; out of one: marked with its subtree
mv "$W/keep/sub" "$W/keep/cache"
mv "$W/cache" "$W/opened"
wait_marks 0 "$W/keep/cache"
wait_marks 1 "$W/opened" "$W/opened/a" "$W/opened/a/b"
mkdir "$W/opened/a/b/c"
settle prune
"$WL" create "$W/keep/cache/hidden" create "$W/opened/a/b/c/seen" >/dev/null
settle prune2
fw_stop
[[ $FWSTATUS == 0 ]] || fail "prune: exit $FWSTATUS"
grep -qF "\"$W/opened/a/b/c/seen\"" "$LOG/prune.out" || fail "prune: a directory moved out of an exclusion is not followed"
grep -qF "/keep/cache/hidden" "$LOG/prune.out" && fail "prune: an excluded directory reported: $(grep hidden "$LOG/prune.out")"
grep -q 'exclusions only hide' "$LOG/prune.err" && fail "prune: $(cat "$LOG/prune.err")"
# --deny needs every directory marked: exclusions only hide then, and fanwatch says so
fw_start pruneD --exclude cache --deny '*.never' "$W"
wait_marks 1 "$W/keep/cache" "$W/x/cache"
fw_stop
grep -q '^fanwatch: with --deny, exclusions only hide events' "$LOG/pruneD.err" ||
	fail "--deny: no word that exclusions only hide: $(cat "$LOG/pruneD.err")"
rm -rf "${W:?}"/*
note "excluded directories are not marked (fdinfo), created, renamed in and out: ok"

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
