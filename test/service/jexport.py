#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check fanwatch's journal entries, read from `journalctl -o export`.

The export format keeps every byte: a text field is "NAME=value\\n", a
binary one (a value that is not printable UTF-8) "NAME\\n", a little-endian
64-bit length, the bytes, "\\n"; an empty line ends an entry.  Values are
compared as bytes; arguments are bytes too (os.fsencode), so hostile names
pass through the command line unchanged.

  jexport.py FILE find  [NAME=VALUE]...   exit 0 if an entry has all of them
  jexport.py FILE count [NAME=VALUE]...   print how many entries do
  jexport.py FILE values NAME [NAME=VALUE]...
                                          print NAME of matching entries, one a
                                          line (bytes as they are)
  jexport.py FILE pathset LIST [NAME=VALUE]...
                                          exit 0 if the FANWATCH_PATH values of
                                          the matching entries are exactly the
                                          paths in LIST (NUL-separated), each once
  jexport.py FILE check                   every fanwatch entry has the
                                          documented fields and kinds

A field may occur more than once in an entry (FANWATCH_EVENT does):
NAME=VALUE matches when one of its values is VALUE; NAME~VALUE when one is
a comma list holding VALUE (FANWATCH_EVENTS~create); NAME^VALUE when one
starts with VALUE; !NAME when the entry has no such field.
"""
import os
import struct
import sys

IDS = {
    "8150cdb75dbf46878c73aea4de382465": ("event", b"6"),
    "4340ca79b6e24970a2eb24c74f8e8140": ("denial", b"5"),
    "ab589935350b4c65beca5327d0eabd82": ("overflow", b"4"),
    "9433d8d187ae41d3b89b6a1c5783f0ea": ("error", b"3"),
}


def parse(data):
    entries, cur, i = [], {}, 0
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if not line:
            if cur:
                entries.append(cur)
            cur, i = {}, nl + 1
            continue
        eq = line.find(b"=")
        if eq >= 0:
            cur.setdefault(line[:eq].decode(), []).append(line[eq + 1:])
            i = nl + 1
        else:
            (n,) = struct.unpack("<Q", data[nl + 1:nl + 9])
            cur.setdefault(line.decode(), []).append(data[nl + 9:nl + 9 + n])
            if data[nl + 9 + n:nl + 10 + n] != b"\n":
                sys.exit(f"bad binary field {line!r}")
            i = nl + 10 + n
    if cur:
        entries.append(cur)
    return [e for e in entries if e.get("SYSLOG_IDENTIFIER") == [b"fanwatch"]]


def matcher(spec):
    b = os.fsencode(spec)
    if b.startswith(b"!"):
        return lambda e: b[1:].decode() not in e
    i = min(b.index(c) for c in (b"=", b"~", b"^") if c in b)
    name, op, val = b[:i].decode(), b[i:i + 1], b[i + 1:]
    if op == b"~":
        return lambda e: any(val in v.split(b",") for v in e.get(name, []))
    if op == b"^":
        return lambda e: any(v.startswith(val) for v in e.get(name, []))
    return lambda e: val in e.get(name, [])


def one(e, name):
    """The value of a field an entry has once, or None."""
    v = e.get(name, [])
    if len(v) > 1:
        sys.exit(f"{name} more than once: {e!r}")
    return v[0] if v else None


def check(entries):
    if not entries:
        sys.exit("no fanwatch entries")
    for e in entries:
        mid = (one(e, "MESSAGE_ID") or b"").decode()
        if mid not in IDS:
            sys.exit(f"unknown MESSAGE_ID in {e!r}")
        kind, prio = IDS[mid]
        if one(e, "PRIORITY") != prio:
            sys.exit(f"{kind}: PRIORITY {e.get('PRIORITY')!r}, expected {prio!r}")
        for f in ("MESSAGE", "FANWATCH_EVENTS"):
            if one(e, f) is None:
                sys.exit(f"{kind} without {f}: {e!r}")
        for f in ("FANWATCH_PATH", "FANWATCH_NEW_PATH", "FANWATCH_PID", "FANWATCH_COMM"):
            one(e, f)
        # FANWATCH_EVENT: one field per name of FANWATCH_EVENTS, in its order
        if e.get("FANWATCH_EVENT") != one(e, "FANWATCH_EVENTS").split(b","):
            sys.exit(f"FANWATCH_EVENT does not match FANWATCH_EVENTS: {e!r}")
        msg = one(e, "MESSAGE")
        if b"\n" in msg or any(c < 0x20 for c in msg):
            sys.exit(f"MESSAGE with a control character: {msg!r}")
        msg.decode("utf-8")
        if kind == "overflow" and e["FANWATCH_EVENTS"] != [b"overflow"]:
            sys.exit(f"overflow entry: {e!r}")
        if kind == "denial" and one(e, "FANWATCH_DECISION") != b"deny":
            sys.exit(f"denial without FANWATCH_DECISION=deny: {e!r}")
        if kind == "error" and not one(e, "FANWATCH_ERROR_NAME"):
            sys.exit(f"error without FANWATCH_ERROR_NAME: {e!r}")
    print(len(entries))


def pathset(got, listfile):
    """Exactly the paths of LISTFILE, each once (shared with jsonset.py)."""
    want = [p for p in open(listfile, "rb").read().split(b"\0") if p]
    dup = len(got) - len(set(got))
    missing, extra = set(want) - set(got), set(got) - set(want)
    if not missing and not extra and not dup:
        return 0
    sys.stderr.write(f"{len(got)} paths, {len(want)} expected; {dup} duplicates; "
                     f"missing {sorted(missing)[:5]}; extra {sorted(extra)[:5]}\n")
    return 1


def main():
    with open(sys.argv[1], "rb") as f:
        entries = parse(f.read())
    cmd, args = sys.argv[2], sys.argv[3:]
    if cmd == "check":
        check(entries)
        return 0
    if cmd == "values":
        name, args = args[0], args[1:]
    if cmd == "pathset":
        want, args = args[0], args[1:]
    ms = [matcher(a) for a in args]
    hits = [e for e in entries if all(m(e) for m in ms)]
    if cmd == "find":
        return 0 if hits else 1
    if cmd == "count":
        print(len(hits))
        return 0
    if cmd == "pathset":
        return pathset([one(e, "FANWATCH_PATH") for e in hits], want)
    if cmd == "values":
        for e in hits:
            for v in e.get(name, []):
                sys.stdout.buffer.write(v + b"\n")
        return 0
    sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    sys.exit(main())
