#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# sinks.sh: fanwatch's events per second into journald (--journal) and
# into syslog (--syslog, received by rsyslogd) against JSON Lines to a
# file (--json -o), on the burst workload (bench/workload: create, write
# 512 bytes, close, unlink, in a loop).
#
# Everything runs in a private mount namespace: a tmpfs for the tree and
# the outputs, a tmpfs over /run with a systemd-journald of its own (no
# rate limit, volatile storage), an rsyslogd whose imuxsock socket is
# fanwatch's /dev/log (test/service/devlog.sh gives fanwatch a private
# /dev) writing each message to a file.  For each repetition, rate and
# sink: fanwatch started pinned to CPU 1 and waited for, the workload
# pinned to CPU 0, then everything left to drain (until fanwatch's, the
# daemon's and the output's progress stop for 0.6 s), SIGINT.  Measured:
# records delivered (journal entries read back with journalctl, syslog
# lines rsyslogd wrote, JSON lines), overflows fanwatch reported, the time
# from the workload's start to the last progress, fanwatch's and the
# daemon's CPU.  Delivered per second = records / that time.  Medians are
# printed; raw results go to bench/results/ (git-ignored).
#
# Usage (root): bench/sinks.sh
# Environment: BUILD (build dir, default build-bench), N (iterations,
# 50000), RATES ("10000 max"), REPEAT (3), SINKS ("json journal syslog"),
# WORK_CPU (0), LISTEN_CPU (1).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(dirname "$HERE")
BUILD=${BUILD:-$SRC/build-bench}
BUILD=$(cd "$BUILD" && pwd)
N=${N:-50000}
RATES=${RATES:-"10000 max"}
REPEAT=${REPEAT:-3}
SINKS=${SINKS:-"json journal syslog"}
WORK_CPU=${WORK_CPU:-0}
LISTEN_CPU=${LISTEN_CPU:-1}
NDIRS=4
EVENTS=create,modify,close_write,delete,open
B=$BUILD/bench
FANWATCH=$BUILD/tools/fanwatch/fanwatch
DEVLOG=$SRC/test/service/devlog.sh
JD=/lib/systemd/systemd-journald

die() { echo "sinks.sh: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "needs root (fanotify groups, a private mount namespace)"

if [[ -z ${SINKS_IN_NS:-} ]]; then
	"$SRC/scripts/deps.sh"
	for prog in "$B/workload" "$B/rusage_run" "$FANWATCH"; do
		[[ -x $prog ]] || die "$prog missing: ninja -C $BUILD"
	done
	RESULTS=${RESULTS:-$HERE/results/sinks-$(date +%Y%m%d-%H%M%S)}
	mkdir -p "$RESULTS"
	export RESULTS BUILD
	exec env SINKS_IN_NS=1 unshare -m --propagation private "$0" "$@"
fi

ROOT=$(mktemp -d /tmp/fanwatch-sinks.XXXXXX)
mount -t tmpfs -o mode=0755,size=2g tmpfs "$ROOT"
mount -t tmpfs -o mode=0755 tmpfs /run
T=$ROOT/w
PIDS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	umount -l /run 2>/dev/null || true
	umount -l "$ROOT" 2>/dev/null && rmdir "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ticks() {	# utime+stime of a pid, in clock ticks (0 for pid 0)
	local s f
	[[ $1 != 0 ]] || { echo 0; return; }
	s=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
	s=${s##*) }
	read -r -a f <<<"$s"
	echo "$((f[11] + f[12]))"
}

# ---- the daemons ----
start_journald() {
	mkdir -p /run/systemd/journald.conf.d /run/log/journal
	printf '[Journal]\nStorage=volatile\nRateLimitIntervalSec=0\nReadKMsg=no\nForwardToSyslog=no\nForwardToWall=no\nRuntimeMaxUse=1G\n' \
		>/run/systemd/journald.conf.d/bench.conf
	"$JD" >"$RESULTS/journald.log" 2>&1 &
	JDPID=$!
	PIDS+=("$JDPID")
	for ((i = 0; i < 400; i++)); do [[ -S /run/systemd/journal/socket ]] && return 0; sleep 0.025; done
	die "journald did not start"
}

start_rsyslogd() {
	mkdir -p "$ROOT/rsyslog"
	cat >"$ROOT/rsyslog.conf" <<-EOF
	global(workDirectory="$ROOT/rsyslog" maxMessageSize="64k")
	module(load="imuxsock" SysSock.Name="$ROOT/log.sock" SysSock.RateLimit.Interval="0"
	       SysSock.UsePIDFromSystem="on")
	template(name="msg" type="string" string="%msg%\n")
	if \$programname == "fanwatch" then action(type="omfile" file="$ROOT/syslog.out" template="msg")
	EOF
	rsyslogd -n -f "$ROOT/rsyslog.conf" -i "$ROOT/rsyslog.pid" >"$RESULTS/rsyslog.log" 2>&1 &
	RSPID=$!
	PIDS+=("$RSPID")
	for ((i = 0; i < 400; i++)); do [[ -S $ROOT/log.sock ]] && return 0; sleep 0.025; done
	die "rsyslogd did not start"
}

# ---- one run ----
delivered() {	# records the sink holds now
	case $1 in
	json) wc -l <"$2/out" ;;
	journal) journalctl -D /run/log/journal -o cat --no-pager SYSLOG_IDENTIFIER=fanwatch 2>/dev/null | wc -l ;;
	syslog) wc -l <"$ROOT/syslog.out" ;;
	esac
}

