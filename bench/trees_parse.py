#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Parse what the listeners of bench/trees.sh wrote, and tabulate.

  trees_parse.py run LISTENER OUTFILE EXPECT.json      one run: JSON line on stdout
  trees_parse.py table RESULTS.jsonl                    medians per tree and listener

EXPECT.json: {"create": [paths], "delete": [paths], "phases": {...}} as written
by trees.sh (absolute paths, as the workload made them).  A creation counts
as reported with the right path when a record of that listener names it
with a create event (fanwatch: also "synthetic" creates, found by reading a
new directory); the same for deletions.  Paths are bytes.
"""
import base64
import json
import os
import re
import statistics
import sys


def read_bytes(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return b""


def fanwatch(out):
    got = {"create": set(), "delete": set()}
    overflows = 0
    for line in out.splitlines():
        try:
            r = json.loads(line)
        except ValueError:
            continue
        ev = r.get("events", [])
        if "overflow" in ev:
            overflows += 1
            continue
        p = r.get("path")
        if p is None:
            continue
        b = base64.b64decode(r["path_raw"]) if "path_raw" in r else p.encode()
        for e in ("create", "delete"):
            if e in ev:
                got[e].add(b)
    return got, overflows


def inotify_like(out):
    """inotifywait / fsnotifywait with --format '%e|%w%f'."""
    got = {"create": set(), "delete": set()}
    overflows = 0
    for line in out.splitlines():
        if b"|" not in line:
            continue
        evs, path = line.split(b"|", 1)
        evs = set(evs.split(b","))
        if b"Q_OVERFLOW" in evs:
            overflows += 1
        if b"CREATE" in evs:
            got["create"].add(path)
        if b"DELETE" in evs:
            got["delete"].add(path)
    return got, overflows


FATRACE = re.compile(rb"^.*\((\d+)\): (\S+) +(.*)$")


def fatrace(out):
    got = {"create": set(), "delete": set()}
    for line in out.splitlines():
        m = FATRACE.match(line)
        if not m:
            continue
        if b"+" in m.group(2):
            got["create"].add(m.group(3))
        if b"D" in m.group(2):
            got["delete"].add(m.group(3))
    return got, 0


def cmd_run(listener, outfile, expect_file):
    out = read_bytes(outfile)
    if listener.startswith("fanwatch"):
        got, ovf = fanwatch(out)
    elif listener == "fatrace":
        got, ovf = fatrace(out)
    else:
        got, ovf = inotify_like(out)
    with open(expect_file) as f:
        exp = json.load(f)
    res = {"listener": listener, "overflows": ovf}
    for phase, kinds in exp["phases"].items():
        for kind, paths in kinds.items():
            want = {os.fsencode(p) for p in paths}
            hit = len(want & got[kind])
            res[f"{phase}_{kind}_pct"] = 100.0 * hit / len(want) if want else None
            res[f"{phase}_{kind}_n"] = len(want)
    print(json.dumps(res, sort_keys=True))


def cmd_table(results):
    rows = [json.loads(l) for l in open(results) if l.strip()]
    keys = sorted({(r["tree"], r["listener"]) for r in rows})
    cols = [k for k in sorted({k for r in rows for k in r}) if k.endswith("_pct")]
    head = ["tree", "listener"] + [c[:-4] for c in cols] + ["cpu_s", "overflows", "runs"]
    print(" | ".join(head))
    print(" | ".join("---" for _ in head))
    for tree, lis in keys:
        rs = [r for r in rows if r["tree"] == tree and r["listener"] == lis]
        cells = [tree, lis]
        for c in cols:
            vals = [r[c] for r in rs if r.get(c) is not None]
            lo = min(vals) if vals else None
            cells.append("-" if not vals else
                         f"{statistics.median(vals):.1f}%" + (f" (min {lo:.1f})" if lo < 100 and
                                                              len(vals) > 1 else ""))
        cpu = [r["cpu_us"] / 1e6 for r in rs if r.get("cpu_us", -1) >= 0]
        cells.append(f"{statistics.median(cpu):.2f}" if cpu else "-")
        cells.append(str(sum(r.get("overflows", 0) for r in rs)))
        cells.append(str(len(rs)))
        print(" | ".join(cells))


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "run":
        cmd_run(*sys.argv[2:])
    elif len(sys.argv) == 3 and sys.argv[1] == "table":
        cmd_table(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
