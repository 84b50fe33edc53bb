#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# instructions.sh: instruction counts, which stay put on a noisy machine
# where CPU times do not.
#
# 1. callgrind (user-space instructions) of raw_reader and of
#    fanwatch --json -o FILE on a fixed workload of N iterations (4N events),
#    in two shapes:
#      burst  the listener is stopped (SIGSTOP) while the workload runs, then
#             drains the queue: large batches, fully merged records
#      paced  the workload runs at RATE iterations/s: small batches
#    Each is also run with 0 iterations; (Ir(N) - Ir(0)) / 4N is the cost
#    per event without start-up and shutdown.  The top functions of the
#    fanwatch burst run (self cost) are printed: the hot spots.
# 2. callgrind of the permission listeners of perm_latency (raw, lib,
#    fanwatch --deny, fanwatch-q = the same with -e create, fanwatch-nc = -q without
#    the verdict cache) on PERM_N1 and PERM_N2 opens: (Ir(N2) - Ir(N1)) /
#    (N2 - N1) per permission event.
# 3. perf stat -e task-clock (plus instructions where the machine has the
#    counter: `perf stat -e instructions true`) attached to each listener,
#    natively, over a PERF_N-iteration burst at full speed.
#
# Usage (root): bench/instructions.sh
# Environment: BUILD, N (2000), RATE (500), PERM_N1 (500), PERM_N2 (1500),
# PERF_N (20000), RESULTS, LISTENERS (the notification listeners of part 1
# and 3: "raw_reader fanwatch"; also fanwatch_text, fanwatch_format,
# fanwatch_csv: fanwatch's default text output, --format with text's
# fields, --csv; fanwatch_base, base_text: --json and text of another
# fanwatch, FANWATCH_BASE or BASE_BUILD's), PARTS ("callgrind perm perf": which parts run).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
find_build
N=${N:-2000}
RATE=${RATE:-500}
PERM_N1=${PERM_N1:-500}
PERM_N2=${PERM_N2:-1500}
PERF_N=${PERF_N:-20000}
LISTENERS=${LISTENERS:-"raw_reader fanwatch"}
PARTS=${PARTS:-"callgrind perm perf"}
FANWATCH_BASE=${FANWATCH_BASE:-${BASE_BUILD:+$BASE_BUILD/tools/fanwatch/fanwatch}}
NDIRS=4

need_root

if [[ -z ${INSTR_IN_NS:-} ]]; then
	"$SRC/scripts/deps.sh" linux-perf valgrind
	need_built "$B/workload" "$B/raw_reader" "$B/perm_latency"
	reexec_private INSTR_IN_NS instructions "$@"
fi

private_tmpfs instr 256m

# On exit: the listener (stopped or not) killed and reaped.
stop_all() {
	if [[ -n $LPID ]]; then
		kill -CONT "$LPID" 2>/dev/null
		kill -KILL "$LPID" 2>/dev/null
		wait "$LPID" 2>/dev/null
	fi
}

# The listener has read everything once its CPU time stays put for 1 s (at most 120 s).
drain() { settle 600 5 cpu_ticks "$LPID"; }

wait_ready() {
	local what=$1 err=$2 i
	for ((i = 0; i < 1200; i++)); do
		alive "$LPID" || return 1
		case $what in
		raw_reader) grep -qs 'raw_reader: ready' "$err" && return 0 ;;
		# (not any line that is not valgrind's: it also warns about syscalls it does not know)
		*) grep -qs '^fanwatch: watching' "$err" && return 0 ;;
		esac
		sleep 0.05
	done
	return 1
}

stop_listener() {
	stop_gently "$LPID" "$LPID" 300
	LPID=
}

# fanwatch watches the workload's directories as its PATHs: under valgrind
# (3.19 does not know openat2(2), which the subtree tracker needs to open
# a directory below a PATH) nothing below a PATH would be marked.
fw_paths() {
	local i
	for ((i = 0; i < NDIRS; i++)); do printf ' %s' "$T/d$i"; done
}

listener_cmd() {
	case $1 in
	raw_reader) echo "$B/raw_reader -r $T" ;;
	fanwatch) echo "$FANWATCH --json -e create,modify,close_write,delete,open -o $2$(fw_paths)" ;;
	fanwatch_text) echo "$FANWATCH -e create,modify,close_write,delete,open -o $2$(fw_paths)" ;;
	# text output's fields (the words stay words: the command line is split on spaces)
	fanwatch_format) echo "$FANWATCH --format %T|%e|%{pid}|%{comm}|%p -e create,modify,close_write,delete,open -o $2$(fw_paths)" ;;
	fanwatch_csv) echo "$FANWATCH --csv -e create,modify,close_write,delete,open -o $2$(fw_paths)" ;;
	# another fanwatch build, to compare two in one run (FANWATCH_BASE, BASE_BUILD)
	fanwatch_base) echo "$FANWATCH_BASE --json -e create,modify,close_write,delete,open -o $2$(fw_paths)" ;;
	base_text) echo "$FANWATCH_BASE -e create,modify,close_write,delete,open -o $2$(fw_paths)" ;;
	esac
}

