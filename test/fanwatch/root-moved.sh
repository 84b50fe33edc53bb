#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A watched directory moved away: records under it keep its old name (the
# PATH the user gave) and say so ("unverified": the path no longer leads
# there), in JSON, text and --format; records from before the move, and
# the directory's own move record, are not flagged.
. "${FWT_DIR:?}/lib.sh"

mkdir -p "$W/a/w"
fw_start mvj --json -e create,move_self "$W/a/w"
FJ=$FWPID
fw_start mvf --format '%p %{flags}' -e create "$W/a/w"
FF=$FWPID
fw_start mvt -e create "$W/a/w"
run_wl create "$W/a/w/before"
mv "$W/a/w" "$W/a/w2"
sleep 0.3
mkdir "$W/a/w2/d"
run_wl create "$W/a/w2/after" create "$W/a/w2/d/x"
sleep 0.5
kill -INT "$FJ" "$FF"
wait "$FJ" "$FF"
fw_stop
O=$LOG/mvj.out
python3 - "$O" "$W/a/w" <<'PY' || fail "JSON: $(cat "$O")"
import json, sys
w = sys.argv[2]
recs = {(r["path"], tuple(r["events"])): r for r in map(json.loads, open(sys.argv[1]))}
want = {(w + "/before", ("create",)): False, (w, ("move_self",)): False,
        (w + "/d", ("create",)): True, (w + "/after", ("create",)): True,
        (w + "/d/x", ("create",)): True}
bad = [(k, v) for k, v in want.items() if k not in recs or bool(recs[k].get("unverified")) != v]
sys.exit(f"want {bad}" if bad else 0)
PY
grep -qx "$W/a/w/after unverified" "$LOG/mvf.out" || fail "--format: $(cat "$LOG/mvf.out")"
grep -qx "$W/a/w/before -" "$LOG/mvf.out" || fail "--format before: $(cat "$LOG/mvf.out")"
grep -q " $W/a/w/after \[unverified\]$" "$LOG/mvt.out" || fail "text: $(cat "$LOG/mvt.out")"
grep -q " $W/a/w/before$" "$LOG/mvt.out" || fail "text before: $(cat "$LOG/mvt.out")"
grep -q "watched directory $W/a/w was moved: paths under it are reported by its old name, flagged unverified" \
	"$LOG/mvt.err" || fail "no word of the move: $(cat "$LOG/mvt.err")"
note "a moved root: its old name, flagged unverified after the move"
exit 0
