#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --parents: the chain of parents, in JSON and text.
#  - a three-level chain (lvl-a runs lvl-b runs lvl-c, which writes and
#    stays): lvl-b, lvl-a, this shell, ... verified;
#  - the same chain all exited and reaped before fanwatch reads (it was
#    stopped): lvl-c, lvl-b and lvl-a from their exit records, then this
#    shell;
#  - -- COMMAND: the chain ends at the command;
#  - text: [parents PID NAME ...] parses back.
# Before Linux 6.13 (no PIDFD_GET_INFO) each parent pid is read from
# /proc/PID/stat through a directory the process's pidfd shows was its own;
# before 5.15 (no pidfds) the writer and its chain are read by pid,
# "unverified", and fanwatch says so on stderr.
# About 6 s.
. "${FWT_DIR:?}/lib.sh"
WHO="python3 $FWT_DIR/fwwho.py"
FWT="python3 $FWT_DIR/fwtext.py"

# Shells whose process names are lvl-a and lvl-b (the name of the file run).
ln -s "$(command -v sh)" "$TMP/lvl-a"
ln -s "$(command -v sh)" "$TMP/lvl-b"
# chain FILE [WAITFILE]: lvl-a -> lvl-b -> lvl-c writing FILE (after WAITFILE
# exists, if given), lvl-c staying until $LOG/done exists
chain() {
	local pre=${2:+wait $2}
	# run in the background: exec, so that lvl-a is this shell's child;
	# "; true": a shell that ran its last command in place would cut the chain
	exec "$TMP/lvl-a" -c "\"$TMP/lvl-b\" -c '\"$WL\" comm lvl-c $pre write $1 x wait $LOG/done; true'; true"
}

fw_start live --json --parents -e close_write -o "$LOG/live.json" "$W"
chain "$W/live" &
STARTED+=($!)
for ((i = 0; i < 200; i++)); do [[ -s $LOG/live.json ]] && break; sleep 0.025; done
settle_output "$LOG/live.json"
touch "$LOG/done"
wait "${STARTED[-1]}"
fw_stop
$FWJ valid "$LOG/live.json" >/dev/null
live=verified
if ! kernel_has 5.15; then
	live=unverified
	grep -q "cannot report pidfds (Linux 5.15)" "$LOG/live.err" ||
		fail "no note that process names are unchecked: $(cat "$LOG/live.err")"
fi
$WHO fields "$LOG/live.json" --path "$W/live" comm='"lvl-c"' attribution="\"$live\"" ||
	fail "the chain's writer"
$WHO parents "$LOG/live.json" --path "$W/live" '*:lvl-b' "*:lvl-a" "$$:$(cat /proc/$$/comm)" ||
	fail "parents of a live process"
note "live chain: lvl-b, lvl-a, this shell"

# All three gone before fanwatch reads.  First a read after their forks (the
# queue seen empty then), so the table knows which forks they are.
rm -f "$LOG/done"
fw_start gone --json --parents -e close_write -o "$LOG/gone.json" "$W"
chain "$W/gone" "$LOG/go" &
STARTED+=($!)
sleep 0.3
"$WL" write "$W/poke" x >/dev/null
for ((i = 0; i < 200; i++)); do grep -q poke "$LOG/gone.json" && break; sleep 0.025; done
settle_output "$LOG/gone.json"
freeze "$FWPID"
touch "$LOG/go" "$LOG/done"
wait "${STARTED[-1]}"
kill -CONT "$FWPID"
settle_output "$LOG/gone.json"
fw_stop
$FWJ valid "$LOG/gone.json" >/dev/null
$WHO fields "$LOG/gone.json" --path "$W/gone" comm='"lvl-c"' attribution='"recorded"' ||
	fail "the writer of a chain that is gone"
$WHO parents "$LOG/gone.json" --path "$W/gone" '*:lvl-b' '*:lvl-a' "$$:$(cat /proc/$$/comm)" ||
	fail "parents of a chain that is gone"
note "chain gone before the read: each named from its exit record"

# -- COMMAND: the chain stops at the command
# lvl-c stays until its record is out: a chain already gone when its event
# is read may be unknown (never wrong), and this case is about where it ends
rm -f "$LOG/done"
fw_start cmd --json --parents -e close_write -o "$LOG/cmd.json" "$W" -- \
	"$TMP/lvl-a" -c "\"$TMP/lvl-b\" -c '\"$WL\" comm lvl-c write $W/cmd x wait $LOG/done; true'; true"
for ((i = 0; i < 400; i++)); do grep -qF "\"path\":\"$W/cmd\"" "$LOG/cmd.json" && break; sleep 0.025; done
touch "$LOG/done"
wait "$FWPID" || fail "fanwatch -- COMMAND exited $?"
$FWJ valid "$LOG/cmd.json" >/dev/null
python3 - "$LOG/cmd.json" "$W/cmd" <<'EOF' || fail "-- COMMAND parents"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
r = [r for r in recs if r.get("path") == sys.argv[2]]
if not r:
    sys.exit("no record")
p = [x["comm"] for x in r[0]["parents"]]
if p != ["lvl-b", "lvl-a"]:
    sys.exit(f"parents {p}, expected lvl-b, lvl-a and no further")
EOF
note "-- COMMAND: the chain ends at the command"

# text
rm -f "$LOG/done"
fw_start text --parents=2 -e close_write -o "$LOG/text.out" "$W"
chain "$W/text" &
STARTED+=($!)
for ((i = 0; i < 200; i++)); do [[ -s $LOG/text.out ]] && break; sleep 0.025; done
settle_output "$LOG/text.out"
touch "$LOG/done"
wait "${STARTED[-1]}"
fw_stop
$FWT lines "$LOG/text.out" >/dev/null || fail "text output does not parse"
grep -Eq " \[parents [0-9]+ lvl-b [0-9]+ lvl-a\]$" "$LOG/text.out" ||
	fail "text: $(cat "$LOG/text.out")"
note "text: [parents PID lvl-b PID lvl-a]"
exit 0
