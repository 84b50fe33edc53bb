#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Parse one listener run of compare.sh, or summarize all runs.

  compare_parse.py run --listener L --rate R --rep K --iterations N --ndirs D
                       --root T --dir RUNDIR            -> one JSON line
  compare_parse.py summarize RESULTS.jsonl              -> the table

Counting rules (the same for every listener):
- The workload makes 4 events per iteration: create, modify, close_write,
  delete (plus an open, not counted).  Expected: N of each type.
- A record (one output line, or one kernel event for raw_reader) counts once
  for every one of the 4 types its mask or event list holds: the kernel
  merges a file's events into one record while they are still queued, and
  such a record stands for each of them.
- full_t: distinct workload files (ROOT/d<i%D>/f<i>, exact) reported with
  type t.  other_t: records with type t whose path is anything else (a
  directory, "(deleted)", a device/inode pair, nothing).  captured_t =
  min(N, full_t + other_t).  captured% = sum captured_t / 4N and
  full-path% = sum full_t / 4N.  raw_reader prints no paths: full-path n/a.
- A workload path with " (deleted)" glued on (fsnotifywait) is not counted
  as a full path (a file can be named that way: the output is ambiguous);
  the "+(deleted)%" column counts those separately.
- fatrace shows one letter W for both modify and close_write and C for any
  close: W counts as modify, C as close_write (the workload closes only
  files it wrote).  In its FID mode it reports create/delete on the parent
  directory, where the kernel merges many of them into one record.
