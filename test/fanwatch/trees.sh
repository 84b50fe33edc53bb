#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Real workloads in a watched tree, with the default events, each checked
# against the exact set of paths it must report (a record found by reading
# a new directory counts as much as an event): cp -r, tar x and rm -rf of a
# generated tree of 5,000+ entries with hostile names; tar x, the result
# moved deeper, tar x again into it (every creation with the moved path);
# mkdir -p a/b/c/d and a file at once at the bottom; a directory moved in
# and populated; one moved out and used (no record, no mark left); two
# directories swapped (RENAME_EXCHANGE); a symbolic link where a watched
# directory was; a watched directory covered by a bind mount.
# $1: "inode" (a mark per directory, the default) or "filesystem" (--tree-marks).
. "${FWT_DIR:?}/lib.sh"

MODE=${1:-inode}
gen_tree "$TMP/src" 5000
(cd "$TMP/src" && find . -mindepth 1 -print0) >"$LOG/src.lst"
n=$(tr -cd '\0' <"$LOG/src.lst" | wc -c)
((n >= 5000)) || fail "generated $n entries"
tar cf "$TMP/src.tar" -C "$TMP/src" .
mkdir -p "$TMP/out/in/sub" "$TMP/target/etc" "$TMP/elsewhere/deep"
echo old >"$TMP/out/in/sub/old"

args=()
[[ $MODE == filesystem ]] && args=(--tree-marks filesystem)
fw_start t --json "${args[@]}" "$W"
O=$LOG/t.out

# cp -r, tar x, rm -rf
cp -r "$TMP/src" "$W/cp"
mkdir "$W/tx"
tar xf "$TMP/src.tar" -C "$W/tx"
settle 1
rm -rf "$W/cp"
settle 2
expect_set "$O" "$LOG/src.lst" . "$W/cp" --event create --under "$W/cp"
expect_set "$O" "$LOG/src.lst" . "$W/tx" --event create --under "$W/tx"
expect_set "$O" "$LOG/src.lst" . "$W/cp" --event delete --under "$W/cp"
note "cp -r, tar x, rm -rf of $n entries: every path reported"

# tar x, moved deeper, tar x again into it
mkdir -p "$W/t1" "$W/deep/er"
tar xf "$TMP/src.tar" -C "$W/t1"
mv "$W/t1" "$W/deep/er/t1"
mkdir "$W/deep/er/t1/again"
tar xf "$TMP/src.tar" -C "$W/deep/er/t1/again"
settle 3
expect_set "$O" "$LOG/src.lst" . "$W/t1" --event create --under "$W/t1"
expect_set "$O" "$LOG/src.lst" . "$W/deep/er/t1/again" --event create --under "$W/deep/er/t1/again"
note "tar x, mv deeper, tar x again: every creation with the moved path"

# mkdir -p, a file at once at the bottom; later another
mkdir -p "$W/a/b/c/d" && echo x >"$W/a/b/c/d/f"
settle 4
run_wl create "$W/a/b/c/d/g"
settle 5
printf '%s\0' ./a ./a/b ./a/b/c ./a/b/c/d ./a/b/c/d/f ./a/b/c/d/g >"$LOG/a.lst"
expect_set "$O" "$LOG/a.lst" . "$W" --event create --at-or-under "$W/a"
expect_json "$O" --event create --path "$W/a/b/c/d/g" --pid "$WLPID" --real
note "mkdir -p a/b/c/d and a file at the bottom: all of it"

# moved in, populated at once, populated later
mv "$TMP/out/in" "$W/in"
run_wl create "$W/in/sub/new"
settle 6
run_wl create "$W/in/sub/later"
settle 7
printf '%s\0' ./in/sub ./in/sub/old ./in/sub/new ./in/sub/later >"$LOG/in.lst"
expect_set "$O" "$LOG/in.lst" . "$W" --event create --under "$W/in"
expect_json "$O" --event create --path "$W/in/sub/old" --synthetic --no-pid
expect_json "$O" --event create --path "$W/in/sub/later" --pid "$WLPID" --real
note "moved in, then populated: its old content found, the new reported"

# moved out, then used: nothing reported, no mark left
mkdir -p "$W/leave/sub"
settle 7b
[[ $MODE == filesystem ]] || marked "$FWPID" "$W/leave/sub" || fail "$W/leave/sub is not marked"
mv "$W/leave" "$TMP/out/leave"
settle 8
for d in "$TMP/out/leave" "$TMP/out/leave/sub"; do
	! marked "$FWPID" "$d" || fail "$d moved out is still marked"
done
run_wl create "$TMP/out/leave/sub/x" mkdir "$TMP/out/leave/new"
settle 9
expect_no_json "$O" --under "$TMP/out/leave"
note "moved out, then used: no record, no mark"

# two directories swapped
mkdir -p "$W/x/s" "$W/y/t"
settle 10
run_wl exchange "$W/x" "$W/y" create "$W/x/t/f" create "$W/y/s/g"
settle 11
printf '%s\0' ./x/t/f ./y/s/g >"$LOG/xy.lst"
expect_set "$O" "$LOG/xy.lst" . "$W" --event create --pid "$WLPID"
note "rename-exchange: each side's paths"

# a symbolic link where a watched directory was
mkdir -p "$W/v/secrets"
settle 12
mv "$W/v" "$TMP/out/v"
ln -s "$TMP/target" "$W/v"
settle 13
run_wl create "$TMP/target/etc/x" create "$W/v/etc/y" create "$TMP/out/v/secrets/z"
settle 14
expect_no_json "$O" --under "$TMP/target"
expect_no_json "$O" --under "$W/v/etc"
expect_no_json "$O" --under "$TMP/out/v"
! marked "$FWPID" "$TMP/target/etc" || fail "$TMP/target/etc is marked"
note "a symbolic link where a watched directory was: nothing outside"

# a watched directory covered by a bind mount
mkdir -p "$W/sub"
settle 15
mount --bind "$TMP/elsewhere" "$W/sub"
EXTRA_MOUNTS+=("$W/sub")
run_wl create "$W/sub/deep/x" mkdir "$W/sub/y"
settle 16
expect_no_json "$O" --under "$W/sub"
! marked "$FWPID" "$TMP/elsewhere/deep" || fail "the bind-mounted tree is marked"
note "a watched directory covered by a bind mount: not entered"

fw_stop
[[ $FWSTATUS == 0 ]] || fail "exit $FWSTATUS"
$FWJ valid "$O" >/dev/null
[[ $($FWJ count "$O" --partial) == 0 ]] || fail "partial paths reported"
note "$MODE marks: $(tail -1 "$LOG/t.err")"
exit 0
