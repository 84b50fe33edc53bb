#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A directory PATH is its whole subtree, including directories created or
# moved in while fanwatch runs (what they already hold is reported as
# synthetic creates); a directory moved out is no longer reported; mount
# points below a PATH are not entered.  Before Linux 5.17 (no rename event,
# fanwatch says so) a directory moved in is reported as moved_to, watched
# from then on and what it held reported as found; one moved out as
# moved_from.
. "${FWT_DIR:?}/lib.sh"

mkdir -p "$TMP/outside/in/sub" "$W/leaving/sub" "$W/mnt"
echo x >"$TMP/outside/in/sub/old"
mount -t tmpfs other "$W/mnt"
EXTRA_MOUNTS+=("$W/mnt")

fw_start rec --json -e create,modify,close_write,rename "$W"
mkdir -p "$W/a/b/c"
touch "$W/a/b/c/f"
mv "$TMP/outside/in" "$W/in"
mv "$W/leaving" "$TMP/outside/left"
sleep 0.5	# fanwatch marks the new directories
run_wl write "$W/a/b/c/g" data write "$W/in/sub/new" data write "$TMP/outside/left/sub/x" data \
	write "$W/mnt/x" data
fw_stop
O=$LOG/rec.out
$FWJ valid "$O" >/dev/null
expect_json "$O" --event create --path "$W/a" --dir
[[ $($FWJ count "$O" --event create --path "$W/a/b/c/f") -ge 1 ]] || fail "a/b/c/f not reported"
expect_json "$O" --event create --path "$W/a/b/c" --dir
expect_json "$O" --event create --path "$W/a/b/c/g" --pid "$WLPID"
expect_json "$O" --event close_write --path "$W/a/b/c/g" --pid "$WLPID"
if kernel_has 5.17; then
# the kernel names only the watched side of a rename: the old path is unknown (null)
n=$(python3 - "$O" "$W/in" <<'PY'
import json, sys
print(sum(1 for l in open(sys.argv[1]) for r in [json.loads(l)]
          if "rename" in r["events"] and r["path"] is None and r.get("new_path") == sys.argv[2]))
PY
)
[[ $n == 1 ]] || fail "rename into the tree: expected path null, new_path $W/in"
expect_json "$O" --event create --path "$W/in/sub/old" --synthetic --no-pid
expect_json "$O" --event create --path "$W/in/sub/new" --pid "$WLPID"
n=$(python3 - "$O" "$W/leaving" <<'PY'
import json, sys
print(sum(1 for l in open(sys.argv[1]) for r in [json.loads(l)]
          if "rename" in r["events"] and r["path"] == sys.argv[2] and r["new_path"] is None
          and r.get("dir")))
PY
)
[[ $n == 1 ]] || fail "rename out of the tree: expected path $W/leaving, new_path null"
else
	grep -Eq "$NOTE_NO_RENAME" "$LOG/rec.err" || fail "no word of moves before 5.17: $(cat "$LOG/rec.err")"
	expect_json "$O" --event moved_to --path "$W/in" --dir
	expect_json "$O" --event create --path "$W/in/sub" --dir --synthetic --no-pid
	expect_json "$O" --event create --path "$W/in/sub/old" --synthetic --no-pid
	expect_json "$O" --event create --path "$W/in/sub/new" --pid "$WLPID"
	expect_json "$O" --event moved_from --path "$W/leaving" --dir
	expect_no_json "$O" --event rename
	note "Linux $(kernel_release): moves in and out as moved_to and moved_from"
fi
expect_no_json "$O" --under "$TMP/outside/left"
expect_no_json "$O" --under "$W/leaving"
expect_no_json "$O" --under "$W/mnt"
grep -q '(3 directories)' "$LOG/rec.err" || fail "startup: $(head -1 "$LOG/rec.err")"
note "recursion: new, moved-in and moved-out directories ok; mount point not entered"

# The watched directory itself removed: reported, said on stderr, fanwatch goes on.
mkdir -p "$TMP/gone/sub"
fw_start gone --json -e delete,delete_self "$TMP/gone"
rm -rf "$TMP/gone"
sleep 0.3
kill -0 "$FWPID" || fail "fanwatch ended when its directory was removed"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "exit $FWSTATUS after its directory was removed"
expect_json "$LOG/gone.out" --event delete_self --path "$TMP/gone" --dir
expect_json "$LOG/gone.out" --event delete --path "$TMP/gone/sub" --dir
grep -q "watched directory $TMP/gone was deleted" "$LOG/gone.err" || fail "no message: $(cat "$LOG/gone.err")"
note "watched directory removed: reported"
exit 0
