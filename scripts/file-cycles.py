#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Circles of calls between source files, from their object files.

usage: file-cycles.py OBJDIR [--allow a,b,c]...

A file calls another when its object has an undefined symbol the other's
object defines (nm).  Prints every group of files that call each other
in a circle (a strongly connected component of two or more) with the
calls inside it, and exits 1 if any group is not one of the --allow'd
ones (file names without .c), 0 otherwise.
"""
import collections
import glob
import os
import subprocess
import sys


def graph(objdir):
    defs, uses = {}, collections.defaultdict(set)
    for obj in sorted(glob.glob(os.path.join(objdir, '*.o'))):
        name = os.path.basename(obj).split('.c.o')[0]
        out = subprocess.run(['nm', obj], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 3 and f[1] in 'TDBR':
                defs[f[2]] = name
            elif len(f) == 2 and f[0] == 'U':
                uses[name].add(f[1])
    calls = collections.defaultdict(dict)
    for f, syms in uses.items():
        for s in sorted(syms):
            if s in defs and defs[s] != f:
                calls[f].setdefault(defs[s], s)
    return set(defs.values()) | set(uses), calls


def components(nodes, calls):
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in calls[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def main(argv):
    if len(argv) < 2:
        sys.exit(__doc__)
    objdir, allowed = argv[1], []
    rest = argv[2:]
    while rest:
        if rest[0] != '--allow' or len(rest) < 2:
            sys.exit(__doc__)
        allowed.append(sorted(rest[1].split(',')))
        rest = rest[2:]
    nodes, calls = graph(objdir)
    if not nodes:
        sys.exit(f'file-cycles: no object files in {objdir}')
    bad = 0
    for comp in components(nodes, calls):
        ok = comp in allowed
        bad += not ok
        print(f"{'allowed' if ok else 'CIRCLE'}: {' '.join(comp)}")
        for f in comp:
            for g, sym in sorted(calls[f].items()):
                if g in comp:
                    print(f'    {f} -> {g} ({sym})')
    print(f'file-cycles: {len(nodes)} files, {bad} circle(s) not allowed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
