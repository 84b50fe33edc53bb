#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A low descriptor limit never turns an allowed open into a denial: the
# kernel denies a permission event whose descriptor it cannot install
# (EMFILE).  With `ulimit -n 64` (soft and hard), 40 processes opening an
# allowed file 100 times each at once, while fanwatch also reports every
# open (the reporting group's pidfds count against the same limit): not
# one EPERM, and the summary names no denial.  Then the same without the
# permission thread's own descriptor table (unshare refused by a shim): the
# kernel does deny some opens, and fanwatch counts and reports each one
# (FAN_REPORT_FD_ERROR, Linux 6.13) instead of saying "0 denied".  A limit
# too low to be safe is refused at start.
. "${FWT_DIR:?}/lib.sh"

echo ok >"$W/ok.txt"
FW_CMD=(prlimit --nofile=64:64 "$FW")
fw_start low --json --deny '*.key' "$W"
"$WL" openers "$W/ok.txt" 40 100 >"$LOG/openers.out"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS: $(cat "$LOG/low.err")"
grep -qx "openers ok=4000 eperm=0 other=0" "$LOG/openers.out" ||
	fail "allowed opens failed under ulimit -n 64: $(tail -1 "$LOG/openers.out"); fanwatch: $(tail -1 "$LOG/low.err")"
grep -Eq ', 0 denied$' "$LOG/low.err" || fail "summary: $(tail -1 "$LOG/low.err")"
grep -q 'denied by the kernel' "$LOG/low.err" && fail "kernel denials: $(tail -1 "$LOG/low.err")"
note "ulimit -n 64, 40 x 100 concurrent allowed opens: no EPERM ($(tail -1 "$LOG/low.err"))"

# without a table of its own, EMFILE happens: every such denial is counted and reported
if "$FW" --deny x -t 0.01 "$W" 2>/dev/null && python3 - <<'PY'
import ctypes, sys
# FAN_REPORT_FD_ERROR (6.13): fanotify_init refuses it with EINVAL on older kernels
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.fanotify_init(0x4 | 0x2000, 0)
sys.exit(0 if fd >= 0 else 1)
PY
then
	FW_CMD=(env LD_PRELOAD="${FW_OLDKERNEL:?}" FW_REFUSE_UNSHARE=1 prlimit --nofile=64:64 "$FW")
	fw_start shared --json --deny '*.key' "$W"
	"$WL" openers "$W/ok.txt" 40 100 >"$LOG/openers2.out"
	fw_stop
	grep -q 'no descriptor table of its own' "$LOG/shared.err" || fail "shim: $(cat "$LOG/shared.err")"
	eperm=$(sed -n 's/.* eperm=\([0-9]*\) .*/\1/p' "$LOG/openers2.out")
	refused=$(sed -n 's/.*, \([0-9]*\) denied by the kernel (no descriptor).*/\1/p' "$LOG/shared.err")
	reported=$($FWJ count "$LOG/shared.out" --decision deny)
	note "shared table: $eperm EPERM seen by the openers, ${refused:-0} counted, $reported reported"
	[[ ${refused:-0} == "$eperm" ]] || fail "the kernel's denials: $eperm seen, ${refused:-0} counted: $(tail -1 "$LOG/shared.err")"
	[[ $reported == "$eperm" ]] || fail "the kernel's denials: $eperm seen, $reported reported"
	if ((eperm)); then
		grep -q "the kernel denied an open by pid" "$LOG/shared.err" || fail "no warning"
		$FWJ find "$LOG/shared.out" --decision deny --reason no_descriptor >/dev/null ||
			fail "no record with reason no_descriptor"
	fi
else
	note "FAN_REPORT_FD_ERROR not available: kernel denials cannot be counted one by one"
fi

# a limit below what the thread needs: refused with the reason
expect_status 1 '--deny needs a descriptor limit of at least 32 \(it is 20' \
	prlimit --nofile=20:20 "$FW" --deny '*.key' "$W"
note "too low a limit: refused"
exit 0
