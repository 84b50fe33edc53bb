#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The service manager's notification socket (NOTIFY_SOCKET, a socket bound
# here): READY=1 comes once the marks are in place (a file created in each
# of 2,000 directories right after READY is reported, every one), with a
# STATUS= naming what is watched; WATCHDOG=1 as often as WATCHDOG_USEC asks
# and never when WATCHDOG_PID names another process; STATUS= with the
# counts as they change; STOPPING=1 last; an abstract socket (@name);
# a COMMAND does not inherit NOTIFY_SOCKET.
. "${FWT_DIR:?}/lib.sh"
. "${SVC_DIR:?}/svc.sh"

RECV="python3 $SVC_DIR/sysrecv.py"
NDIRS=2000

# listen SOCK OUT: the test's notification socket.
listen() {
	[[ $1 == @* ]] || rm -f "$1"
	$RECV listen "$1" "$2" &
	RPID=$!
	STARTED+=("$RPID")
	for ((i = 0; i < 400; i++)); do
		[[ $1 == @* ]] && grep -q "@${1#@}\$" /proc/net/unix && return 0
		[[ -S $1 ]] && return 0
		sleep 0.025
	done
	fail "the notification socket did not appear"
}

# until_msg OUT REGEX: until a message matches, 20 s at most.
until_msg() {
	local end=$((SECONDS + 20))
	while ((SECONDS < end)); do
		$RECV raw "$1" >"$1.txt" 2>/dev/null && grep -Eq -- "$2" "$1.txt" && return 0
		sleep 0.01
	done
	fail "no message matching /$2/: $($RECV raw "$1")"
}

# ---- READY=1 once the marks are in place ----
# (its STATUS= counts the directories marked: another sign of the order)
mkdir "$W/t"
for ((i = 0; i < NDIRS; i++)); do dirs+=("$W/t/d$i"); done
mkdir "${dirs[@]}"
listen "$TMP/notify.sock" "$LOG/n1.bin"
NOTIFY_SOCKET=$TMP/notify.sock "$FW" --json -e create -o "$LOG/n1.out" "$W" 2>"$LOG/n1.err" &
FWPID=$!
STARTED+=("$FWPID")
until_msg "$LOG/n1.bin" '^READY=1'
ops=()
: >"$LOG/expect"
for d in "${dirs[@]}"; do ops+=(create "$d/f"); done
run_wl "${ops[@]}"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS: $(cat "$LOG/n1.err")"
c=$($FWJ count "$LOG/n1.out" --event create --under "$W/t" --pid "$WLPID")
[[ $c == "$NDIRS" ]] || fail "$c of $NDIRS files created right after READY=1 were reported"
$RECV raw "$LOG/n1.bin" >"$LOG/n1.msgs"
head -1 "$LOG/n1.msgs" | grep -qx "READY=1|STATUS=Watching 1 path ($((NDIRS + 2)) directories); 0 events reported, 0 filtered, 0 overflows" ||
	fail "first message: $(head -1 "$LOG/n1.msgs")"
[[ $(tail -1 "$LOG/n1.msgs") == STOPPING=1 ]] || fail "last message: $(tail -1 "$LOG/n1.msgs")"
[[ $(grep -c READY "$LOG/n1.msgs") == 1 ]] || fail "READY more than once: $(cat "$LOG/n1.msgs")"
grep -q WATCHDOG "$LOG/n1.msgs" && fail "WATCHDOG=1 without WATCHDOG_USEC"
note "READY=1 after the marks: all $NDIRS creations right after it reported; STOPPING=1 last"

# ---- the watchdog, STATUS with counts, an abstract socket ----
sock=@fanwatch-test-$$
listen "$sock" "$LOG/n2.bin"
NOTIFY_SOCKET=$sock WATCHDOG_USEC=100000 "$FW" -e create "$W" >"$LOG/n2.out" 2>"$LOG/n2.err" &
FWPID=$!
STARTED+=("$FWPID")
until_msg "$LOG/n2.bin" '^READY=1'
run_wl create "$W/one" create "$W/two"
until_msg "$LOG/n2.bin" '^STATUS=Watching 1 path \([0-9]+ directories\); 2 events reported, 0 filtered, 0 overflows$'
sleep 1
fw_stop
n=$($RECV raw "$LOG/n2.bin" | grep -c '^WATCHDOG=1$')
# every 50 ms for a second and more; a loaded machine may delay a few
((n >= 10)) || fail "$n WATCHDOG=1 in more than a second at WATCHDOG_USEC=100000"
note "watchdog: $n pings, STATUS with the counts, abstract socket"

listen "$TMP/notify3.sock" "$LOG/n3.bin"
NOTIFY_SOCKET=$TMP/notify3.sock WATCHDOG_USEC=100000 WATCHDOG_PID=1 "$FW" "$W" >/dev/null 2>"$LOG/n3.err" &
FWPID=$!
STARTED+=("$FWPID")
until_msg "$LOG/n3.bin" '^READY=1'
sleep 0.5
fw_stop
$RECV raw "$LOG/n3.bin" >"$LOG/n3.msgs"
grep -q WATCHDOG "$LOG/n3.msgs" && fail "WATCHDOG=1 although WATCHDOG_PID names another process"
note "WATCHDOG_PID of another process: no pings"

# ---- a COMMAND does not inherit the variables ----
NOTIFY_SOCKET=$TMP/notify3.sock WATCHDOG_USEC=100000 "$FW" -e create "$W" -- \
	sh -c 'echo "${NOTIFY_SOCKET-unset} ${WATCHDOG_USEC-unset}" >"$0"' "$LOG/env" >/dev/null 2>&1 ||
	fail "fanwatch -- COMMAND exited $?"
[[ $(cat "$LOG/env") == "unset unset" ]] || fail "COMMAND inherited: $(cat "$LOG/env")"
note "COMMAND: NOTIFY_SOCKET and WATCHDOG_USEC not inherited"
exit 0
