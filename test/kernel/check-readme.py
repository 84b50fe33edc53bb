#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The README's kernel tables against the facts table (kpersona --facts).

  check-readme.py KPERSONA PERSONALITIES README.md

Under "## Which kernel each feature needs", every table whose second
column is "Linux" is read.  Each row names facts (a name from the table,
as a word: `FAN_RENAME`, `statmount`, pidfs...) and gives one release:

- every fact the library or fanwatch uses, newer than 2.6.37, is named in
  a row, and every fact a row names has that row's release;
- the "Tested under simulation" cell is what the personalities give: the
  ones older than the release ("absent under 5.14, 5.15"), with how they
  take the facts away (seccomp, shim), or "no (every personality has it)";
  a row newer than a personality that names no fact is "not simulated"
  (no personality takes it away: never claimed absent).

Exit 0 if all agree, 1 with every difference listed.
"""
import re
import subprocess
import sys

SECTION = "## Which kernel each feature needs"


def version(s):
    parts = [int(p) for p in s.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def load_facts(kpersona):
    out = subprocess.run([kpersona, "--facts"], check=True, capture_output=True, text=True)
    facts = []
    for line in out.stdout.splitlines():
        kind, name, since, how, users = line.split("\t")
        facts.append({"kind": kind, "name": name, "since": since, "how": how,
                      "users": set(u for u in users.split(",") if u)})
    return facts


def tables(readme):
    """Rows (cells) of the tables of the section whose 2nd column is Linux."""
    text = open(readme, encoding="utf-8").read()
    start = text.find(SECTION)
    if start < 0:
        sys.exit(f"{readme}: no section '{SECTION}'")
    end = text.find("\n## ", start + len(SECTION))
    body = text[start:end if end >= 0 else len(text)].splitlines()
    found, rows, i = [], [], 0
    while i < len(body):
        line = body[i]
        if line.startswith("|"):
            header = [c.strip() for c in line.strip().strip("|").split("|")]
            i += 2   # header and separator
            table = []
            while i < len(body) and body[i].startswith("|"):
                table.append([c.strip() for c in body[i].strip().strip("|").split("|")])
                i += 1
            found.append((header, table))
        i += 1
    for header, table in found:
        if len(header) >= 2 and header[1] == "Linux":
            rows += [(header, r) for r in table]
    return rows


def named(cell, name):
    return re.search(r"(?<![A-Za-z0-9_])" + re.escape(name) + r"(?![A-Za-z0-9_])", cell)


def expected(release, personalities, hows):
    older = [p for p in personalities if version(p) < version(release)]
    if not older:
        return f"no (every personality has it)"
    how = ", ".join(sorted(hows)) if hows else ""
    return "absent under " + ", ".join(older) + (f" ({how})" if how else "")


def main():
    kpersona, pfile, readme = sys.argv[1:4]
    personalities = [p for p in open(pfile).read().split() if p]
    facts = load_facts(kpersona)
    rows = tables(readme)
    errors = []
    if not rows:
        errors.append("no kernel table found")
    seen = set()
    for header, cells in rows:
        if len(cells) != len(header):
            errors.append(f"row {cells[0]!r}: {len(cells)} cells, the header has {len(header)}")
            continue
        if header[-1] != "Tested under simulation":
            errors.append(f"table {header[0]!r}: last column is {header[-1]!r}, "
                          "expected 'Tested under simulation'")
            continue
        release, what = cells[1], cells[0]
        if not re.fullmatch(r"\d+\.\d+(\.\d+)?", release):
            errors.append(f"row {what!r}: release {release!r}")
            continue
        hows, any_fact = set(), False
        for f in facts:
            if not named(what, f["name"]):
                continue
            any_fact = True
            seen.add(f["name"])
            if f["since"] != release:
                errors.append(f"row {what!r} ({release}) names {f['name']}, which came in "
                              f"{f['since']}")
            elif version(f["since"]) > version(personalities[0]):
                hows.add(f["how"])
        want = expected(release, personalities, hows)
        if not any_fact and want.startswith("absent"):
            want = "not simulated"
        if cells[-1] != want:
            errors.append(f"row {what!r}: tested under simulation is {cells[-1]!r}, "
                          f"expected {want!r}")
    for f in facts:
        if f["users"] & {"lib", "cli"} and f["since"] != "2.6.37" and f["name"] not in seen:
            errors.append(f"{f['name']} ({f['since']}, used by {','.join(sorted(f['users']))}) "
                          "is in no row of the README's kernel tables")
    for e in errors:
        print(f"README kernel table: {e}")
    if errors:
        print("The facts are test/kernel/kfacts.c and src/names.c; see "
              "`build/test/kernel/kpersona --facts`.")
        return 1
    print(f"README kernel tables: {len(rows)} rows agree with {len(facts)} facts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
