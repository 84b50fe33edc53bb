#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# dev and ino in JSON and --format are the file's own (stat), on tmpfs and
# ext4 (read out of the file handle: also for a file deleted before the
# event is read), xfs (FILEID_INO64_GEN) and btrfs (neither: the handle is
# opened); a directory's own event has the directory's; what is unknown is
# absent (JSON) or '-' (--format), never wrong.
. "${FWT_DIR:?}/lib.sh"

# private_fs TYPE DIR SIZE: a loop-mounted TYPE image on DIR (skips the type without mkfs)
private_fs() {
	command -v "mkfs.$1" >/dev/null || { note "mkfs.$1 is not installed: $1 not checked"; return 1; }
	truncate -s "$3" "$TMP/$1.img"
	"mkfs.$1" -q -f "$TMP/$1.img" >/dev/null 2>&1 || "mkfs.$1" -q -F "$TMP/$1.img" >/dev/null 2>&1 ||
		fail "mkfs.$1 failed"
	mkdir -p "$2"
	mount -o loop "$TMP/$1.img" "$2" 2>/dev/null || { note "cannot mount $1: not checked"; return 1; }
	EXTRA_MOUNTS+=("$2")
}

# check DIR NAME: files in DIR (its own filesystem) against stat
check() {
	local d=$1 fs=$2 f line want
	mkdir "$d/w"
	echo kept >"$d/w/kept"
	fw_start "$fs" --format '%e %{dev} %{ino} %p' -e open,close_write "$d/w"
	FF=$FWPID
	fw_start "$fs-json" --json -e open,close_write "$d/w"
	FJ=$FWPID
	run_wl write "$d/w/a" x write "$d/w/kept" y
	ls "$d/w" >/dev/null
	# a file deleted before fanwatch reads its events: both stopped meanwhile
	freeze "$FF"
	freeze "$FJ"
	run_wl write "$d/w/gone" z
	gone_ino=$(stat -c %i "$d/w/gone")
	rm "$d/w/gone"
	kill -CONT "$FF" "$FJ"
	kill -INT "$FF" "$FJ"
	wait "$FF" "$FJ" || fail "$fs: fanwatch exited $?"
	dev=$(stat -c '%Hd:%Ld' "$d/w")
	for f in a kept; do
		# (open and close_write are one record when read together)
		want="$dev $(stat -c %i "$d/w/$f") $d/w/$f"
		grep -qE "^open(,close_write)? " <(grep -F " $want" "$LOG/$fs.out") ||
			fail "$fs: no 'open $want' in $(cat "$LOG/$fs.out")"
		python3 - "$LOG/$fs-json.out" "$d/w/$f" "$dev" "$(stat -c %i "$d/w/$f")" <<'PY' ||
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
r = [r for r in recs if r["path"] == sys.argv[2] and "open" in r["events"]]
assert r and all(x.get("dev") == sys.argv[3] and x.get("ino") == int(sys.argv[4]) for x in r), r
PY
			fail "$fs: JSON dev/ino of $f"
	done
	want="open $dev $(stat -c %i "$d/w") $d/w"
	grep -qxF "$want" "$LOG/$fs.out" || fail "$fs: the directory's own event: no '$want'"
	# nothing wrong, ever: every ino shown is the one of its path (or of the deleted file)
	while read -r ev dv ino path; do
		[[ $dv == "$dev" ]] || fail "$fs: dev $dv for $path"
		[[ $ino == - || $path == "$d/w/gone" || $ino == "$(stat -c %i "$path")" ]] ||
			fail "$fs: ino $ino for $path"
		[[ $path != "$d/w/gone" || $ino == - || $ino == "$gone_ino" ]] ||
			fail "$fs: ino $ino for the deleted file, $gone_ino expected"
	done <"$LOG/$fs.out"
	GONE=$(awk -v p="$d/w/gone" '$4 == p && $1 ~ /open/ { print $3 }' "$LOG/$fs.out")
}

check "$W" tmpfs
[[ $GONE == "$gone_ino" ]] || fail "tmpfs: deleted file: ino '$GONE', want $gone_ino"
note "tmpfs: dev and ino from the handle, a deleted file's too"
if private_fs ext4 "$TMP/ext4" 64M; then
	check "$TMP/ext4" ext4
	[[ $GONE == "$gone_ino" ]] || fail "ext4: deleted file: ino '$GONE', want $gone_ino"
	note "ext4: dev and ino from the handle, a deleted file's too"
fi
if private_fs xfs "$TMP/xfs" 320M; then
	check "$TMP/xfs" xfs
	[[ $GONE == "$gone_ino" ]] || fail "xfs: deleted file: ino '$GONE', want $gone_ino"
	note "xfs: dev and ino from the handle (64-bit), a deleted file's too"
fi
if private_fs btrfs "$TMP/btrfs" 128M; then
	check "$TMP/btrfs" btrfs
	note "btrfs: dev and ino by opening the handle (deleted file: ${GONE:-unknown})"
fi
exit 0
