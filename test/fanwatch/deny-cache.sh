#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The verdict cache of permission mode (tools/fanwatch/verdict.c): a file
# opened before under a name that did not match is still denied once it has
# a matching name, with no delay: renamed to one, given a hard link with
# one, bind-mounted onto one, or a bind mount of it moved to one, opened at
# once.  A file with two names is never answered from the cache (once its
# new link's change time has settled too); a glob with '/' turns the cache off (a
# directory rename changes the whole path of a file without touching it).
# The summary line counts the verdicts taken from the cache, which proves
# the cache was in use where it must not change an answer.
. "${FWT_DIR:?}/lib.sh"

# "tryopen P ok|ERRNO" lines of the last run_wl, for P relative to $1
expect_open() {
	local want=$1 path=$2
	grep -qx "tryopen $path $want" "$LOG/wl.out" || fail "open $path: want $want: $(cat "$LOG/wl.out")"
}

cached_count() {
	sed -n 's/.*opens checked (\([0-9]*\) from the verdict cache).*/\1/p' "$LOG/$1.err"
}

C=$W/c
mkdir "$C"
for f in a b m; do echo "$f" >"$C/$f.txt"; done
: >"$C/bind.key"
# older than the cache's 50 ms settling time, so first opens are cached
sleep 0.2

fw_start cache --json --deny '*.key' "$W"
# each file twice: the second open of each is answered from the cache
run_wl tryopen "$C/a.txt" tryopen "$C/a.txt" tryopen "$C/b.txt" tryopen "$C/b.txt" \
	tryopen "$C/m.txt" tryopen "$C/m.txt"
for f in a b m; do expect_open ok "$C/$f.txt"; done
mv "$C/a.txt" "$C/a.key"
ln "$C/b.txt" "$C/b.key"
mount --bind "$C/m.txt" "$C/bind.key"
EXTRA_MOUNTS+=("$C/bind.key")
# at once, before the reporting side could have seen any of it
run_wl tryopen "$C/a.key" tryopen "$C/b.key" tryopen "$C/bind.key" tryopen "$C/m.txt" \
	tryopen "$C/b.txt" tryopen "$C/b.txt"
P=$WLPID
expect_open EPERM "$C/a.key"
expect_open EPERM "$C/b.key"
expect_open EPERM "$C/bind.key"
expect_open ok "$C/m.txt"
expect_open ok "$C/b.txt"
# once the link's change time has settled, b.txt and b.key are one inode
# with one change time: only the link count keeps b.txt's verdict out
sleep 0.2
run_wl tryopen "$C/b.txt" tryopen "$C/b.txt" tryopen "$C/b.key"
expect_open ok "$C/b.txt"
expect_open EPERM "$C/b.key"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS"
expect_json "$LOG/cache.out" --path "$C/a.key" --decision deny --pid "$P"
expect_json "$LOG/cache.out" --path "$C/b.key" --decision deny --pid "$P"
expect_json "$LOG/cache.out" --path "$C/b.key" --decision deny --pid "$WLPID"
expect_json "$LOG/cache.out" --path "$C/bind.key" --decision deny --pid "$P"
# hits: the second opens of a.txt, b.txt, m.txt, then m.txt again; b.txt
# with two links never (nor a.key, b.key, bind.key: new ctime, two links, a
# mount root).  More only if a tool above opened one of them too.
n=$(cached_count cache)
[[ ${n:-0} -ge 4 ]] || fail "verdicts from the cache: ${n:-none}, expected 4: $(tail -1 "$LOG/cache.err")"
umount "$C/bind.key"
EXTRA_MOUNTS=()
note "renamed, hard-linked and bind-mounted files denied after cached verdicts: ok"

# A file bind-mounted under a name that does not match, opened there, then
# the mount moved to a matching name: same mount, inode and change time.
echo n >"$C/n.txt"
: >"$C/view.txt"
: >"$C/moved.key"
sleep 0.2
mount --bind "$C/n.txt" "$C/view.txt"
EXTRA_MOUNTS+=("$C/view.txt")
fw_start move --deny '*.key' "$W"
run_wl tryopen "$C/view.txt" tryopen "$C/view.txt"
expect_open ok "$C/view.txt"
mount --move "$C/view.txt" "$C/moved.key"
EXTRA_MOUNTS=("$C/moved.key")
run_wl tryopen "$C/moved.key"
expect_open EPERM "$C/moved.key"
fw_stop
umount "$C/moved.key"
EXTRA_MOUNTS=()
note "a moved file mount is judged by its new name: ok"

# A glob with '/': no cache; a file moved in by a directory rename is denied.
mkdir "$W/pub"
echo x >"$W/pub/x.txt"
sleep 0.2
fw_start slash --json --deny "$W/secret/*" "$W"
run_wl tryopen "$W/pub/x.txt" tryopen "$W/pub/x.txt"
expect_open ok "$W/pub/x.txt"
mv "$W/pub" "$W/secret"
run_wl tryopen "$W/secret/x.txt"
expect_open EPERM "$W/secret/x.txt"
fw_stop
n=$(cached_count slash)
[[ $n == 0 ]] || fail "a glob with '/' used the cache: $(tail -1 "$LOG/slash.err")"
expect_json "$LOG/slash.out" --path "$W/secret/x.txt" --decision deny
note "glob with '/': no cache, directory rename denied: ok"

# Deny verdicts are cached too, and dropped the same way.
echo s >"$W/s.key"
sleep 0.2
fw_start over --deny '*.key' "$W"
run_wl tryopen "$W/s.key" tryopen "$W/s.key"
expect_open EPERM "$W/s.key"
# the denied inode, renamed to an allowed name, is allowed at once
mv "$W/s.key" "$W/s.txt"
run_wl tryopen "$W/s.txt"
expect_open ok "$W/s.txt"
fw_stop
n=$(cached_count over)
[[ $n == 1 ]] || fail "deny verdicts: ${n:-none} from the cache, expected 1: $(tail -1 "$LOG/over.err")"
note "cached deny verdict dropped on rename to an allowed name: ok"
exit 0
