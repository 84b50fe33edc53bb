#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Without privilege (uid nobody, no capabilities): watching a directory
# still works with unprivileged FID inode marks (pids of others hidden:
# null), new directories too (opened by path beneath the PATH, checked by
# handle); a directory it may not read is said by name on stderr and
# counted in the summary, with the reason; modes that need a capability say
# which one and exit 1.
. "${FWT_DIR:?}/lib.sh"

command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
chown 65534:65534 "$W" "$LOG"
NB=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
"${NB[@]}" true || skip "setpriv cannot drop to nobody here"
FW_REAL=$FW
FW_CMD=("${NB[@]}" "$FW_REAL")	# fw_start runs it as nobody
mkdir -m 700 "$W/closed-early"	# root's, not readable by nobody
fw_start up --json "$W"
grep -q 'unprivileged' "$LOG/up.err" || fail "startup line does not say unprivileged: $(cat "$LOG/up.err")"
"${NB[@]}" "$WL" create "$W/by-nobody" >/dev/null
"$WL" create "$W/by-root" >/dev/null
"${NB[@]}" mkdir "$W/sub"
mkdir -m 700 "$W/closed-late"
sleep 0.3
"${NB[@]}" "$WL" create "$W/sub/later" >/dev/null
fw_stop
O=$LOG/up.out
expect_json "$O" --event create --path "$W/by-nobody" --no-pid
expect_json "$O" --event create --path "$W/by-root" --no-pid
expect_json "$O" --event create --path "$W/sub/later" --no-pid
for d in closed-early closed-late; do
	grep -q "^fanwatch: cannot watch $W/$d: Permission denied\$" "$LOG/up.err" ||
		fail "no word of $W/$d: $(cat "$LOG/up.err")"
done
grep -q '^fanwatch: 2 directories could not be watched: 0 too many marks (max_user_marks), 2 no permission' \
	"$LOG/up.err" || fail "summary: $(cat "$LOG/up.err")"
note "unprivileged directory watch: ok; directories it may not read said and counted"

# the watched directory moved away: new directories under it cannot be found by
# path any more (no CAP_DAC_READ_SEARCH): what is missed is said, not silent
mkdir -p "$TMP/mv/w"
chmod -R 777 "$TMP/mv"
fw_start mv --json -e create "$TMP/mv/w"
"${NB[@]}" "$WL" create "$TMP/mv/w/before" >/dev/null
mv "$TMP/mv/w" "$TMP/mv/w2"
sleep 0.3
"${NB[@]}" mkdir "$TMP/mv/w2/d"
"${NB[@]}" "$WL" create "$TMP/mv/w2/d/x" >/dev/null
sleep 0.3
fw_stop
expect_json "$LOG/mv.out" --event create --path "$TMP/mv/w/before" --no-pid
grep -q "watched directory $TMP/mv/w was moved" "$LOG/mv.err" || fail "no word of the move: $(cat "$LOG/mv.err")"
if ! $FWJ find "$LOG/mv.out" --event create --path "$TMP/mv/w/d/x" >/dev/null; then
	grep -q '^fanwatch: [0-9]* new directories could not be opened when they appeared' "$LOG/mv.err" ||
		fail "d/x under the moved root neither reported nor said missing: $(cat "$LOG/mv.err")"
fi
note "unprivileged, the watched directory moved: new directories under it reported or said missing"

e() { expect_status 1 "$@"; }
mkdir -m 700 "$TMP/private"
e "cannot watch $TMP/private: Permission denied" "${NB[@]}" "$FW_REAL" "$TMP/private"
e '--mount needs CAP_SYS_ADMIN' "${NB[@]}" "$FW_REAL" --mount "$W"
e '--filesystem needs CAP_SYS_ADMIN' "${NB[@]}" "$FW_REAL" --filesystem "$W"
e '--all needs CAP_SYS_ADMIN' "${NB[@]}" "$FW_REAL" --all
e '--deny needs CAP_SYS_ADMIN' "${NB[@]}" "$FW_REAL" --deny x "$W"
e 'fs_error events need CAP_SYS_ADMIN' "${NB[@]}" "$FW_REAL" --errors "$W"
e 'mount and umount events need CAP_SYS_ADMIN' "${NB[@]}" "$FW_REAL" --mounts
e '-- COMMAND needs CAP_SYS_ADMIN' "${NB[@]}" "$FW_REAL" "$W" -- true
e '--pid needs CAP_SYS_ADMIN' "${NB[@]}" "$FW_REAL" --pid 1 "$W"
note "privileged modes name the capability"
exit 0
