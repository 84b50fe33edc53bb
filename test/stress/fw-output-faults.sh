#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Output faults in permission mode under load: fanwatch --deny reporting
# every open while 8 threads open files as fast as they can, its output
# on a tiny filesystem that fills up (ENOSPC), or into a pipe whose reader
# goes away (EPIPE), in JSON and in text.  fanwatch says so on stderr and
# exits 1 by itself, within seconds; no opener ever waits long (the
# slowest open within 3 s), no open of an allowed file fails, opens go on
# after fanwatch is gone, and nothing stays blocked in fanotify.
. "${FWT_DIR:?}/lib.sh"

OPENERS=${STRESS_OPENERS:?STRESS_OPENERS is not set}
"$OPENERS" -m -t 1 -n 1 -a "$W" >/dev/null	# the files, before --deny
mkdir "$TMP/small"
mount -t tmpfs -o size=256k small "$TMP/small"
EXTRA_MOUNTS+=("$TMP/small")
FAULTS=0

# The openers for 3 s in the background: OPID, results in $LOG/openers.out
openers_start() {
	"$OPENERS" -A -t 8 -s 3 "$W" >"$LOG/openers.out" &
	OPID=$!
	STARTED+=("$OPID")
}

# openers_check NAME: they all returned, allowed opens never failed, no open was slow.
openers_check() {
	local st=0 max
	wait "$OPID" || st=$?
	[[ $st == 0 ]] || fail "$1: the openers saw a wrong result: $(cat "$LOG/openers.out")"
	max=$(sed -n 's/^max_ms //p' "$LOG/openers.out")
	awk "BEGIN { exit !($max < 3000) }" || fail "$1: an open took $max ms"
	note "$1: openers: $(tr '\n' ' ' <"$LOG/openers.out")"
}

# wait_exit NAME PID: fanwatch ends by itself within 20 s; FWSTATUS.
wait_exit() {
	local i
	for ((i = 0; i < 400; i++)); do kill -0 "$2" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$2" 2>/dev/null && fail "$1: fanwatch still runs 20 s after its output failed"
	FWSTATUS=0
	wait "$2" || FWSTATUS=$?
}

for fmt in json text; do
	args=(-e open --deny 'deny-*' "$W")
	[[ $fmt == json ]] && args=(--json "${args[@]}")

	# ENOSPC: the log fills the 256 KiB filesystem
	rm -f "$TMP/small/log"
	fw_start "full-$fmt" -o "$TMP/small/log" "${args[@]}"
	openers_start
	wait_exit "full-$fmt" "$FWPID"
	[[ $FWSTATUS == 1 ]] || fail "full-$fmt: exit $FWSTATUS, expected 1"
	grep -q 'cannot write output: No space left on device' "$LOG/full-$fmt.err" ||
		fail "full-$fmt: $(cat "$LOG/full-$fmt.err")"
	openers_check "full-$fmt"
	FAULTS=$((FAULTS + 1))

	# EPIPE: the reader reads a little, then goes away
	mkfifo "$LOG/pipe-$fmt"
	head -c 100000 <"$LOG/pipe-$fmt" >/dev/null &
	HEAD=$!
	"$FW" "${args[@]}" >"$LOG/pipe-$fmt" 2>"$LOG/pipe-$fmt.err" &
	F=$!
	STARTED+=("$F")
	for ((i = 0; i < 400; i++)); do grep -q '^fanwatch: watching' "$LOG/pipe-$fmt.err" && break; sleep 0.025; done
	openers_start
	wait "$HEAD" || true
	wait_exit "pipe-$fmt" "$F"
	[[ $FWSTATUS == 1 ]] || fail "pipe-$fmt: exit $FWSTATUS, expected 1: $(cat "$LOG/pipe-$fmt.err")"
	grep -q 'cannot write output: Broken pipe' "$LOG/pipe-$fmt.err" ||
		fail "pipe-$fmt: $(cat "$LOG/pipe-$fmt.err")"
	openers_check "pipe-$fmt"
	FAULTS=$((FAULTS + 1))
done

# nobody is left waiting for an answer
"$OPENERS" -A -t 4 -n 1000 "$W" >"$LOG/after.out" || fail "after: $(cat "$LOG/after.out")"
note "output faults under --deny load: $FAULTS (ENOSPC and EPIPE, JSON and text), no opener hung"
exit 0
