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
SRC=$(dirname "$HERE")
BUILD=${BUILD:-$SRC/build-bench}
BUILD=$(cd "$BUILD" && pwd)
N=${N:-300}
REPEAT=${REPEAT:-5}
FANWATCHES=${FANWATCHES:-"fanwatch=$BUILD/tools/fanwatch/fanwatch"}
FW_ARGS=${FW_ARGS:-}
UID_RUN=${UID_RUN:-}
WORK_CPU=${WORK_CPU:-0}
LISTEN_CPU=${LISTEN_CPU:-1}
B=$BUILD/bench

die() { echo "attribution.sh: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "needs root (fanotify groups, a private mount namespace)"

if [[ -z ${ATTR_IN_NS:-} ]]; then
	"$SRC/scripts/deps.sh" fatrace
	for prog in shortlived rusage_run; do
		[[ -x $B/$prog ]] || die "$B/$prog missing: ninja -C $BUILD"
	done
	RESULTS=${RESULTS:-$HERE/results/attribution-$(date +%Y%m%d-%H%M%S)}
	mkdir -p "$RESULTS"
	export RESULTS BUILD
	exec env ATTR_IN_NS=1 unshare -m --propagation private "$0" "$@"
fi

ROOT=$(mktemp -d /tmp/fanwatch-attr.XXXXXX)
mount -t tmpfs -o mode=0755,size=64m tmpfs "$ROOT"
T=$ROOT/w
PIDS=()
BGS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	for p in "${BGS[@]}"; do wait "$p" 2>/dev/null || true; done
	umount -l "$ROOT" 2>/dev/null && rmdir "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

alive() { kill -0 "$1" 2>/dev/null; }

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
		fatrace) cat /proc/"$2"/fdinfo/* 2>/dev/null | grep -q '^fanotify \(sdev\|mnt_id\|ino\):' && return 0 ;;
		esac
		sleep 0.05
	done
	return 1
}

stop() {	# pid bgpid
	local i
	kill -INT "$1" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		alive "$2" || break
		sleep 0.1
	done
	alive "$2" && kill -KILL "$1" 2>/dev/null
	wait "$2" 2>/dev/null || true
}

run_pair() {	# variant-name fanwatch-path rep
	local name=$1 fw=$2 rep=$3 dfw dft fwpid ftpid fwbg ftbg
	dfw=$RESULTS/runs/$name-$rep
	dft=$RESULTS/runs/fatrace-with-$name-$rep
	rm -rf "$dfw" "$dft"
	mkdir -p "$dfw" "$dft"
	mountpoint -q "$ROOT" || die "the private tmpfs on $ROOT is gone"
	rm -rf "$T"
	mkdir -p "$T"
	printf 'int main(void) { return 0; }\n' >"$T/a.c"
	# shellcheck disable=SC2086
	"$B/rusage_run" -p "$dfw/pid" -o "$dfw/rusage" -c "$LISTEN_CPU" -- \
		"$fw" --json -e open,access,close_nowrite $FW_ARGS -o "$dfw/out" "$T" \
		>"$dfw/stdout" 2>"$dfw/stderr" &
	fwbg=$!
	(cd "$T" && exec "$B/rusage_run" -p "$dft/pid" -o "$dft/rusage" -c "$LISTEN_CPU" -- \
		fatrace -c -o "$dft/out") >"$dft/stdout" 2>"$dft/stderr" &
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
	stop "$fwpid" "$fwbg"
	stop "$ftpid" "$ftbg"
	PIDS=() BGS=()
	python3 "$HERE/attribution_parse.py" run --map "$dfw/map" --format fanwatch \
		--out "$dfw/out" --listener "$name" --rep "$rep" --uid "${UID_RUN:-0}" \
		--rusage "$dfw/rusage" >>"$RESULTS/results.jsonl"
	python3 "$HERE/attribution_parse.py" run --map "$dft/map" --format fatrace \
		--out "$dft/out" --listener "fatrace(with $name)" --rep "$rep" --uid "${UID_RUN:-0}" \
		--rusage "$dft/rusage" >>"$RESULTS/results.jsonl"
}

main() {
	local rep v
	{
		echo "date: $(date -Is)"
		echo "kernel: $(uname -r)  cpus: $(nproc)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
		echo "N=$N REPEAT=$REPEAT FANWATCHES=$FANWATCHES FW_ARGS=$FW_ARGS UID_RUN=$UID_RUN"
		echo "fatrace: $(dpkg-query -W -f '${Version}' fatrace)"
	} | tee "$RESULTS/env.txt"
	: >"$RESULTS/results.jsonl"
	for ((rep = 1; rep <= REPEAT; rep++)); do
		for v in $FANWATCHES; do
			run_pair "${v%%=*}" "${v#*=}" "$rep"
		done
		echo "attribution.sh: repetition $rep/$REPEAT done" >&2
	done
	python3 "$HERE/attribution_parse.py" summarize "$RESULTS/results.jsonl" | tee "$RESULTS/table.txt"
	echo "raw results: $RESULTS"
}

main "$@"
