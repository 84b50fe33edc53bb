#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# perf_profile.sh: where a listener's CPU goes, kernel included.
# `perf record -e cpu-clock -g` (the VM has no PMU: cpu-clock sampling)
# attached to one listener while bench/workload runs N iterations at RATE
# on a private tmpfs; then the listener's CPU split by the system calls
# compare.sh's listeners make (read, close_range through syscall(), write,
# clock_nanosleep, poll) and by object (kernel, fanwatch, libfanotify, libc).
#
# Usage (root): bench/perf_profile.sh [LISTENER...]
#   LISTENER: fanwatch (default), raw_batched, raw_batched_cr
# Environment: BUILD (default build-bench), N (100000), RATE (20000), RESULTS.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
find_build
N=${N:-100000}
RATE=${RATE:-20000}

need_root

if [[ -z ${PROF_IN_NS:-} ]]; then
	"$SRC/scripts/deps.sh" linux-perf
	reexec_private PROF_IN_NS perf "$@"
fi

private_tmpfs perf 256m
PPID_PERF=

# On exit: perf told to write its data, the listener killed, both reaped.
stop_all() {
	[[ -n $PPID_PERF ]] && kill -INT "$PPID_PERF" 2>/dev/null
	[[ -n $LPID ]] && kill -KILL "$LPID" 2>/dev/null
	wait 2>/dev/null
}

start() {
	local l=$1 out=$2
	case $l in
	fanwatch) taskset -c 1 "$FANWATCH" --json -e create,modify,close_write,delete,open \
		-o "$out.out" "$T" 2>"$out.err" & ;;
	raw_batched) taskset -c 1 "$B/raw_reader" --pause-us 1000 -r "$T" >"$out.out" 2>"$out.err" & ;;
	raw_batched_cr) taskset -c 1 "$B/raw_reader" --pause-us 1000 --close-range -r "$T" \
		>"$out.out" 2>"$out.err" & ;;
	*) die "unknown listener $l" ;;
	esac
	LPID=$!
	for ((i = 0; i < 200; i++)); do
		grep -qs 'watching\|ready' "$out.err" && return 0
		sleep 0.05
	done
	die "$l did not start: $(cat "$out.err")"
}

profile() {
	local l=$1 out=$RESULTS/$1 total
	fresh_tree 4
	start "$l" "$out"
	perf record -q -e cpu-clock -g -o "$out.perf" -p "$LPID" 2>/dev/null &
	PPID_PERF=$!
	sleep 0.5
	timeout 300 "$B/workload" -n "$N" -r "$RATE" -d 4 -c 0 "$T" >"$out.workload"
	sleep 1
	kill -INT "$PPID_PERF"
	wait "$PPID_PERF" || true
	PPID_PERF=
	kill -INT "$LPID"
	wait "$LPID" || true
	LPID=
	total=$(perf report -i "$out.perf" --stdio 2>/dev/null | sed -n 's/^# Event count (approx.): //p')
	echo "== $l: $N iterations at $RATE/s, $((total / 1000000)) ms of CPU sampled"
	# (|| true: head closing the pipe early is no failure)
	perf report -i "$out.perf" --no-children --sort dso -g none -q 2>/dev/null | grep -v '^$' |
		head -6 || true
	echo "   by system call (children, ms):"
	perf report -i "$out.perf" --children --sort sym -g none -q 2>/dev/null |
		awk -v t="$total" '$NF ~ /^(read|syscall|__GI___libc_write|clock_nanosleep@GLIBC_2\.2\.5|__poll)$/ {
			sub("%", "", $1); printf "   %-30s %8.0f\n", $NF, $1 * t / 100 / 1e6 }'
	perf report -i "$out.perf" --no-children --sort dso,sym -g none -q 2>/dev/null | grep -v '^$' |
		head -40 >"$out.top" || true
}

for l in "${@:-fanwatch}"; do
	profile "$l"
done | tee "$RESULTS/summary.txt"
echo "raw results: $RESULTS"
