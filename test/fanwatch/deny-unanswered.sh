#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Permission mode fails closed when an answer does not reach the kernel:
# the first "deny" fanwatch writes is refused (EIO, by the test shim), and
# the open is denied all the same (the group's default answer is a
# denial), reported as denied with the error, warned about once, counted
# in the summary.  Opens the rules allow still succeed.
. "${FWT_DIR:?}/lib.sh"

echo secret >"$W/a.key"
echo secret >"$W/b.key"
echo ok >"$W/ok.txt"

FW_CMD=(env LD_PRELOAD="${FW_OLDKERNEL:?}" FW_FAIL_DENY=1 "$FW")
fw_start unanswered --json --deny '*.key' "$W"
run_wl tryopen "$W/a.key" tryopen "$W/ok.txt" tryopen "$W/b.key"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS: $(cat "$LOG/unanswered.err")"
out=$(cat "$LOG/wl.out")
grep -qx "tryopen $W/a.key EPERM" <<<"$out" || fail "the unanswered open was not denied: $out"
grep -qx "tryopen $W/ok.txt ok" <<<"$out" || fail "ok.txt: $out"
grep -qx "tryopen $W/b.key EPERM" <<<"$out" || fail "b.key: $out"
grep -q "could not answer an open by pid $WLPID (Input/output error): it was denied" \
	"$LOG/unanswered.err" || fail "no warning: $(cat "$LOG/unanswered.err")"
[[ $(grep -c 'could not answer' "$LOG/unanswered.err") == 1 ]] || fail "warned more than once"
grep -q ', 1 denied for want of an answer, 2 denied$' "$LOG/unanswered.err" ||
	fail "summary: $(tail -1 "$LOG/unanswered.err")"
O=$LOG/unanswered.out
expect_json "$O" --event open --path "$W/a.key" --pid "$WLPID" --decision deny
expect_json "$O" --event open --path "$W/b.key" --pid "$WLPID" --decision deny
python3 - "$O" "$W/a.key" <<'PY' || fail "a.key's record does not carry the error"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = [x for x in recs if x.get("path") == sys.argv[2] and x.get("decision") == "deny"]
sys.exit(0 if r and r[0].get("error") == 5 and r[0].get("error_name") == "EIO" else 1)
PY
note "an answer the kernel did not take: denied, reported, counted"
exit 0
