# SPDX-License-Identifier: MIT
# Sourced by every fanwatch end-to-end test.  Exit 0 pass, 1 fail, 77 skip.
#
# The test re-runs itself in a private mount namespace (unshare -m, / made
# private) with a fresh tmpfs on $TMP; every mark fanwatch adds lives
# there.  $W is the watched directory, $LOG holds fanwatch's output.
# Everything started is killed by pid and every mount undone at exit.
#
# Environment (set by meson): FANWATCH (the binary), FW_WORKLOAD (the
# helper with a known pid), FWT_DIR (this directory: fwjson.py).

set -euo pipefail

FW=${FANWATCH:?FANWATCH is not set}
FW_CMD=("$FW")	# how fw_start runs it (a test may prefix setpriv, env ...)
WL=${FW_WORKLOAD:?FW_WORKLOAD is not set}
FWJ="python3 ${FWT_DIR:?FWT_DIR is not set}/fwjson.py"

skip() { echo "SKIP: $*"; exit 77; }

# Kernel personalities (test/kernel): TH_KERNEL is the release a test runs
# as; without it, the running kernel's.  kernel_has 5.17: at least that.
kernel_release() { echo "${TH_KERNEL:-$(uname -r)}"; }
release_number() {
	local IFS=. v=${1%%[-+_]*}
	set -- $v 0 0 0
	echo $((10#$1 * 1000000 + 10#$2 * 1000 + 10#$3))
}
kernel_has() { (($(release_number "$(kernel_release)") >= $(release_number "$1"))); }
# What fanwatch says on stderr when the kernel lacks something it would use.
NOTE_NO_RENAME='has no rename event \(Linux 5\.17\)'
NOTE_NO_PIDFD='cannot report pidfds \(Linux 5\.15\)'

fail() { echo "FAIL: $*" >&2; exit 1; }
note() { echo "# $*"; }

[[ $(id -u) == 0 ]] || skip "needs root (fanotify marks inside a private mount namespace)"
command -v python3 >/dev/null || skip "python3 is not installed"

if [[ -z ${FWT_IN_NS:-} ]]; then
	unshare -m true 2>/dev/null || skip "cannot create a mount namespace"
	exec env FWT_IN_NS=1 unshare -m --propagation private "$0" "$@"
fi

TMP=$(mktemp -d /tmp/fanwatch-test.XXXXXX)
mount -t tmpfs -o mode=0755,size=512m tmpfs "$TMP" || skip "cannot mount a tmpfs"
W=$TMP/w
LOG=$TMP/log
mkdir "$W" "$LOG"
STARTED=()
EXTRA_MOUNTS=()

# Still our child?  A pid that ended may since belong to anyone (pid_max is small).
is_child() {
	local st
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	st=${st##*) }
	[[ $(cut -d' ' -f2 <<<"$st") == "$$" ]]
}

cleanup() {
	local p m
	for p in "${STARTED[@]}"; do is_child "$p" && kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null || true
	for ((m = ${#EXTRA_MOUNTS[@]} - 1; m >= 0; m--)); do
		umount -l "${EXTRA_MOUNTS[m]}" 2>/dev/null || true
	done
	umount -l "$TMP" 2>/dev/null && rmdir "$TMP"
}
trap cleanup EXIT

# Names no output may let through as they are: line breaks, quotes,
# backslashes, control and escape bytes, invalid UTF-8, line separators and
# bidi overrides, spaces and JSON lookalikes.  hostile_names LEN: these,
# then three names of LEN bytes (ASCII, invalid UTF-8, two-byte UTF-8),
# into the array "names".
hostile_names() {
	local n=$1
	names=(
		$'new\nline'
		'dq"uote'
		"sq'uote"
		'back\slash'
		$'tab\there'
		$'ctl\x01\x02\x1b[31mred\x7f'
		$'cr\rreturn'
		$'bad\xffutf8'
		$'half\xc3'
		$'overlong\xc0\xaf'
		$'surrogate\xed\xa0\x80'
		'spa ce'
		'arrow -> x'
		'x [dir]'
		'"leading quote'
		'","pid":1,"x":"'
		'été 日本'
		$'ls\xe2\x80\xa8sep'
		$'bidi\xe2\x80\xaeevil'
		"$(printf 'L%.0s' $(seq "$n"))"
		"$(printf '\xff%.0s' $(seq "$n"))"
		"$(printf '\xc3\xa9%.0s' $(seq $(((n - 1) / 2))))x"
	)
}

# fw_start NAME ARGS...: fanwatch in the background (stdout $LOG/NAME.out,
# stderr $LOG/NAME.err); returns once it printed its startup line (within
# FW_START_WAIT seconds, default 10).
fw_start() {
	local name=$1 i tries=$((${FW_START_WAIT:-10} * 40))
	shift
	# emptied first: a startup line left by an earlier run of that name is no start
	: >"$LOG/$name.out"
	: >"$LOG/$name.err"
	"${FW_CMD[@]}" "$@" >"$LOG/$name.out" 2>"$LOG/$name.err" &
	FWPID=$!
	STARTED+=("$FWPID")
	FWNAME=$name
	for ((i = 0; i < tries; i++)); do
		if grep -q "^fanwatch: watching " "$LOG/$name.err" 2>/dev/null; then
			no_false_kernel_notes "$LOG/$name.err"
			return 0
		fi
		if ! kill -0 "$FWPID" 2>/dev/null; then
			cat "$LOG/$name.err" >&2
			fail "fanwatch $* exited before watching"
		fi
		sleep 0.025
	done
	fail "fanwatch $* printed no startup line in ${FW_START_WAIT:-10} s"
}

# A kernel that has renames and pidfds gets no word about lacking them.
no_false_kernel_notes() {
	if kernel_has 5.17 && grep -Eq "$NOTE_NO_RENAME" "$1"; then
		fail "fanwatch says this $(kernel_release) kernel has no rename event"
	fi
	if kernel_has 5.15 && grep -Eq "$NOTE_NO_PIDFD" "$1"; then
		fail "fanwatch says this $(kernel_release) kernel cannot report pidfds"
	fi
	return 0
}

# fw_stop: SIGINT; FWSTATUS is its exit status.
fw_stop() {
	kill -INT "$FWPID"
	FWSTATUS=0
	wait "$FWPID" || FWSTATUS=$?
}

# freeze PID: SIGSTOP, and return once every thread of it is stopped
# (kill(2) returns before a busy machine has stopped them all).
freeze() {
	local i
	kill -STOP "$1"
	for ((i = 0; i < 1000; i++)); do
		grep -q '^State:.*[RSD] ' /proc/"$1"/task/*/status 2>/dev/null || return 0
		sleep 0.005
	done
	fail "pid $1 did not stop"
}

# run_wl ARGS...: the workload in the foreground; WLPID is its pid.
run_wl() {
	"$WL" "$@" >"$LOG/wl.out"
	WLPID=$(sed -n 's/^pid //p' "$LOG/wl.out")
}

# expect_json FILE FILTERS...: a record matching the filters is in FILE.
expect_json() {
	local f=$1
	shift
	$FWJ find "$f" "$@" || fail "no record with $* in $f"
}

# expect_no_json FILE FILTERS...
expect_no_json() {
	local f=$1 n
	shift
	n=$($FWJ count "$f" "$@")
	[[ $n == 0 ]] || fail "$n record(s) with $* in $f, expected none"
}

# expect_status WANT MESSAGE-REGEX CMD...: exit status and a stderr line.
expect_status() {
	local want=$1 re=$2 st=0
	shift 2
	"$@" >"$LOG/cmd.out" 2>"$LOG/cmd.err" || st=$?
	[[ $st == "$want" ]] || { cat "$LOG/cmd.err" >&2; fail "'$*' exited $st, expected $want"; }
	grep -Eq -- "$re" "$LOG/cmd.err" || { cat "$LOG/cmd.err" >&2; fail "'$*': no message matching /$re/"; }
}

# private_ext4 DIR: a loop-mounted ext4 image on DIR (skips without mkfs.ext4).
private_ext4() {
	command -v mkfs.ext4 >/dev/null || skip "mkfs.ext4 is not installed"
	truncate -s 64M "$TMP/ext4.img"
	mkfs.ext4 -q -F "$TMP/ext4.img" >/dev/null 2>&1 || fail "mkfs.ext4 failed"
	mkdir -p "$1"
	mount -o loop,errors=continue "$TMP/ext4.img" "$1" 2>/dev/null ||
		skip "cannot loop-mount an ext4 image"
	EXTRA_MOUNTS+=("$1")
}

# gen_tree DIR N: about N entries under DIR (made here), directories three
# levels deep, files in each, some named with hostile_names; the same tree
# for the same N.
gen_tree() {
	local names
	hostile_names 60
	printf '%s\0' "${names[@]}" >"$LOG/hostile.lst"
	python3 - "$1" "$2" "$LOG/hostile.lst" <<'PY'
import os, sys
top, n = os.fsencode(sys.argv[1]), int(sys.argv[2])
hostile = [h for h in open(sys.argv[3], "rb").read().split(b"\0") if h]
made = 0
def name(i, kind):
    return hostile[i % len(hostile)] + b"-%s%d" % (kind, i) if i % 7 == 0 else b"%s%d" % (kind, i)
os.makedirs(top)
i = 0
while made < n:
    d1 = os.path.join(top, name(i, b"d"))
    os.mkdir(d1); made += 1
    for j in range(4):
        d2 = os.path.join(d1, name(j + i, b"s"))
        os.mkdir(d2); made += 1
        for k in range(3):
            d3 = os.path.join(d2, name(k, b"t"))
            os.mkdir(d3); made += 1
            for m in range(4):
                with open(os.path.join(d3, name(m + k, b"f")), "wb") as f:
                    f.write(b"x")
                made += 1
    i += 1
PY
}

# fdinfo_marks PID: "INODE DEV" (decimal, the kernel's dev_t) of every inode mark
# of PID's fanotify groups.
fdinfo_marks() {
	local f
	for f in /proc/"$1"/fdinfo/*; do
		sed -n 's/^fanotify ino:\([0-9a-f]*\) sdev:\([0-9a-f]*\) .*/\1 \2/p' "$f" 2>/dev/null
	done | while read -r i d; do echo "$((16#$i)) $((16#$d))"; done | sort -u
}

# marked PID PATH: is PATH's inode marked by a group of PID?
marked() {
	local maj min
	read -r maj min < <(stat -c '%Hd %Ld' "$2")
	fdinfo_marks "$1" | grep -qx "$(stat -c %i "$2") $(((maj << 20) | min))"
}

# settle NAME: fanwatch (FWNAME, --json) has reported everything done so far
# (in SETTLE_DIR, default $W, a watched directory):
# a file made now shows up in its output (60 s at most: a loaded machine).
settle() {
	local f=${SETTLE_DIR:-$W}/.settle-$1 i
	"$WL" create "$f" >/dev/null
	for ((i = 0; i < 2400; i++)); do
		grep -qF -- "\"$f\"" "$LOG/$FWNAME.out" 2>/dev/null && return 0
		sleep 0.025
	done
	fail "fanwatch did not report $f within 60 s: $(tail -3 "$LOG/$FWNAME.err")"
}

# settle_output FILE: wait (at most 10 s) until FILE (fanwatch's output) stops growing.
settle_output() {
	local last=-1 now i
	for ((i = 0; i < 100; i++)); do
		now=$(stat -c %s "$1")
		[[ $now == "$last" ]] && return 0
		last=$now
		sleep 0.1
	done
}

# expect_set FILE LIST OLD NEW [filters]: the paths of the records matching
# the filters are exactly LIST's (NUL-separated, OLD prefix turned into NEW).
expect_set() {
	local f=$1 lst=$2 old=$3 new=$4
	shift 4
	$FWJ sameset "$f" --expect "$lst" --prefix "$old" "$new" "$@" >/dev/null ||
		fail "not the expected set of paths: $* (see above)"
}
