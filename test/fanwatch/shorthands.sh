#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# inotifywait's habits: -e close, move, all (all_events), in any case, the
# exact records they give; -e all cut to what --mount can report; -1 stops
# after one event with status 0; --timeout without an event also ends with
# status 0 and no output (fanwatch's 2 means a usage error).
# Before Linux 5.17 (no FAN_RENAME) -e all_events has no rename: the rename
# is its moved_from and moved_to records, and fanwatch says so.
. "${FWT_DIR:?}/lib.sh"

mkdir "$W/d"
echo x >"$W/f"
# fanwatch stopped while the workload runs: one record per kind, merged;
# not the other listeners' walks
X=(--exclude-comm fanwatch)
fw_start close --format '%e %f' -e CLOSE "${X[@]}" "$W"
FC=$FWPID
fw_start move --format '%e %f' -e move "${X[@]}" "$W"
FM=$FWPID
fw_start all --format '%e %f' -e all_events "${X[@]}" "$W"
FA=$FWPID
freeze "$FC"; freeze "$FM"; freeze "$FA"
run_wl read "$W/f" write "$W/g" x rename "$W/g" "$W/h"
kill -CONT "$FC" "$FM" "$FA"
kill -INT "$FC" "$FM" "$FA"
wait "$FC" "$FM" "$FA" || fail "fanwatch exited $?"
printf '%s\n' "close_nowrite f" "close_write g" >"$LOG/close.want"
cmp "$LOG/close.want" "$LOG/close.out" || fail "-e CLOSE: $(cat "$LOG/close.out")"
printf '%s\n' "moved_from g" "moved_to h" >"$LOG/move.want"
cmp "$LOG/move.want" "$LOG/move.out" || fail "-e move: $(cat "$LOG/move.out")"
# The kernel merges g's events of one name and one process, all queued: create and
# moved_from (on the directory), and with the file's own handle on them too
# (FAN_REPORT_TARGET_FID, Linux 5.17) open, modify and close_write as well.
wants=("open,access,close_nowrite f" "moved_to h" "rename g")
all_events=create,open,open_exec,access,modify,attrib,close_write,close_nowrite,moved_from,moved_to,rename,move_self,delete,delete_self
if ! kernel_has 5.17; then
	wants=("open,access,close_nowrite f" "moved_to h" "create,moved_from g" "open,modify,close_write g")
	all_events=${all_events/,rename/}
	[[ $(wc -l <"$LOG/all.out") == 4 ]] || fail "-e all_events: $(cat "$LOG/all.out")"
	grep -q "has no rename event (Linux 5.17): a rename is reported as moved_from with the old path and moved_to with the new one" \
		"$LOG/all.err" || fail "-e all_events: no note on renames: $(cat "$LOG/all.err")"
elif grep -qxF "create,open,modify,close_write,moved_from g" "$LOG/all.out"; then
	[[ $(wc -l <"$LOG/all.out") == 4 ]] || fail "-e all_events: $(cat "$LOG/all.out")"
else
	wants+=("create,moved_from g" "open,modify,close_write g")
	[[ $(wc -l <"$LOG/all.out") == 5 ]] || fail "-e all_events: $(cat "$LOG/all.out")"
fi
for want in "${wants[@]}"; do
	grep -qxF "$want" "$LOG/all.out" || fail "-e all_events: no '$want' in $(cat "$LOG/all.out")"
done
grep -q "^watching .* for $all_events;" \
	<(sed 's/^fanwatch: //' "$LOG/all.err") || fail "-e all_events: $(head -1 "$LOG/all.err")"
note "-e close, move, all_events (any case): exact records"

# --mount: all is what a mount mark can report
fw_start mnt -e all --mount "$W"
fw_stop
grep -q 'for open,open_exec,access,modify,close_write,close_nowrite;' "$LOG/mnt.err" ||
	fail "-e all --mount: $(head -1 "$LOG/mnt.err")"
expect_status 2 'use --filesystem' "$FW" -e all,move --mount "$W"
note "-e all --mount: cut to the mount's events"

# -1: the first event, then exit 0
fw_start one -1 --format '%e %f' -e create "$W"
run_wl create "$W/first" create "$W/second"
st=0
wait "$FWPID" || st=$?
[[ $st == 0 && $(cat "$LOG/one.out") == "create first" ]] || fail "-1: status $st, $(cat "$LOG/one.out")"
# --timeout without an event: status 0, nothing on standard output
st=0
"$FW" -1 -t 0.3 -e create "$W/d" >"$LOG/to.out" 2>"$LOG/to.err" || st=$?
[[ $st == 0 && ! -s $LOG/to.out ]] || fail "-1 -t without an event: status $st, $(cat "$LOG/to.out")"
grep -q ' 0 reported' "$LOG/to.err" || fail "the summary does not say 0 reported: $(cat "$LOG/to.err")"
note "-1 and --timeout: exit 0"

expect_status 2 "unknown event 'clos'" "$FW" -e clos "$W"
expect_status 2 'shorthands: close move all all_events' "$FW" -e clos "$W"
note "usage errors list the shorthands"
exit 0
