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
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
BUILD=${BUILD:-$SRC/build-bench}

need_root
[[ -x $BUILD/bench/perm_latency ]] || die "ninja -C $BUILD first"
results_dir perm
{
	echo "date: $(date -Is)  kernel: $(uname -r)  cpus: $(nproc)  load: $(load_avg)"
	timeout 1800 "$BUILD/bench/perm_latency" --fanwatch "$BUILD/tools/fanwatch/fanwatch" \
		-o "$RESULTS" "$@"
} 2>&1 | tee "$RESULTS/perm_latency.txt"
echo "raw results: $RESULTS"
