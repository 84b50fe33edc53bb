#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Helpers of the tests of fanwatch's peer options (--format, --csv, -0).

  fwpeer.py tq ARG...              each ARG (bytes) as text output writes a
                                   name (as it is, or quoted with C escapes),
                                   one a line
  fwpeer.py csv FILE               check FILE is RFC 4180 as --csv writes it
                                   (valid UTF-8; written back by Python's csv
                                   module with minimal quoting and CRLF it is
                                   the same bytes), print
                                   each record as a JSON object, every name
                                   column replaced by its exact bytes
                                   (base64 of the _raw column, else the UTF-8)
                                   shown as a list of byte values
  fwpeer.py nul FILE               print the NUL-terminated records of FILE as
                                   JSON lists of byte values, one a line
  fwpeer.py tables FILE            the tables of --interval's text output (on
                                   a terminal or not) as JSON objects, one a
                                   line: header, tty (escapes seen), columns,
                                   paths and processes (rows: counts by column
                                   name, and the path, or pid and comm)

The text quoting rule is fanwatch(1)'s, written again here from the page
(so a change on either side shows): printable ASCII other than space, '"'
and '\\' as it is; otherwise quoted, with \\" \\\\ \\n \\t \\r, and \\xHH for every
other control byte, every byte that is not valid UTF-8 and every byte of a
code point of General_Category Cc, Cf, Zl, Zp or Zs (other than U+0020) or
default-ignorable (the names the tests use need no more than that).
"""
import base64
import csv
import io
import json
import os
import sys
import unicodedata

ESC = {ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\t"): "\\t", ord("\r"): "\\r"}


def unsafe(ch):
    return unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Zs") and ch != " "


def utf8_at(b, i):
    """(character, length) of the valid UTF-8 sequence at i, or (None, 1)."""
    for n in (2, 3, 4):
        try:
            ch = b[i:i + n].decode("utf-8", "strict")
        except UnicodeDecodeError:
            continue
        if len(ch) == 1:
            return ch, n
    return None, 1


def needs_quotes(b):
    if not b:
        return True
    i = 0
    while i < len(b):
        c = b[i]
        if 0x20 < c < 0x7f and c not in (ord('"'), ord("\\")):
            i += 1
            continue
        if c < 0x80:
            return True
        ch, n = utf8_at(b, i)
        if ch is None or unsafe(ch):
            return True
        i += n
    return False


def tq(b):
    if not needs_quotes(b):
        return b.decode("utf-8")
    out, i = ['"'], 0
    while i < len(b):
        c = b[i]
        if c in ESC:
            out.append(ESC[c])
            i += 1
        elif 0x20 <= c < 0x7f:
            out.append(chr(c))
            i += 1
        elif c < 0x80:
            out.append("\\x%02x" % c)
            i += 1
        else:
            ch, n = utf8_at(b, i)
            if ch is not None and not unsafe(ch):
                out.append(ch)
            else:
                out.extend("\\x%02x" % x for x in b[i:i + n])
            i += n
    out.append('"')
    return "".join(out)


def csv_records(path):
    data = open(path, "rb").read()
    text = data.decode("utf-8", "strict")		# always valid UTF-8
    if not text.endswith("\r\n"):
        sys.exit("the last record does not end in CRLF")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    header = rows[0]
    if len(set(header)) != len(header):
        sys.exit(f"header has a column twice: {header}")
    # written back with minimal quoting and CRLF, it is the same text: no field
    # quoted that need not be, none left bare that must be, every record CRLF
    back = io.StringIO(newline="")
    csv.writer(back, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL).writerows(rows)
    if back.getvalue() != text:
        sys.exit("not RFC 4180 with minimal quoting and CRLF: %r" % text[:300])
    out = []
    for n, row in enumerate(rows[1:], 2):
        if len(row) != len(header):
            sys.exit(f"record {n}: {len(row)} fields for {len(header)} columns")
        rec = dict(zip(header, row))
        for key in header:
            if key + "_raw" not in rec:
                continue
            raw = rec.pop(key + "_raw")
            if raw:
                b = base64.b64decode(raw, validate=True)
                if b.decode("utf-8", "replace") != rec[key]:
                    sys.exit(f"record {n}: {key} and {key}_raw disagree")
            else:
                b = rec[key].encode("utf-8")
                if "\ufffd" in rec[key]:
                    sys.exit(f"record {n}: {key} has U+FFFD but no {key}_raw")
            rec[key] = list(b)
        out.append(rec)
    return out


def tables(path):
    """--interval's text tables; each must be whole and well-formed."""
    # a terminal turns each newline into CR LF
    data = open(path, "rb").read().decode("utf-8", "strict").replace("\r\n", "\n")
    tty = "\033[H" in data
    if tty:
        # a table: cursor home, lines each cleared to their end, the rest cleared
        for part in data.split("\033[H")[1:]:
            lines = part.split("\n")
            if not part.endswith("\033[J"):
                sys.exit(f"table not ended by clearing the screen: {part[-40:]!r}")
            for ln in lines[:-1]:
                if not ln.endswith("\033[K"):
                    sys.exit(f"line not cleared to its end: {ln!r}")
        data = data.replace("\033[K", "").replace("\033[J", "").replace("\033[H", "")
    out, cur, section, cols = [], None, None, None
    for ln in data.split("\n"):
        if ln.startswith("fanwatch: ") and " to " in ln:
            cur = {"header": ln, "tty": tty, "paths": [], "processes": []}
            out.append(cur)
            section = None
            continue
        if cur is None or not ln.strip():
            continue
        words = ln.split()
        if words[0] == "total":
            cols = words[:-1] if words[-1] == "path" else words[:-2]
            section = "paths" if words[-1] == "path" else "processes"
            cur["columns"] = cols
            continue
        counts = dict(zip(cols, map(int, words[:len(cols)])))
        rest = words[len(cols):]
        if section == "paths":
            cur["paths"].append({"counts": counts, "path": " ".join(rest)})
        elif section == "processes":
            cur["processes"].append({"counts": counts, "pid": int(rest[0]), "comm": " ".join(rest[1:])})
        else:
            sys.exit(f"a row outside a table: {ln!r}")
    return out


def main():
    cmd = sys.argv[1]
    if cmd == "tq":
        for a in sys.argv[2:]:
            print(tq(os.fsencode(a)))
    elif cmd == "csv":
        for rec in csv_records(sys.argv[2]):
            print(json.dumps(rec))
    elif cmd == "nul":
        data = open(sys.argv[2], "rb").read()
        if data and not data.endswith(b"\0"):
            sys.exit("the last record does not end in NUL")
        for r in data.split(b"\0")[:-1]:
            print(json.dumps(list(r)))
    elif cmd == "tables":
        for t in tables(sys.argv[2]):
            print(json.dumps(t))
    else:
        sys.exit(f"unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
