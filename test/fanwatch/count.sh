#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --count: the totals per event type, per path and per process match the
# workload, in text and in JSON.
. "${FWT_DIR:?}/lib.sh"

N=200
mkdir "$W/d"
# one listener at a time: each would see the other's directory walk
fw_start cj --count --json -e create,open,modify,close_write,delete "$W"
run_wl loop "$W/d" "$N" files "$W/d" 3 sleep 300
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch --count --json exited $FWSTATUS"
P1=$WLPID
rm -f "$W"/d/*
fw_start ct --count -e create,open,modify,close_write,delete "$W"
run_wl loop "$W/d" "$N" files "$W/d" 3 sleep 300
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch --count exited $FWSTATUS"

s=$($FWJ summary "$LOG/cj.out")
python3 - "$s" "$N" "$P1" "$W" <<'PY' || fail "JSON summary: $s"
import json, sys
s, n, pid, w = json.loads(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
ev = s["events"]
# loop: N x (create, open, modify, close_write, delete); files: 3 x (create, open, modify, close_write)
want = {"create": n + 3, "open": n + 3, "modify": n + 3, "close_write": n + 3, "delete": n}
assert ev == want, (ev, want)
assert s["paths_total"] == n + 3, s["paths_total"]      # f0..f(N-1), k0..k2
top = s["paths"][0]
# every file has as many records (1 to 3, by how the kernel merged them): ties by name
assert all(p["count"] <= top["count"] for p in s["paths"]), s["paths"]
assert s["processes_total"] == 1 and s["processes"][0]["pid"] == pid, s["processes"]
assert s["processes"][0]["count"] == s["total"], s
assert len(s["paths"]) == 10
PY
T=$LOG/ct.out
for e in create:$((N + 3)) open:$((N + 3)) modify:$((N + 3)) close_write:$((N + 3)) delete:$N; do
	grep -Eq "^ +${e#*:}  ${e%%:*}\$" "$T" || fail "text summary lacks ${e%%:*} = ${e#*:}: $(cat "$T")"
done
grep -q "^paths (10 busiest of $((N + 3))):" "$T" || fail "text summary: paths header"
grep -Eq "^ +[0-9]+ +$WLPID fw-workload\$" "$T" || fail "text summary: process line"
note "count: totals match ($N + 3 files)"
exit 0
