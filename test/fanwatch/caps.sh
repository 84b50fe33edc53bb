#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Least privilege: once its marks are in place, a root fanwatch keeps only
# the capabilities the rest of the run needs (read from /proc/PID/status),
# and the bounding set is cut the same way.
. "${FWT_DIR:?}/lib.sh"

cap() { python3 -c "import sys; print(hex(sum(1 << int(c) for c in sys.argv[1:])))" "$@"; }
capof() {	# field $2 (CapEff, CapBnd) of /proc/$1/status, as 0x hex
	local v
	v=$(sed -n "s/^$2:[[:space:]]*//p" "$1/status")
	printf '0x%x' "$((16#$v))"
}
status_caps() { echo "$(capof "/proc/$1" CapEff) $(capof "/proc/$1" CapBnd)"; }
mine=$(status_caps $$)
[[ ${mine%% *} != 0x0 ]] || skip "this shell has no capabilities"

# CAP_DAC_OVERRIDE=1 CAP_KILL=5 CAP_DAC_READ_SEARCH=2 CAP_SYS_PTRACE=19
check() {	# name expected-mask fanwatch-args...
	local name=$1 want=$2 got
	shift 2
	fw_start "$name" "$@"
	got=$(status_caps "$FWPID")
	# the permission thread, if any, must be as limited as the main thread;
	# the output thread (fw-output) keeps nothing
	for t in /proc/"$FWPID"/task/*; do
		tcap=$(capof "$t" CapEff)
		twant=$want
		[[ $(cat "$t/comm") == fw-output ]] && twant=0x0
		[[ $tcap == "$twant" ]] || fail "$name: thread ${t##*/} has CapEff $tcap, expected $twant"
	done
	[[ $got == "$want $want" ]] || fail "$name: CapEff/CapBnd $got, expected $want $want"
	# and it still works: an event after the drop
	run_wl create "$W/after-$name"
	fw_stop
	grep -q "after-$name" "$LOG/$name.out" || fail "$name: no event after dropping capabilities"
	note "$name: CapEff $got (started with $mine)"
}
check tree "$(cap 2 19)" "$W"
check deny "$(cap 1 2 19)" --deny '*.key' "$W"
check filesystem "$(cap 2 19)" --filesystem "$W"
# new directories are still marked without CAP_SYS_ADMIN
fw_start newdir --json "$W"
mkdir "$W/late"
sleep 0.3
run_wl create "$W/late/f"
fw_stop
expect_json "$LOG/newdir.out" --event create --path "$W/late/f" --pid "$WLPID"
note "directories made after the drop are watched"
exit 0