# the output's progress where it is cheap to see (reading a journal back is not)
delivered_cheap() {
	[[ $1 == journal ]] || delivered "$1" "$2"
	return 0
}

daemon_pid() {
	case $1 in journal) echo "$JDPID" ;; syslog) echo "$RSPID" ;; *) echo 0 ;; esac
}

run_one() {
	local sink=$1 rate=$2 rep=$3 dir fw args t0 tlast last='' now same=0 i dpid before after d0 d1
	dir=$RESULTS/runs/$sink-$rate-$rep
	mkdir -p "$dir"
	rm -rf "$T"
	mkdir "$T"
	"$B/workload" --prepare -d "$NDIRS" "$T"
	case $sink in
	json) args=(--json -o "$dir/out") ;;
	journal) args=(--journal) ;;
	syslog) args=(--syslog) ;;
	esac
	before=$(delivered "$sink" "$dir" 2>/dev/null || echo 0)
	dpid=$(daemon_pid "$sink")
	d0=$(ticks "$dpid")
	"$B/rusage_run" -p "$dir/pid" -o "$dir/rusage" -c "$LISTEN_CPU" -- \
		"$DEVLOG" "$ROOT/log.sock" "$FANWATCH" -e "$EVENTS" "${args[@]}" "$T" \
		>"$dir/stdout" 2>"$dir/stderr" &
	fw=$!
	for ((i = 0; i < 400; i++)); do grep -q '^fanwatch: watching' "$dir/stderr" 2>/dev/null && break; sleep 0.025; done
	((i < 400)) || die "fanwatch did not start: $(cat "$dir/stderr")"
	FWPID=$(cat "$dir/pid")
	t0=$(date +%s.%N)
	tlast=$t0
	"$B/workload" -n "$N" -r "$rate" -d "$NDIRS" -c "$WORK_CPU" "$T" >"$dir/workload"
	# drain: fanwatch's CPU, the daemon's CPU and the output stop moving
	for ((i = 0; i < 600 && same < 3; i++)); do
		sleep 0.2
		now="$(ticks "$FWPID") $(ticks "$dpid") $(delivered_cheap "$sink" "$dir")"
		if [[ $now == "$last" ]]; then
			same=$((same + 1))
		else
			same=0
			tlast=$(date +%s.%N)
		fi
		last=$now
	done
	kill -INT "$FWPID"
	wait "$fw" || true
	after=$(delivered "$sink" "$dir")
	d1=$(ticks "$dpid")
	python3 - "$sink" "$rate" "$rep" "$N" "$t0" "$tlast" "$((after - before))" "$((d1 - d0))" \
		"$dir" >>"$RESULTS/results.jsonl" <<-'PY'
	import json, re, sys
	sink, rate, rep, n, t0, tl, got, dticks, d = sys.argv[1:]
	err = open(d + "/stderr").read()
	m = re.search(r"(\d+) events seen, (\d+) reported, (\d+) filtered, (\d+) overflows", err)
	ru = dict(kv.split("=") for kv in open(d + "/rusage").read().split())
	wl = dict(kv.split("=") for kv in open(d + "/workload").read().split() if "=" in kv)
	el = float(tl) - float(t0)
	print(json.dumps({"sink": sink, "rate": rate, "rep": int(rep), "iterations": int(n),
	                  "workload_rate": float(wl["rate"]), "reported": int(m.group(2)),
	                  "overflows": int(m.group(4)), "delivered": int(got), "elapsed": el,
	                  "per_s": int(got) / el if el > 0 else 0,
	                  "fanwatch_cpu": int(ru["cpu_us"]) / 1e6,
	                  "daemon_cpu": int(dticks) / 100}))
	PY
}

summarize() {
	python3 "$HERE/sinks_summary.py" "$RESULTS/results.jsonl"
}

main() {
	local sink rate rep
	start_journald
	start_rsyslogd
	{
		echo "date: $(date -Is)"
		echo "kernel: $(uname -r)  cpus: $(nproc)  $(grep -m1 'model name' /proc/cpuinfo)"
		echo "N=$N RATES=$RATES REPEAT=$REPEAT SINKS=$SINKS events=$EVENTS"
		echo "systemd: $(dpkg-query -W -f '${Version}' systemd)  rsyslog: $(dpkg-query -W -f '${Version}' rsyslog)"
		echo "max_queued_events: $(cat /proc/sys/fs/fanotify/max_queued_events)  max_dgram_qlen: $(cat /proc/sys/net/unix/max_dgram_qlen)  load: $(cut -d' ' -f1-3 /proc/loadavg)"
	} | tee "$RESULTS/env.txt"
	: >"$RESULTS/results.jsonl"
	for ((rep = 1; rep <= REPEAT; rep++)); do
		for rate in $RATES; do
			for sink in $SINKS; do
				run_one "$sink" "$rate" "$rep"
			done
		done
		echo "sinks.sh: repetition $rep/$REPEAT done" >&2
	done
	summarize | tee "$RESULTS/table.txt"
	echo "raw results: $RESULTS"
}

main "$@"
