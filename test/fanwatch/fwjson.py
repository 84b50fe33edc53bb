#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check fanwatch --json output (JSON Lines) for the end-to-end tests.

Paths are compared as bytes, recovered by fanwatch's documented rule:
the "<key>_raw" field (base64) when present, else the UTF-8 of the string.
Command-line arguments are bytes too (os.fsencode), so hostile names pass.

  fwjson.py valid FILE                 every line valid UTF-8 JSON, schema ok
  fwjson.py find FILE [filters]        exit 0 if a record matches, else 1
  fwjson.py count FILE [filters]       print how many records match
  fwjson.py paths FILE [filters]       print matching paths, one per line (bytes)
  fwjson.py summary FILE               print the --count summary object's fields
  fwjson.py sameset FILE --expect LIST [--prefix OLD NEW] [filters]
                                       the set of paths of matching records
                                       equals LIST (NUL-separated paths, e.g.
                                       find -print0; OLD replaced by NEW);
                                       prints what is missing and extra

filters: --event NAME (in "events"), --path P, --new-path P, --pid N,
--under DIR (path inside DIR), --at-or-under DIR, --synthetic, --real (not
synthetic), --dir, --decision D, --comm C, --reason R (permission mode: why
denied), --partial, --no-pid (pid null)
"""
import argparse
import base64
import json
import os
import re
import sys

EVENTS = {"access", "modify", "attrib", "open", "open_exec", "close_write",
          "close_nowrite", "create", "delete", "moved_from", "moved_to", "rename",
          "delete_self", "move_self", "fs_error", "mount", "umount", "overflow"}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d$")


def load(path, needle=None):
    """Every record; with needle, only lines holding it (a plain ASCII path prefix
    is written as it is in JSON, so no matching record is skipped)."""
    recs = []
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            if needle is not None and needle not in raw:
                continue
            try:
                text = raw.decode("utf-8", "strict")
            except UnicodeDecodeError as e:
                sys.exit(f"line {n}: not UTF-8: {e}")
            if not text.endswith("\n"):
                sys.exit(f"line {n}: no newline at the end")
            try:
                recs.append(json.loads(text))
            except json.JSONDecodeError as e:
                sys.exit(f"line {n}: not JSON: {e}: {text!r}")
    return recs


def raw_bytes(rec, key):
    """The exact bytes of a string field, by the documented rule."""
    if rec.get(key) is None:
        return None
    if key + "_raw" in rec:
        return base64.b64decode(rec[key + "_raw"], validate=True)
    return rec[key].encode("utf-8")


def check_schema(rec, n):
    if rec.get("summary"):
        return
    if not isinstance(rec.get("time"), str) or not TIME.match(rec["time"]):
        sys.exit(f"record {n}: bad time {rec.get('time')!r}")
    ev = rec.get("events")
    if not isinstance(ev, list) or not ev or any(e not in EVENTS for e in ev):
        sys.exit(f"record {n}: bad events {ev!r}")
    if ev == ["overflow"]:
        return
    for key in ("path", "pid", "comm"):
        if key not in rec:
            sys.exit(f"record {n}: no {key}")
    # who did it: every identity field, null when unknown (fanwatch(1))
    for key in ("ppid", "uid", "user", "gid", "exe", "cgroup", "mntns", "attribution"):
        if key not in rec:
            sys.exit(f"record {n}: no {key}")
    if rec["attribution"] not in ("verified", "recorded", "unverified", "unknown"):
        sys.exit(f"record {n}: bad attribution {rec['attribution']!r}")
    if (rec["comm"] is None) != (rec["attribution"] == "unknown"):
        sys.exit(f"record {n}: comm {rec['comm']!r} but attribution {rec['attribution']}")
    for key in ("path", "new_path", "comm", "exe", "user", "cgroup"):
        if key + "_raw" in rec:
            b = raw_bytes(rec, key)
            if b.decode("utf-8", "replace") != rec[key]:
                sys.exit(f"record {n}: {key} and {key}_raw disagree")
    if "rename" in ev and "new_path" not in rec:
        sys.exit(f"record {n}: rename without new_path")


def matches(rec, a):
    if rec.get("summary"):
        return False
    if a.event and a.event not in rec.get("events", []):
        return False
    if a.path is not None and raw_bytes(rec, "path") != os.fsencode(a.path):
        return False
    if a.new_path is not None and raw_bytes(rec, "new_path") != os.fsencode(a.new_path):
        return False
    if a.under is not None:
        p = raw_bytes(rec, "path") or b""
        u = os.fsencode(a.under).rstrip(b"/") + b"/"
        if not p.startswith(u):
            return False
    if a.at_or_under is not None:
        p = raw_bytes(rec, "path") or b""
        u = os.fsencode(a.at_or_under).rstrip(b"/")
        if p != u and not p.startswith(u + b"/"):
            return False
    if a.pid is not None and rec.get("pid") != a.pid:
        return False
    if a.no_pid and rec.get("pid") is not None:
        return False
    if a.synthetic and not rec.get("synthetic"):
        return False
    if a.real and rec.get("synthetic"):
        return False
    if a.partial and not rec.get("partial"):
        return False
    if a.dir and not rec.get("dir"):
        return False
    if a.decision is not None and rec.get("decision") != a.decision:
        return False
    if a.comm is not None and raw_bytes(rec, "comm") != os.fsencode(a.comm):
        return False
    if a.reason is not None and rec.get("reason") != a.reason:
        return False
    return True


def prefilter(a):
    """A substring every matching line holds, when one is known and safe to use."""
    if a.cmd in ("valid", "summary"):
        return None
    d = a.under if a.under is not None else a.at_or_under
    if d is None:
        return None
    b = os.fsencode(d).rstrip(b"/")
    if not b or any(c < 0x20 or c > 0x7e or c in b'"\\' for c in b):
        return None
    return b


def sameset(hits, a):
    """The paths of hits, as a set, against the expected list."""
    with open(a.expect, "rb") as f:
        want = {p for p in f.read().split(b"\0") if p}
    if a.prefix:
        old, new = os.fsencode(a.prefix[0]), os.fsencode(a.prefix[1])
        want = {new + p[len(old):] if p.startswith(old) else p for p in want}
    got = {raw_bytes(r, "path") for r in hits}
    missing, extra = sorted(want - got), sorted(p for p in got - want if p is not None)
    if None in got:
        extra.insert(0, b"(null)")
    if not missing and not extra:
        print(len(got))
        return 0
    sys.stderr.write(f"{len(got)} paths reported, {len(want)} expected: "
                     f"{len(missing)} missing, {len(extra)} extra\n")
    for p in missing[:15]:
        sys.stderr.write(f"  missing {p!r}\n")
    for p in extra[:15]:
        sys.stderr.write(f"  extra   {p!r}\n")
    return 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd", choices=["valid", "find", "count", "paths", "summary", "sameset"])
    ap.add_argument("file")
    ap.add_argument("--event")
    ap.add_argument("--path")
    ap.add_argument("--new-path")
    ap.add_argument("--under")
    ap.add_argument("--pid", type=int)
    ap.add_argument("--no-pid", action="store_true")
    ap.add_argument("--synthetic", action="store_true")
    ap.add_argument("--dir", action="store_true")
    ap.add_argument("--decision")
    ap.add_argument("--comm")
    ap.add_argument("--real", action="store_true")
    ap.add_argument("--at-or-under")
    ap.add_argument("--partial", action="store_true")
    ap.add_argument("--expect")
    ap.add_argument("--prefix", nargs=2)
    ap.add_argument("--reason")
    a = ap.parse_args()
    recs = load(a.file, prefilter(a))
    if a.cmd == "valid":
        for n, r in enumerate(recs, 1):
            check_schema(r, n)
        print(len(recs))
        return 0
    if a.cmd == "summary":
        s = [r for r in recs if r.get("summary")]
        if len(s) != 1:
            sys.exit(f"{len(s)} summary objects")
        print(json.dumps(s[0]))
        return 0
    hits = [r for r in recs if matches(r, a)]
    if a.cmd == "count":
        print(len(hits))
        return 0
    if a.cmd == "paths":
        for r in hits:
            sys.stdout.buffer.write(raw_bytes(r, "path") + b"\n")
        return 0
    if a.cmd == "sameset":
        return sameset(hits, a)
    if hits:
        return 0
    sys.stderr.write(f"no record matches {vars(a)}; records:\n")
    for r in recs[-40:]:
        sys.stderr.write(json.dumps(r) + "\n")
    return 1


if __name__ == "__main__":
    sys.exit(main())
