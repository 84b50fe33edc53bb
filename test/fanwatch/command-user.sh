#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# -- COMMAND runs as -u/--user USER, or under sudo as the user who ran it
# (SUDO_UID/SUDO_GID), with no capabilities left; -u root keeps root; as
# root without either it runs as root.  It never inherits fanwatch's
# descriptors.  An unknown user is a usage error.
. "${FWT_DIR:?}/lib.sh"

getent passwd 1000 >/dev/null || skip "no user with uid 1000 on this machine"
U=$(getent passwd 1000 | cut -d: -f1)
G=$(id -g "$U")

# who am I, what can I do, what do I hold
cat >"$TMP/who.sh" <<'SH'
echo "uid $(id -u) gid $(id -g)"
echo "groups $(id -G)"
sed -n 's/^\(Cap[A-Za-z]*\):[[:space:]]*/\1 /p' /proc/self/status
echo "fds $(ls /proc/self/fd | sort -n | tr '\n' ' ')"
SH
chmod 755 "$TMP" "$TMP/who.sh"
run() {	# name fanwatch-args... (the command is who.sh)
	local name=$1 st=0
	shift
	timeout 20 "$@" -o "$LOG/$name.out" "$W" -- sh "$TMP/who.sh" >"$LOG/$name.who" 2>"$LOG/$name.err" || st=$?
	[[ $st == 0 ]] || { cat "$LOG/$name.err"; fail "$name: exit $st"; }
}

run user "$FW" -u "$U"
grep -qx "uid 1000 gid $G" "$LOG/user.who" || fail "-u $U: $(cat "$LOG/user.who")"
grep -qx "groups $(id -G "$U")" "$LOG/user.who" || fail "-u $U groups: $(cat "$LOG/user.who")"
for c in CapEff CapPrm CapAmb; do
	grep -qx "$c 0000000000000000" "$LOG/user.who" || fail "-u $U: $(grep "$c" "$LOG/user.who")"
done
note "-u $U: uid 1000, its groups, no capabilities"

run sudo env SUDO_UID=1000 SUDO_GID="$G" SUDO_USER="$U" "$FW"
grep -qx "uid 1000 gid $G" "$LOG/sudo.who" || fail "under sudo: $(cat "$LOG/sudo.who")"
grep -qx "CapEff 0000000000000000" "$LOG/sudo.who" || fail "under sudo: $(grep CapEff "$LOG/sudo.who")"
run sudoroot env SUDO_UID=1000 SUDO_GID="$G" "$FW" -u root
grep -qx "uid 0 gid 0" "$LOG/sudoroot.who" || fail "-u root under sudo: $(cat "$LOG/sudoroot.who")"
run root "$FW"
grep -qx "uid 0 gid 0" "$LOG/root.who" || fail "as root: $(cat "$LOG/root.who")"
note "under sudo: the user who ran it; -u root and plain root: root"

# no descriptor of fanwatch's: 0 1 2, and the one ls reads /proc/self/fd through
for n in user sudo root; do
	grep -qx "fds 0 1 2 3 " "$LOG/$n.who" || fail "$n: the command inherited descriptors: $(grep fds "$LOG/$n.who")"
done
note "no inherited descriptors"

expect_status 2 '--user: no user nosuchuser-fw' "$FW" -u nosuchuser-fw "$W" -- true
expect_status 2 '--user needs a COMMAND' "$FW" -u "$U" "$W"
note "bad --user: usage errors"
exit 0
