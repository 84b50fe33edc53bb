#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A kernel too old for a requested event: fanwatch names the event and the
# kernel release it needs, and exits 1 (the refusals are simulated with an
# LD_PRELOAD shim that makes fanotify_init/fanotify_mark return EINVAL).
. "${FWT_DIR:?}/lib.sh"

SHIM=${FW_OLDKERNEL:?}
old() {	# refuse-init refuse-mark message args...
	local i=$1 m=$2 re=$3
	shift 3
	expect_status 1 "$re" env LD_PRELOAD="$SHIM" FW_REFUSE_INIT="$i" FW_REFUSE_MARK="$m" "$FW" "$@"
}
# FAN_RENAME 0x10000000 (5.17)
old 0 10000000 "does not support the 'rename' event \(it needs Linux 5.17\)" -e rename "$W"
# FAN_RENAME is always used internally: a default watch needs it too
old 0 10000000 "'rename' event \(it needs Linux 5.17\)" -e open "$W"
# FAN_OPEN_EXEC 0x1000 (5.0)
old 0 1000 "'open_exec' event \(it needs Linux 5.0\)" -e open_exec "$W"
# FAN_FS_ERROR 0x8000 (5.16)
old 0 8000 "'fs_error' event \(it needs Linux 5.16\)" --errors "$W"
# FAN_REPORT_MNT 0x4000 (6.15)
old 4000 0 'mount and umount events need Linux 6.15' --mounts
# FAN_REPORT_NAME 0x800 (5.9): fanwatch's group itself
old 800 0 'fanwatch needs Linux 5.9' "$W"
# FAN_PRE_ACCESS 0x100000 (6.14): --deny-errno
old 0 100000 '--deny-errno needs Linux 6.14' --deny x --deny-errno EIO "$W"
note "old kernels: each refusal named with its release"
# the shim itself lets everything else through
env LD_PRELOAD="$SHIM" FW_REFUSE_MARK=0 "$FW" -t 0.1 "$W" 2>/dev/null || fail "shim breaks fanwatch"
exit 0
