#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Queue overflow storms: a workload runs without pause while fanwatch is
# stopped (SIGSTOP) and continued (SIGCONT) CYCLES times (STRESS_CYCLES,
# default 4), long enough each time for the kernel queue to overflow, in
# JSON and in text.  fanwatch keeps running through all of them; each
# overflow is in its stream (one record), on stderr (one warning) and in
# its summary, the three counts agree and there is at least one per cycle;
# events after the storm (in a directory made during it) are reported;
# SIGINT ends it with status 0.
. "${FWT_DIR:?}/lib.sh"

CYCLES=${STRESS_CYCLES:-4}
max=$(cat /proc/sys/fs/fanotify/max_queued_events)
mkdir "$W/d" "$W/burst"

storm() {	# storm json|text
	local out=$1 args=() i wl n_stream n_warn n_sum
	[[ $out == json ]] && args=(--json)
	fw_start "storm-$out" "${args[@]}" "$W"
	"$WL" loop "$W/d" 100000000 >/dev/null 2>&1 &
	wl=$!
	STARTED+=("$wl")
	for ((i = 0; i < CYCLES; i++)); do
		sleep 0.3
		freeze "$FWPID"
		# past max_queued_events (16384) whatever the machine's load: besides
		# the running workload, max + 1000 files made and removed here and
		# now (at least one event each, however the kernel merges them)
		"$WL" loop "$W/burst" $((max + 1000)) >/dev/null ||
			fail "$out: the burst workload failed"
		[[ $i == 1 ]] && mkdir "$W/during-$out"
		kill -CONT "$FWPID"
		sleep 0.7
		kill -0 "$FWPID" 2>/dev/null || fail "$out: fanwatch died in cycle $i: $(cat "$LOG/storm-$out.err")"
	done
	kill -KILL "$wl"
	wait "$wl" 2>/dev/null || true
	sleep 0.5
	run_wl create "$W/d/after-$out" create "$W/during-$out/inside"
	sleep 0.3
	fw_stop
	[[ $FWSTATUS == 0 ]] || fail "$out: fanwatch exited $FWSTATUS after the storm"
	n_warn=$(grep -c 'kernel event queue overflowed' "$LOG/storm-$out.err" || true)
	n_sum=$(sed -n 's/.* \([0-9]*\) overflows.*/\1/p' "$LOG/storm-$out.err")
	if [[ $out == json ]]; then
		# hundreds of thousands of records: check the ones that matter
		grep -a -e '"events":\["overflow"\]' -e 'after-json' -e 'during-json/inside' \
			"$LOG/storm-json.out" >"$LOG/storm-json.some" || true
		$FWJ valid "$LOG/storm-json.some" >/dev/null
		n_stream=$($FWJ count "$LOG/storm-json.some" --event overflow)
		expect_json "$LOG/storm-json.some" --event create --path "$W/d/after-json" --pid "$WLPID"
		expect_json "$LOG/storm-json.some" --event create --path "$W/during-json/inside" --pid "$WLPID"
	else
		n_stream=$(grep -c ' overflow .*events were lost' "$LOG/storm-text.out" || true)
		grep -Eq " create(,[a-z_]+)* +$WLPID .*$W/d/after-text\$" "$LOG/storm-text.out" ||
			fail "text: no event after the storm"
		grep -Eq " create(,[a-z_]+)* +$WLPID .*$W/during-text/inside\$" "$LOG/storm-text.out" ||
			fail "text: the directory made during the storm is not watched"
	fi
	note "$out: $CYCLES stops: $n_stream overflow records, $n_warn warnings, summary: $(tail -1 "$LOG/storm-$out.err")"
	[[ $n_stream == "$n_warn" && $n_warn == "$n_sum" ]] ||
		fail "$out: overflows: $n_stream in the stream, $n_warn on stderr, $n_sum in the summary"
	((n_stream >= CYCLES)) || fail "$out: $n_stream overflows for $CYCLES stops"
	OVERFLOWS=$((${OVERFLOWS:-0} + n_stream))
	rm -f "$LOG/storm-$out.out"
}

storm json
storm text
note "overflow storms: $OVERFLOWS overflows reported in $((2 * CYCLES)) stops"
exit 0
