#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Filters: -e picks the events; --pid and --comm pick processes; --include
# and --exclude pick paths (a glob without '/' matches the name, with '/'
# the whole path); fanwatch's own events never appear (its -o file inside
# the watched tree).
. "${FWT_DIR:?}/lib.sh"

mkdir -p "$W/keep/sub" "$W/skip"
fw_start all --json -e create "$W"
FA=$FWPID
fw_start only-open --json -e open,close_nowrite "$W"
FO=$FWPID
fw_start globs --json -e create --include '*.c' --include "$W/keep/*" --exclude '*.tmp' "$W"
FG=$FWPID
# each workload stays a moment: a process name is known while the process lives
run_wl comm picked create "$W/a.c" create "$W/a.h" create "$W/keep/sub/x.h" create "$W/keep/y.tmp" \
	create "$W/skip/z.c" read "$W/a.c" sleep 300
P1=$WLPID
run_wl comm other create "$W/b.c" sleep 300
P2=$WLPID
fw_start pid --json -e create --pid "$P1" "$W"
FP=$FWPID
fw_start comm --json -e create --comm other "$W"
FC=$FWPID
run_wl comm picked create "$W/c1" sleep 300
P3=$WLPID
run_wl comm other create "$W/c2" sleep 300
P4=$WLPID
fw_start self --json -e create,open,modify -o "$W/self.log" "$W"
FS=$FWPID
run_wl create "$W/d1"
kill -INT "$FA" "$FO" "$FG" "$FP" "$FC" "$FS"
wait "$FA" "$FO" "$FG" "$FP" "$FC" "$FS"

A=$LOG/all.out
expect_json "$A" --event create --path "$W/a.h" --pid "$P1"
expect_json "$A" --comm picked
expect_no_json "$A" --event open
O=$LOG/only-open.out
expect_json "$O" --event open --path "$W/a.c" --pid "$P1"
expect_json "$O" --event close_nowrite --path "$W/a.c" --pid "$P1"
expect_no_json "$O" --event create
note "-e: ok"

G=$LOG/globs.out
expect_json "$G" --path "$W/a.c"
expect_json "$G" --path "$W/skip/z.c"
expect_json "$G" --path "$W/keep/sub/x.h"
expect_no_json "$G" --path "$W/a.h"
expect_no_json "$G" --path "$W/keep/y.tmp"
note "--include/--exclude: ok"

# --pid P1: P1 has exited; later processes are other pids
expect_no_json "$LOG/pid.out" --pid "$P3"
expect_no_json "$LOG/pid.out" --pid "$P4"
fw_start pid2 --json -e create --pid "$$" "$W"
echo x >"$W/by-test-shell"	# by this shell itself: pid $$
"$WL" create "$W/by-child" >/dev/null
fw_stop
expect_json "$LOG/pid2.out" --path "$W/by-test-shell" --pid "$$"
expect_no_json "$LOG/pid2.out" --path "$W/by-child"
note "--pid: ok"
expect_json "$LOG/comm.out" --path "$W/c2" --pid "$P4" --comm other
expect_no_json "$LOG/comm.out" --path "$W/c1"
note "--comm: ok"

S=$LOG/self.out
[[ ! -s $S ]] || fail "-o given, yet stdout got output"
python3 "$FWT_DIR/fwjson.py" find "$W/self.log" --path "$W/d1" --event create || fail "no event in -o file"
expect_no_json "$W/self.log" --path "$W/self.log"
note "own events hidden: ok"
exit 0
