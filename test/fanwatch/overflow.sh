#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A kernel queue overflow, forced by stopping fanwatch (SIGSTOP) while a
# workload runs, is reported in the stream and on stderr; fanwatch goes on
# and still reports later events, in directories made meanwhile too.
. "${FWT_DIR:?}/lib.sh"

max=$(cat /proc/sys/fs/fanotify/max_queued_events)
n=$((max + 1000))	# one event per iteration at least (the kernel may merge all of a file's): past the limit
mkdir "$W/d"
for out in json text; do
	args=()
	[[ $out == json ]] && args=(--json)
	fw_start "ov-$out" "${args[@]}" "$W"
	freeze "$FWPID"
	run_wl loop "$W/d" "$n" mkdir "$W/new-$out"
	kill -CONT "$FWPID"
	# later events: a file in the old directory and one in the new one
	sleep 0.5
	run_wl create "$W/d/after-$out" create "$W/new-$out/inside"
	fw_stop
	[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS after an overflow"
	grep -q 'overflowed' "$LOG/ov-$out.err" || fail "no overflow message on stderr"
	grep -q ', 1 overflows$' "$LOG/ov-$out.err" || fail "summary: $(tail -1 "$LOG/ov-$out.err")"
	if [[ $out == json ]]; then
		O=$LOG/ov-json.out
		$FWJ valid "$O" >/dev/null
		expect_json "$O" --event overflow
		expect_json "$O" --event create --path "$W/d/after-$out" --pid "$WLPID"
		expect_json "$O" --event create --path "$W/new-json/inside" --pid "$WLPID"
	else
		T=$LOG/ov-text.out
		grep -q ' overflow .*events were lost' "$T" || fail "no overflow line"
		grep -Eq " create(,[a-z_]+)* +$WLPID .*$W/d/after-$out\$" "$T" || fail "no later event: $(tail -6 "$T")"
		grep -Eq " create(,[a-z_]+)* +$WLPID .*$W/new-text/inside\$" "$T" ||
			fail "the directory made during the overflow is not watched: $(tail -3 "$T")"
	fi
	note "$out: overflow reported, later events too"
done
exit 0
