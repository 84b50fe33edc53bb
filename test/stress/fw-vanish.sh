#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Watched things that go away while fanwatch runs, with a workload busy in
# them: a watched directory deleted (one of two PATHs, and the only PATH),
# a watched tmpfs unmounted (lazily, since the workload keeps it busy; and
# a second, idle, watched tmpfs with a plain umount, which must succeed:
# fanwatch holds no descriptor on a filesystem it watches), in a tree
# watch, with --filesystem and with --deny.  fanwatch
# keeps running (or, with nothing left, exits cleanly with a message):
# never a crash, never a hang; the deleted directory is reported on stderr;
# events and denials under the PATH that is left go on being reported;
# SIGINT ends it with status 0 (or it already ended with 0 or 1, saying why).
. "${FWT_DIR:?}/lib.sh"

OPENERS=${STRESS_OPENERS:?STRESS_OPENERS is not set}
UNMOUNTS=0 REMOVALS=0

# alive_or_clean NAME PID: running, or exited 0/1 with a message on stderr.
alive_or_clean() {
	local st=0
	kill -0 "$2" 2>/dev/null && return 0
	wait "$2" || st=$?
	((st <= 1)) || fail "$1: fanwatch ended with status $st: $(cat "$LOG/$1.err")"
	[[ $(wc -l <"$LOG/$1.err") -ge 2 ]] || fail "$1: fanwatch ended ($st) without saying why"
	note "$1: fanwatch ended by itself ($st): $(tail -1 "$LOG/$1.err")"
	return 1
}

# stop_ok NAME: SIGINT, exit 0, a summary line.
stop_ok() {
	fw_stop
	[[ $FWSTATUS == 0 ]] || fail "$1: exit $FWSTATUS: $(cat "$LOG/$1.err")"
	grep -q 'events seen' "$LOG/$1.err" || fail "$1: no summary"
}

# busy DIR: a workload creating and deleting files in DIR until killed; BUSY is its pid.
busy() {
	"$WL" loop "$1" 100000000 >/dev/null 2>&1 &
	BUSY=$!
	STARTED+=("$BUSY")
}
unbusy() { kill -KILL "$BUSY" 2>/dev/null || true; wait "$BUSY" 2>/dev/null || true; }
# remove DIR while the workload is busy in it (it fails once DIR is gone)
remove() {
	local i
	for ((i = 0; i < 100; i++)); do rm -rf "$1" 2>/dev/null && return 0; done
	fail "cannot remove $1"
}
# after a watched PATH went (run TAG): fanwatch still runs, a file created in
# the PATH LEFT is seen (WLPID), openers there are answered when VARIANT is
# deny (their tally in $LOG/o.out); then fanwatch is stopped
still_watching() {
	local tag=$1 left=$2 variant=$3
	sleep 0.3
	alive_or_clean "$tag" "$FWPID" || fail "$tag: fanwatch ended with a PATH left"
	run_wl create "$left/after"
	if [[ $variant == deny ]]; then
		"$OPENERS" -t 4 -n 200 "$left" >"$LOG/o.out" || fail "$tag: $(cat "$LOG/o.out")"
	fi
	sleep 0.3
	stop_ok "$tag"
}

# 1. one of two watched directories deleted under load, tree watch and --deny
for variant in tree deny; do
	rm -rf "${W:?}"/*
	mkdir -p "$W/a/sub/deep" "$W/b"
	"$OPENERS" -m -t 1 -n 1 -a "$W/b" >/dev/null
	args=(--json "$W/a" "$W/b")
	[[ $variant == deny ]] && args=(--deny 'deny-*' "${args[@]}")
	fw_start "rm-$variant" "${args[@]}"
	busy "$W/a/sub/deep"
	sleep 0.3
	remove "$W/a"
	unbusy
	REMOVALS=$((REMOVALS + 1))
	still_watching "rm-$variant" "$W/b" "$variant"
	grep -q "watched directory $W/a was deleted" "$LOG/rm-$variant.err" ||
		fail "rm-$variant: the deletion is not reported: $(cat "$LOG/rm-$variant.err")"
	expect_json "$LOG/rm-$variant.out" --event create --path "$W/b/after" --pid "$WLPID"
	if [[ $variant == deny ]]; then
		d=$(sed -n 's/^denied //p' "$LOG/o.out")
		[[ $($FWJ count "$LOG/rm-deny.out" --decision deny) == "$d" ]] ||
			fail "rm-deny: $d denied opens, $($FWJ count "$LOG/rm-deny.out" --decision deny) reported"
	fi
	note "rm-$variant: $W/a deleted under load; reported; $W/b still watched"
done

# 2. the only watched directory deleted
mkdir -p "$W/solo/x"
fw_start rm-solo --json "$W/solo"
busy "$W/solo/x"
sleep 0.3
remove "$W/solo"
unbusy
REMOVALS=$((REMOVALS + 1))
sleep 0.5
if alive_or_clean rm-solo "$FWPID"; then
	stop_ok rm-solo
fi
grep -q "watched directory $W/solo was deleted" "$LOG/rm-solo.err" || fail "rm-solo: $(cat "$LOG/rm-solo.err")"
note "rm-solo: the only PATH deleted: reported, no crash"

# 3. a watched tmpfs unmounted under load: tree, --filesystem, --deny
for variant in tree filesystem deny; do
	m1=$TMP/m1-$variant m2=$TMP/m2-$variant m3=$TMP/m3-$variant
	mkdir -p "$m1" "$m2" "$m3"
	mount -t tmpfs m1 "$m1"
	mount -t tmpfs m2 "$m2"
	mount -t tmpfs m3 "$m3"
	EXTRA_MOUNTS+=("$m2" "$m3")
	mkdir "$m1/d" "$m3/d"
	"$OPENERS" -m -t 1 -n 1 -a "$m2" >/dev/null
	args=(--json "$m1" "$m2" "$m3")
	[[ $variant == filesystem ]] && args=(--filesystem "${args[@]}")
	[[ $variant == deny ]] && args=(--deny 'deny-*' "${args[@]}")
	fw_start "umount-$variant" "${args[@]}"
	run_wl create "$m3/d/idle"
	sleep 0.3
	umount "$m3" 2>"$LOG/umount.err" || fail "umount-$variant: plain umount of the idle watched $m3: $(cat "$LOG/umount.err")"
	note "umount-$variant: plain umount of an idle watched tmpfs: done"
	busy "$m1/d"
	sleep 0.3
	st=0
	umount "$m1" 2>"$LOG/umount.err" || st=$?
	note "umount-$variant: plain umount: status $st $(cat "$LOG/umount.err")"
	((st == 0)) || umount -l "$m1" || fail "umount -l $m1"
	unbusy
	UNMOUNTS=$((UNMOUNTS + 1))
	still_watching "umount-$variant" "$m2" "$variant"
	expect_json "$LOG/umount-$variant.out" --event create --path "$m2/after" --pid "$WLPID"
	note "umount-$variant: $m1 unmounted under load; $m2 still watched"
done

# 4. the only watched filesystem unmounted
m=$TMP/msolo
mkdir -p "$m"
mount -t tmpfs msolo "$m"
fw_start umount-solo --json --filesystem "$m"
busy "$m"
sleep 0.3
umount -l "$m"
unbusy
UNMOUNTS=$((UNMOUNTS + 1))
sleep 0.3
if alive_or_clean umount-solo "$FWPID"; then
	stop_ok umount-solo
fi
note "directories deleted: $REMOVALS, filesystems unmounted: $UNMOUNTS; no crash, no hang"
exit 0
