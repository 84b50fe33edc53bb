#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Least privilege: once its marks are in place, every thread of a root
# fanwatch keeps only the capabilities it needs, in its effective,
# permitted and bounding sets (read from /proc/PID/task/TID/status), and
# has left uid 0 for "nobody" with no supplementary groups: the main
# thread CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE (plus CAP_KILL with
# -- COMMAND), the permission thread CAP_DAC_READ_SEARCH and CAP_SYS_PTRACE.
# It still works: events after the drop, new directories marked, and the
# kernel still opens a mode-0000 file for the permission thread (allowed
# or denied by name, never refused).
. "${FWT_DIR:?}/lib.sh"

cap() { python3 -c "import sys; print(hex(sum(1 << int(c) for c in sys.argv[1:])))" "$@"; }
field() {	# $2 of the status file $1, as it is
	sed -n "s/^$2:[[:space:]]*//p" "$1"
}
capof() {	# capability field $2 of status file $1, as 0x hex
	printf '0x%x' "$((16#$(field "$1" "$2")))"
}
[[ $(capof /proc/$$/status CapEff) != 0x0 ]] || skip "this shell has no capabilities"
NOBODY=$(id -u nobody 2>/dev/null || echo 65534)

# CAP_KILL=5 CAP_DAC_READ_SEARCH=2 CAP_SYS_PTRACE=19
check_thread() {	# name status-file expected-mask
	local name=$1 f=$2 want=$3 c ids
	for c in CapEff CapPrm CapBnd; do
		[[ $(capof "$f" $c) == "$want" ]] || fail "$name: $c $(capof "$f" $c), expected $want"
	done
	[[ $(capof "$f" CapAmb) == 0x0 ]] || fail "$name: CapAmb $(capof "$f" CapAmb)"
	ids=$(field "$f" Uid | tr -s '\t ' ' ')
	[[ $ids == "$NOBODY $NOBODY $NOBODY $NOBODY" ]] || fail "$name: Uid $ids, expected $NOBODY"
	[[ -z $(field "$f" Groups) ]] || fail "$name: Groups $(field "$f" Groups)"
}

check() {	# name main-mask perm-mask fanwatch-args...
	local name=$1 want=$2 wperm=$3 t n=0
	shift 3
	fw_start "$name" "$@"
	for t in /proc/"$FWPID"/task/*; do
		if [[ $t == /proc/$FWPID/task/$FWPID ]]; then
			check_thread "$name main" "$t/status" "$want"
		elif [[ $(cat "$t/comm") == fw-output ]]; then
			# the output thread only writes to a descriptor it was given: nothing
			check_thread "$name output thread" "$t/status" 0x0
		else
			check_thread "$name thread ${t##*/}" "$t/status" "$wperm"
			n=$((n + 1))
		fi
	done
	[[ $wperm == - || $n == 1 ]] || fail "$name: $n threads besides the main one, expected 1"
	# and it still works: an event after the drop (by the command, if there is one)
	if [[ $name == command ]]; then
		touch "$W/go"
		FWSTATUS=0
		wait "$FWPID" || FWSTATUS=$?
		[[ $FWSTATUS == 0 ]] || fail "command: exit $FWSTATUS"
	else
		run_wl create "$W/after-$name"
		fw_stop
	fi
	grep -q "after-$name" "$LOG/$name.out" || fail "$name: no event after dropping capabilities"
	note "$name: main $want, permission thread $wperm, uid $NOBODY"
}
check tree "$(cap 2 19)" - "$W"
check deny "$(cap 2 19)" "$(cap 2 19)" --deny '*.key' "$W"
check filesystem "$(cap 2 19)" - --filesystem "$W"
check command "$(cap 2 5 19)" - "$W" -- "$WL" wait "$W/go" create "$W/after-command"

# Leaving uid 0 can fail (no CAP_SETUID in the bounding set, as in a unit
# that forgot it): the capabilities are dropped all the same, and it says so.
FW_CMD=(setpriv --bounding-set -setuid,-setgid "$FW")
fw_start nosetuid --deny '*.key' "$W"
for t in /proc/"$FWPID"/task/*; do
	want=$(cap 2 19)
	[[ $(cat "$t/comm") == fw-output ]] && want=0x0	# the output thread keeps nothing
	for c in CapEff CapPrm; do
		[[ $(capof "$t/status" $c) == "$want" ]] ||
			fail "no CAP_SETUID: ${t##*/} $c $(capof "$t/status" $c), expected $want"
	done
done
fw_stop
grep -q 'could not leave uid 0' "$LOG/nosetuid.err" || fail "no CAP_SETUID: nothing said: $(cat "$LOG/nosetuid.err")"
FW_CMD=("$FW")
note "without CAP_SETUID: uid 0 kept, capabilities dropped, said on stderr"

# new directories are still marked without CAP_SYS_ADMIN and uid 0
fw_start newdir --json "$W"
mkdir "$W/late"
sleep 0.3
run_wl create "$W/late/f"
fw_stop
expect_json "$LOG/newdir.out" --event create --path "$W/late/f" --pid "$WLPID"
note "directories made after the drop are watched"

# the kernel opens event files as the permission thread: mode 0000 is no obstacle
echo s >"$W/zero.key"
echo o >"$W/zero.txt"
chmod 0000 "$W/zero.key" "$W/zero.txt"
fw_start zero --json --deny '*.key' "$W"
run_wl tryopen "$W/zero.key" tryopen "$W/zero.txt"
fw_stop
grep -qx "tryopen $W/zero.key EPERM" "$LOG/wl.out" || fail "mode 0000 key: $(cat "$LOG/wl.out")"
grep -qx "tryopen $W/zero.txt ok" "$LOG/wl.out" || fail "mode 0000 txt: $(cat "$LOG/wl.out")"
grep -q 'denied by the kernel' "$LOG/zero.err" && fail "refused: $(tail -1 "$LOG/zero.err")"
expect_json "$LOG/zero.out" --path "$W/zero.key" --decision deny --pid "$WLPID"
note "mode-0000 files: decided by name after the drop"
exit 0
