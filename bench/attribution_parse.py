#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Attribution of one listener's records (bench/attribution.sh).

  attribution_parse.py run --map MAP --format fanwatch|fatrace --out FILE
      --listener NAME --rep N [--uid UID] [--rusage FILE]
  attribution_parse.py summarize RESULTS.jsonl

A record counts when its pid is one of the workload's commands (MAP,
written by bench/shortlived): "right" when it names the command the map
gives for that pid, "wrong" when it names another, "unknown" when it names
none ("comm": null for fanwatch, "unknown" for fatrace).  "uid" counts the
records whose uid is the workload's (fanwatch JSON only; fatrace prints
no uid).  fanwatch's "attribution" field is tallied too.  One record may
hold several event types (the kernel merges them): it counts once.
"""
import json
import re
import statistics
import sys
from collections import Counter, defaultdict

FATRACE_RE = re.compile(r'^(.*)\((\d+)\): (\S+) +(.*)$')


def read_map(path):
    pids = {}
    with open(path, encoding='utf-8') as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2 and parts[0].isdigit():
                pids[int(parts[0])] = parts[1]
    return pids


def records(fmt, path):
    with open(path, 'rb') as f:
        for raw in f:
            line = raw.decode('utf-8', 'replace').rstrip('\n')
            if fmt == 'fanwatch':
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                yield r.get('pid'), r.get('comm'), r.get('uid'), r.get('attribution')
            else:
                m = FATRACE_RE.match(line)
                if m:
                    comm = m.group(1)
                    yield int(m.group(2)), None if comm == 'unknown' else comm, None, None


def run(args):
    pids = read_map(args['map'])
    want_uid = int(args.get('uid', '0'))
    c = Counter()
    levels = Counter()
    seen = set()
    for pid, comm, uid, level in records(args['format'], args['out']):
        if pid not in pids:
            continue
        seen.add(pid)
        c['records'] += 1
        if comm is None:
            c['unknown'] += 1
        elif comm == pids[pid]:
            c['right'] += 1
        else:
            c['wrong'] += 1
        if uid == want_uid:
            c['uid'] += 1
        if level:
            levels[level] += 1
    cpu_us = None
    if args.get('rusage'):
        with open(args['rusage'], encoding='utf-8') as f:
            kv = dict(p.split('=', 1) for p in f.read().split() if '=' in p)
            cpu_us = int(kv.get('cpu_us', '0'))
    out = {'listener': args['listener'], 'rep': int(args['rep']), 'commands': len(pids),
           'commands_seen': len(seen), **{k: c[k] for k in ('records', 'right', 'wrong', 'unknown', 'uid')},
           'levels': dict(levels), 'cpu_us': cpu_us}
    print(json.dumps(out))


def pct(a, b):
    return 100.0 * a / b if b else 0.0


def summarize(path):
    runs = defaultdict(list)
    with open(path, encoding='utf-8') as f:
        for line in f:
            r = json.loads(line)
            runs[r['listener']].append(r)
    print(f"{'listener':<22}{'runs':>5}{'records':>9}{'right%':>8}{'wrong':>7}{'unknown%':>10}"
          f"{'uid%':>7}{'CPU us/rec':>12}  levels (summed)")
    for name in sorted(runs):
        rs = runs[name]
        med = lambda f: statistics.median(f(r) for r in rs)
        levels = Counter()
        for r in rs:
            levels.update(r.get('levels') or {})
        cpu = [r['cpu_us'] / r['records'] for r in rs if r.get('cpu_us') is not None and r['records']]
        print(f"{name:<22}{len(rs):>5}{med(lambda r: r['records']):>9.0f}"
              f"{med(lambda r: pct(r['right'], r['records'])):>8.1f}"
              f"{sum(r['wrong'] for r in rs):>7}"
              f"{med(lambda r: pct(r['unknown'], r['records'])):>10.1f}"
              f"{med(lambda r: pct(r['uid'], r['records'])):>7.1f}"
              f"{statistics.median(cpu) if cpu else float('nan'):>12.1f}  "
              + ' '.join(f'{k}={v}' for k, v in sorted(levels.items())))


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == 'summarize':
        summarize(sys.argv[2])
        return
    if len(sys.argv) < 2 or sys.argv[1] != 'run':
        sys.exit(__doc__)
    args = {}
    it = iter(sys.argv[2:])
    for k in it:
        args[k.lstrip('-')] = next(it)
    run(args)


if __name__ == '__main__':
    main()
