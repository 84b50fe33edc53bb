# SPDX-License-Identifier: MIT
# shellcheck shell=bash
#
# lib.sh: what the benchmark scripts of bench/ share.  Sourced, not run:
#
#   HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
#   . "$HERE/lib.sh"
#
# Sets SRC (the source tree) and BENCH (the script's name, for messages).
# A script that uses private_tmpfs may define stop_all (what it started,
# ended on exit) after sourcing this; the default ends LPID and reaps LBG.

SRC=$(dirname "$HERE")
BENCH=$(basename "$0")
LPID=
LBG=

# die MESSAGE...: print "SCRIPT: MESSAGE" on stderr and exit 1.
die() { echo "$BENCH: $*" >&2; exit 1; }

# need_root [WHY]: die with "needs root" (and WHY in parentheses) unless uid 0.
# shellcheck disable=SC2120 # WHY is optional
need_root() { [[ $(id -u) == 0 ]] || die "needs root${1:+ ($1)}"; }

# find_build: BUILD (default SRC/build-bench) made absolute; B = its bench/, FANWATCH = its fanwatch.
find_build() {
	BUILD=${BUILD:-$SRC/build-bench}
	BUILD=$(cd "$BUILD" && pwd)
	B=$BUILD/bench
	# shellcheck disable=SC2034 # the scripts' fanwatch
	FANWATCH=$BUILD/tools/fanwatch/fanwatch
}

# cpu_defaults: WORK_CPU (default 0) and LISTEN_CPU (1), the CPUs the workload and the listener are pinned to.
cpu_defaults() {
	WORK_CPU=${WORK_CPU:-0}
	LISTEN_CPU=${LISTEN_CPU:-1}
}

# need_built PATH...: die "PATH missing: ninja -C BUILD" for the first PATH that is not executable.
need_built() {
	local p
	for p in "$@"; do
		[[ -x $p ]] || die "$p missing: ninja -C $BUILD"
	done
}

# results_dir NAME: RESULTS (default HERE/results/NAME-DATE-TIME) created.
results_dir() {
	RESULTS=${RESULTS:-$HERE/results/$1-$(date +%Y%m%d-%H%M%S)}
	mkdir -p "$RESULTS"
}

# reexec_private VAR NAME ARGS...: results_dir NAME, then run this script again with
# ARGS in a private mount namespace, VAR=1 saying it is there (never returns).
reexec_private() {
	local var=$1
	results_dir "$2"
	shift 2
	export RESULTS BUILD
	exec env "$var=1" unshare -m --propagation private "$0" "$@"
}

# private_tmpfs NAME SIZE: a tmpfs of SIZE on ROOT (a new /tmp/fanwatch-NAME.XXXXXX), T = ROOT/w;
# on exit stop_all, then ROOT unmounted and removed; SIGINT/SIGTERM exit 130.
private_tmpfs() {
	ROOT=$(mktemp -d "/tmp/fanwatch-$1.XXXXXX")
	mount -t tmpfs -o "mode=0755,size=$2" tmpfs "$ROOT"
	T=$ROOT/w
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

# cleanup: the EXIT trap of private_tmpfs (stop_all, then the tmpfs goes).
cleanup() {
	stop_all || true
	umount -l "$ROOT" 2>/dev/null && rmdir "$ROOT"
}

# stop_all: the default of what cleanup ends: SIGKILL the listener LPID, reap its job LBG.
stop_all() {
	[[ -n $LPID ]] && kill -KILL "$LPID" 2>/dev/null
	[[ -n $LBG ]] && wait "$LBG" 2>/dev/null
}

# fresh_tree [NDIRS]: T empty again on the private tmpfs (die if that is gone), with
# bench/workload's NDIRS directories prepared in it when NDIRS is given.
# shellcheck disable=SC2120 # NDIRS is optional
fresh_tree() {
	# The mount point lives in the shared /tmp: never go on without our tmpfs on it.
	mountpoint -q "$ROOT" || die "the private tmpfs on $ROOT is gone"
	rm -rf "$T"
	mkdir "$T"
	[[ -z ${1:-} ]] || "$B/workload" --prepare -d "$1" "$T"
}

# rusage_exec DIR CMD...: replace this (sub)shell with CMD under rusage_run, pinned to
# LISTEN_CPU, its pid written to DIR/pid and its rusage to DIR/rusage (run it with &).
rusage_exec() {
	local dir=$1
	shift
	exec "$B/rusage_run" -p "$dir/pid" -o "$dir/rusage" -c "$LISTEN_CPU" -- "$@"
}

# alive PID: true while PID exists.
alive() { kill -0 "$1" 2>/dev/null; }

# has_fanotify_mark PID: true once one of PID's fanotify descriptors lists a mark.
has_fanotify_mark() {
	cat /proc/"$1"/fdinfo/* 2>/dev/null | grep -q '^fanotify \(sdev\|mnt_id\|ino\):'
}

# cpu_ticks PID: PID's utime+stime in clock ticks, or "gone".
cpu_ticks() {
	local stat f
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo gone; return; }
	stat=${stat##*) }
	read -r -a f <<<"$stat"
	echo "$((f[11] + f[12]))"
}

# settle [-t] TRIES SAME CMD...: every 0.2 s run CMD until it printed the same SAME times
# in a row, printed "gone" or ran TRIES times; SETTLE_POLLS = the polls completed
# (not the "gone" one); with -t, SETTLE_T = date +%s.%N of the last change seen.
settle() {
	local stamp=0 tries want last='' now same=0
	[[ $1 == -t ]] && { stamp=1; shift; }
	tries=$1 want=$2
	shift 2
	for ((SETTLE_POLLS = 0; SETTLE_POLLS < tries && same < want; SETTLE_POLLS++)); do
		sleep 0.2
		now=$("$@")
		[[ $now == gone ]] && break
		if [[ $now == "$last" ]]; then
			same=$((same + 1))
		else
			same=0
			# shellcheck disable=SC2034 # read by the caller
			((stamp)) && SETTLE_T=$(date +%s.%N)
		fi
		last=$now
	done
}

# stop_gently PID JOB TRIES [MESSAGE]: SIGINT PID, give job JOB TRIES x 0.1 s to end,
# else print MESSAGE (if any) on stderr and SIGKILL PID; reap JOB.
stop_gently() {
	local i
	kill -INT "$1" 2>/dev/null || true
	for ((i = 0; i < $3; i++)); do
		alive "$2" || break
		sleep 0.1
	done
	if alive "$2"; then
		[[ -z ${4:-} ]] || echo "$4" >&2
		kill -KILL "$1" 2>/dev/null || true
	fi
	wait "$2" 2>/dev/null || true
}

# repetitions CMD...: CMD REP for REP = 1..REPEAT, each followed by "SCRIPT: repetition REP/REPEAT done" on stderr.
repetitions() {
	local rep
	for ((rep = 1; rep <= REPEAT; rep++)); do
		"$@" "$rep"
		echo "$BENCH: repetition $rep/$REPEAT done" >&2
	done
}

# env_head: the "date:" line and the "kernel: ... cpus: ... model name" line of env.txt.
env_head() {
	echo "date: $(date -Is)"
	echo "kernel: $(uname -r)  cpus: $(nproc)  $(grep -m1 'model name' /proc/cpuinfo)"
}

# pkg_version PACKAGE: the installed Debian version of PACKAGE.
pkg_version() { dpkg-query -W -f '${Version}' "$1"; }

# load_avg: the 1, 5 and 15 minute load averages.
load_avg() { cut -d' ' -f1-3 /proc/loadavg; }
