#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""
The C in the man pages compiles against the real header and library.

  synopsis  Each SYNOPSIS of man3 is turned back into C (the .nf block,
            roff removed) and compiled after #include <fanotify/fanotify.h>:
            a prototype that differs from the header's is a "conflicting
            types" error, a #define that differs is a redefinition error.
            Lines naming a function-like macro of the header cannot be
            compiled; the macro must exist.
  examples  Each .EX/.EE block of an EXAMPLES section (man3 and man7) that
            starts with #include is compiled with -Wall -Wextra -Werror and
            linked against the built library.

  tables    The tables of names and Linux versions (events, init flags and
            mark flags in fan_event_name(3), record types in
            fan_event_first_info(3)) are turned into a C program that asks
            the library for each row; it is built and run.

usage: check-code.py MODE MANDIR INCLUDEDIR LIBRARY CC [CC ARGS...]
exit 0 pass, 1 fail, 77 skip
"""
import os
import re
import subprocess
import sys
import tempfile

ESCAPES = [
    ("\\(aq", "'"), ("\\(dq", '"'), ("\\(ti", "~"), ("\\(ha", "^"),
    ("\\(>=", ">="), ("\\(<=", "<="), ("\\-", "-"), ("\\&", ""),
    ("\\fB", ""), ("\\fI", ""), ("\\fR", ""), ("\\fP", ""), ("\\ ", " "),
]
FONT_ALTERNATING = {"BI", "BR", "IB", "IR", "RB", "RI"}
IGNORED = {"PP", "P", "LP", "sp", "br", "in", "RS", "RE", "nf", "fi", "EX", "EE"}


def unescape(s):
    s = s.replace("\\e", "\x00")
    for a, b in ESCAPES:
        s = s.replace(a, b)
    if "\\" in s:
        raise ValueError("unhandled roff escape in: " + s)
    return s.replace("\x00", "\\")


def macro_args(rest):
    """Split a macro line's arguments the way roff does ("" inside quotes)."""
    args, i, n = [], 0, len(rest)
    while i < n:
        if rest[i] in " \t":
            i += 1
            continue
        if rest[i] == '"':
            i += 1
            buf = []
            while i < n:
                if rest[i] == '"':
                    if i + 1 < n and rest[i + 1] == '"':
                        buf.append('"')
                        i += 2
                        continue
                    i += 1
                    break
                buf.append(rest[i])
                i += 1
            args.append("".join(buf))
        else:
            j = i
            while j < n and rest[j] not in " \t":
                j += 1
            args.append(rest[i:j])
            i = j
    return args


def deroff_line(line):
    """One line of a no-fill block as the text it renders, or None."""
    if line.startswith(".\\\""):
        return None
    if not line.startswith("."):
        return unescape(line)
    name, _, rest = line[1:].partition(" ")
    if name in IGNORED:
        return None
    args = [unescape(a) for a in macro_args(rest)]
    if name in FONT_ALTERNATING:
        return "".join(args)
    if name in ("B", "I"):
        return " ".join(args)
    raise ValueError("unhandled macro in code block: " + line)


def sections(text):
    """{section title: [lines]} of a man(7) page."""
    out, cur = {}, None
    for line in text.split("\n"):
        if line.startswith(".SH "):
            cur = line[4:].strip().strip('"')
            out[cur] = []
        elif cur is not None:
            out[cur].append(line)
    return out


def blocks(lines, start, end):
    """The lines between start and end markers (e.g. .nf/.fi)."""
    res, cur = [], None
    for line in lines:
        if line == start:
            cur = []
        elif line == end and cur is not None:
            res.append(cur)
            cur = None
        elif cur is not None:
            cur.append(line)
    return res


def full_pages(mandir, subdirs):
    for sub in subdirs:
        d = os.path.join(mandir, sub)
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            if not text.startswith(".so "):
                yield os.path.join(sub, name), text


def header_macros(incdir):
    with open(os.path.join(incdir, "fanotify", "fanotify.h"), encoding="utf-8") as f:
        return set(re.findall(r"^#define\s+(\w+)\(", f.read(), re.M))


def compile_c(cc, source, what, extra):
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "doc.c")
        with open(src, "w", encoding="utf-8") as f:
            f.write(source)
        cmd = cc + ["-std=gnu11", "-Wall", "-Wextra", "-Werror", src] + extra(tmp)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        if p.returncode != 0:
            print("FAIL: %s does not compile:\n%s\n--- source ---\n%s" % (what, p.stdout, source))
            return False
    return True


def synopsis_source(page, text, macros):
    """C for a page's SYNOPSIS, and the macro names it uses."""
    syn = sections(text).get("SYNOPSIS", [])
    rendered = []
    for block in blocks(syn, ".nf", ".fi"):
        for line in block:
            r = deroff_line(line)
            if r is not None:
                rendered.append(r)
    decls, used, stmt = [], [], ""
    for line in rendered:
        if line.startswith("#"):
            decls.append(line)
            continue
        stmt = (stmt + " " + line.strip()).strip()
        if not stmt or not (stmt.endswith(";") or stmt.endswith(")")):
            continue
        m = re.match(r"^([A-Za-z_]\w*)\(", stmt)
        if m and m.group(1) in macros:
            used.append(m.group(1))
        else:
            decls.append(stmt)
        stmt = ""
    if stmt:
        raise ValueError("%s: unfinished SYNOPSIS statement: %s" % (page, stmt))
    checks = ["#ifndef %s\n#error %s is not a macro of the header\n#endif" % (m, m)
              for m in used]
    return "\n".join(decls + checks) + "\n", len(decls) + len(used)


