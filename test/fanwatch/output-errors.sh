#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Output errors: a closed output pipe (EPIPE) or a full disk (ENOSPC) make
# fanwatch say so and exit 1, without hanging; in permission mode an
# output pipe nobody reads never delays the answers (watched processes
# keep opening files).
. "${FWT_DIR:?}/lib.sh"

mkdir "$W/d"
# EPIPE: the reader goes away
mkfifo "$TMP/fifo"
"$FW" "$W" >"$TMP/fifo" 2>"$LOG/pipe.err" &
F=$!
STARTED+=("$F")
exec 3<"$TMP/fifo"
for ((i = 0; i < 200; i++)); do grep -q '^fanwatch: watching' "$LOG/pipe.err" && break; sleep 0.025; done
exec 3<&-
"$WL" files "$W/d" 5 >/dev/null
st=0
for ((i = 0; i < 100; i++)); do kill -0 "$F" 2>/dev/null || break; sleep 0.05; done
wait "$F" || st=$?
[[ $st == 1 ]] || fail "EPIPE: exit $st, expected 1"
grep -q 'cannot write output: Broken pipe' "$LOG/pipe.err" || fail "EPIPE: $(cat "$LOG/pipe.err")"
note "closed pipe: exit 1 with a message"

# ENOSPC: a tiny filesystem for the log
mkdir "$TMP/small"
mount -t tmpfs -o size=64k small "$TMP/small"
EXTRA_MOUNTS+=("$TMP/small")
fw_start full --json -o "$TMP/small/log" "$W"
"$WL" files "$W/d" 2000 >/dev/null
for ((i = 0; i < 100; i++)); do kill -0 "$FWPID" 2>/dev/null || break; sleep 0.05; done
st=0
kill -0 "$FWPID" 2>/dev/null && { kill -INT "$FWPID"; }
wait "$FWPID" || st=$?
[[ $st == 1 ]] || fail "ENOSPC: exit $st, expected 1"
grep -q 'cannot write output: No space left on device' "$LOG/full.err" || fail "ENOSPC: $(cat "$LOG/full.err")"
note "full disk: exit 1 with a message"

# Permission mode, output into a pipe nobody reads: opens keep being answered.
mkfifo "$TMP/stuck"
echo k >"$W/d/x.key"
exec 4<>"$TMP/stuck"	# held open, never read: writes block once the pipe is full
"$FW" --deny '*.key' "$W" >"$TMP/stuck" 2>"$LOG/stuck.err" &
F=$!
STARTED+=("$F")
for ((i = 0; i < 200; i++)); do grep -q '^fanwatch: watching' "$LOG/stuck.err" && break; sleep 0.025; done
start=$(date +%s)
timeout 60 "$WL" files "$W/d" 5000 >/dev/null || fail "the workload hung or failed"
timeout 20 "$WL" tryopen "$W/d/x.key" tryopen "$W/d/k1" >"$LOG/tries" || fail "opens hung"
grep -qx "tryopen $W/d/x.key EPERM" "$LOG/tries" || fail "deny while output is stuck: $(cat "$LOG/tries")"
grep -qx "tryopen $W/d/k1 ok" "$LOG/tries" || fail "allow while output is stuck: $(cat "$LOG/tries")"
note "stuck output: $(($(date +%s) - start)) s for 5000 files and the tries, answers kept coming"
kill -KILL "$F"
wait "$F" 2>/dev/null || true
exec 4<&-
exit 0
