#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# perm_latency.sh: run bench/perm_latency (open() latency under permission
# listeners: none, raw, libfanotify, fanwatch --deny, fanwatch --deny -e
# create; same CPU and different CPUs) with fanwatch plugged in, keep the
# output under bench/results/ (git-ignored).  perm_latency itself makes the
# private mount namespace and tmpfs, bounds every run with a timeout and
# kills each listener by pid.
#
# Usage (root): bench/perm_latency.sh [perm_latency options, e.g. -n 20000 -R 5]
# Environment: BUILD (default build-bench), RESULTS.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(dirname "$HERE")
BUILD=${BUILD:-$SRC/build-bench}
RESULTS=${RESULTS:-$HERE/results/perm-$(date +%Y%m%d-%H%M%S)}

[[ $(id -u) == 0 ]] || { echo "perm_latency.sh: needs root" >&2; exit 1; }
[[ -x $BUILD/bench/perm_latency ]] || { echo "perm_latency.sh: ninja -C $BUILD first" >&2; exit 1; }
mkdir -p "$RESULTS"
{
	echo "date: $(date -Is)  kernel: $(uname -r)  cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
	timeout 1800 "$BUILD/bench/perm_latency" --fanwatch "$BUILD/tools/fanwatch/fanwatch" \
		-o "$RESULTS" "$@"
} 2>&1 | tee "$RESULTS/perm_latency.txt"
echo "raw results: $RESULTS"
