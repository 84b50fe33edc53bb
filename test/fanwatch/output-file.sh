#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# -o FILE as root in a directory other users write to: an existing file
# that belongs to another user is refused (an attacker's mode-0666 file
# would otherwise receive root's event log), so is anything that is not a
# regular file (a FIFO would hang fanwatch in open() with SIGINT and
# SIGTERM blocked; a device could act on being opened), at once and with a
# clear message; an existing file of fanwatch's own user is truncated and
# made mode 0600, a new one is created mode 0600 whatever the umask.  A
# pipe as standard output is still fine.
. "${FWT_DIR:?}/lib.sh"

S=$TMP/shared
mkdir -m 1777 "$S"

# another user's file, mode 0666: refused, left as it was
setpriv --reuid 1000 --regid 1000 --clear-groups sh -c "umask 0; echo theirs >'$S/log'"
[[ $(stat -c '%u %a' "$S/log") == "1000 666" ]] || fail "setup: $(stat -c '%u %a' "$S/log")"
expect_status 1 "cannot open output file $S/log: it belongs to uid 1000, not to uid 0" \
	timeout 10 "$FW" -o "$S/log" -t 0.1 "$W"
[[ $(cat "$S/log") == theirs ]] || fail "another user's file was written to"
note "another user's file: refused"

# a FIFO: refused at once (it used to block in open(), unkillable but by SIGKILL)
mkfifo "$S/fifo"
expect_status 1 "cannot open output file $S/fifo: it is a FIFO, not a regular file" \
	timeout 10 "$FW" -o "$S/fifo" -t 0.1 "$W"
# a device: refused without being opened
mknod "$S/null" c 1 3
expect_status 1 "cannot open output file $S/null: it is a character device" \
	timeout 10 "$FW" -o "$S/null" -t 0.1 "$W"
note "FIFO and device: refused without hanging"

# our own file, mode 0644 with old content: truncated, mode 0600, same inode
echo old-content-old-content >"$S/mine"
chmod 0644 "$S/mine"
ino=$(stat -c %i "$S/mine")
timeout 10 "$FW" -o "$S/mine" -t 0.1 "$W" 2>"$LOG/mine.err" || { cat "$LOG/mine.err"; fail "own file refused"; }
[[ $(stat -c '%u %a %s' "$S/mine") == "0 600 0" ]] || fail "own file: $(stat -c '%u %a %s' "$S/mine")"
[[ $(stat -c %i "$S/mine") == "$ino" ]] || fail "own file was replaced, not truncated"
# a new file: 0600 whatever the umask
(umask 0; timeout 10 "$FW" -o "$S/new" -t 0.1 "$W" 2>/dev/null) || fail "new file refused"
[[ $(stat -c '%u %a' "$S/new") == "0 600" ]] || fail "new file: $(stat -c '%u %a' "$S/new")"
note "own and new files: mode 0600"

# a pipe as standard output still works
timeout 10 "$FW" --json -t 1 "$W" 2>"$LOG/pipe.err" | cat >"$LOG/pipe.out" &
sleep 0.5
touch "$W/through-pipe"
wait
grep -q through-pipe "$LOG/pipe.out" || fail "stdout pipe: $(cat "$LOG/pipe.err")"
note "stdout pipe: ok"
exit 0
