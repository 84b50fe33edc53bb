#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# attribution.sh: "who did it" (issue 12).  Short-lived commands (cat and
# head, N times each, on one file of a private tmpfs: bench/shortlived)
# while fanwatch and fatrace watch together; for each listener, how many
# of the records of those commands name the right command, a wrong one,
# or none, and the listener's CPU per record.
#
# Usage (root): bench/attribution.sh
# Environment: BUILD (build dir, default build-bench), N (300), REPEAT (5),
# FANWATCHES ("NAME=PATH ...", default "fanwatch=$BUILD/tools/fanwatch/fanwatch":
# several builds to compare, each run in turn next to fatrace),
# FW_ARGS (extra fanwatch options), UID_RUN (run the commands as this uid,
# default: as root), RESULTS, WORK_CPU (0), LISTEN_CPU (1).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
find_build
N=${N:-300}
REPEAT=${REPEAT:-5}
FANWATCHES=${FANWATCHES:-"fanwatch=$BUILD/tools/fanwatch/fanwatch"}
FW_ARGS=${FW_ARGS:-}
UID_RUN=${UID_RUN:-}
cpu_defaults

need_root "fanotify groups, a private mount namespace"

if [[ -z ${ATTR_IN_NS:-} ]]; then
	"$SRC/scripts/deps.sh" fatrace
	need_built "$B/shortlived" "$B/rusage_run"
	reexec_private ATTR_IN_NS attribution "$@"
fi

private_tmpfs attr 64m
PIDS=()
BGS=()

# On exit: both listeners killed, their jobs reaped.
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for p in "${BGS[@]}"; do wait "$p" 2>/dev/null || true; done
}

# $1 pidfile: the pid once rusage_run has written it.
pid_of() {
	local i
	for ((i = 0; i < 200; i++)); do
		[[ -s $1 ]] && { cat "$1"; return 0; }
		sleep 0.05
	done
	return 1
}

wait_ready() {	# kind pid dir
	local i
	for ((i = 0; i < 200; i++)); do
		alive "$2" || return 1
		case $1 in
		fanwatch) grep -q 'watching' "$3/stderr" 2>/dev/null && return 0 ;;
		fatrace) has_fanotify_mark "$2" && return 0 ;;
		esac
		sleep 0.05
	done
	return 1
}

run_pair() {	# variant-name fanwatch-path rep
	local name=$1 fw=$2 rep=$3 dfw dft fwpid ftpid fwbg ftbg
	dfw=$RESULTS/runs/$name-$rep
	dft=$RESULTS/runs/fatrace-with-$name-$rep
	rm -rf "$dfw" "$dft"
	mkdir -p "$dfw" "$dft"
	fresh_tree
	printf 'int main(void) { return 0; }\n' >"$T/a.c"
	# shellcheck disable=SC2086
	rusage_exec "$dfw" "$fw" --json -e open,access,close_nowrite $FW_ARGS -o "$dfw/out" "$T" \
		>"$dfw/stdout" 2>"$dfw/stderr" &
	fwbg=$!
	(cd "$T" && rusage_exec "$dft" fatrace -c -o "$dft/out") >"$dft/stdout" 2>"$dft/stderr" &
	ftbg=$!
	BGS=("$fwbg" "$ftbg")
	fwpid=$(pid_of "$dfw/pid") || die "$name did not start"
	ftpid=$(pid_of "$dft/pid") || die "fatrace did not start"
	PIDS=("$fwpid" "$ftpid")
	wait_ready fanwatch "$fwpid" "$dfw" || die "$name not ready (see $dfw/stderr)"
	wait_ready fatrace "$ftpid" "$dft" || die "fatrace not ready"
	local uidopt=()
	[[ -n $UID_RUN ]] && uidopt=(-u "$UID_RUN")
	timeout 300 "$B/shortlived" -n "$N" -c "$WORK_CPU" "${uidopt[@]}" -o "$dfw/map" "$T/a.c" ||
		die "workload failed"
	cp "$dfw/map" "$dft/map"
	sleep 1
	stop_gently "$fwpid" "$fwbg" 100
	stop_gently "$ftpid" "$ftbg" 100
	PIDS=() BGS=()
	python3 "$HERE/attribution_parse.py" run --map "$dfw/map" --format fanwatch \
		--out "$dfw/out" --listener "$name" --rep "$rep" --uid "${UID_RUN:-0}" \
		--rusage "$dfw/rusage" >>"$RESULTS/results.jsonl"
	python3 "$HERE/attribution_parse.py" run --map "$dft/map" --format fatrace \
		--out "$dft/out" --listener "fatrace(with $name)" --rep "$rep" --uid "${UID_RUN:-0}" \
		--rusage "$dft/rusage" >>"$RESULTS/results.jsonl"
}

# one_repetition REP: every fanwatch of FANWATCHES next to fatrace.
one_repetition() {
	local v
	for v in $FANWATCHES; do
		run_pair "${v%%=*}" "${v#*=}" "$1"
	done
}

main() {
	{
		echo "date: $(date -Is)"
		echo "kernel: $(uname -r)  cpus: $(nproc)  load: $(load_avg)"
		echo "N=$N REPEAT=$REPEAT FANWATCHES=$FANWATCHES FW_ARGS=$FW_ARGS UID_RUN=$UID_RUN"
		echo "fatrace: $(pkg_version fatrace)"
	} | tee "$RESULTS/env.txt"
	: >"$RESULTS/results.jsonl"
	repetitions one_repetition
	python3 "$HERE/attribution_parse.py" summarize "$RESULTS/results.jsonl" | tee "$RESULTS/table.txt"
	echo "raw results: $RESULTS"
}

main "$@"
