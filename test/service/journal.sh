#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --journal into a real systemd-journald started here (its runtime and
# storage on a tmpfs in this mount namespace), read back with journalctl:
# - events of hostile names come back byte-exact (journalctl -o export),
#   each with the documented fields, MESSAGE_ID and PRIORITY; the exact
#   set of created paths; a rename with FANWATCH_NEW_PATH; a denial;
#   `journalctl -o json FANWATCH_PATH=...` finds an event;
# - a journald that stops reading (SIGSTOP) blocks fanwatch's output, not
#   its permission answers; the kernel queue overflow that follows is
#   reported as an overflow entry;
# - a filesystem error is an error entry;
# - journald gone: entries lost are counted and reported, delivery resumes
#   when it is back;
# - without journald, or without libsystemd at build time, --journal
#   exits 1 saying why; usage errors of the sink options exit 2.
. "${FWT_DIR:?}/lib.sh"
. "${SVC_DIR:?}/svc.sh"

ID_EVENT=8150cdb75dbf46878c73aea4de382465
ID_DENIAL=4340ca79b6e24970a2eb24c74f8e8140
ID_OVERFLOW=ab589935350b4c65beca5327d0eabd82
ID_ERROR=9433d8d187ae41d3b89b6a1c5783f0ea

# ---- usage, and the build without libsystemd ----
expect_status 2 '--journal and --json exclude each other' "$FW" --journal --json "$W"
expect_status 2 '--journal and -o exclude each other' "$FW" --journal -o "$TMP/x" "$W"
expect_status 2 '--journal and --count exclude each other' "$FW" --journal -c "$W"
expect_status 2 '--journal and --syslog exclude each other' "$FW" --journal --syslog "$W"
if [[ -n ${FANWATCH_NOSD:-} ]]; then
	"$FANWATCH_NOSD" --version | grep -qx 'journald output (--journal): no (built without libsystemd)' ||
		fail "--version without libsystemd: $("$FANWATCH_NOSD" --version)"
	expect_status 1 'built without libsystemd' "$FANWATCH_NOSD" --journal "$W"
	note "without libsystemd: --version and --journal say so"
fi

need_journal_build
mount -t tmpfs -o mode=0755 tmpfs /run || fail "cannot mount a tmpfs on /run"
EXTRA_MOUNTS+=(/run)
expect_status 1 'journald is not running here' "$FW" --journal "$W"
note "usage errors and no journald: ok"

journald_conf /run
"$JD" >"$LOG/journald.out" 2>&1 &
JDPID=$!
STARTED+=("$JDPID")
JDIR=/run/log/journal
journald_wait /run "$JDPID"

# ---- events, hostile names, a rename, a denial ----
hostile_names 200
mkdir "$W/d"
echo secret >"$W/a.key"
echo fine >"$W/ok"
fw_start ev --journal --deny '*.key' -e create,rename "$W"
ops=()
for n in "${names[@]}"; do ops+=(create "$W/d/$n"); done
# the process stays a moment: its name and executable are read from /proc
run_wl comm jtest "${ops[@]}" create "$W/plain" rename "$W/plain" "$W/renamed" \
	tryopen "$W/a.key" sleep 300
grep -qx "tryopen $W/a.key EPERM" "$LOG/wl.out" || fail "not denied: $(cat "$LOG/wl.out")"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS: $(cat "$LOG/ev.err")"
J=$LOG/ev.export
journal_wait $((${#names[@]} + 2)) "$J" MESSAGE_ID=$ID_EVENT
exe=$(readlink -f "$WL")
printf "$W/d/%s\0" "${names[@]}" >"$LOG/names.want"
$JEXPORT "$J" pathset "$LOG/names.want" FANWATCH_EVENT=create "FANWATCH_PATH^$W/d/" ||
	fail "the created paths in the journal are not exactly the hostile names"
c=$($JEXPORT "$J" count FANWATCH_EVENTS=create FANWATCH_EVENT=create "FANWATCH_PATH^$W/d/" \
	MESSAGE_ID=$ID_EVENT PRIORITY=6 "FANWATCH_PID=$WLPID" FANWATCH_COMM=jtest FANWATCH_UID=0 \
	"FANWATCH_EXE=$exe" SYSLOG_IDENTIFIER=fanwatch)
[[ $c == "${#names[@]}" ]] || fail "$c of ${#names[@]} create entries have every documented field"
expect_entry "$J" "FANWATCH_PATH=$W/plain" "FANWATCH_NEW_PATH=$W/renamed" FANWATCH_EVENTS~rename
expect_entry "$J" "FANWATCH_PATH=$W/a.key" MESSAGE_ID=$ID_DENIAL PRIORITY=5 \
	FANWATCH_DECISION=deny FANWATCH_EVENTS=open "FANWATCH_PID=$WLPID"
$JEXPORT "$J" find "FANWATCH_PATH=$W/ok" && fail "ok was reported denied"
n=$($JEXPORT "$J" check) || fail "an entry lacks the documented fields"
# the text line, without its time, is MESSAGE
expect_entry "$J" "MESSAGE=create$(printf '%*s' 13 '')$(printf '%7s' "$WLPID") jtest$(printf '%*s' 10 '') $W/plain"
# journalctl's own matching finds events by field, text and binary alike
journalctl -D "$JDIR" -o json --no-pager FANWATCH_EVENT=rename "FANWATCH_NEW_PATH=$W/renamed" >"$LOG/q.json"
python3 -c '
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])]
assert len(e) == 1 and e[0]["FANWATCH_PATH"] == sys.argv[2] and e[0]["MESSAGE_ID"] == sys.argv[3], e
' "$LOG/q.json" "$W/plain" "$ID_EVENT" || fail "journalctl -o json FANWATCH_NEW_PATH=...: $(cat "$LOG/q.json")"
bad=$'bad\xffutf8'
journalctl -D "$JDIR" -o json --no-pager "FANWATCH_PATH=$W/d/$bad" >"$LOG/q2.json"
python3 -c '
import json, os, sys
e = [json.loads(l) for l in open(sys.argv[1])]
assert len(e) == 1 and bytes(e[0]["FANWATCH_PATH"]) == os.fsencode(sys.argv[2]), e
' "$LOG/q2.json" "$W/d/$bad" || fail "journalctl -o json, binary path: $(cat "$LOG/q2.json")"
note "events: $n entries, ${#names[@]} hostile names byte-exact, rename, denial, journalctl matches"

