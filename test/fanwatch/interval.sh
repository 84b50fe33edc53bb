#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --interval: a table every interval, read through a pseudo-terminal
# (script(1)): redrawn in place (cursor home, lines cleared, the rest of
# the screen cleared), no more rows than the terminal has room for; appended
# tables without a terminal; one JSON object per interval with --json;
# --sort.  Over all tables, every file counted exactly once (the exact set).
. "${FWT_DIR:?}/lib.sh"

FWP="python3 $FWT_DIR/fwpeer.py"
command -v script >/dev/null || skip "script(1) (util-linux) is not installed"
N=24

# workload: N files over about 1.2 s, in two directories
work() {
	local i
	rm -f "$W"/d*/f*
	sleep 0.2
	for ((i = 0; i < N; i++)); do
		"$WL" create "$W/d$((i % 2))/f$i" >/dev/null
		sleep 0.05
	done
}
mkdir "$W/d0" "$W/d1"

# on a terminal of 14 rows: at most (14 - 5) / 2 = 4 rows a table
( sleep 1; work ) &
script -qec "stty rows 14 cols 200; exec $FW --interval 0.3 -t 3.5 -e create,open --top 50 $W 2>$LOG/tty.err" \
	/dev/null </dev/null >"$LOG/tty.out" 2>/dev/null || fail "fanwatch on a terminal exited $?"
wait
$FWP tables "$LOG/tty.out" >"$LOG/tty.json" || fail "terminal tables: $(od -c "$LOG/tty.out" | head)"
python3 - "$LOG/tty.json" <<'PY' || fail "terminal tables: $(cat "$LOG/tty.json")"
import json, sys
ts = [json.loads(l) for l in open(sys.argv[1])]
assert len(ts) >= 8, len(ts)                    # 3.5 s / 0.3 s, and the last one
assert all(t["tty"] for t in ts)
assert all(len(t["paths"]) <= 4 and len(t["processes"]) <= 4 for t in ts), ts
assert all(t["columns"] == ["total", "create", "open"] for t in ts if "columns" in t)
assert any(t["paths"] for t in ts)
PY
note "terminal: redrawn in place, rows fit"

# no terminal: all the rows, tables appended; every file exactly once, create and open
( sleep 1; work ) &
WP=$!
fw_start plain --interval 0.3 -e create,open --top 100 "$W"
wait "$WP"
sleep 0.5
fw_stop
$FWP tables "$LOG/plain.out" >"$LOG/plain.json" || fail "tables: $(cat "$LOG/plain.out")"
python3 - "$LOG/plain.json" "$W" "$N" <<'PY' || fail "tables: $(cat "$LOG/plain.out")"
import collections, json, re, sys
ts = [json.loads(l) for l in open(sys.argv[1])]
w, n = sys.argv[2], int(sys.argv[3])
assert len(ts) >= 5 and not any(t["tty"] for t in ts), len(ts)
seen = collections.Counter()
for t in ts:
    for r in t["paths"]:
        if re.fullmatch(re.escape(w) + r"/d[01]/f\d+", r["path"]):
            assert r["counts"]["total"] >= r["counts"]["create"], r
            seen[r["path"]] += r["counts"]["create"]
want = {f"{w}/d{i % 2}/f{i}": 1 for i in range(n)}
assert dict(seen) == want, (dict(seen), want)
PY
note "no terminal: appended tables, every file counted once"

# --json: one object per interval; --sort open
( sleep 1; work ) &
WP=$!
fw_start json --interval 0.3 --json --sort open -e create,open --top 100 "$W"
wait "$WP"
sleep 0.5
fw_stop
python3 - "$LOG/json.out" "$W" "$N" <<'PY' || fail "JSON: $(head -3 "$LOG/json.out")"
import collections, json, re, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
w, n = sys.argv[2], int(sys.argv[3])
assert len(objs) >= 5 and all(o["interval"] is True for o in objs), objs[:2]
created = collections.Counter()
# every 0.3 s (a table that came late on a busy machine makes the next one shorter)
secs = sorted(o["seconds"] for o in objs)
assert 0.2 < secs[len(secs) // 2] < 0.6 and secs[-1] < 2, secs
for o in objs:
    assert o["total"] == sum(o["events"].values()) or o["total"] <= sum(o["events"].values())
    opens = [p["events"].get("open", 0) for p in o["paths"]]
    assert opens == sorted(opens, reverse=True), opens      # --sort open
    for p in o["paths"]:
        created[p["path"]] += p["events"].get("create", 0)
    for q in o["processes"]:
        assert set(q) == {"count", "events", "pid", "comm"} | ({"comm_raw"} & set(q)), q
assert {k: v for k, v in created.items() if re.fullmatch(re.escape(w) + r"/d[01]/f\d+", k)} == \
    {f"{w}/d{i % 2}/f{i}": 1 for i in range(n)}
PY
note "--json: one object per interval, --sort open"

u() { expect_status 2 "$@"; }
u "--interval: 'x' is not a number of seconds" "$FW" --interval x "$W"
u "--interval: '0' is not a number of seconds" "$FW" --interval 0 "$W"
u "--sort needs --interval" "$FW" -c --sort open "$W"
u "--sort: 'bogus' is neither total nor an event name" "$FW" --interval 1 --sort bogus "$W"
u "--sort: 'access' is not among the events watched" "$FW" --interval 1 --sort access "$W"
u "--format and --interval exclude each other" "$FW" --interval 1 --format %p "$W"
note "usage errors: ok"
exit 0
