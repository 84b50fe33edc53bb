#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --mount widens a PATH to its mount, --filesystem to its filesystem (every
# mount of it, here a bind mount), --all to every mounted filesystem; each
# reports events outside the PATH's own tree that a plain watch does not.
. "${FWT_DIR:?}/lib.sh"

mkdir -p "$W/here" "$W/elsewhere" "$TMP/bind"
mount --bind "$W/elsewhere" "$TMP/bind"
EXTRA_MOUNTS+=("$TMP/bind")

fw_start plain --json -e open "$W/here"
FP=$FWPID
fw_start mount --json --mount "$W/here"
FM=$FWPID
fw_start fs --json --filesystem -e create,open "$W/here"
FF=$FWPID
fw_start all --json --all -e create --include "$TMP/*"
FA=$FWPID
grep -q '^fanwatch: watching [0-9]* filesystems for create' "$LOG/all.err" || fail "--all startup: $(cat "$LOG/all.err")"
run_wl create "$W/here/a" create "$W/elsewhere/b" create "$TMP/bind/c" sleep 100
kill -INT "$FP" "$FM" "$FF" "$FA"
wait "$FP" "$FM" "$FF" "$FA"

expect_json "$LOG/plain.out" --event open --path "$W/here/a" --pid "$WLPID"
expect_no_json "$LOG/plain.out" --path "$W/elsewhere/b"
# the mount holds here/ and elsewhere/, not the bind mount
expect_json "$LOG/mount.out" --event open --path "$W/here/a" --pid "$WLPID"
expect_json "$LOG/mount.out" --event open --path "$W/elsewhere/b" --pid "$WLPID"
expect_no_json "$LOG/mount.out" --path "$TMP/bind/c"
expect_no_json "$LOG/mount.out" --path "$W/elsewhere/c"
# the filesystem: all three, c too (named through the mount fanwatch knows)
expect_json "$LOG/fs.out" --event create --path "$W/here/a" --pid "$WLPID"
expect_json "$LOG/fs.out" --event create --path "$W/elsewhere/b" --pid "$WLPID"
n=$(($($FWJ count "$LOG/fs.out" --event create --path "$W/elsewhere/c") + \
	$($FWJ count "$LOG/fs.out" --event create --path "$TMP/bind/c")))
[[ $n -ge 1 ]] || fail "--filesystem missed the file created through the bind mount"
expect_json "$LOG/all.out" --event create --path "$W/here/a" --pid "$WLPID"
note "--mount, --filesystem, --all: ok"
exit 0
