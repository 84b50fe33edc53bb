#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Bad input: every option with a wrong value, a missing path, options that
# exclude each other: exit 2 and a message naming the problem; an output
# file that cannot be written: exit 1; -o never follows a symlink (the file
# or a directory above it) unless --follow-output-symlink.  Nothing crashes
# (a crash is not 1 or 2).
. "${FWT_DIR:?}/lib.sh"

u() { expect_status 2 "$@"; }
u "unknown event 'bogus'" "$FW" -e bogus "$W"
u 'valid events: .*close_write' "$FW" -e open,bogus "$W"
u 'empty event name' "$FW" -e open,,close "$W"
u 'empty event name' "$FW" -e '' "$W"
u 'empty event name' "$FW" -e open, "$W"
u "unknown event 'overflow'" "$FW" -e overflow "$W"
u "timeout: 'abc'" "$FW" -t abc "$W"
u 'timeout: .-1.' "$FW" -t -1 "$W"
u 'timeout: .0.' "$FW" -t 0 "$W"
u 'timeout: .nan.' "$FW" -t nan "$W"
u 'timeout: .inf.' "$FW" -t inf "$W"
u 'timeout: .1s.' "$FW" -t 1s "$W"
u "max-events: '0'" "$FW" -n 0 "$W"
u "max-events: '-3'" "$FW" -n -3 "$W"
u "max-events: '5x'" "$FW" -n 5x "$W"
u "max-events: '99999999999999999999999'" "$FW" -n 99999999999999999999999 "$W"
u "pid: '0'" "$FW" --pid 0 "$W"
u "pid: 'x'" "$FW" --pid x "$W"
u "pid: '9999999999'" "$FW" --pid 9999999999 "$W"
u 'comm: empty' "$FW" --comm '' "$W"
u 'longer than 15 bytes' "$FW" --comm 0123456789abcdefg "$W"
u 'include: empty' "$FW" --include '' "$W"
u 'exclude: empty' "$FW" --exclude '' "$W"
u 'deny: empty' "$FW" --deny '' "$W"
u "deny-errno: 'ENOENT' is not one of" "$FW" --deny x --deny-errno ENOENT "$W"
u 'deny-errno needs --deny' "$FW" --deny-errno EIO "$W"
u "top: '0'" "$FW" --count --top 0 "$W"
u 'top needs --count' "$FW" --top 3 "$W"
u 'exclude each other' "$FW" --mount --filesystem "$W"
u 'exclude each other' "$FW" --all --mount
u 'all takes no PATH' "$FW" --all "$W"
u 'deny with --all is refused' "$FW" --all --deny x
u 'use --filesystem' "$FW" --mount -e create "$W"
u "option '--bogus' is unknown" "$FW" --bogus "$W"
u "option '-q' is unknown" "$FW" -q "$W"
u "option '-e' is unknown or needs a value" "$FW" -e
u "option '--timeout' is unknown or needs a value" "$FW" "$W" --timeout
u "'--' must be followed by a COMMAND" "$FW" "$W" --
u "cannot watch $W/missing: No such file" "$FW" "$W/missing"
touch "$TMP/file"
u "cannot watch $TMP/file/x: Not a directory" "$FW" "$TMP/file/x"
note "usage errors: exit 2 with a message"

# output file problems: exit 1
expect_status 1 "cannot open output file $TMP/nodir/out: No such file" "$FW" -o "$TMP/nodir/out" "$W"
mkdir "$TMP/ro"
mount -t tmpfs -o ro ro "$TMP/ro"
EXTRA_MOUNTS+=("$TMP/ro")
expect_status 1 'Read-only file system' "$FW" -o "$TMP/ro/out" "$W"
expect_status 1 'cannot open output file .*: Is a directory' "$FW" -o "$TMP" "$W"
echo precious >"$TMP/target"
ln -s "$TMP/target" "$TMP/link"
expect_status 1 'is a symbolic link .*--follow-output-symlink' "$FW" -o "$TMP/link" "$W"
[[ $(cat "$TMP/target") == precious ]] || fail "the symlink's target was truncated"
"$FW" -o "$TMP/link" --follow-output-symlink -t 0.1 "$W" 2>/dev/null || fail "--follow-output-symlink refused"
[[ ! -s $TMP/target ]] || fail "--follow-output-symlink did not write through the link"
# a symlink on a directory above the file is not followed either
mkdir "$TMP/real"
ln -s "$TMP/real" "$TMP/linkdir"
expect_status 1 'directory on its path, is a symbolic link .*--follow-output-symlink' \
	"$FW" -o "$TMP/linkdir/out" "$W"
[[ ! -e $TMP/real/out ]] || fail "-o went through a symlinked directory"
"$FW" -o "$TMP/linkdir/out" --follow-output-symlink -t 0.1 "$W" 2>/dev/null ||
	fail "--follow-output-symlink refused a symlinked directory"
[[ -e $TMP/real/out ]] || fail "--follow-output-symlink did not write through the directory link"
"$FW" -o "$TMP/new.log" -t 0.1 "$W" 2>/dev/null
[[ $(stat -c %a "$TMP/new.log") == 600 ]] || fail "output file mode $(stat -c %a "$TMP/new.log"), expected 600"
note "output files: ok"
exit 0
