#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# fleet.sh: the events per second each fleet path of fanwatch(1), FLEET,
# carried on this machine, by running test/service/fleet.sh (two hosts in
# namespaces of their own, each with its journald; loopback in a private
# network namespace) with FLEET_N files per host, REPEAT times:
#   journald -> systemd-journal-upload -> systemd-journal-remote
#   JSON Lines -> rsyslog imfile -> TCP -> rsyslogd
# The time of a path runs from the first host's first file to the moment
# the central store held every event of both hosts (polled every 0.1 s, so
# the figure is a lower bound by up to that and a poll's own time).
# Medians are printed; the runs' output goes to bench/results/.
#
# Usage (root): bench/fleet.sh
# Environment: BUILD (default build-bench), FLEET_N (20000), REPEAT (3).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
find_build
REPEAT=${REPEAT:-3}
export FLEET_N=${FLEET_N:-20000}
export FANWATCH FW_WORKLOAD=$BUILD/test/fanwatch/fw-workload
export FWT_DIR=$SRC/test/fanwatch SVC_DIR=$SRC/test/service

need_root
"$SRC/scripts/deps.sh"
[[ -x $FANWATCH && -x $FW_WORKLOAD ]] || die "build first: ninja -C $BUILD"
results_dir fleet
{
	env_head
	echo "FLEET_N=$FLEET_N per host, 2 hosts  REPEAT=$REPEAT"
	echo "systemd: $(pkg_version systemd)  rsyslog: $(pkg_version rsyslog)"
	echo "load: $(load_avg)"
} | tee "$RESULTS/env.txt"
for ((r = 1; r <= REPEAT; r++)); do
	timeout 1200 "$SVC_DIR/fleet.sh" >"$RESULTS/run-$r.log" 2>&1 ||
		die "run $r failed: see $RESULTS/run-$r.log"
	grep '^# ' "$RESULTS/run-$r.log" | tail -3
done
python3 - "$RESULTS" "$REPEAT" <<'PY' | tee "$RESULTS/table.txt"
import re, statistics, sys
d, n = sys.argv[1], int(sys.argv[2])
runs = {}
for r in range(1, n + 1):
    for line in open(f"{d}/run-{r}.log"):
        m = re.match(r"# (.*): (\d+) (?:events|files) in ([\d.]+) s: (\d+) (?:events|files)/s", line)
        if m:
            runs.setdefault(m.group(1), []).append((int(m.group(2)), float(m.group(3)), int(m.group(4))))
print("| path | events (2 hosts) | seconds (median) | per second (median) | runs |")
print("|---|---|---|---|---|")
for path, v in runs.items():
    print(f"| {path} | {v[0][0]} | {statistics.median(x[1] for x in v):.2f} "
          f"| {statistics.median(x[2] for x in v):.0f} | {len(v)} |")
PY
echo "raw results: $RESULTS"
