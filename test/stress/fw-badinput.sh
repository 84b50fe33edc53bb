#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad input that test/fanwatch/badinput.sh does not try: every option
# that takes a value given an empty, negative, out-of-range, malformed or
# oversized one, or none at the end of the line; PATHs that are empty, too
# long, dangling symlinks, FIFOs, sockets, devices, or on filesystems that
# refuse marks (/proc and /sys with a FID group: EOPNOTSUPP); commands
# that cannot run; output that fails on the first write (/dev/full as
# standard output; as -o it is refused: not a regular file) or -o files that
# are dangling symlinks.  Each gets its exit status (2 usage, 1 runtime,
# 126/127 command, 0 accepted) and, for errors, a message naming the
# problem; nothing crashes (a crash is neither of those statuses) and
# nothing hangs (each run is bounded by timeout(1): 124 fails).
. "${FWT_DIR:?}/lib.sh"

CASES=0
# bad STATUS REGEX ARGS...: fanwatch ARGS exits STATUS with a stderr line matching REGEX.
bad() {
	local want=$1 re=$2
	shift 2
	expect_status "$want" "$re" timeout 20 "$FW" "$@"
	CASES=$((CASES + 1))
}
# ok ARGS...: accepted; runs and stops by itself (-t 0.1) with status 0.
ok() {
	local st=0
	timeout 20 "$FW" -t 0.1 "$@" >"$LOG/ok.out" 2>"$LOG/ok.err" </dev/null || st=$?
	[[ $st == 0 ]] || fail "'$*' exited $st: $(cat "$LOG/ok.err")"
	grep -q '^fanwatch: watching ' "$LOG/ok.err" || fail "'$*': no startup line"
	CASES=$((CASES + 1))
}
u() { bad 2 "$@"; }

# values out of range, empty, malformed, oversized
u "output: empty file name" -o '' "$W"
u "top: 'abc' is not a positive integer" --count --top abc "$W"
u "top: '-1' is not a positive integer" --count --top -1 "$W"
u "top: '' is not a positive integer" --count --top '' "$W"
u "top: '1000001' is not an integer between 1 and 1000000" --count --top 1000001 "$W"
u "pid: '-5' is not a positive integer" --pid -5 "$W"
u "pid: '' is not a positive integer" --pid '' "$W"
u "pid: '\+5' is not a positive integer" --pid +5 "$W"
u "pid: '2147483648' is not an integer between 1 and 2147483647" --pid 2147483648 "$W"
u "max-events: '' is not a positive integer" -n '' "$W"
u "max-events: '1e3' is not an integer" -n 1e3 "$W"
u "timeout: '' is not a number" -t '' "$W"
u "timeout: '1e10' is not a number" -t 1e10 "$W"
u "timeout: '-0' is not a number" -t -0 "$W"
# (event names are taken in any case, as inotifywait prints them: CLOSE_WRITE; i15)
u "unknown event 'OPENED'" -e OPENED "$W"
u "unknown event ' open'" -e ' open' "$W"
u "unknown event 'open '" -e 'open ,create' "$W"
u 'unknown event .*' -e $'\xff\n' "$W"
u "unknown event 'xxxx" -e "$(printf 'x%.0s' {1..100000})" "$W"
u "deny-errno: '' is not one of" --deny x --deny-errno '' "$W"
u "deny-errno: 'EPERM,EIO' is not one of" --deny x --deny-errno EPERM,EIO "$W"
u "comm: '0123456789abcdef' is longer than 15 bytes" --comm 0123456789abcdef "$W"
# a value missing at the end of the line, for every option that needs one
for o in -o --output -e --events -t -n --max-events -p --pid --comm --include --exclude \
	--deny --deny-errno --top; do
	u "option '$o' is unknown or needs a value" "$W" "$o"
done
u "option '-x' is unknown" -jx "$W"
u "option '--bogus' is unknown" --bogus --version
note "usage errors: $CASES cases, exit 2 with a message"

# PATHs
u 'cannot watch "": No such file or directory' ''
u 'File name too long' "$W/$(printf 'n%.0s' {1..300})"
long=$W
for _ in {1..25}; do long+=/$(printf 'y%.0s' {1..200}); done
u 'cannot watch /.*: (File name too long|No such file or directory)$' "$long"
ln -s "$TMP/nowhere" "$TMP/dangling"
u "cannot watch $TMP/dangling: No such file or directory" "$TMP/dangling"
u "cannot watch $TMP/nodir/x: No such file or directory" "$TMP/nodir/x"
bad 1 'cannot watch the filesystem of /proc: Operation not supported' --filesystem /proc
bad 1 'cannot watch the mount of /proc: Operation not supported' --mount /proc
bad 1 'cannot watch errors of the filesystem of /proc: Operation not supported' --errors /proc
bad 1 'cannot watch the filesystem of /sys: Operation not supported' --filesystem /sys
# watched as files: a FIFO, a socket, a device node; a symlink to a directory is followed
mkfifo "$W/fifo"
python3 -c "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])" "$W/sock"
ok "$W/fifo"
ok "$W/sock"
ok /dev/null
ln -s "$W" "$TMP/wlink"
ok "$TMP/wlink"
ok "$W" "$W" "$W/fifo"	# the same PATH twice
ok --deny '[' --include '[' --exclude '[' "$W"	# a glob that is not one: literal
ok -e create,create,create -j -j --pid 1 --pid 1 "$W"
# --deny on a directory holding a FIFO: the open of a FIFO never waits for the listener
fw_start fifo --deny '*' -e open "$W"
timeout 10 cat "$W/fifo" >/dev/null &
C=$!
sleep 0.2
timeout 10 sh -c "echo x >'$W/fifo'" || fail "writing the FIFO under --deny hung or failed"
wait "$C" || fail "reading the FIFO under --deny hung or failed"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "--deny with a FIFO: exit $FWSTATUS"
CASES=$((CASES + 1))
note "PATHs: ok"

# commands that cannot run
bad 127 'cannot run /nonexistent-command: No such file' "$W" -- /nonexistent-command
bad 126 "cannot run $W/fifo: Permission denied" "$W" -- "$W/fifo"
bad 126 "cannot run $W: Permission denied" "$W" -- "$W"
printf 'x' >"$TMP/noexec"
chmod 644 "$TMP/noexec"
bad 126 "cannot run $TMP/noexec: Permission denied" "$W" -- "$TMP/noexec"

# output: the first write fails; a dangling symlink is refused and nothing is created
mkdir "$W/o"
( sleep 0.5; "$WL" create "$W/o/x" >/dev/null ) &
# (-o takes only a regular file now: /dev/full as standard output, and refused as -o)
st=0
timeout 20 "$FW" -t 5 "$W/o" >/dev/full 2>"$LOG/full.err" || st=$?
[[ $st == 1 ]] || fail "stdout /dev/full: exit $st"
grep -q 'cannot write output: No space left on device' "$LOG/full.err" || fail "stdout /dev/full: $(cat "$LOG/full.err")"
CASES=$((CASES + 1))
wait
bad 1 'cannot open output file /dev/full: it is a character device' -o /dev/full -t 5 "$W/o"
ln -s "$TMP/created-through-link" "$TMP/dangling-out"
bad 1 'is a symbolic link .*--follow-output-symlink' -o "$TMP/dangling-out" "$W"
[[ -e $TMP/created-through-link ]] && fail "-o created the target of a dangling symlink"
note "bad input: $CASES cases, each with its status and message, no crash, no hang"
exit 0
