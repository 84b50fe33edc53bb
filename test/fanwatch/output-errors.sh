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
# watching before the reader goes (events before it would write nothing);
# under load startup can take seconds: waited for, never assumed
watching() {	# ERRFILE PID
	local i
	for ((i = 0; i < 2400; i++)); do
		grep -q '^fanwatch: watching' "$1" && return 0
		kill -0 "$2" 2>/dev/null || fail "fanwatch exited before watching: $(cat "$1")"
		sleep 0.025
	done
	fail "fanwatch not watching after 60 s: $(cat "$1")"
}
ended() {	# PID: gone within 60 s, else killed and failed
	local i
	for ((i = 0; i < 1200; i++)); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
	kill -KILL "$1"
	fail "fanwatch still running 60 s after $2"
}
# PID ended (after WHY) with exit 1 and "cannot write output: STRERROR" in
# ERRFILE; failures name the case TAG
failed_output() {	# PID WHY TAG ERRFILE STRERROR
	local st=0
	ended "$1" "$2"
	wait "$1" || st=$?
	[[ $st == 1 ]] || fail "$3: exit $st, expected 1"
	grep -q "cannot write output: $5" "$4" || fail "$3: $(cat "$4")"
}
watching "$LOG/pipe.err" "$F"
exec 3<&-
"$WL" files "$W/d" 5 >/dev/null
failed_output "$F" "its reader went away" EPIPE "$LOG/pipe.err" 'Broken pipe'
note "closed pipe: exit 1 with a message"

# ENOSPC: a tiny filesystem for the log
mkdir "$TMP/small"
mount -t tmpfs -o size=64k small "$TMP/small"
EXTRA_MOUNTS+=("$TMP/small")
fw_start full --json -o "$TMP/small/log" "$W"
"$WL" files "$W/d" 2000 >/dev/null
failed_output "$FWPID" "its output filesystem filled up" ENOSPC "$LOG/full.err" \
	'No space left on device'
note "full disk: exit 1 with a message"

# Permission mode, output into a pipe nobody reads: opens keep being answered.
mkfifo "$TMP/stuck"
echo k >"$W/d/x.key"
exec 4<>"$TMP/stuck"	# held open, never read: writes block once the pipe is full
"$FW" --deny '*.key' "$W" >"$TMP/stuck" 2>"$LOG/stuck.err" &
F=$!
STARTED+=("$F")
watching "$LOG/stuck.err" "$F"
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
