#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Permission mode never freezes the openers through job control: SIGTSTP,
# SIGTTIN and SIGTTOU (Ctrl-Z, a background write to a terminal) leave a
# --deny fanwatch running and answering, with a line on stderr.
. "${FWT_DIR:?}/lib.sh"

echo ok >"$W/ok.txt"
fw_start deny --deny '*.key' "$W"
for sig in TSTP TTIN TTOU; do
	kill -"$sig" "$FWPID"
	# a stopped listener would leave this open waiting: 5 s is plenty
	timeout 5 "$WL" tryopen "$W/ok.txt" >"$LOG/try.out" ||
		fail "SIG$sig: the open hung (fanwatch state: $(grep State /proc/$FWPID/status))"
	grep -qx "tryopen $W/ok.txt ok" "$LOG/try.out" || fail "SIG$sig: $(cat "$LOG/try.out")"
done
for sig in TSTP TTIN TTOU; do
	for ((i = 0; i < 100; i++)); do grep -q "ignoring SIG$sig" "$LOG/deny.err" && break; sleep 0.05; done
	grep -q "^fanwatch: ignoring SIG$sig: in permission mode a stopped fanwatch would block" \
		"$LOG/deny.err" || fail "no message for SIG$sig: $(cat "$LOG/deny.err")"
done
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS"
note "job control signals in permission mode: ignored, said so"

exit 0
