#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# compare.sh: fanwatch against a raw fanotify reader, fatrace and
# fsnotifywait on one burst workload (bench/workload: create, write 512
# bytes, close, unlink, in a loop), in one run.
#
# For each listener, rate and repetition: a fresh private tmpfs tree, the
# listener started pinned to one CPU and waited for until its marks are in
# place, the workload run pinned to the other CPU, the listener given time
# to drain its queue (until its CPU time and output stop growing), then
# SIGINT.  Measured: listener CPU (user+sys, wait4() rusage via
# rusage_run), events captured per type and with a full path (parsed from
# its output by compare_parse.py, whose header says how merged records
# count), overflows it reported.  Medians over the repetitions are printed
# as a table; everything raw is kept in bench/results/ (git-ignored).
#
# Usage (root): bench/compare.sh
# Environment: BUILD (build dir, default build-bench), N (iterations,
# 100000), RATES ("20000 50000 max"), REPEAT (5), LISTENERS
# ("raw_reader raw_batched raw_batched_cr fanwatch fatrace fsnotifywait";
# raw_batched is raw_reader --pause-us 1000, fanwatch's batching;
# raw_batched_cr the same with --close-range, libfanotify's way of closing
# descriptors; also raw_fd: raw_reader --fd-mode, raw_nopidfd: raw_reader
# --no-pidfd; fanwatch_text, fanwatch_format, fanwatch_csv: fanwatch's
# default text output, --format with text's fields, --csv; fanwatch_base,
# base_text: another fanwatch (the binary FANWATCH_BASE, or the one of the
# build directory BASE_BUILD) as fanwatch and fanwatch_text: before and
# after, in one run), RESULTS (output dir), WORK_CPU (0), LISTEN_CPU (1).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
find_build
N=${N:-100000}
RATES=${RATES:-"20000 50000 max"}
REPEAT=${REPEAT:-5}
LISTENERS=${LISTENERS:-"raw_reader raw_batched raw_batched_cr fanwatch fatrace fsnotifywait"}
cpu_defaults
NDIRS=4
FW_EVENTS=create,modify,close_write,delete,open
FW_FORMAT='%T %e %{pid} %{comm} %p'	# text output's fields
FANWATCH_BASE=${FANWATCH_BASE:-${BASE_BUILD:+$BASE_BUILD/tools/fanwatch/fanwatch}}

need_root "fanotify groups, a private mount namespace"

# Re-enter in a private mount namespace: the tmpfs and every mark stay in it.
if [[ -z ${COMPARE_IN_NS:-} ]]; then
	"$SRC/scripts/deps.sh" fatrace inotify-tools
	need_built "$B/workload" "$B/raw_reader" "$B/rusage_run"
	reexec_private COMPARE_IN_NS compare "$@"
fi

private_tmpfs compare 256m

# utime+stime in clock ticks, and the output size: what "still draining" looks like.
progress() {
	local ticks size
	ticks=$(cpu_ticks "$1")
	[[ $ticks == gone ]] && { echo gone; return; }
	size=$(stat -c %s "$2" 2>/dev/null || echo 0)
	echo "$ticks $size"
}

# Marks in place: the listener said so (raw_reader, fanwatch, fsnotifywait)
# or its fanotify descriptor lists a mark (fatrace says nothing).
is_ready() {
	local l=$1 pid=$2 dir=$3
	case $l in
	raw_*) grep -q 'ready' "$dir/stderr" ;;
	fanwatch* | base_*) [[ -s $dir/stderr ]] && grep -q . "$dir/stderr" ;;
	fsnotifywait) grep -q 'Watches established' "$dir/stderr" ;;
	fatrace) has_fanotify_mark "$pid" ;;
	esac
}

