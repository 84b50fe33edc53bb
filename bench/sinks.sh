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
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
find_build
N=${N:-50000}
RATES=${RATES:-"10000 max"}
REPEAT=${REPEAT:-3}
SINKS=${SINKS:-"json journal syslog"}
cpu_defaults
NDIRS=4
EVENTS=create,modify,close_write,delete,open
DEVLOG=$SRC/test/service/devlog.sh
JD=/lib/systemd/systemd-journald

need_root "fanotify groups, a private mount namespace"

if [[ -z ${SINKS_IN_NS:-} ]]; then
	"$SRC/scripts/deps.sh"
	need_built "$B/workload" "$B/rusage_run" "$FANWATCH"
	reexec_private SINKS_IN_NS sinks "$@"
fi

private_tmpfs sinks 2g
mount -t tmpfs -o mode=0755 tmpfs /run
PIDS=()

# On exit: the daemons killed and reaped, the private /run unmounted.
stop_all() {
	local p
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	umount -l /run 2>/dev/null || true
}

ticks() {	# utime+stime of a pid, in clock ticks (0 for pid 0)
	local t
	[[ $1 != 0 ]] || { echo 0; return; }
	t=$(cpu_ticks "$1")
	[[ $t == gone ]] && t=0
	echo "$t"
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

# fanwatch's and the daemon's CPU and the output: what "still draining" looks like.
progress() { echo "$(ticks "$FWPID") $(ticks "$3") $(delivered_cheap "$1" "$2")"; }

daemon_pid() {
	case $1 in journal) echo "$JDPID" ;; syslog) echo "$RSPID" ;; *) echo 0 ;; esac
}

run_one() {
	local sink=$1 rate=$2 rep=$3 dir fw args t0 tlast i dpid before after d0 d1
	dir=$RESULTS/runs/$sink-$rate-$rep
	mkdir -p "$dir"
	fresh_tree "$NDIRS"
	case $sink in
	json) args=(--json -o "$dir/out") ;;
	journal) args=(--journal) ;;
	syslog) args=(--syslog) ;;
	esac
	before=$(delivered "$sink" "$dir" 2>/dev/null || echo 0)
	dpid=$(daemon_pid "$sink")
	d0=$(ticks "$dpid")
	rusage_exec "$dir" "$DEVLOG" "$ROOT/log.sock" "$FANWATCH" -e "$EVENTS" "${args[@]}" "$T" \
		>"$dir/stdout" 2>"$dir/stderr" &
	fw=$!
	for ((i = 0; i < 400; i++)); do grep -q '^fanwatch: watching' "$dir/stderr" 2>/dev/null && break; sleep 0.025; done
	((i < 400)) || die "fanwatch did not start: $(cat "$dir/stderr")"
	FWPID=$(cat "$dir/pid")
	t0=$(date +%s.%N)
	SETTLE_T=$t0
	"$B/workload" -n "$N" -r "$rate" -d "$NDIRS" -c "$WORK_CPU" "$T" >"$dir/workload"
	# drain: fanwatch's CPU, the daemon's CPU and the output stop moving
	settle -t 600 3 progress "$sink" "$dir" "$dpid"
	tlast=$SETTLE_T
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

# one_repetition REP: every rate, every sink.
one_repetition() {
	local rate sink
	for rate in $RATES; do
		for sink in $SINKS; do
			run_one "$sink" "$rate" "$1"
		done
	done
}

main() {
	start_journald
	start_rsyslogd
	{
		env_head
		echo "N=$N RATES=$RATES REPEAT=$REPEAT SINKS=$SINKS events=$EVENTS"
		echo "systemd: $(pkg_version systemd)  rsyslog: $(pkg_version rsyslog)"
		echo "max_queued_events: $(cat /proc/sys/fs/fanotify/max_queued_events)  max_dgram_qlen: $(cat /proc/sys/net/unix/max_dgram_qlen)  load: $(load_avg)"
	} | tee "$RESULTS/env.txt"
	: >"$RESULTS/results.jsonl"
	repetitions one_repetition
	summarize | tee "$RESULTS/table.txt"
	echo "raw results: $RESULTS"
}

main "$@"
