#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Run one program of examples/ against a real workload, inside a private
# mount namespace on a private tmpfs (permission marks never leave it), and
# check what it printed and what the workload saw.
#
# usage: run-example.sh NAME PROGRAM
#   NAME: notify, permission, tree-logger, tree-logger-unpriv,
#         exec-allowlist, mount-watch, scanner, epoll-loop, lazy-fill,
#         subtree-watch (lazy-fill on a loop-mounted ext4 image inside the tmpfs)
# exit 0 pass, 1 fail, 77 skip (one-line reason)
set -u

name=$1 prog=$2

skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*"
	[ -s "$out" ] && { echo "--- $name stdout"; cat "$out"; }
	[ -s "$err" ] && { echo "--- $name stderr"; cat "$err"; }
	exit 1
}

# ---- outside: a directory to mount on, and a private mount namespace ----
if [ "${EXAMPLE_IN_NS:-}" != 1 ]; then
	[ "$(id -u)" = 0 ] || skip "needs root (private mounts, CAP_SYS_ADMIN)"
	command -v unshare >/dev/null 2>&1 || skip "unshare(1) not installed"
	unshare --mount --propagation private true 2>/dev/null ||
		skip "cannot create a mount namespace"
	base=$(mktemp -d /tmp/libfanotify-example.XXXXXX) || exit 1
	EXAMPLE_IN_NS=1 EXAMPLE_BASE=$base unshare --mount --propagation private sh "$0" "$@"
	rc=$?
	rmdir "$base" 2>/dev/null
	exit $rc
fi

# ---- inside: everything below happens on the private tmpfs ----
T=$EXAMPLE_BASE
mount -t tmpfs -o mode=0755 tmpfs "$T" || skip "cannot mount a tmpfs"
work=$T/.work
mkdir "$work"
out=$work/out err=$work/err
pid=
runas=
ext4=
export LC_ALL=C

cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	cd /
	[ -n "$ext4" ] && umount "$ext4" 2>/dev/null
	umount -l "$T" 2>/dev/null
}
trap cleanup EXIT

# start ARGS...: run the example in the background, wait for its "watching" line.
start() {
	# emptied here, not only by the redirection: that happens in the child,
	# maybe after the first look for "watching" found the previous run's
	: >"$err"
	$runas "$prog" "$@" >"$out" 2>"$err" &
	pid=$!
	i=0
	while ! grep -q "watching" "$err" 2>/dev/null; do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			rc=$?
			pid=
			[ $rc -eq 3 ] && skip "$name: $(head -n 1 "$err")"
			fail "$name exited with $rc before it was ready"
		fi
		i=$((i + 1))
		[ $i -gt 100 ] && fail "$name not ready after 10 s"
		sleep 0.1
	done
}

# finish: wait for the example to stop by itself (--timeout or --count).
finish() {
	wait "$pid"
	rc=$?
	pid=
	[ $rc -eq 0 ] || fail "$name exited with $rc"
}

expect() {
	grep -qxF -- "$1" "$out" || fail "expected the line: $1"
}

expect_prefix() {
	grep -q "^$(printf '%s' "$1" | sed 's/[][\.*^$/]/\\&/g')" "$out" ||
		fail "expected a line starting with: $1"
}

reject() {
	grep -qF -- "$1" "$out" && fail "unexpected output: $1"
	return 0
}

# wait_line LINE: the example prints it within 10 s (it may print after
# the workload's system call returned).
# wait_grep TENTHS GREP-OPTION PATTERN: until a line of the output matches
# (at most TENTHS tenths of a second)
wait_grep() {
	i=0
	until grep -q "$2" -- "$3" "$out"; do
		i=$((i + 1))
		[ $i -gt "$1" ] && fail "expected a line: $3"
		sleep 0.1
	done
}
wait_line() { wait_grep 100 -xF "$1"; }

# stop: SIGTERM, then it must exit 0.
stop() {
	kill -TERM "$pid" || fail "$name is gone"
	finish
}

