#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --options-from FILE: one option per line (long or short, "--" optional,
# the value after blanks or '=', in double quotes with escapes), comments,
# blank lines, PATHs ("path P" or a line starting with '/'); applied where
# --options-from stands, so later options override; the shipped example
# parses; every bad line exits 2 naming the file and the line; a file
# another user could write is refused.
. "${FWT_DIR:?}/lib.sh"
. "${SVC_DIR:?}/svc.sh"

F=$TMP/opts.conf
mkdir "$W/a" "$W/b" "$W/c"

# ---- a good file runs as its options say ----
cat >"$F" <<EOF
# a comment, then a blank line

   # an indented comment
json
--events create,delete
exclude=*.tmp
-o $LOG/good.jsonl
include = "*"
deny "s p*.key"
path $W/a
$W/b
EOF
echo x >"$W/a/s p.key"
fw_start good --options-from "$F" "$W/c"
grep -q "^fanwatch: watching 3 paths .* for create,delete; denying open" "$LOG/good.err" ||
	fail "startup: $(cat "$LOG/good.err")"
run_wl create "$W/a/one" create "$W/b/two" create "$W/c/three" create "$W/a/skip.tmp" \
	tryopen "$W/a/s p.key"
fw_stop
grep -qx "tryopen $W/a/s p.key EPERM" "$LOG/wl.out" || fail "the quoted --deny glob: $(cat "$LOG/wl.out")"
O=$LOG/good.jsonl
for p in a/one b/two c/three; do expect_json "$O" --event create --path "$W/$p"; done
expect_no_json "$O" --path "$W/a/skip.tmp"
[[ -s $LOG/good.out ]] && fail "-o from the file was not used: $(head -2 "$LOG/good.out")"
note "a file with every form of line: ok"

# ---- later options override, escapes, the example parses ----
printf 'output %s\ntimeout 0.2\n' "$LOG/first.jsonl" >"$F"
"$FW" --json --options-from "$F" -o "$LOG/second.jsonl" "$W" 2>"$LOG/ov.err" || fail "override: $(cat "$LOG/ov.err")"
[[ -e $LOG/second.jsonl && ! -e $LOG/first.jsonl ]] || fail "-o after --options-from did not override"
printf 'deny "\\x2a.k\\"e\\\\y\\t"\n' >"$F"
"$FW" --options-from "$F" --deny-errno EPERM -t 0.1 "$W" 2>"$LOG/esc.err" || fail "escapes: $(cat "$LOG/esc.err")"
if [[ -n ${FANWATCH_EXAMPLE_CONF:-} ]]; then
	install -m 0644 "$FANWATCH_EXAMPLE_CONF" "$TMP/example.conf"
	sed -i "s|^/srv\$|$W|" "$TMP/example.conf"
	grep -qx "$W" "$TMP/example.conf" || fail "the example no longer watches /srv"
	# every line parsed; then --journal finds no journald (none in this namespace)
	mount -t tmpfs tmpfs /run
	EXTRA_MOUNTS+=(/run)
	expect_status 1 '^fanwatch: --journal: journald is not running' "$FW" --options-from "$TMP/example.conf"
	note "the shipped example parses"
fi
note "override, escapes: ok"

# ---- bad lines: exit 2, the file and the line named ----
bad() {
	local line=$1 re=$2
	printf '# line 1\n\n%s\njson\n' "$line" >"$F"
	expect_status 2 "^fanwatch: $F:3: $re" "$FW" --options-from "$F" "$W"
}
bad 'frobnicate' "unknown option 'frobnicate'"
bad '--frobnicate=1' "unknown option 'frobnicate'"
bad '-Z' "unknown option '-Z'"
bad 'json yes' "option 'json' takes no value"
bad 'output' "option 'output' needs a value"
bad 'output=' '--output: empty file name'
bad 'timeout soon' "--timeout: 'soon' is not a number of seconds"
bad 'events create,bogus' "--events: unknown event 'bogus'"
bad 'deny "unclosed' "no closing '\"'"
bad 'deny "x" y' "text after the closing '\"'"
bad 'deny "\q"' "unknown escape"
bad 'deny "\x4"' "'\\\\x' needs two hex digits"
bad 'deny "a\x00b"' 'a value cannot hold'
bad '-ecreate' 'a short option takes its value after a blank'
bad "options-from $F" 'options-from in an options file: files do not nest'
bad 'path' "'path' needs a PATH"
bad '--' 'no option name'
note "bad lines: exit 2 with FILE:LINE"

# ---- files that cannot be used ----
expect_status 2 "--options-from: cannot open $TMP/none: No such file" "$FW" --options-from "$TMP/none" "$W"
expect_status 2 "--options-from: $TMP is not a regular file" "$FW" --options-from "$TMP" "$W"
printf 'json\n' >"$F"
chmod 0664 "$F"
expect_status 2 'may be written by another user .*mode 0664' "$FW" --options-from "$F" "$W"
chmod 0644 "$F"
chown 1000 "$F"
expect_status 2 'may be written by another user \(owner uid 1000' "$FW" --options-from "$F" "$W"
chown 0 "$F"
printf 'json\0\n' >"$F"
expect_status 2 'holds a NUL byte' "$FW" --options-from "$F" "$W"
note "unusable files: refused"
exit 0
