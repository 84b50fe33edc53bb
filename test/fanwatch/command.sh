#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fanwatch -- COMMAND: reports what the command, its children and a
# short-lived grandchild touch (the grandchild has exited long before its
# events are read), not what other processes touch meanwhile; exits with
# the command's status (128+N when killed by signal N).
. "${FWT_DIR:?}/lib.sh"

# An outsider busy in the same tree during the whole run.
"$WL" loop "$W" 2000000 >/dev/null 2>&1 &
OUT=$!
STARTED+=("$OUT")

# child: sh; grandchild: the workload (exits at once); great-grandchild via a subshell.
cat >"$TMP/cmd.sh" <<SH
"$WL" -P "$LOG/child.pid" create "$W/by-child"
( "$WL" -P "$LOG/grandchild.pid" create "$W/by-grandchild" ) &
wait
echo x > "$W/by-shell"
exit 3
SH
st=0
"$FW" --json -o "$LOG/cmd.out" "$W" -- sh "$TMP/cmd.sh" 2>"$LOG/cmd.err" || st=$?
[[ $st == 3 ]] || { cat "$LOG/cmd.err"; fail "exit status $st, expected the command's 3"; }
kill -0 "$OUT" 2>/dev/null || fail "the outsider workload died"
O=$LOG/cmd.out
$FWJ valid "$O" >/dev/null
expect_json "$O" --event create --path "$W/by-child" --pid "$(cat "$LOG/child.pid")"
expect_json "$O" --event create --path "$W/by-grandchild" --pid "$(cat "$LOG/grandchild.pid")"
expect_json "$O" --event create --path "$W/by-shell"
expect_no_json "$O" --pid "$OUT"
n=$($FWJ count "$O")
[[ $n -lt 200 ]] || fail "$n records: the outsider's events leaked in"
grep -q '^fanwatch: watching .*running the command' "$LOG/cmd.err" || fail "no startup line"
note "command tree: ok ($n records, none of the outsider)"

# killed by a signal: 128+9
st=0
"$FW" -o "$LOG/k.out" "$W" -- sh -c 'kill -9 $$' 2>"$LOG/k.err" || st=$?
[[ $st == 137 ]] || fail "killed command: exit $st, expected 137"
# not found: 127 with a message
expect_status 127 'cannot run .*no-such-command' "$FW" "$W" -- no-such-command-fanwatch
note "statuses: ok"

# SIGTERM to fanwatch goes to the command; fanwatch exits with its status
"$FW" -o "$LOG/t.out" "$W" -- sleep 30 2>"$LOG/t.err" &
F=$!
STARTED+=("$F")
for ((i = 0; i < 200; i++)); do grep -q '^fanwatch: watching' "$LOG/t.err" && break; sleep 0.025; done
kill -TERM "$F"
st=0
wait "$F" || st=$?
[[ $st == 143 ]] || fail "after SIGTERM: exit $st, expected 143 (the command's)"
note "SIGTERM forwarded: ok"
exit 0