# callgrind_one LISTENER SHAPE ITERATIONS -> prints total Ir
callgrind_one() {
	local l=$1 shape=$2 n=$3 tag dir
	tag=$l-$shape-$n
	dir=$RESULTS/callgrind
	mkdir -p "$dir"
	fresh_tree "$NDIRS"
	# keep_uid.so: fanwatch keeps uid 0, so that callgrind can write its profile at exit
	local pre=()
	[[ $l == fanwatch* || $l == base_* ]] && pre=(LD_PRELOAD="$B/keep_uid.so")
	# shellcheck disable=SC2046
	taskset -c 1 env "${pre[@]}" valgrind --tool=callgrind \
		--callgrind-out-file="$dir/$tag.callgrind" \
		$(listener_cmd "$l" "$dir/$tag.out") >"$dir/$tag.stdout" 2>"$dir/$tag.stderr" &
	LPID=$!
	wait_ready "$l" "$dir/$tag.stderr" || die "$l did not start under valgrind: $dir/$tag.stderr"
	if [[ $shape == burst ]]; then
		kill -STOP "$LPID"
		"$B/workload" -n "$n" -d "$NDIRS" -c 0 "$T" >"$dir/$tag.workload"
		kill -CONT "$LPID"
	else
		"$B/workload" -n "$n" -r "$RATE" -d "$NDIRS" -c 0 "$T" >"$dir/$tag.workload"
	fi
	drain
	stop_listener
	local ir recs
	ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$dir/$tag.callgrind" | head -1)
	if [[ $l == raw_reader ]]; then
		recs=$(sed -n 's/.*records=\([0-9]*\).*/\1/p' "$dir/$tag.stdout")
	elif [[ $l == fanwatch_csv ]]; then
		recs=$(($(wc -l <"$dir/$tag.out") - 1))	# the header
	else
		recs=$(wc -l <"$dir/$tag.out")
	fi
	echo "$ir ${recs:-0}"
}

per_event() { awk -v a="$1" -v b="$2" -v e="$3" 'BEGIN { printf "%.0f", (b - a) / e }'; }

callgrind_listeners() {
	local listeners=() l shape i0 i1 r0 r1
	for l in $LISTENERS; do
		if [[ ($l == fanwatch_base || $l == base_*) && ! -x ${FANWATCH_BASE:-} ]]; then
			echo "$l: neither FANWATCH_BASE nor BASE_BUILD names a fanwatch: skipped"
		elif [[ $l == fanwatch* && ! -x $FANWATCH ]]; then echo "fanwatch not built: $l skipped"
		else listeners+=("$l"); fi
	done
	printf '%-15s %-6s %12s %12s %9s %10s %11s\n' listener shape "Ir(0)" "Ir($N)" records \
		"Ir/event" "Ir/record"
	for l in "${listeners[@]}"; do
		for shape in burst paced; do
			read -r i0 r0 < <(callgrind_one "$l" "$shape" 0)
			read -r i1 r1 < <(callgrind_one "$l" "$shape" "$N")
			printf '%-15s %-6s %12s %12s %9s %10s %11s\n' "$l" "$shape" "$i0" "$i1" "$r1" \
				"$(per_event "$i0" "$i1" $((4 * N)))" "$(per_event "$i0" "$i1" $((r1 - r0)))"
		done
	done
	echo "(user-space instructions per workload event (4 per iteration) and per record read"
	echo " (kernel event, merged ones count once; for fanwatch: output lines))"
	if [[ -x $FANWATCH ]]; then
		local cg=$RESULTS/callgrind shape
		for l in "${listeners[@]}"; do
		[[ $l == fanwatch* || $l == base_* ]] || continue
		for shape in burst paced; do
			callgrind_annotate --inclusive=no "$cg/$l-$shape-$N.callgrind" \
				>"$cg/$l-$shape-self.txt" 2>/dev/null || true
			callgrind_annotate --inclusive=yes "$cg/$l-$shape-$N.callgrind" \
				>"$cg/$l-$shape-inclusive.txt" 2>/dev/null || true
			echo
			echo "$l hot spots ($shape, $N iterations, self cost; $cg/$l-$shape-*.txt):"
			grep -E '^ *[0-9,]+ ' "$cg/$l-$shape-self.txt" | head -20 || true
		done
		done
	fi
}