case $name in
notify)
	mkdir "$T/d"
	echo before >"$T/d/read.txt"
	start --timeout 3 "$T/d"
	echo hello >"$T/d/new.txt"
	cat "$T/d/read.txt" >/dev/null
	echo elsewhere >"$T/outside.txt"
	finish
	# the kernel may merge a process's events on one file into one line
	for ev in open modify close_write; do
		grep -Eq "^([a-z_]+,)*$ev(,[a-z_]+)* $T/d/new.txt pid [0-9]+ \(" "$out" ||
			fail "no $ev of $T/d/new.txt"
	done
	for ev in open close_nowrite; do
		grep -Eq "^([a-z_]+,)*$ev(,[a-z_]+)* $T/d/read.txt pid [0-9]+ \\(" "$out" ||
			fail "no $ev of $T/d/read.txt"
	done
	reject "outside.txt"
	;;
permission)
	mkdir "$T/p"
	echo secret >"$T/p/a.secret"
	echo public >"$T/p/b.txt"
	start --timeout 5 "$T/p" '*.secret' '*.key'
	cat "$T/p/a.secret" >"$work/cat1" 2>&1 && fail "reading a.secret was allowed"
	grep -q "Operation not permitted" "$work/cat1" || fail "the opener did not see EPERM: $(cat "$work/cat1")"
	[ "$(cat "$T/p/b.txt")" = public ] || fail "reading b.txt was not allowed"
	finish
	# the opener waits for the answer: its name is known
	expect_prefix "deny $T/p/a.secret pid "
	grep -q "^deny $T/p/a.secret pid [0-9]* (cat)$" "$out" || fail "the denied opener is not named cat"
	expect_prefix "allow $T/p/b.txt pid "
	# the listener is gone: its mark went with its group
	[ "$(cat "$T/p/a.secret")" = secret ] || fail "a.secret still denied after the listener exited"
	;;
tree-logger)
	mkdir "$T/tree"
	start --timeout 3 "$T/tree"
	mkdir "$T/tree/d1"
	echo x >"$T/tree/d1/f"
	mv "$T/tree/d1/f" "$T/tree/d1/g"
	mv "$T/tree/d1" "$T/tree/d2"
	rm "$T/tree/d2/g"
	touch "$T/outside"
	finish
	expect "create $T/tree/d1/"
	expect "create $T/tree/d1/f"
	expect "close_write $T/tree/d1/f"
	expect "rename $T/tree/d1/f -> $T/tree/d1/g"
	expect "rename $T/tree/d1/ -> $T/tree/d2/"
	expect "delete $T/tree/d2/g"
	reject "outside"
	;;
tree-logger-unpriv)
	# without privileges: an inode mark on DIR, full paths from the mark
	command -v setpriv >/dev/null 2>&1 || skip "setpriv(1) not installed"
	chmod 0755 "$work"
	mkdir -m 0777 "$T/tree"
	runas="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
	start --timeout 3 "$T/tree"
	grep -q "no CAP_SYS_ADMIN" "$err" || fail "did not fall back to an inode mark"
	mkdir "$T/tree/d1"
	echo x >"$T/tree/f"
	mv "$T/tree/f" "$T/tree/g"
	echo y >"$T/tree/d1/deep"
	rm "$T/tree/g"
	finish
	expect "create $T/tree/d1/"
	expect "create $T/tree/f"
	expect "close_write $T/tree/f"
	expect "rename $T/tree/f -> $T/tree/g"
	expect "delete $T/tree/g"
	reject "deep"	# not DIR's own entry: an inode mark does not reach it
	;;
subtree-watch)
	# as nobody: no privilege needed (inode marks, directories opened by path)
	command -v setpriv >/dev/null 2>&1 || skip "setpriv(1) not installed"
	chmod 0755 "$work"
	mkdir -m 0777 "$T/tree" "$T/out"
	runas="setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
	start --timeout 4 "$T/tree"
	$runas sh -c "mkdir -p '$T/tree/a/b/c' && echo x >'$T/tree/a/b/c/f'"
	sleep 0.5
	$runas sh -c "echo y >'$T/tree/a/b/c/g' && mkdir -p '$T/out/m/n' && echo z >'$T/out/m/n/old' &&
		mv '$T/out/m' '$T/tree/m'"
	sleep 0.5
	$runas sh -c "echo w >'$T/tree/m/n/new' && mv '$T/tree/a' '$T/out/a'"
	sleep 0.5
	$runas sh -c "echo v >'$T/out/a/b/c/h'"
	finish
	# every level of mkdir -p, as an event or found when its directory was first read
	for p in a/ a/b/ a/b/c/ a/b/c/f; do
		grep -qxE "([a-z_,]*create[a-z_,]*|found) $T/tree/$p" "$out" || fail "no $T/tree/$p"
	done
	# the kernel may merge a file's events into one line
	grep -qxE "[a-z_,]*close_write[a-z_,]* $T/tree/a/b/c/g" "$out" || fail "no close_write of g"
	expect "rename ? -> $T/tree/m/"
	expect "found $T/tree/m/n/"
	expect "found $T/tree/m/n/old"
	grep -qxE "[a-z_,]*create[a-z_,]* $T/tree/m/n/new" "$out" || fail "no event in the moved-in tree"
	expect "rename $T/tree/a/ -> ?"
	reject "/h"	# moved out: no longer watched
	;;
