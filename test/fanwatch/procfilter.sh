#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Process filters: --exclude-pid (and fatrace's --ignore-pid), --exclude-comm,
# -C (fatrace's, = --comm), --uid by number and by name, against a hostile
# unprivileged user (uid 1000) writing in the tree; the exact set of paths
# each time.  Without CAP_SYS_ADMIN they are refused, naming it.
. "${FWT_DIR:?}/lib.sh"

command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
U=(setpriv --reuid 1000 --regid 1000 --clear-groups)
chmod 1777 "$W"
"${U[@]}" true || skip "setpriv cannot become uid 1000 here"

# paths NAME: the paths of NAME's output, relative to $W, sorted
paths() { sed "s|^$W/||" "$LOG/$1.out" | sort | tr '\n' ' '; }

fw_start xpid --format '%p' -e create --exclude-pid "$$" --ignore-pid 1 "$W"
FX=$FWPID
fw_start xcomm --format '%p' -e create --exclude-comm hidden --exclude-comm other "$W"
FC=$FWPID
fw_start C --format '%p' -e create -C shown "$W"
FS=$FWPID
fw_start uid --format '%p' -e create --uid 1000 "$W"
FU=$FWPID
fw_start uidroot --format '%p' -e create --uid root --uid 4242 "$W"
FR=$FWPID
# Each writer stays alive until fanwatch has read its event: a process that is
# gone has no uid and no name left to read, and matches no process filter.
LINGER=()
linger() {	# linger FILE CMD...: CMD, then a long sleep, in the background; once FILE exists
	local f=$1 i
	shift
	"$@" sleep 120000 >/dev/null &
	STARTED+=($!)
	LINGER+=($!)
	for ((i = 0; i < 2400; i++)); do [[ -e $f ]] && return 0; sleep 0.025; done
	fail "$f was not made"
}
echo >"$W/by-shell"			# this shell: $$
linger "$W/by-hidden" "$WL" comm hidden create "$W/by-hidden"
linger "$W/by-shown" "$WL" comm shown create "$W/by-shown"
linger "$W/by-1000" "${U[@]}" "$WL" comm shown create "$W/by-1000"
linger "$W/by-1000-hidden" "${U[@]}" "$WL" comm hidden create "$W/by-1000-hidden"
kill -INT "$FX" "$FC" "$FS" "$FU" "$FR"
wait "$FX" "$FC" "$FS" "$FU" "$FR" || fail "fanwatch exited $?"
kill "${LINGER[@]}"
wait "${LINGER[@]}" 2>/dev/null || true
[[ $(paths xpid) == "by-1000 by-1000-hidden by-hidden by-shown " ]] || fail "--exclude-pid: $(paths xpid)"
[[ $(paths xcomm) == "by-1000 by-shell by-shown " ]] || fail "--exclude-comm: $(paths xcomm)"
[[ $(paths C) == "by-1000 by-shown " ]] || fail "-C: $(paths C)"
[[ $(paths uid) == "by-1000 by-1000-hidden " ]] || fail "--uid 1000: $(paths uid)"
[[ $(paths uidroot) == "by-hidden by-shell by-shown " ]] || fail "--uid root: $(paths uidroot)"
note "--exclude-pid, --ignore-pid, --exclude-comm, -C, --uid: exact paths"

u() { expect_status 2 "$@"; }
u "--exclude-pid: 'x' is not a process id" "$FW" --exclude-pid x "$W"
u "--ignore-pid: '0' is not a process id" "$FW" --ignore-pid 0 "$W"
u "--exclude-comm: '0123456789abcdefg' is longer than 15 bytes" "$FW" --exclude-comm 0123456789abcdefg "$W"
u "--uid: unknown user 'no-such-user-i15'" "$FW" --uid no-such-user-i15 "$W"
u "--uid: '99999999999' is not a user id" "$FW" --uid 99999999999 "$W"
NB=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
e() { expect_status 1 "$@"; }
e '--exclude-pid needs CAP_SYS_ADMIN' "${NB[@]}" "$FW" --exclude-pid 1 "$W"
e '--exclude-comm needs CAP_SYS_ADMIN' "${NB[@]}" "$FW" --exclude-comm x "$W"
e '--uid needs CAP_SYS_ADMIN' "${NB[@]}" "$FW" --uid 0 "$W"
note "bad values, and no CAP_SYS_ADMIN: refused"
exit 0
