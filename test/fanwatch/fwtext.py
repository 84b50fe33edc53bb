#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Parse fanwatch's text output back, by the documented quoting rule.

Each line: TIME EVENTS PID COMM PATH [-> NEW_PATH] [annotations].  A token
starting with '"' is a quoted string with C escapes (\\" \\\\ \\n \\t \\r
\\xHH); any other token runs to the next space.  Fails on a line that does
not parse (a forged or broken line).

  fwtext.py paths FILE [--event NAME]   matching paths, one per line, as bytes
                                        (a newline in a name prints as \\n: use
                                        'check' to compare exactly)
  fwtext.py check FILE --event NAME --expect LISTFILE
      LISTFILE holds the expected paths NUL-separated; exit 0 when the
      decoded paths of that event are exactly those (as a set).
  fwtext.py lines FILE                  print the number of lines
"""
import re
import sys

HEAD = re.compile(rb"^(\d\d:\d\d:\d\d\.\d{6}) +(\S+) +(\d+|-) +")
ESC = {ord("n"): b"\n", ord("t"): b"\t", ord("r"): b"\r", ord('"'): b'"', ord("\\"): b"\\"}


def token(b, i):
    """(bytes, next index) of the token at i."""
    if b[i:i + 1] != b'"':
        j = b.find(b" ", i)
        j = len(b) if j < 0 else j
        return b[i:j], j
    out = bytearray()
    i += 1
    while True:
        if i >= len(b):
            raise ValueError("unterminated quote")
        c = b[i]
        if c == ord('"'):
            return bytes(out), i + 1
        if c < 0x20 or c == 0x7f:
            raise ValueError(f"raw control byte {c:#x} inside quotes")
        if c == ord("\\"):
            n = b[i + 1]
            if n == ord("x"):
                out.append(int(b[i + 2:i + 4], 16))
                i += 4
                continue
            if n not in ESC:
                raise ValueError(f"unknown escape \\{chr(n)}")
            out += ESC[n]
            i += 2
            continue
        out.append(c)
        i += 1


def parse(line):
    m = HEAD.match(line)
    if not m:
        raise ValueError("no time/events/pid columns")
    rec = {"events": m.group(2).decode().split(","), "pid": m.group(3).decode()}
    i = m.end()
    rec["comm"], i = token(line, i)
    while line[i:i + 1] == b" ":
        i += 1
    rec["path"], i = token(line, i)
    rec["new_path"] = None
    if line[i:i + 4] == b" -> ":
        rec["new_path"], i = token(line, i + 4)
    rest = line[i:]
    if rest and not re.fullmatch(rb"( \[[^\]\n]*\])*", rest):
        raise ValueError(f"unexpected tail {rest!r}")
    for b in line:
        if b < 0x20 and b != 0x1b:
            raise ValueError(f"raw control byte {b:#x}")
    return rec


def load(path):
    recs = []
    data = open(path, "rb").read()
    if data and not data.endswith(b"\n"):
        sys.exit("output does not end with a newline")
    for n, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            recs.append(parse(line))
        except (ValueError, IndexError) as e:
            sys.exit(f"line {n} does not parse ({e}): {line!r}")
    return recs


def main():
    cmd, path = sys.argv[1], sys.argv[2]
    args = sys.argv[3:]
    ev = args[args.index("--event") + 1] if "--event" in args else None
    recs = [r for r in load(path) if ev is None or ev in r["events"]]
    if cmd == "lines":
        print(len(load(path)))
        return 0
    if cmd == "paths":
        for r in recs:
            sys.stdout.buffer.write(r["path"] + b"\n")
        return 0
    if cmd == "check":
        want = set(p for p in open(args[args.index("--expect") + 1], "rb").read().split(b"\0") if p)
        got = set(r["path"] for r in recs)
        if want == got:
            return 0
        sys.stderr.write(f"missing: {sorted(want - got)}\nextra: {sorted(got - want)}\n")
        return 1
    sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    sys.exit(main())