exec-allowlist)
	mkdir "$T/ok" "$T/other"
	bin=/usr/bin/true
	[ -x "$bin" ] || bin=/bin/true
	cp "$bin" "$T/ok/true" && cp "$bin" "$T/other/true" || fail "cannot copy $bin"
	start --timeout 5 "$T" "$T/ok"
	"$T/ok/true" || fail "running $T/ok/true was denied"
	sh -c "exec $T/other/true" >"$work/exec" 2>&1 && fail "running $T/other/true was allowed"
	grep -q "Operation not permitted" "$work/exec" || fail "exec did not fail with EPERM: $(cat "$work/exec")"
	finish
	expect_prefix "allow $T/ok/true pid "
	expect_prefix "deny $T/other/true pid "
	;;
mount-watch)
	mkdir "$T/m"
	start --timeout 3
	mount -t tmpfs none "$T/m" || fail "mount"
	# a mount already gone when its attach is read has no path to give ("?"):
	# the detach only once the attach is out
	wait_grep 100 -E "^attach 0x[0-9a-f]* $T/m\$"
	umount "$T/m" || fail "umount"
	finish
	grep -q "^attach 0x[0-9a-f]* $T/m\$" "$out" || fail "no attach of $T/m"
	grep -q "^detach 0x[0-9a-f]* $T/m\$" "$out" || fail "no detach of $T/m"
	# the same mount id in both lines
	a=$(grep "^attach .* $T/m\$" "$out" | awk '{ print $2 }')
	d=$(grep "^detach .* $T/m\$" "$out" | awk '{ print $2 }')
	[ "$a" = "$d" ] || fail "attach id $a, detach id $d"
	;;
scanner)
	mkdir "$T/s"
	printf 'hello\n' >"$T/s/clean.txt"
	printf 'header EVIL-SIGNATURE trailer\n' >"$T/s/bad.txt"
	printf 'fine\n' >"$T/s/$(printf 'new\nline')"
	start --workers 4 --deadline 5000 "$T/s" EVIL-SIGNATURE
	[ "$(cat "$T/s/clean.txt")" = hello ] || fail "reading clean.txt was not allowed"
	cat "$T/s/bad.txt" >"$work/cat" 2>&1 && fail "reading bad.txt was allowed"
	grep -q "Operation not permitted" "$work/cat" || fail "the opener did not see EPERM: $(cat "$work/cat")"
	cat "$T/s/$(printf 'new\nline')" >/dev/null || fail "reading new<LF>line was not allowed"
	wait_line "allow $T/s/clean.txt"
	wait_line "deny $T/s/bad.txt"
	wait_line "allow \"$T/s/new\\nline\""
	stop
	# a file too big for the deadline (1 GiB, sparse: a second or more of
	# reading for the worker, one page of memory): allowed at the deadline
	# (the worker says so as it notices), the signature found late, the
	# worker reading on through the event's descriptor
	truncate -s 1G "$T/s/big.bin"
	printf 'EVIL-SIGNATURE' >>"$T/s/big.bin"
	: >"$out"
	start --workers 2 --deadline 1 "$T/s" EVIL-SIGNATURE
	head -c 1 "$T/s/big.bin" >/dev/null || fail "opening big.bin was not allowed at the deadline"
	wait_line "timeout $T/s/big.bin"
	wait_grep 600 -xF "late $T/s/big.bin: signature found"
	stop
	;;
