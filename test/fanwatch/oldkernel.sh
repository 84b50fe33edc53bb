#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Kernels older than what is asked for, simulated with kernel personalities
# (test/kernel/kpersona: a seccomp filter and a shim that answer as that
# release did).  What fanwatch cannot do at all it refuses, naming the
# feature and the release it needs (exit 1); what it can do another way
# (renames before 5.17, processes before 5.15) it does, saying on stderr
# what it cannot do.  Under a personality already, the older one wins.
. "${FWT_DIR:?}/lib.sh"

KP=("${KPERSONA:?}" --shim "${KSHIM:?}")
old() {	# release status message-regex fanwatch-args...
	local rel=$1 st=$2 re=$3
	shift 3
	expect_status "$st" "$re" "${KP[@]}" "$rel" "$FW" "$@"
}
old 5.8 1 'fanwatch needs Linux 5\.9' "$W"
old 5.15 1 "'fs_error' event \(it needs Linux 5\.16\)" --errors "$W"
old 6.14 1 'mount and umount events need Linux 6\.15' --mounts
old 6.13 1 '--deny-errno needs Linux 6\.14' --deny x --deny-errno EIO "$W"
note "too old: each refusal names its release"

# works, and says what it cannot do: the default events, and rename asked for
old 5.16 0 "$NOTE_NO_RENAME" -t 0.1 "$W"
grep -q 'for create,open,modify,attrib,close_write,moved_from,moved_to,delete;' "$LOG/cmd.err" ||
	fail "default events before 5.17: $(cat "$LOG/cmd.err")"
old 5.16 0 "$NOTE_NO_RENAME" -t 0.1 -e rename "$W"
grep -q 'for moved_from,moved_to;' "$LOG/cmd.err" || fail "-e rename before 5.17: $(cat "$LOG/cmd.err")"
old 5.14 0 "$NOTE_NO_PIDFD" -t 0.1 "$W"
note "renames before 5.17, processes before 5.15: watched, and said"

# the newest personality takes nothing away: no such word
if kernel_has 6.18; then
	"${KP[@]}" 6.18 "$FW" -t 0.1 "$W" >/dev/null 2>"$LOG/new.err" || fail "fanwatch under 6.18"
	no_false_kernel_notes "$LOG/new.err"
fi
exit 0
