#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The startup line appears once the marks are in place (events right after
# it are seen); SIGINT and SIGTERM end fanwatch with status 0 and one
# summary line on stderr; --timeout and --max-events stop it by itself.
. "${FWT_DIR:?}/lib.sh"

mkdir "$W/d"
# the default events; before Linux 5.17 a rename is moved_from + moved_to,
# said on a line of its own, as is (before 5.15) that process names are unchecked
events=create,open,modify,attrib,close_write,rename,delete notes=0
kernel_has 5.17 || events=create,open,modify,attrib,close_write,moved_from,moved_to,delete notes=1
kernel_has 5.15 || notes=$((notes + 1))
fw_start s1 --json "$W"
grep -Eq "^fanwatch: watching 1 path \(2 directories\) for $events; pid $FWPID\$" \
	"$LOG/s1.err" || fail "startup line: $(cat "$LOG/s1.err")"
run_wl create "$W/d/first"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "SIGINT: exit $FWSTATUS"
expect_json "$LOG/s1.out" --event create --path "$W/d/first" --pid "$WLPID"
[[ $(wc -l <"$LOG/s1.err") == $((2 + notes)) ]] ||
	fail "stderr is not $notes kernel notes, startup and summary: $(cat "$LOG/s1.err")"
grep -Eq '^fanwatch: [0-9]+ events seen, [1-9][0-9]* reported, [0-9]+ filtered, 0 overflows$' "$LOG/s1.err" ||
	fail "summary: $(tail -1 "$LOG/s1.err")"
note "SIGINT: ok"

fw_start s2 "$W"
kill -TERM "$FWPID"
st=0
wait "$FWPID" || st=$?
[[ $st == 0 ]] || fail "SIGTERM: exit $st"
grep -q 'events seen' "$LOG/s2.err" || fail "no summary after SIGTERM"
note "SIGTERM: ok"

start=$(date +%s.%N)
"$FW" -t 0.5 "$W" >/dev/null 2>"$LOG/t.err" || fail "--timeout: exit $?"
el=$(awk "BEGIN{print $(date +%s.%N) - $start}")
# the upper bound only tells "it ended by itself": startup alone took 5 s under ASan at load 20
awk "BEGIN{exit !($el >= 0.5 && $el < 30)}" || fail "--timeout 0.5 took $el s"
grep -q 'events seen' "$LOG/t.err" || fail "no summary after --timeout"
note "--timeout: ok ($el s)"

fw_start n --json -n 3 "$W"
run_wl files "$W/d" 10
for ((i = 0; i < 100; i++)); do kill -0 "$FWPID" 2>/dev/null || break; sleep 0.05; done
kill -0 "$FWPID" 2>/dev/null && fail "--max-events 3 did not stop fanwatch"
wait "$FWPID" || fail "--max-events: exit $?"
[[ $(wc -l <"$LOG/n.out") == 3 ]] || fail "--max-events 3 gave $(wc -l <"$LOG/n.out") records"
note "--max-events: ok"
exit 0