epoll-loop)
	mkdir "$T/e"
	start --every 0.2 "$T/e"
	echo one >"$T/e/one"
	echo two >"$T/e/$(printf 'tab\there')"
	echo three >"$T/e/$(printf 'bidi\342\200\256evil')"
	echo outside >"$T/outside"
	i=0
	until [ "$(grep -c '^close_write ' "$out")" -ge 3 ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && fail "three close_write lines expected"
		sleep 0.1
	done
	wait_line "tick: 3 files so far"
	stop
	grep -q "^close_write $T/e/one pid [0-9]*\$" "$out" || fail "no close_write of one"
	grep -qF "close_write \"$T/e/tab\\there\" pid " "$out" || fail "no quoted close_write of tab<TAB>there"
	grep -qF "close_write \"$T/e/bidi\\xe2\\x80\\xae""evil\" pid " "$out" ||
		fail "no quoted close_write of the bidi name"
	expect "stopped by a signal after 3 files"
	reject "outside"
	;;
lazy-fill)
	command -v mkfs.ext4 >/dev/null 2>&1 || skip "mkfs.ext4 not installed (e2fsprogs)"
	truncate -s 64M "$work/ext4.img" || fail "truncate"
	mkfs.ext4 -q -F "$work/ext4.img" >/dev/null 2>&1 || fail "mkfs.ext4"
	mkdir "$T/mnt" "$T/backing"
	mount -o loop "$work/ext4.img" "$T/mnt" 2>/dev/null || skip "cannot loop-mount an ext4 image"
	ext4=$T/mnt
	seq 1 300000 | head -c 1048576 >"$T/backing/big"	# 16 chunks of 64 KiB
	printf 'eighteen bytes...\n' >"$T/backing/small"	# 18 bytes, shorter than any range
	head -c 200000 /dev/urandom >"$T/backing/mid"		# 4 chunks, the last partial
	start --timeout 60 "$T/backing" "$T/mnt"
	for f in big small mid; do
		expect "stub $f $(stat -c %s "$T/backing/$f")"
		[ "$(stat -c %s "$T/mnt/$f")" = "$(stat -c %s "$T/backing/$f")" ] || fail "stub $f has the wrong size"
	done
	# dd at an offset: the chunk that holds it, nothing more
	dd if="$T/mnt/big" of="$work/dd.out" bs=4096 skip=100 count=1 2>/dev/null || fail "dd of the stub"
	dd if="$T/backing/big" of="$work/dd.want" bs=4096 skip=100 count=1 2>/dev/null
	cmp -s "$work/dd.out" "$work/dd.want" || fail "dd read the wrong bytes at offset 409600"
	expect "fill big 393216 65536"
	[ "$(grep -c '^fill big ' "$out")" = 1 ] || fail "dd filled more than its chunk"
	# a file shorter than the range (an 18-byte file read with a 128 KiB buffer)
	[ "$(cat "$T/mnt/small")" = "eighteen bytes..." ] || fail "small read wrong: $(cat "$T/mnt/small")"
	expect "fill small 0 18"
	wait_line "complete small"
	# cat: the rest of big, every chunk once
	cmp -s "$T/mnt/big" "$T/backing/big" || fail "big read wrong"
	[ "$(grep -c '^fill big ' "$out")" = 16 ] || fail "big: $(grep -c '^fill big ' "$out") fills, expected 16"
	wait_line "complete big"
	cmp -s "$T/mnt/mid" "$T/backing/mid" || fail "mid read wrong"
	expect "fill mid 196608 3392"
	wait_line "complete mid"
	# complete files raise no more events: no new line for these reads
	lines=$(wc -l <"$out")
	cat "$T/mnt/big" "$T/mnt/small" "$T/mnt/mid" >/dev/null
	dd if="$T/mnt/big" of=/dev/null bs=4096 skip=10 count=1 2>/dev/null
	sleep 0.3
	[ "$(wc -l <"$out")" = "$lines" ] || fail "events after completion: $(tail -n +$((lines + 1)) "$out")"
	stop
	# the data is really in the stubs now: there without the filler
	cmp -s "$T/mnt/big" "$T/backing/big" || fail "big lost its data"
	;;
*)
	echo "unknown example: $name"
	exit 1
	;;
esac
echo "ok: $name printed:"
cat "$out"
exit 0
