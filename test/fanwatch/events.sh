#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every event type fanwatch reports appears with the right path and the pid
# of the process that caused it; rename gives the old and the new path.
# Before Linux 5.17 a rename is two records, moved_from and moved_to, and
# fanwatch says so; before 5.16 --errors is refused naming the release.
. "${FWT_DIR:?}/lib.sh"

ALL=access,modify,attrib,open,open_exec,close_write,close_nowrite,create,delete,moved_from,moved_to,rename,delete_self,move_self
mkdir "$W/d" "$W/m"
cp /bin/true "$W/prog"

fw_start ev --json -e "$ALL" "$W"
run_wl create "$W/a" write "$W/a" hello read "$W/a" chmod "$W/a" rename "$W/a" "$W/b" \
	rename "$W/b" "$W/d/b" unlink "$W/d/b" rename "$W/m" "$W/m2" rmdir "$W/d"
P=$WLPID
"$WL" exec "$W/prog" >"$LOG/exec.out"
XP=$(sed -n 's/^pid //p' "$LOG/exec.out")
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS"
O=$LOG/ev.out
$FWJ valid "$O" >/dev/null

expect_json "$O" --event create --path "$W/a" --pid "$P"
expect_json "$O" --event open --path "$W/a" --pid "$P"
expect_json "$O" --event modify --path "$W/a" --pid "$P"
expect_json "$O" --event close_write --path "$W/a" --pid "$P"
expect_json "$O" --event access --path "$W/a" --pid "$P"
expect_json "$O" --event close_nowrite --path "$W/a" --pid "$P"
expect_json "$O" --event attrib --path "$W/a" --pid "$P"
expect_json "$O" --event moved_from --path "$W/a" --pid "$P"
expect_json "$O" --event moved_to --path "$W/b" --pid "$P"
if kernel_has 5.17; then
	expect_json "$O" --event rename --path "$W/a" --new-path "$W/b" --pid "$P"
	expect_json "$O" --event rename --path "$W/b" --new-path "$W/d/b" --pid "$P"
	expect_json "$O" --event rename --path "$W/m" --new-path "$W/m2" --pid "$P" --dir
else
	grep -Eq "$NOTE_NO_RENAME" "$LOG/ev.err" || fail "no word of renames as two records"
	expect_no_json "$O" --event rename
	expect_json "$O" --event moved_from --path "$W/b" --pid "$P"
	expect_json "$O" --event moved_to --path "$W/d/b" --pid "$P"
	expect_json "$O" --event moved_from --path "$W/m" --pid "$P" --dir
	expect_json "$O" --event moved_to --path "$W/m2" --pid "$P" --dir
	note "Linux $(kernel_release): renames as moved_from + moved_to, said on stderr"
fi
if ! kernel_has 5.15; then
	grep -Eq "$NOTE_NO_PIDFD" "$LOG/ev.err" || fail "no word of unchecked process names"
fi
expect_json "$O" --event delete --path "$W/d/b" --pid "$P"
# self events of a marked directory: moved (its new name once the rename is seen), deleted
n=$(($($FWJ count "$O" --event move_self --path "$W/m" --pid "$P") + \
	$($FWJ count "$O" --event move_self --path "$W/m2" --pid "$P")))
[[ $n -ge 1 ]] || fail "no move_self for $W/m"
expect_json "$O" --event delete_self --path "$W/d" --pid "$P"
expect_json "$O" --event delete --path "$W/d" --pid "$P" --dir
expect_json "$O" --event open_exec --path "$W/prog" --pid "$XP"
# the comm and exe of a live process come along
expect_json "$O" --event open_exec --path "$W/prog" --pid "$XP"
note "file events: ok ($($FWJ count "$O") records)"

# A file PATH: events of that file only.
echo x >"$W/single"
echo y >"$W/other"
fw_start file --json -e modify,open,delete_self "$W/single"
run_wl write "$W/single" z write "$W/other" z unlink "$W/single"
fw_stop
expect_json "$LOG/file.out" --event modify --path "$W/single" --pid "$WLPID"
expect_json "$LOG/file.out" --event delete_self --path "$W/single" --pid "$WLPID"
expect_no_json "$LOG/file.out" --path "$W/other"
note "file PATH: ok"

# mount and umount (--mounts, Linux 6.15), with the pid of mount(8); the
# umount of a mount older than fanwatch has its path too.
mkdir "$W/mnt" "$W/old"
if "$FW" --mounts -t 0.01 >/dev/null 2>"$LOG/probe.err"; then
	mount -t tmpfs fwold "$W/old"
	EXTRA_MOUNTS+=("$W/old")
	fw_start mounts --json --mounts
	sh -c 'echo $$ >"$0"; exec mount -t tmpfs fwtest "$1"' "$LOG/mpid" "$W/mnt"
	sleep 0.3	# a mount point is looked up when the event is read: keep it till then
	sh -c 'echo $$ >"$0"; exec umount "$1"' "$LOG/upid" "$W/mnt"
	sh -c 'echo $$ >"$0"; exec umount "$1"' "$LOG/opid" "$W/old"
	fw_stop
	expect_json "$LOG/mounts.out" --event umount --path "$W/old" --pid "$(cat "$LOG/opid")"
	[[ -s $LOG/mounts.out ]] || fail "no mount events: $(cat "$LOG/mounts.err"; grep -c . /proc/self/mountinfo)"
	expect_json "$LOG/mounts.out" --event mount --path "$W/mnt" --pid "$(cat "$LOG/mpid")"
	expect_json "$LOG/mounts.out" --event umount --path "$W/mnt" --pid "$(cat "$LOG/upid")"
	grep -q '"mount_id":[0-9]' "$LOG/mounts.out" || fail "no mount_id"
	note "mount events: ok"
elif kernel_has 6.15; then
	fail "--mounts refused on Linux $(kernel_release): $(cat "$LOG/probe.err")"
else
	grep -q 'mount and umount events need Linux 6\.15' "$LOG/probe.err" ||
		fail "--mounts on Linux $(kernel_release): $(cat "$LOG/probe.err")"
	note "mount events: refused on Linux $(kernel_release), naming 6.15"
fi

# fs_error (--errors, Linux 5.16): an ext4 forced into its error path.
private_ext4 "$TMP/ext4"
if ! kernel_has 5.16; then
	expect_status 1 "'fs_error' event \(it needs Linux 5\.16\)" "$FW" --errors "$TMP/ext4"
	note "fs_error: refused on Linux $(kernel_release), naming 5.16"
	exit 0
fi
mkdir "$TMP/ext4/x"
fw_start err --json --errors "$TMP/ext4"
sh -c 'echo $$ >"$0"; exec mount -o remount,abort "$1"' "$LOG/apid" "$TMP/ext4"
fw_stop
expect_json "$LOG/err.out" --event fs_error --path "$TMP/ext4"
grep -q '"error":[0-9]*,"error_name":"[A-Z]*","error_count":[1-9]' "$LOG/err.out" ||
	fail "fs_error without error and error_count: $(cat "$LOG/err.out")"
note "fs_error: ok"
exit 0
