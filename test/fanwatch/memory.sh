#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fanwatch's memory goes with the directories that exist: rounds of 8,000
# directories made and removed in the tree leave its resident memory where
# the first round left it (within 1 MiB; the state is one node per live
# directory and no record per mark).  Every creation and deletion is
# reported (unless the queue overflowed, which is reported).  Memory is not
# checked under AddressSanitizer (its quarantine keeps freed memory).
. "${FWT_DIR:?}/lib.sh"

ROUNDS=3 N=8000
rss() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status"; }
mkdir "$W/m"
fw_start m --json -e create,delete -o "$LOG/m.out" "$W"
FWNAME=m
rs=()
for ((r = 1; r <= ROUNDS; r++)); do
	(cd "$W/m" && mkdir $(seq -f "r${r}d%g" $N) && rmdir r${r}d*)
	settle "$r"
	rs+=("$(rss "$FWPID")")
done
fw_stop
# a loaded machine may let the queue overflow (reported): then events were lost
if grep -q ', 0 overflows$' "$LOG/m.err"; then
	n=$($FWJ count "$LOG/m.out" --event create --dir --under "$W/m")
	[[ $n == $((ROUNDS * N)) ]] || fail "$n directory creations reported, expected $((ROUNDS * N))"
	n=$($FWJ count "$LOG/m.out" --event delete --dir --under "$W/m")
	[[ $n == $((ROUNDS * N)) ]] || fail "$n directory deletions reported, expected $((ROUNDS * N))"
else
	note "the queue overflowed (a loaded machine): counts not checked: $(tail -1 "$LOG/m.err")"
fi
grow=$((rs[ROUNDS - 1] - rs[0]))
if [[ ${FWT_SANITIZED:-0} == 1 ]]; then
	note "RSS not checked under AddressSanitizer: ${rs[*]} KiB"
else
	((grow <= 1024)) || fail "RSS grew by $grow KiB from round 1 to $ROUNDS: ${rs[*]} KiB"
fi
note "$ROUNDS rounds of $N mkdir + rmdir: RSS ${rs[*]} KiB (+$grow KiB after round 1)"
exit 0