"""
import argparse
import json
import os
import re
import statistics
import sys

TYPES = ("create", "modify", "close_write", "delete")


def read_text(path):
    try:
        with open(path, "r", encoding="utf-8", errors="surrogateescape") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def keyvals(text):
    return {k: v for k, v in re.findall(r"(\w+)=(\S+)", text)}


class Tally:
    def __init__(self, root, n, ndirs):
        self.pat = re.compile(re.escape(root) + r"/d(\d+)/f(\d+)$")
        self.n, self.ndirs = n, ndirs
        self.full = {t: set() for t in TYPES}
        self.deleted = {t: set() for t in TYPES}
        self.other = {t: 0 for t in TYPES}
        self.records = 0
        self.overflows = 0
        self.named = None	# records naming the workload (listeners that name processes)

    def workload_file(self, path):
        m = self.pat.match(path or "")
        if not m:
            return None
        d, i = int(m.group(1)), int(m.group(2))
        return i if i < self.n and d == i % self.ndirs else None

    def add(self, types, path, comm=False):
        self.records += 1
        if comm is not False:
            self.named = (self.named or 0) + (comm == "workload")
        i = self.workload_file(path)
        d = None
        if i is None and path and path.endswith(" (deleted)"):
            d = self.workload_file(path[:-len(" (deleted)")])
        for t in TYPES:
            if t not in types:
                continue
            if i is not None:
                self.full[t].add(i)
            elif d is not None:
                self.deleted[t].add(d)
                self.other[t] += 1
            else:
                self.other[t] += 1

    def result(self, with_paths=True):
        cap = {t: min(self.n, len(self.full[t]) + self.other[t]) for t in TYPES}
        total = 4 * self.n
        out = {
            "records": self.records,
            "overflows": self.overflows,
            "captured": {t: cap[t] for t in TYPES},
            "captured_pct": 100.0 * sum(cap.values()) / total,
            "named_pct": None if self.named is None or not self.records
            else 100.0 * self.named / self.records,
        }
        if with_paths:
            out["full"] = {t: len(self.full[t]) for t in TYPES}
            out["full_pct"] = 100.0 * sum(len(s) for s in self.full.values()) / total
            out["deleted_pct"] = 100.0 * sum(len(s) for s in self.deleted.values()) / total
        else:
            out["full_pct"] = out["deleted_pct"] = None
        return out


def parse_raw(t, d):
    kv = keyvals(read_text(os.path.join(d, "stdout")))
    for ty in TYPES:
        t.other[ty] = int(kv.get(ty, 0))
    t.records = int(kv.get("records", 0))
    t.overflows = int(kv.get("overflows", 0))
    return t.result(with_paths=False)


def fanwatch_types(obj):
    ev = obj.get("events", obj.get("event", []))
    return set([ev] if isinstance(ev, str) else ev or [])


def parse_fanwatch(t, d):
    overflow_lines = 0
    for line in read_text(os.path.join(d, "out")).splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        types = fanwatch_types(obj)
        if types & {"overflow", "q_overflow"} or obj.get("overflow"):
            overflow_lines += 1
            continue
        t.add(types, obj.get("path"), obj.get("comm"))
    err = read_text(os.path.join(d, "stderr"))
    m = re.search(r"(\d+)\s+overflows?|overflows?\W+(\d+)", err)
    reported = int(m.group(1) or m.group(2)) if m else 0
    t.overflows = max(overflow_lines, reported)
    return t.result()


# fanwatch's text output and --format '%T %e %{pid} %{comm} %p': TIME EVENTS
# PID COMM PATH [annotations]; a quoted path (never one of the workload's)
# counts as another path
FW_TEXT = re.compile(r'^\S+ +(\S+) +\S+ +(?:"(?:[^"\\]|\\.)*"|\S+) +(\S+)')


def parse_fanwatch_text(t, d):
    for line in read_text(os.path.join(d, "out")).splitlines():
        m = FW_TEXT.match(line)
        if not m:
            continue
        types = set(m.group(1).split(","))
        if "overflow" in types:
            t.overflows += 1
            continue
        t.add(types, m.group(2))
    return t.result()


def parse_fanwatch_csv(t, d):
    import csv
    with open(os.path.join(d, "out"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            types = set(row["events"].split(","))
            if "overflow" in types:
                t.overflows += 1
                continue
            t.add(types, row["path"])
    return t.result()


FATRACE = re.compile(r"^(.*)\((\d+)\): (\S+) +(.*)$")
FATRACE_LETTERS = {"+": "create", "D": "delete", "W": "modify", "C": "close_write"}


def parse_fatrace(t, d):
    for line in read_text(os.path.join(d, "out")).splitlines():
        m = FATRACE.match(line)
        if not m:
            continue
        types = {FATRACE_LETTERS[c] for c in m.group(3) if c in FATRACE_LETTERS}
        t.add(types, m.group(4), m.group(1))
    text = read_text(os.path.join(d, "stderr")) + read_text(os.path.join(d, "stdout"))
    t.overflows = len(re.findall(r"overflow", text, re.I))
    return t.result()


FSNOTIFY = {"CREATE": "create", "MODIFY": "modify", "CLOSE_WRITE": "close_write",
            "DELETE": "delete"}


def parse_fsnotifywait(t, d):
    out = read_text(os.path.join(d, "out"))
    for line in out.splitlines():
        if line.startswith("[fid=") or "|" not in line:
            continue
        evs, path = line.split("|", 1)
        evs = set(evs.split(","))
        if "Q_OVERFLOW" in evs:
            t.overflows += 1
            continue
        t.add({FSNOTIFY[e] for e in evs if e in FSNOTIFY}, path)
    # fsnotifywait meets the kernel's overflow event (it has no file handle) by exiting.
    err = read_text(os.path.join(d, "stderr"))
    t.overflows += len(re.findall(r"overflow|No fid in fanotify event", err, re.I))
    return t.result()


PARSERS = {"raw_reader": parse_raw, "raw_fd": parse_raw, "raw_nopidfd": parse_raw,
           "raw_batched": parse_raw, "raw_batched_cr": parse_raw, "fanwatch": parse_fanwatch,
           "fanwatch_base": parse_fanwatch,
           "fanwatch_text": parse_fanwatch_text, "fanwatch_format": parse_fanwatch_text,
           "fanwatch_csv": parse_fanwatch_csv, "base_text": parse_fanwatch_text,
           "fatrace": parse_fatrace, "fsnotifywait": parse_fsnotifywait}


def cmd_run(a):
    t = Tally(a.root, a.iterations, a.ndirs)
    res = PARSERS[a.listener](t, a.dir)
    ru = keyvals(read_text(os.path.join(a.dir, "rusage")))
    wl = keyvals(read_text(os.path.join(a.dir, "workload")))
    meta = keyvals(read_text(os.path.join(a.dir, "meta")))
    cpu_us = int(ru.get("cpu_us", -1))
    res.update({
        "listener": a.listener, "rate": a.rate, "rep": a.rep, "iterations": a.iterations,
        "cpu_us": cpu_us, "user_us": int(ru.get("user_us", -1)),
        "sys_us": int(ru.get("sys_us", -1)), "maxrss_kb": int(ru.get("maxrss_kb", -1)),
        "cpu_us_per_event": cpu_us / (4.0 * a.iterations) if cpu_us >= 0 else None,
        "workload_iterations": int(wl.get("iterations", 0)),
        "workload_rate": float(wl.get("rate", 0)),
        "exited_early": meta.get("exited_early") == "1",
        "drain_s": float(meta.get("drain_s", 0)),
        "reads": int(keyvals(read_text(os.path.join(a.dir, "stdout"))).get("reads", -1)),
    })
    print(json.dumps(res, sort_keys=True))


def med(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec, none="n/a"):
    return none if v is None else format(v, spec)


def cmd_summarize(a):
    runs = [json.loads(l) for l in open(a.results) if l.strip()]
    keys = []
    for r in runs:
        k = (r["listener"], r["rate"])
        if k not in keys:
            keys.append(k)
    def base(name):
        return {rate: med(r["cpu_us_per_event"] for r in runs
                          if r["listener"] == name and r["rate"] == rate)
                for (l, rate) in keys if l == name}
    raw, batched, bcr = base("raw_reader"), base("raw_batched"), base("raw_batched_cr")
    head = ("listener", "rate", "wl rate/s", "captured%", "full-path%", "+(deleted)%", "named%",
            "overflows",
            "CPU us/event", "user us/ev", "x raw", "x batched", "x batched_cr", "x fatrace",
            "rss MB", "early exits", "runs")
    fatrace = base("fatrace")
    rows = []
    for (l, rate) in sorted(keys, key=lambda k: (k[1] == "max", k[1].zfill(9), k[0])):
        sel = [r for r in runs if r["listener"] == l and r["rate"] == rate]
        cpu = med(r["cpu_us_per_event"] for r in sel)
        ratio = cpu / raw[rate] if cpu is not None and raw.get(rate) else None
        bratio = cpu / batched[rate] if cpu is not None and batched.get(rate) else None
        cratio = cpu / bcr[rate] if cpu is not None and bcr.get(rate) else None
        fratio = cpu / fatrace[rate] if cpu is not None and fatrace.get(rate) else None
        rows.append((l, rate, fmt(med(r["workload_rate"] for r in sel), ".0f"),
                     fmt(med(r["captured_pct"] for r in sel), ".1f"),
                     fmt(med(r["full_pct"] for r in sel), ".1f"),
                     fmt(med(r.get("deleted_pct") for r in sel), ".1f"),
                     fmt(med(r.get("named_pct") for r in sel), ".1f"),
                     fmt(med(r["overflows"] for r in sel), "g"),
                     fmt(cpu, ".2f"),
                     fmt(med(r["user_us"] / (4.0 * r["iterations"]) for r in sel), ".2f"),
                     fmt(ratio, ".2f"), fmt(bratio, ".2f"), fmt(cratio, ".2f"),
                     fmt(fratio, ".2f"),
                     fmt(med(r["maxrss_kb"] / 1024.0 for r in sel), ".1f"),
                     str(sum(r["exited_early"] for r in sel)), str(len(sel))))
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    line = lambda row: "  ".join(c.rjust(w) if i else c.ljust(w)
                                 for i, (c, w) in enumerate(zip(row, widths)))
    print(line(head))
    for row in rows:
        print(line(row))
    n = runs[0]["iterations"] if runs else 0
    print(f"(medians over runs; {n} iterations = {4 * n} events of create/modify/"
          "close_write/delete per run;\n CPU = listener user+sys from wait4() over those "
          "events, user = its user part; x raw, x batched, x batched_cr, x fatrace = ratio of\n"
          " CPU to raw_reader's, raw_batched's (raw_reader --pause-us 1000: fanwatch's batching),\n"
          " raw_batched_cr's (the same closing descriptors with close_range() as libfanotify does)\n"
          " and fatrace's at the same rate; rss = listener peak resident memory;\n"
          " named% = records that name the workload's process, for listeners that name one)")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--listener", required=True, choices=sorted(PARSERS))
    r.add_argument("--rate", required=True)
    r.add_argument("--rep", type=int, required=True)
    r.add_argument("--iterations", type=int, required=True)
    r.add_argument("--ndirs", type=int, default=4)
    r.add_argument("--root", required=True)
    r.add_argument("--dir", required=True)
    s = sub.add_parser("summarize")
    s.add_argument("results")
    a = p.parse_args()
    return cmd_run(a) if a.cmd == "run" else cmd_summarize(a)


if __name__ == "__main__":
    sys.exit(main())
