#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Text output: TIME EVENTS PID COMM PATH in aligned columns, "-> new" for a
# rename, annotations in brackets; colour only on a terminal, never with
# NO_COLOR or -o.  Before Linux 5.17 the rename is two lines, moved_from
# and moved_to (which the kernel may merge with the create and the delete).
. "${FWT_DIR:?}/lib.sh"

fw_start t -e create,rename,delete "$W"
run_wl comm tname create "$W/a" rename "$W/a" "$W/b" mkdir "$W/d" unlink "$W/b" sleep 300
fw_stop
T=$LOG/t.out
re_time='[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}'
if kernel_has 5.17; then
	grep -Eq "^$re_time create +$WLPID tname +$W/a\$" "$T" || fail "create line: $(cat "$T")"
	grep -Eq "^$re_time rename +$WLPID tname +$W/a -> $W/b\$" "$T" || fail "rename line: $(cat "$T")"
else
	ev() { echo "([a-z_]+,)*$1(,[a-z_]+)*"; }	# one of a line's merged events
	grep -Eq "^$re_time $(ev create) +$WLPID tname +$W/a\$" "$T" || fail "create line: $(cat "$T")"
	grep -Eq "^$re_time $(ev moved_from) +$WLPID tname +$W/a\$" "$T" ||
		fail "moved_from line: $(cat "$T")"
	grep -Eq "^$re_time $(ev moved_to) +$WLPID tname +$W/b\$" "$T" || fail "moved_to line: $(cat "$T")"
	grep -q -- ' -> ' "$T" && fail "a rename line where the kernel has no rename event: $(cat "$T")"
fi
grep -Eq "^$re_time create +$WLPID tname +$W/d \[dir\]\$" "$T" || fail "dir line: $(cat "$T")"
# columns: the pid ends and the path starts at the same place on every line
awk '{ print index($0, " '"$WLPID"' "), index($0, "/") }' "$T" | sort -u | wc -l | grep -qx 1 ||
	fail "columns are not aligned: $(cat "$T")"
grep -q $'\033' "$T" && fail "colour escape in output that is not a terminal"
note "text lines: ok"

if command -v script >/dev/null; then
	col() {	# run fanwatch on a pseudo-terminal, print its output
		script -qec "$*" /dev/null </dev/null 2>/dev/null | tr -d '\r'
	}
	touch "$W/c"
	# opens of c all along fanwatch's run: some come after it watches, however slow its start
	opens() { ( for _ in $(seq 25); do sleep 0.1; "$WL" create "$W/c" >/dev/null; done ) & }
	opens
	out=$(col "$FW" -t 2.5 -e open "$W")
	wait
	grep -q $'\033\\[' <<<"$out" || fail "no colour on a terminal: $out"
	opens
	out=$(col env NO_COLOR=1 "$FW" -t 2.5 -e open "$W")
	wait
	grep -q $'\033' <<<"$out" && fail "colour despite NO_COLOR"
	grep -q "$W/c" <<<"$out" || fail "no event on the terminal: $out"
	opens
	col "$FW" -t 2.5 -e open -o "$LOG/tty.log" "$W" >/dev/null
	wait
	grep -q $'\033' "$LOG/tty.log" && fail "colour in an -o file"
	grep -q "$W/c" "$LOG/tty.log" || fail "no event in the -o file"
	note "colour: terminal only, not with NO_COLOR or -o"
else
	note "script(1) missing: colour not checked"
fi
exit 0