# ---- journald stops reading: answers go on, the overflow is reported ----
max=$(cat /proc/sys/fs/fanotify/max_queued_events)
fw_start stall --journal --deny '*.key' -e create,delete "$W"
freeze "$JDPID"
# create and delete of one name merge into one event: one per iteration
run_wl loop "$W/d" $((max + 1000))
# fanwatch's main thread now waits for journald ...
for ((i = 0; i < 200; i++)); do
	st=$(sed -n 's/^State:\s*\(.\).*/\1/p' "/proc/$FWPID/status")
	[[ $st == S && $(cat "/proc/$FWPID/wchan") == *unix* ]] && break
	sleep 0.05
done
[[ $(cat "/proc/$FWPID/wchan") == *unix* ]] ||
	fail "fanwatch is not waiting for journald: $(cat "/proc/$FWPID/wchan")"
# ... and the permission thread answers all the same
timeout 10 "$WL" tryopen "$W/a.key" tryopen "$W/ok" >"$LOG/stall-wl.out" ||
	fail "opens were not answered while journald was stopped"
grep -qx "tryopen $W/a.key EPERM" "$LOG/stall-wl.out" && grep -qx "tryopen $W/ok ok" "$LOG/stall-wl.out" ||
	fail "answers while journald was stopped: $(cat "$LOG/stall-wl.out")"
kill -CONT "$JDPID"
# the overflow entry comes once fanwatch has read the whole kernel queue: only
# then is there room in it for a new event
journal_wait 1 "$LOG/stall0.export" MESSAGE_ID=$ID_OVERFLOW
run_wl create "$W/after"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS after the stall"
grep -q ', 1 overflows' "$LOG/stall.err" || fail "summary: $(tail -1 "$LOG/stall.err")"
J=$LOG/stall.export
journal_wait 1 "$J" "FANWATCH_PATH=$W/after"
expect_entry "$J" MESSAGE_ID=$ID_OVERFLOW PRIORITY=4 FANWATCH_EVENTS=overflow '!FANWATCH_PATH'
expect_entry "$J" "FANWATCH_PATH=$W/a.key" MESSAGE_ID=$ID_DENIAL
note "journald stopped: opens answered, fanwatch waited, the overflow is an entry"

# ---- a filesystem error ----
private_ext4 "$TMP/ext4"
fw_start err --journal --errors "$TMP/ext4"
mount -o remount,abort "$TMP/ext4"
fw_stop
J=$LOG/err.export
journal_wait 1 "$J" MESSAGE_ID=$ID_ERROR
expect_entry "$J" MESSAGE_ID=$ID_ERROR PRIORITY=3 FANWATCH_EVENTS=fs_error \
	"FANWATCH_PATH=$TMP/ext4" FANWATCH_ERROR_NAME^E FANWATCH_ERROR_COUNT^
note "fs_error: an error entry"

# ---- journald gone, then back: losses counted, delivery resumes ----
fw_start gone --journal -e create "$W"
kill -TERM "$JDPID"
wait "$JDPID" 2>/dev/null || true
run_wl create "$W/lost1" create "$W/lost2"
for ((i = 0; i < 200; i++)); do
	grep -q 'cannot deliver an entry' "$LOG/gone.err" && break
	sleep 0.05
done
grep -q -- '--journal: cannot deliver an entry: Connection refused' "$LOG/gone.err" ||
	fail "no message about the lost entries: $(cat "$LOG/gone.err")"
rm -f /run/systemd/journal/socket	# journald_wait waits for the new one
"$JD" >"$LOG/journald2.out" 2>&1 &
JDPID=$!
STARTED+=("$JDPID")
journald_wait /run "$JDPID"
run_wl create "$W/back"
fw_stop
grep -q -- '--journal: delivering again (2 entries lost so far)' "$LOG/gone.err" ||
	fail "no message when delivery resumed: $(cat "$LOG/gone.err")"
grep -q -- '--journal: 2 of 3 entries could not be delivered' "$LOG/gone.err" ||
	fail "no count of the lost entries: $(cat "$LOG/gone.err")"
J=$LOG/gone.export
journal_wait 1 "$J" "FANWATCH_PATH=$W/back"
note "journald gone and back: 2 losses counted and reported, delivery resumed"
exit 0