start_listener() {
	local l=$1 dir=$2
	local run=(rusage_exec "$dir")
	case $l in
	raw_reader) "${run[@]}" "$B/raw_reader" -r "$T" >"$dir/stdout" 2>"$dir/stderr" & ;;
	raw_fd) "${run[@]}" "$B/raw_reader" --fd-mode "$T" >"$dir/stdout" 2>"$dir/stderr" & ;;
	raw_nopidfd) "${run[@]}" "$B/raw_reader" --no-pidfd -r "$T" >"$dir/stdout" 2>"$dir/stderr" & ;;
	# fanwatch's batching (1 ms pause after a read while events keep coming).
	raw_batched) "${run[@]}" "$B/raw_reader" --pause-us 1000 -r "$T" >"$dir/stdout" 2>"$dir/stderr" & ;;
	# ... and closing descriptors in runs with close_range(), as libfanotify does.
	raw_batched_cr) "${run[@]}" "$B/raw_reader" --pause-us 1000 --close-range -r "$T" \
		>"$dir/stdout" 2>"$dir/stderr" & ;;
	# The raw reader's mask exactly (fanwatch's default adds attrib and rename,
	# which this workload never triggers).
	fanwatch) "${run[@]}" "$FANWATCH" --json -e "$FW_EVENTS" -o "$dir/out" "$T" \
		>"$dir/stdout" 2>"$dir/stderr" & ;;
	# the output formats: text (the default), --format with text's fields, --csv
	fanwatch_text) "${run[@]}" "$FANWATCH" -e "$FW_EVENTS" -o "$dir/out" "$T" \
		>"$dir/stdout" 2>"$dir/stderr" & ;;
	fanwatch_format) "${run[@]}" "$FANWATCH" --format "$FW_FORMAT" -e "$FW_EVENTS" \
		-o "$dir/out" "$T" >"$dir/stdout" 2>"$dir/stderr" & ;;
	fanwatch_csv) "${run[@]}" "$FANWATCH" --csv -e "$FW_EVENTS" -o "$dir/out" "$T" \
		>"$dir/stdout" 2>"$dir/stderr" & ;;
	# another fanwatch build, to compare two in one run (FANWATCH_BASE, BASE_BUILD)
	base_text) "${run[@]}" "$FANWATCH_BASE" -e "$FW_EVENTS" -o "$dir/out" "$T" \
		>"$dir/stdout" 2>"$dir/stderr" & ;;
	fanwatch_base) "${run[@]}" "$FANWATCH_BASE" --json -e "$FW_EVENTS" -o "$dir/out" "$T" \
		>"$dir/stdout" 2>"$dir/stderr" & ;;
	# -c: only the mount of its working directory (the private tmpfs).
	fatrace) (cd "$T" && "${run[@]}" fatrace -c -f '+DCWO' -o "$dir/out") \
		>"$dir/stdout" 2>"$dir/stderr" & ;;
	fsnotifywait) "${run[@]}" fsnotifywait -r -m -o "$dir/out" --format '%e|%w%f' "$T" \
		>"$dir/stdout" 2>"$dir/stderr" & ;;
	esac
	LBG=$!
}

wait_ready() {
	local l=$1 dir=$2 i
	for ((i = 0; i < 200; i++)); do
		[[ -s $dir/pid ]] && LPID=$(cat "$dir/pid")
		if [[ -n $LPID ]]; then
			alive "$LPID" || return 1
			is_ready "$l" "$LPID" "$dir" && return 0
		fi
		sleep 0.05
	done
	return 1
}

# Until CPU time and output size stay the same for 0.6 s (at most 60 s).
drain() {
	settle 300 3 progress "$LPID" "$1/out"
	echo "$((SETTLE_POLLS * 200))"
}

stop_listener() {
	stop_gently "$LPID" "$LBG" 100 "compare.sh: listener $LPID ignored SIGINT for 10 s: killed"
	LPID='' LBG=''
}

run_one() {
	local l=$1 rate=$2 rep=$3 dir early=0 ms
	dir=$RESULTS/runs/$l-$rate-$rep
	mkdir -p "$dir"
	fresh_tree "$NDIRS"
	rm -rf "${dir:?}"/*
	start_listener "$l" "$dir"
	if ! wait_ready "$l" "$dir"; then
		echo "compare.sh: $l did not become ready (see $dir/stderr)" >&2
		stop_all || true
		LPID='' LBG=''
		return 1
	fi
	timeout 300 "$B/workload" -n "$N" -r "$rate" -d "$NDIRS" -c "$WORK_CPU" "$T" >"$dir/workload" ||
		echo "compare.sh: workload failed in $dir" >&2
	ms=$(drain "$dir")
	alive "$LPID" || early=1
	stop_listener
	echo "exited_early=$early drain_s=$(awk "BEGIN{print $ms/1000}")" >"$dir/meta"
	python3 "$HERE/compare_parse.py" run --listener "$l" --rate "$rate" --rep "$rep" \
		--iterations "$N" --ndirs "$NDIRS" --root "$T" --dir "$dir" >>"$RESULTS/results.jsonl"
}

# one_repetition LISTENER... REP: every rate, every listener.
one_repetition() {
	local rep=${*: -1} rate l
	for rate in $RATES; do
		for l in "${@:1:$#-1}"; do
			run_one "$l" "$rate" "$rep" || true
		done
	done
}

main() {
	local active=() l
	for l in $LISTENERS; do
		if [[ $l == fanwatch* && ! -x $FANWATCH ]]; then
			echo "fanwatch not built: skipped"
			continue
		fi
		if [[ ($l == fanwatch_base || $l == base_*) && ! -x ${FANWATCH_BASE:-} ]]; then
			echo "$l: neither FANWATCH_BASE nor BASE_BUILD names a fanwatch: skipped"
			continue
		fi
		active+=("$l")
	done
	{
		env_head
		echo "N=$N RATES=$RATES REPEAT=$REPEAT listeners=${active[*]} work_cpu=$WORK_CPU listen_cpu=$LISTEN_CPU"
		echo "fatrace: $(pkg_version fatrace)  inotify-tools: $(pkg_version inotify-tools)"
		echo "max_queued_events: $(cat /proc/sys/fs/fanotify/max_queued_events)  load: $(load_avg)"
	} | tee "$RESULTS/env.txt"
	: >"$RESULTS/results.jsonl"
	# Repetitions outermost and listeners innermost: drift spreads over all of them.
	repetitions one_repetition "${active[@]}"
	python3 "$HERE/compare_parse.py" summarize "$RESULTS/results.jsonl" | tee "$RESULTS/table.txt"
	echo "raw results: $RESULTS"
}

main "$@"
