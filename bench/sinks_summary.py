#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sinks_summary.py RESULTS.jsonl: the medians of bench/sinks.sh, one row
per rate and sink: records delivered per second (from the workload's start
to the last progress), records, overflows, the workload's own rate, and
the CPU each record cost fanwatch and the daemon that took it (journald,
rsyslogd), in microseconds."""
import json
import statistics
import sys

rs = [json.loads(line) for line in open(sys.argv[1])]
keys = sorted({(r["rate"], r["sink"]) for r in rs}, key=lambda k: (k[0] == "max", k[0], k[1]))
print("| workload rate (it/s) | sink | records/s delivered | records | overflows "
      "| workload it/s reached | fanwatch CPU us/record | daemon CPU us/record | runs |")
print("|---|---|---|---|---|---|---|---|---|")
for rate, sink in keys:
    g = [r for r in rs if r["rate"] == rate and r["sink"] == sink]

    def med(f):
        return statistics.median(f(r) for r in g)
    print(f"| {rate} | {sink} | {med(lambda r: r['per_s']):.0f} | {med(lambda r: r['delivered']):.0f} "
          f"| {med(lambda r: r['overflows']):.0f} | {med(lambda r: r['workload_rate']):.0f} "
          f"| {med(lambda r: 1e6 * r['fanwatch_cpu'] / r['delivered']):.1f} "
          f"| {med(lambda r: 1e6 * r['daemon_cpu'] / r['delivered']):.1f} | {len(g)} |")
