#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --syslog[=FACILITY]: fanwatch runs with a private /dev whose log is the
# test's socket (devlog.sh); every message parses as a syslog daemon
# parses logger(1)'s (the same parser is checked on a logger message
# first): facility and priority by kind (info event, notice denial,
# warning overflow), tag fanwatch[PID], the text line without its time;
# hostile names decode byte-exact by the text quoting rule, the exact set
# of created paths; --syslog --json carries JSON objects; without a
# daemon on /dev/log, --syslog exits 1 saying so.
. "${FWT_DIR:?}/lib.sh"
. "${SVC_DIR:?}/svc.sh"

command -v logger >/dev/null || skip "logger is not installed (bsdutils)"
RECV="python3 $SVC_DIR/sysrecv.py"
FWX="python3 $FWT_DIR/fwtext.py"
SOCK=$TMP/log.sock
DEVLOG=("$SVC_DIR/devlog.sh" "$SOCK")
LOCAL3=$((19 * 8))

expect_status 2 "--syslog: unknown facility 'bogus'" "$FW" --syslog=bogus "$W"
expect_status 2 '--syslog and -o exclude each other' "$FW" --syslog -o "$TMP/x" "$W"
expect_status 2 '--syslog and --count exclude each other' "$FW" --syslog -c "$W"
expect_status 1 '--syslog: no syslog daemon listens on /dev/log' "${DEVLOG[@]}" "$FW" --syslog "$W"
note "usage errors, no daemon: ok"

listen() {
	rm -f "$SOCK"
	$RECV listen "$SOCK" "$1" &
	STARTED+=("$!")
	RPID=$!
	for ((i = 0; i < 400; i++)); do
		[[ -S $SOCK ]] && return 0
		sleep 0.025
	done
	fail "the test's syslog socket did not appear"
}

# messages FILE N TAG: until N messages from TAG arrived, 20 s at most.
messages() {
	local i c
	for ((i = 0; i < 200; i++)); do
		c=$($RECV dump "$1" | awk -F'\t' -v t="$3" '$2 == t' | wc -l)
		((c >= $2)) && return 0
		sleep 0.1
	done
	fail "$c messages from $3 in $1, expected $2"
}

# ---- text lines, hostile names, a denial ----
listen "$LOG/text.bin"
logger --id=4242 -u "$SOCK" -t reftag -p local3.notice 'a reference message from logger'
messages "$LOG/text.bin" 1 reftag
$RECV dump "$LOG/text.bin" >"$LOG/ref.dump"
grep -qP "^$((LOCAL3 + 5))\treftag\t4242\ta reference message from logger\$" "$LOG/ref.dump" ||
	fail "logger's message did not parse: $(cat "$LOG/ref.dump")"

hostile_names 200
mkdir "$W/d"
echo secret >"$W/a.key"
ops=()
: >"$LOG/expect"
for n in "${names[@]}"; do
	ops+=(create "$W/d/$n")
	printf '%s\0' "$W/d/$n" >>"$LOG/expect"
done
printf '%s\0' "$W/plain" >>"$LOG/expect"
FW_CMD=("${DEVLOG[@]}" "$FW")
fw_start text --syslog=local3 --deny '*.key' -e create,rename "$W"
run_wl comm stest "${ops[@]}" create "$W/plain" rename "$W/plain" "$W/renamed" \
	tryopen "$W/a.key" sleep 300
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS: $(cat "$LOG/text.err")"
messages "$LOG/text.bin" $((${#names[@]} + 3)) fanwatch
$RECV dump "$LOG/text.bin" >"$LOG/text.dump"
# every message of fanwatch: its pid, local3, info or (the denial) notice
awk -F'\t' -v pid="$FWPID" -v info=$((LOCAL3 + 6)) -v notice=$((LOCAL3 + 5)) '
	$2 != "fanwatch" { next }
	$3 != pid { print "pid " $3; bad = 1 }
	$1 == notice && $4 ~ /^open .*a\.key \[denied\]$/ { denied++; next }
	$1 != info { print "priority " $1 ": " $4; bad = 1 }
	END { exit bad || denied != 1 }' "$LOG/text.dump" || fail "priorities, pid or the denial: $(cat "$LOG/text.dump")"
$RECV text "$LOG/text.bin" >"$LOG/text.out"
$FWX check "$LOG/text.out" --event create --expect "$LOG/expect" ||
	fail "the created paths through syslog are not exactly the expected ones"
grep -Eq "^00:00:00.000000 rename +$WLPID stest +$W/plain -> $W/renamed\$" "$LOG/text.out" ||
	fail "no rename line: $(grep rename "$LOG/text.out")"
note "text: $(wc -l <"$LOG/text.out") messages, ${#names[@]} hostile names exact, a denial at notice"
kill -TERM "$RPID"

# ---- --json: JSON objects; an overflow at warning ----
listen "$LOG/json.bin"
max=$(cat /proc/sys/fs/fanotify/max_queued_events)
fw_start json --syslog=local3 --json -e create,delete "$W"
freeze "$FWPID"
run_wl loop "$W/d" $((max + 1000))
kill -CONT "$FWPID"
# the overflow comes once fanwatch has read the whole kernel queue: only then
# is there room in it for a new event
for ((i = 0; i < 400; i++)); do
	grep -aq '"events":\["overflow"\]' "$LOG/json.bin" && break
	sleep 0.05
done
run_wl create "$W/after"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch --json exited $FWSTATUS"
for ((i = 0; i < 200; i++)); do
	grep -aq "\"$W/after\"" "$LOG/json.bin" && break
	sleep 0.1
done
$RECV msgs "$LOG/json.bin" >"$LOG/json.out"
$FWJ valid "$LOG/json.out" >/dev/null || fail "--syslog --json: not JSON Lines"
expect_json "$LOG/json.out" --event overflow
expect_json "$LOG/json.out" --event create --path "$W/after" --pid "$WLPID"
$RECV dump "$LOG/json.bin" >"$LOG/json.dump"
grep -qP "^$((LOCAL3 + 4))\tfanwatch\t$FWPID\t\\{\"time\":\"[^\"]+\",\"events\":\\[\"overflow\"\\]\\}\$" "$LOG/json.dump" ||
	fail "no overflow message at warning priority"
note "--json: JSON objects, the overflow at warning"
exit 0