# Permission listeners: perm_latency under callgrind, children traced (the
# forked raw/lib listeners stay instrumented, fanwatch is followed into exec).
callgrind_perm() {
	local dir=$RESULTS/callgrind-perm n lst=raw,lib l pid ir
	declare -A irs
	mkdir -p "$dir"
	[[ -x $FANWATCH ]] && lst=raw,lib,fanwatch,fanwatch-q,fanwatch-nc
	for n in "$PERM_N1" "$PERM_N2"; do
		mkdir -p "$dir/$n"
		LD_PRELOAD=$B/keep_uid.so valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$dir/$n/cg.%p" \
			"$B/perm_latency" -l "$lst" -p cross -R 1 -n "$n" -t 300 -o "$dir/$n" \
			--fanwatch "$FANWATCH" >"$dir/$n/stdout" 2>"$dir/$n/stderr" ||
			die "perm_latency under valgrind failed: $dir/$n/stderr"
		for l in ${lst//,/ }; do
			pid=$(sed -n "s/^run listener=$l .*listener_pid=\([0-9]*\).*/\1/p" "$dir/$n/stdout")
			ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$dir/$n/cg.$pid" | head -1)
			irs[$l-$n]=$ir
		done
	done
	printf '%-9s %14s %14s %14s\n' listener "Ir($PERM_N1)" "Ir($PERM_N2)" "Ir/perm event"
	for l in ${lst//,/ }; do
		printf '%-9s %14s %14s %14s\n' "$l" "${irs[$l-$PERM_N1]}" "${irs[$l-$PERM_N2]}" \
			"$(per_event "${irs[$l-$PERM_N1]}" "${irs[$l-$PERM_N2]}" $((PERM_N2 - PERM_N1)))"
	done
	echo "(user-space instructions of the listener process per open it allowed)"
}

perf_one() {
	local l=$1 events=$2 dir=$RESULTS/perf ppid
	mkdir -p "$dir"
	fresh_tree "$NDIRS"
	# shellcheck disable=SC2046
	taskset -c 1 $(listener_cmd "$l" "$dir/$l.out") >"$dir/$l.stdout" 2>"$dir/$l.stderr" &
	LPID=$!
	wait_ready "$l" "$dir/$l.stderr" || die "$l did not start"
	perf stat -e "$events" -x, -o "$dir/$l.perf" -p "$LPID" &
	ppid=$!
	sleep 0.5
	"$B/workload" -n "$PERF_N" -d "$NDIRS" -c 0 "$T" >"$dir/$l.workload"
	drain
	stop_listener
	wait "$ppid" || true
	awk -F, -v ev=$((4 * PERF_N)) -v l="$l" '
		$3 == "task-clock" || $3 ~ /^task-clock/ { tc = $1 }
		$3 ~ /^instructions/ { ins = $1 }
		END { printf "%-15s %12.1f %14s %12.2f %12s\n", l, tc, (ins == "" ? "n/a" : ins),
		      tc * 1000 / ev, (ins ~ /^[0-9]+$/ ? sprintf("%.0f", ins / ev) : "n/a") }' \
		"$dir/$l.perf"
}

perf_listeners() {
	local events=task-clock l
	if perf stat -e instructions true 2>&1 | grep 'not supported' >/dev/null; then
		echo "perf: the instructions counter is not supported here (virtual machine): task-clock only"
	else
		events=task-clock,instructions
	fi
	printf '%-15s %12s %14s %12s %12s\n' listener task-clock_ms instructions "us/event" "ins/event"
	for l in $LISTENERS; do
		if [[ $l == fanwatch* && ! -x $FANWATCH ]]; then echo "fanwatch not built: $l skipped"
		else perf_one "$l" "$events"; fi
	done
	echo "(perf stat attached after start-up, $PERF_N iterations at full speed = $((4 * PERF_N)) events)"
}

{
	echo "date: $(date -Is)  kernel: $(uname -r)  cpus: $(nproc)  load: $(load_avg)"
	echo "valgrind: $(valgrind --version)  N=$N RATE=$RATE PERM_N1=$PERM_N1 PERM_N2=$PERM_N2 PERF_N=$PERF_N"
	echo
	if [[ " $PARTS " == *" callgrind "* ]]; then
		echo "== callgrind: notification listeners"
		callgrind_listeners
		echo
	fi
	if [[ " $PARTS " == *" perm "* ]]; then
		echo "== callgrind: permission listeners (perm_latency)"
		callgrind_perm
		echo
	fi
	if [[ " $PARTS " == *" perf "* ]]; then
		echo "== perf stat"
		perf_listeners
	fi
} 2>&1 | tee "$RESULTS/summary.txt"
echo "raw results: $RESULTS"
