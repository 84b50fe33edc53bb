#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The process fields of JSON records follow the process: its name changed
# between two batches shows in the records after the change (the JSON
# writer reuses a process's formatted fields only while its identity is
# the same), and two processes in turn each keep their own name.
. "${FWT_DIR:?}/lib.sh"

fw_start pn --json -e create "$W"
# each process stays alive a while after its last event: a process that
# has exited by the time its event is read has no name to show
run_wl comm first create "$W/f1" sleep 300 comm second create "$W/f2" sleep 300 \
	comm third create "$W/f3" sleep 300
P=$WLPID
run_wl comm other create "$W/g1" sleep 300
Q=$WLPID
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS"
O=$LOG/pn.out
$FWJ valid "$O" >/dev/null
expect_json "$O" --event create --path "$W/f1" --pid "$P" --comm first
expect_json "$O" --event create --path "$W/f2" --pid "$P" --comm second
expect_json "$O" --event create --path "$W/f3" --pid "$P" --comm third
expect_json "$O" --event create --path "$W/g1" --pid "$Q" --comm other
note "process names across batches: ok"
exit 0
