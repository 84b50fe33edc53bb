#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A tree with more directories than the kernel queue holds events: walking
# it (fanwatch's own directory opens are events too) must not overflow the
# queue, at startup nor in a directory tree moved in later; events deep in
# it are reported.
. "${FWT_DIR:?}/lib.sh"

max=$(cat /proc/sys/fs/fanotify/max_queued_events)
n=$((max / 100 + 20))	# n*100 directories > max_queued_events
python3 - "$W/t" "$n" <<'PY'
import os, sys
for i in range(int(sys.argv[2])):
    for j in range(100):
        os.makedirs(f"{sys.argv[1]}/a{i}/b{j}")
PY
start=$(date +%s.%N)
FW_START_WAIT=90 fw_start big --json -e create "$W"
el=$(awk "BEGIN{print $(date +%s.%N) - $start}")
dirs=$(sed -n 's/.*(\([0-9]*\) directories).*/\1/p' "$LOG/big.err")
[[ $dirs == $((n * 100 + n + 2)) ]] || fail "startup line: $(cat "$LOG/big.err")"
run_wl create "$W/t/a$((n - 1))/b99/deep"
fw_stop
grep -q overflowed "$LOG/big.err" && fail "the walk overflowed the queue: $(cat "$LOG/big.err")"
expect_json "$LOG/big.out" --event create --path "$W/t/a$((n - 1))/b99/deep" --pid "$WLPID"
note "$dirs directories watched in $el s without overflow"
exit 0
