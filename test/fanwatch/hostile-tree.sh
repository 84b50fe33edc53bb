#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A hostile unprivileged user (uid 1000, no capability) against a root
# fanwatch --deny '*.key' over a tree where it owns one directory (w/u), and
# one directory outside the tree on the same filesystem (o); $1: tmpfs or ext4.
# - It moves its own watched directory out, renames the new parent away and
#   puts symbolic links where both paths led, pointing at w/v/secrets:
#   w/v/secrets stays watched and denied (id.key refused, activity there
#   reported).
# - It races mkdir x/etc; mv x xmoved; ln -s /outside x, six times: nothing
#   outside the tree is marked (root opens /outside/etc/root.key freely), no
#   record names a path outside, xmoved/etc is watched where it is.
# The work of each attack is done whole while fanwatch is stopped (SIGSTOP):
# faster than it reacts, every time.
. "${FWT_DIR:?}/lib.sh"

command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
EVIL=(setpriv --reuid=1000 --regid=1000 --clear-groups --inh-caps=-all --bounding-set=-all)
"${EVIL[@]}" true || skip "setpriv cannot drop to uid 1000 here"
FS=${1:-tmpfs}
B=$TMP
if [[ $FS == ext4 ]]; then
	private_ext4 "$TMP/e"
	B=$TMP/e
fi
T=$B/w
SETTLE_DIR=$T
mkdir -p "$T/u" "$T/v/secrets" "$B/o" "$B/outside/etc"
chown 1000:1000 "$T/u" "$B/o"
chmod 755 "$B" "$T"
echo key >"$T/v/secrets/id.key"
echo root >"$B/outside/etc/root.key"
evil() { "${EVIL[@]}" sh -c "$1"; }

fw_start h --json --deny '*.key' "$T"
O=$LOG/h.out

# 1. stale paths redirected into the tree
evil "mkdir '$T/u/own'"
settle 1
marked "$FWPID" "$T/u/own" || fail "$T/u/own is not watched"
freeze "$FWPID"
evil "cd '$B' && mkdir o/p && mv w/u/own o/p/own && mv o/p o/p2 && mkdir o/p &&
      ln -s '$T/v/secrets' o/p/own && ln -s '$T/v/secrets' w/u/own"
kill -CONT "$FWPID"
settle 2
for d in "$T/v" "$T/v/secrets"; do
	marked "$FWPID" "$d" || fail "$d lost its marks"
done
! marked "$FWPID" "$B/o/p2/own" || fail "the moved-out directory is still marked"
run_wl tryopen "$T/v/secrets/id.key" create "$T/v/secrets/new"
grep -qx "tryopen $T/v/secrets/id.key EPERM" "$LOG/wl.out" ||
	fail "--deny no longer protects id.key: $(cat "$LOG/wl.out")"
settle 3
expect_json "$O" --event create --path "$T/v/secrets/new" --pid "$WLPID"
expect_json "$O" --event open --path "$T/v/secrets/id.key" --decision deny
note "$FS: stale paths redirected by symbolic links: w/v/secrets still watched and denied"

# 2. mkdir x/etc; mv x xmoved; ln -s outside x, six times
for i in 0 1 2 3 4 5; do evil "mkdir '$T/u/x$i'"; done
settle 4
freeze "$FWPID"
for i in 0 1 2 3 4 5; do
	evil "cd '$T/u' && mkdir x$i/etc && mv x$i xmoved$i && ln -s '$B/outside' x$i"
done
kill -CONT "$FWPID"
settle 5
for d in "$B/outside" "$B/outside/etc"; do
	! marked "$FWPID" "$d" || fail "$d (outside the tree) is marked"
done
for i in 0 1 2 3 4 5; do
	marked "$FWPID" "$T/u/xmoved$i/etc" || fail "$T/u/xmoved$i/etc is not watched"
done
run_wl tryopen "$B/outside/etc/root.key"
grep -qx "tryopen $B/outside/etc/root.key ok" "$LOG/wl.out" ||
	fail "root's own open outside the tree was refused: $(cat "$LOG/wl.out")"
expect_no_json "$O" --under "$B/outside"
run_wl create "$T/u/xmoved3/etc/later"
settle 6
expect_json "$O" --event create --path "$T/u/xmoved3/etc/later" --pid "$WLPID"
note "$FS: mkdir x/etc; mv x xmoved; ln -s outside x (x6): nothing outside marked or reported"

fw_stop
[[ $FWSTATUS == 0 ]] || fail "exit $FWSTATUS"
$FWJ valid "$O" >/dev/null
exit 0
