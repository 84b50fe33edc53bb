#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# idle.sh: how often fanwatch wakes up with nothing to report: its poll()
# calls per second (strace) over SECONDS on an empty private tmpfs, with
# the machine otherwise quiet, then again while a loop starts and ends
# /bin/true as fast as it can (every exit reaches the process table).
# An idle monitor should sleep; a busy machine should wake it at most
# every 50 ms for the table.
#
# Usage (root): bench/idle.sh
# Environment: BUILD (build-bench), FANWATCH_BASE (another fanwatch to
# compare, say main's before a change), SECONDS_EACH (5).
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"

need_root
find_build
need_built "$FANWATCH"
command -v strace >/dev/null || "$SRC/scripts/deps.sh" strace
S=${SECONDS_EACH:-5}
[[ -n ${IDLE_IN_NS:-} ]] || reexec_private IDLE_IN_NS idle "$@"
private_tmpfs idle 16m
mkdir "$T"

# polls FANWATCH: poll() calls of fanwatch's main thread per second over S seconds
polls() {
	local log=$RESULTS/strace.$$ n
	strace -o "$log" -e trace=poll "$1" -t "$S" "$T" >/dev/null 2>&1
	n=$(grep -c '^poll(\[{fd=' "$log" || true)
	rm -f "$log"
	echo "scale=1; $n / $S" | bc
}

forks() { while :; do /bin/true; done; }

for fw in "$FANWATCH" ${FANWATCH_BASE:+"$FANWATCH_BASE"}; do
	quiet=$(polls "$fw")
	forks & LBG=$!
	busy=$(polls "$fw")
	kill "$LBG"; wait "$LBG" 2>/dev/null || true; LBG=
	printf '%-50s idle %6s polls/s   exits %6s polls/s\n' "$fw" "$quiet" "$busy"
done | tee "$RESULTS/idle.txt"
