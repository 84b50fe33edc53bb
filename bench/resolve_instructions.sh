#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# resolve_instructions.sh: user-space instructions of fan_resolve_path() per
# event (callgrind, inclusive), which stay put on a noisy machine, for each
# shape of resolve_bench: a filesystem mark reporting renames (fs), inode
# marks on every directory (tree), fd mode (fd), and both FID shapes with a
# directory renamed every 20 iterations (moves, treemoves).  Also how many
# path checks (name_to_handle_at()) and handle opens each shape makes per
# event (perf's syscall tracepoints), and the CPU one check costs.
#
# Usage (root): bench/resolve_instructions.sh [BUILD...]
#   each BUILD is a build directory with bench/resolve_bench (default:
#   build-bench); give two (say, main's and a branch's) to compare.
# Environment: N (iterations, 20000), RESULTS.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
N=${N:-20000}
need_root
"$SRC/scripts/deps.sh" valgrind linux-perf
results_dir resolve-instr
(($#)) || set -- "$SRC/build-bench"

shapes=("fs:-k fs" "tree:-k tree" "fd:-k fd" "moves:-k fs --moves 20" "treemoves:-k tree --moves 20")

for build in "$@"; do
	bench=$(cd "$build" && pwd)/bench/resolve_bench
	[[ -x $bench ]] || { echo "$bench missing: ninja -C $build" >&2; exit 1; }
	echo "== $bench"
	for shape in "${shapes[@]}"; do
		tag=${shape%%:*} args=${shape#*:} out=$RESULTS/$(basename "$build")-$tag
		# shellcheck disable=SC2086
		run=$(valgrind --tool=callgrind --callgrind-out-file="$out.%p" \
			"$bench" -r 1 -m full -n "$N" $args 2>/dev/null | sed -n 's/^run 0 full: *//p')
		events=${run%% events*}
		ir=
		for f in "$out".*; do
			ir=$(callgrind_annotate --inclusive=yes "$f" 2>/dev/null |
				sed -n 's/^ *\([0-9,]*\) .*:fan_resolve_path \[.*/\1/p' | head -1 | tr -d ,)
			[[ -n $ir ]] && break
		done
		# shellcheck disable=SC2086
		calls=$(perf stat -x, -e syscalls:sys_enter_name_to_handle_at \
			-e syscalls:sys_enter_open_by_handle_at \
			"$bench" -r 1 -m full -n "$N" $args 2>&1 >/dev/null |
			awk -F, '/name_to_handle/ {c = $1} /open_by_handle/ {o = $1} END {print c, o}')
		pevents=$(echo "$run" | awk '{print $1}')
		printf '%-10s %7s events %9s Ir in fan_resolve_path: %5d Ir/event; checks/event %s\n' \
			"$tag" "$events" "$ir" $((ir / events)) \
			"$(awk -v c="${calls% *}" -v e="$pevents" 'BEGIN {printf "%.3f", c / e}')"
	done
	"$bench" --check-cost -n 200000 -r 5 | tail -1
done | tee "$RESULTS/summary.txt"