def check_synopsis(mandir, incdir, lib, cc):
    macros = header_macros(incdir)
    ok, n = True, 0
    for page, text in full_pages(mandir, ["man3"]):
        try:
            src, count = synopsis_source(page, text, macros)
        except ValueError as e:
            print("FAIL: %s: %s" % (page, e))
            ok = False
            continue
        n += count
        if "#include <fanotify/fanotify.h>" not in src:
            print("FAIL: %s: SYNOPSIS lacks #include <fanotify/fanotify.h>" % page)
            ok = False
        ok &= compile_c(cc, src, page + " SYNOPSIS",
                        lambda tmp: ["-I" + incdir, "-fsyntax-only"])
    print("%d SYNOPSIS lines checked against the header" % n)
    return ok


def check_examples(mandir, incdir, lib, cc):
    ok, n = True, 0
    for page, text in full_pages(mandir, ["man3", "man7"]):
        progs = []
        for block in blocks(sections(text).get("EXAMPLES", []), ".EX", ".EE"):
            try:
                lines = [deroff_line(l) for l in block]
            except ValueError as e:
                print("FAIL: %s: %s" % (page, e))
                ok = False
                continue
            src = "\n".join(l for l in lines if l is not None) + "\n"
            if src.startswith("#include"):
                progs.append(src)
        if not progs:
            print("FAIL: %s: no compilable program in EXAMPLES" % page)
            ok = False
        for i, src in enumerate(progs):
            n += 1
            ok &= compile_c(cc, src, "%s EXAMPLES program %d" % (page, i + 1),
                            lambda tmp: ["-I" + incdir, "-o", os.path.join(tmp, "a.out"),
                                         lib, "-pthread"])
    print("%d EXAMPLES programs compiled and linked" % n)
    return ok


def table_rows(text, nth=0):
    """Rows of the nth tbl table of a page, without header and rule."""
    lines = text.split("\n")
    start = [i for i, l in enumerate(lines) if l == ".TS"][nth]
    rows = []
    for line in lines[start + 2:]:
        if line == ".TE":
            break
        if line != "_":
            rows.append([unescape(c) for c in line.split("\t")])
    return rows[1:]


TABLE_CHECK = """
static int bad;
static void check(const char *what, const char *got, const char *want)
{
    if (!got || strcmp(got, want)) {
        printf("FAIL: %s: the library says %s, the page says %s\\n", what,
               got ? got : "NULL", want);
        bad = 1;
    }
}
"""


def tables_source(mandir):
    body = []
    with open(os.path.join(mandir, "man3", "fan_event_name.3"), encoding="utf-8") as f:
        text = f.read()
        for kind, nth in (("init", 1), ("mark", 2)):
            for flag, since in table_rows(text, nth):
                body.append('check("fan_%s_flag_name(%s)", fan_%s_flag_name(%s), "%s");'
                            % (kind, flag, kind, flag, flag))
                body.append('check("fan_%s_flag_since(%s)", fan_%s_flag_since(%s), "%s");'
                            % (kind, flag, kind, flag, since))
        for bit, name, since in table_rows(text):
            body.append('check("fan_event_name(%s)", fan_event_name(%s), "%s");' % (bit, bit, name))
            body.append('check("fan_event_since(%s)", fan_event_since(%s), "%s");' % (bit, bit, since))
            body.append('check("fan_event_from_name(%s)", fan_event_from_name("%s") == %s ? "%s" : "other", "%s");'
                        % (name, name, bit, name, name))
    with open(os.path.join(mandir, "man3", "fan_event_first_info.3"), encoding="utf-8") as f:
        for typ, value, _since, _flag in table_rows(f.read()):
            const = "FAN_EVENT_INFO_TYPE_" + typ
            body.append('check("%s", %s == %s ? "%s" : "other", "%s");' % (const, const, value, value, value))
            body.append('check("fan_info_type_name(%s)", fan_info_type_name(%s), "%s");'
                        % (const, const, typ.lower()))
    return ("#include <fanotify/fanotify.h>\n#include <stdio.h>\n#include <string.h>\n" +
            TABLE_CHECK + "int main(void)\n{\n    " + "\n    ".join(body) +
            '\n    printf("%d table cells checked\\n", ' + str(len(body)) + ');\n    return bad;\n}\n')


def check_tables(mandir, incdir, lib, cc):
    src = tables_source(mandir)
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "tables")
        if not compile_c(cc, src, "the tables", lambda t: [
                "-I" + incdir, "-o", exe, lib, "-Wl,-rpath," + os.path.dirname(os.path.abspath(lib))]):
            return False
        p = subprocess.run([exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True)
        print(p.stdout, end="")
        return p.returncode == 0


def main(argv):
    if len(argv) < 6:
        print(__doc__)
        return 1
    mode, mandir, incdir, lib, cc = argv[1], argv[2], argv[3], argv[4], argv[5:]
    check = {"synopsis": check_synopsis, "examples": check_examples,
             "tables": check_tables}[mode]
    return 0 if check(mandir, incdir, lib, cc) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
