#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A pid reused before fanwatch reads the event never lends its name.
#  - global: fanwatch stopped; a "victim" writes and exits, and an
#    "impostor" gets its very pid (clone3 set_tid) and writes too, and runs
#    on: /proc/PID/comm says "impostor" when fanwatch reads.  The victim's
#    record names the victim (its exit record is the only one of that pid),
#    the impostor's names the impostor.
#  - a pid namespace with pid_max 301 (every new pid is 300 there), fanwatch
#    inside it (where the kernel gives it no process table): a "victim"
#    exits and an "impostor" takes pid 300 before fanwatch reads: the
#    victim's record is unknown, never the impostor's name.
# Before Linux 5.15 (no FAN_REPORT_PIDFD) fanwatch says on stderr that its
# process names are read by pid, unchecked, and every record here is
# "unverified" (the victim's then carries whoever has its pid when read):
# flagged, never "verified" or "recorded".
# About 5 s.
. "${FWT_DIR:?}/lib.sh"
WHO="python3 $FWT_DIR/fwwho.py"
REUSE=${FW_REUSE:?}

fw_start global --json -e close_write -o "$LOG/global.json" "$W"
freeze "$FWPID"
mkfifo "$LOG/hold"
"$REUSE" "$W" <"$LOG/hold" >"$LOG/reuse.out" &
STARTED+=($!)
exec 7>"$LOG/hold"
for ((i = 0; i < 200; i++)); do
	grep -q impostor "$LOG/reuse.out" && break
	kill -0 "${STARTED[-1]}" 2>/dev/null || break
	sleep 0.025
done
st=0
grep -q impostor "$LOG/reuse.out" || { wait "${STARTED[-1]}" || st=$?; }
[[ $st == 77 ]] && skip "clone3() with set_tid refused"
pid=$(sed -n 's/^impostor //p' "$LOG/reuse.out")
[[ -n $pid && $pid == "$(sed -n 's/^victim //p' "$LOG/reuse.out")" ]] || fail "no reuse: $(cat "$LOG/reuse.out")"
[[ $(cat /proc/"$pid"/comm) == impostor ]] || fail "pid $pid is not the impostor"
kill -CONT "$FWPID"
settle_output "$LOG/global.json"
exec 7>&-
fw_stop
$FWJ valid "$LOG/global.json" >/dev/null
if ! kernel_has 5.15; then
	grep -q "cannot report pidfds (Linux 5.15): process names and ids are read by pid, unchecked" \
		"$LOG/global.err" || fail "no note that process names are unchecked: $(cat "$LOG/global.err")"
	$WHO fields "$LOG/global.json" --path "$W/victim" pid="$pid" attribution='"unverified"' ||
		fail "the victim's record without pidfds"
	$WHO fields "$LOG/global.json" --path "$W/impostor" pid="$pid" comm='"impostor"' \
		attribution='"unverified"' || fail "the impostor's record without pidfds"
	note "global reuse without pidfds (Linux $(kernel_release)): both records unverified, and said so"
else
	$WHO fields "$LOG/global.json" --path "$W/victim" pid="$pid" comm='"victim"' attribution='"recorded"' ||
		fail "the victim's record"
	$WHO fields "$LOG/global.json" --path "$W/impostor" pid="$pid" comm='"impostor"' attribution='"verified"' ||
		fail "the impostor's record"
	note "global reuse: each record names its own process"
fi

# fanwatch in a pid namespace of its own, pid_max 301.  Once the victim
# had pid 300, the namespace has no other pid to give while the impostor
# holds it: from then on the script uses shell builtins only.
command -v unshare >/dev/null || skip "unshare is not installed"
rm -f "$W/victim" "$W/impostor"
mkfifo "$LOG/tick"
export W LOG FW WL
st=0
unshare --pid --fork --mount-proc bash -c '
	set -eu
	# LeakSanitizer needs a thread (a pid) at exit, which this namespace may not have
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	echo 301 >/proc/sys/kernel/pid_max 2>/dev/null || exit 77
	"$FW" --json -e close_write -o "$LOG/ns.json" "$W" 2>"$LOG/ns.err" &
	fw=$!
	for ((i = 0; i < 400; i++)); do grep -q "^fanwatch: watching" "$LOG/ns.err" && break; sleep 0.025; done
	kill -STOP "$fw"
	while grep -q "^State:.*[RSD] " /proc/$fw/task/*/status 2>/dev/null; do sleep 0.005; done
	exec 9<>"$LOG/tick"
	echo 299 >/proc/sys/kernel/ns_last_pid
	"$WL" comm victim write "$W/victim" x >"$LOG/v.out"
	"$WL" comm impostor write "$W/impostor" x wait "$LOG/nsgo" >"$LOG/i.out" &
	imp=$!
	read -r _ vpid <"$LOG/v.out"
	[[ $vpid == 300 && $imp == 300 ]] || { echo "pids $vpid $imp"; exit 1; }
	until [[ -e $W/impostor ]]; do read -t 0.01 -u 9 || true; done
	read -r comm </proc/300/comm
	[[ $comm == impostor ]] || { echo "pid 300 is $comm"; exit 1; }
	kill -CONT "$fw"
	read -t 1 -u 9 || true
	kill -INT "$fw"
	wait "$fw"
	: >"$LOG/nsgo"
	wait "$imp"
' || st=$?
[[ $st == 77 ]] && skip "no pid_max of its own in a pid namespace (Linux 6.14)"
[[ $st == 0 ]] || fail "the pid namespace part exited $st"
$FWJ valid "$LOG/ns.json" >/dev/null
if ! kernel_has 5.15; then
	grep -q "cannot report pidfds (Linux 5.15)" "$LOG/ns.err" ||
		fail "no note that process names are unchecked in the namespace: $(cat "$LOG/ns.err")"
	$WHO fields "$LOG/ns.json" --path "$W/victim" pid=300 attribution='"unverified"' ||
		fail "the victim's record in the namespace without pidfds"
	$WHO fields "$LOG/ns.json" --path "$W/impostor" pid=300 comm='"impostor"' attribution='"unverified"' ||
		fail "the impostor's record in the namespace without pidfds"
	note "tiny pid namespace without pidfds: both records unverified"
	exit 0
fi
$WHO fields "$LOG/ns.json" --path "$W/victim" pid=300 comm=null attribution='"unknown"' ||
	fail "the victim's record in the namespace"
$WHO fields "$LOG/ns.json" --path "$W/impostor" pid=300 comm='"impostor"' attribution='"verified"' ||
	fail "the impostor's record in the namespace"
note "tiny pid namespace: the victim unknown, never the impostor"
exit 0
