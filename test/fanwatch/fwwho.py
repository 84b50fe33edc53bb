#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Who did it, checked in fanwatch's JSON output.

  fwwho.py score FILE MAP [--min PCT] [--uid N] [--user NAME] [--levels L,L]
      MAP has lines "PID NAME" (the workload's processes).  Every record of
      those pids must name its own process or none (a wrong name fails);
      at least PCT % of them must name it (default 99); every named one
      must have --uid/--user if given, and an attribution among --levels.
      Prints "records R right N unknown U levels {...}".
  fwwho.py fields FILE --path P KEY=JSON...
      Some record of path P has these values (JSON literals: 0, null, "x").
  fwwho.py parents FILE --path P PID:NAME...
      Some record of path P starts its parents with these (NAME '-' for
      unknown; PID '*' for any).
  fwwho.py never FILE NAME   no record names process NAME (comm or parent).
Names are compared as bytes (comm_raw when present).
"""
import base64
import json
import sys
from collections import Counter


def load(path):
    recs = []
    with open(path, "rb") as f:
        for n, line in enumerate(f, 1):
            try:
                recs.append(json.loads(line))
            except ValueError as e:
                sys.exit(f"{path}:{n}: not JSON: {e}")
    return recs


def name(obj, key="comm"):
    if key + "_raw" in obj:
        return base64.b64decode(obj[key + "_raw"])
    v = obj.get(key)
    return None if v is None else v.encode()


def path_of(rec):
    if "path_raw" in rec:
        return base64.b64decode(rec["path_raw"])
    p = rec.get("path")
    return None if p is None else p.encode()


def opt(args, key, default=None):
    return args[args.index(key) + 1] if key in args else default


def score(args):
    recs = load(args[0])
    want = {}
    for line in open(args[1], "rb"):
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            want[int(parts[0])] = parts[1]
    minpct = float(opt(args, "--min", "99"))
    uid = opt(args, "--uid")
    user = opt(args, "--user")
    levels = opt(args, "--levels")
    c = Counter()
    lv = Counter()
    for r in recs:
        pid = r.get("pid")
        if pid not in want:
            continue
        c["records"] += 1
        got = name(r)
        lv[r.get("attribution")] += 1
        if got is None:
            c["unknown"] += 1
            if r.get("attribution") != "unknown":
                sys.exit(f"no comm but attribution {r.get('attribution')}: {r}")
            continue
        if got != want[pid]:
            sys.exit(f"WRONG: pid {pid} is {want[pid]!r}, record says {got!r}: {r}")
        c["right"] += 1
        if uid is not None and r.get("uid") != int(uid):
            sys.exit(f"uid {r.get('uid')} instead of {uid}: {r}")
        if user is not None and r.get("user") != (None if user == "-" else user):
            sys.exit(f"user {r.get('user')!r} instead of {user!r}: {r}")
        if levels and r.get("attribution") not in levels.split(","):
            sys.exit(f"attribution {r.get('attribution')} not in {levels}: {r}")
    print(f"records {c['records']} right {c['right']} unknown {c['unknown']} "
          f"levels {dict(lv)}")
    if not c["records"]:
        sys.exit("no record of the workload's processes")
    if 100.0 * c["right"] < minpct * c["records"]:
        sys.exit(f"only {c['right']} of {c['records']} records named")


def with_path(recs, p):
    b = p.encode("utf-8", "surrogateescape")
    return [r for r in recs if path_of(r) == b]


def fields(args):
    recs = with_path(load(args[0]), opt(args, "--path"))
    want = {}
    for kv in args[3:]:
        k, v = kv.split("=", 1)
        want[k] = json.loads(v)
    for r in recs:
        if all(r.get(k, "<absent>") == v for k, v in want.items()):
            return
    sys.exit(f"no record of {opt(args, '--path')} with {want}: {recs[:5]}")


def parents(args):
    recs = with_path(load(args[0]), opt(args, "--path"))
    want = [a.split(":", 1) for a in args[3:]]
    for r in recs:
        par = r.get("parents")
        if par is None or len(par) < len(want):
            continue
        ok = True
        for (pid, nm), p in zip(want, par):
            got = name(p)
            if pid != "*" and p.get("pid") != int(pid):
                ok = False
            if (got is None) != (nm == "-") or (got is not None and got != nm.encode()):
                ok = False
        if ok:
            return
    sys.exit(f"no record of {opt(args, '--path')} with parents {want}: "
             + "\n".join(json.dumps(r) for r in recs[:5]))


def never(args):
    bad = args[1].encode("utf-8", "surrogateescape")
    for r in load(args[0]):
        if name(r) == bad or any(name(p) == bad for p in r.get("parents") or []):
            sys.exit(f"a record names {args[1]!r}: {r}")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"score": score, "fields": fields, "parents": parents, "never": never}[cmd](args)


if __name__ == "__main__":
    main()
