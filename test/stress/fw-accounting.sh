#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A million events through fanwatch: its descriptors and memory.
#
#   fw-accounting.sh pidfd|fid|fd
#
# pidfd  root fanwatch --json: the FID group with FAN_REPORT_PIDFD
# fid    fanwatch as nobody without capabilities (text output): a FID group
#        without pidfds
# fd     root fanwatch --deny: its permission group is in fd mode, every
#        open of the workload is an event with a descriptor (and one in
#        eight is denied and reported)
#
# The workload runs in chunks (a new process each, in 8 directories, so
# process identities and directory paths churn) until fanwatch has handled
# STRESS_EVENTS events (default 1000000): records counted in its output as
# they arrive (a sync file created after each chunk tells when it caught
# up), or opens answered in fd mode.  /proc/PID/fd and VmRSS are sampled
# while each chunk runs and after it.  Checked: after each chunk the
# descriptors are those it had when it started watching (plus, with
# pidfds, at most the 32 that the resolver keeps on the /proc entries of
# its last 16 processes); while a chunk runs, at most one read's worth
# more (BATCH_FDS); the RSS at 500k and 1M events exceeds the RSS at 100k
# by at most RSS_SLACK_KIB; the summary counts every event; exit 0.
. "${FWT_DIR:?}/lib.sh"

mode=${1:?usage: fw-accounting.sh pidfd|fid|fd}
OPENERS=${STRESS_OPENERS:?STRESS_OPENERS is not set}
target=${STRESS_EVENTS:-1000000}
RSS_SLACK_KIB=1024
HELD_FDS=32	# libfanotify's resolver, pidfd groups: src/resolve_proc.c HELD_MAX x 2
FD_DIR=1	# a resolver's /proc/self/fd, from the first path it reads (src/resolve_fd.c)
BATCH_FDS=8192	# descriptors one read can bring: far below the 65536 a batch could
CHUNK=20000	# workload iterations per chunk (about 50000 records)

fds_of() { local a=(/proc/"$1"/fd/*); echo "${#a[@]}"; }
rss_of() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/"$1"/status; }

NB=()
mkdir "$W"/d{0..7}
mkfifo "$LOG/pipe"
chmod 666 "$LOG/pipe"
# Count the output lines as they come; print the count at each sync file.
python3 -c '
import sys
n = 0
for line in sys.stdin.buffer:
    n += 1
    if b"sync-" in line:
        sys.stdout.buffer.write(b"%d %s" % (n, line))
        sys.stdout.flush()
print("total", n)
' <"$LOG/pipe" >"$LOG/sync" &
AWK=$!
STARTED+=("$AWK")

case $mode in
pidfd) args=(--json "$W") ;;
fid)
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	NB=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
	"${NB[@]}" true || skip "setpriv cannot drop to nobody here"
	chown -R 65534:65534 "$W"
	FW_CMD=("${NB[@]}" "$FW")
	args=("$W") ;;
fd)
	"$OPENERS" -m -t 1 -n 1 -a "$W/d0" >/dev/null	# the files, before --deny
	args=(--json --deny 'deny-*' -e create "$W") ;;
*) fail "unknown mode $mode" ;;
esac

"${FW_CMD[@]}" "${args[@]}" >"$LOG/pipe" 2>"$LOG/fw.err" &
FWPID=$!
STARTED+=("$FWPID")
for ((i = 0; i < 400; i++)); do
	grep -q '^fanwatch: watching' "$LOG/fw.err" && break
	kill -0 "$FWPID" 2>/dev/null || fail "fanwatch exited: $(cat "$LOG/fw.err")"
	sleep 0.025
done
grep -q '^fanwatch: watching' "$LOG/fw.err" || fail "fanwatch did not start"
fds0=$(fds_of "$FWPID")
note "$mode: fanwatch pid $FWPID watching with $fds0 descriptors, RSS $(rss_of "$FWPID") KiB"

allowed=$((fds0 + FD_DIR))
[[ $mode == pidfd ]] && allowed=$((fds0 + FD_DIR + HELD_FDS))
max_during=0 max_after=0 handled=0 chunk=0 cp=0 denied=0
checkpoints=($((target / 10)) $((target / 2)) "$target")
rss=()

# Sample while the chunk in the background ($1) runs.
sample_during() {
	local n
	while kill -0 "$1" 2>/dev/null; do
		n=$(fds_of "$FWPID" 2>/dev/null) || break
		((n > max_during)) && max_during=$n
		sleep 0.05
	done
}

# The count of records up to sync file $1 (waits for it: 60 s at most).
wait_sync() {
	local i line
	for ((i = 0; i < 1200; i++)); do
		line=$(grep -aE -- "sync-$1(\$|[^0-9])" "$LOG/sync" | tail -1) && [[ -n $line ]] && {
			echo "${line%% *}"
			return 0
		}
		kill -0 "$FWPID" 2>/dev/null || fail "fanwatch died: $(cat "$LOG/fw.err")"
		sleep 0.05
	done
	fail "fanwatch did not catch up with chunk $1 in 60 s"
}

run_chunk() {
	local d=$W/d$((chunk % 8)) pid out
	if [[ $mode == fd ]]; then
		"$OPENERS" -t 4 -n $((CHUNK * 5 / 4)) "$W/d0" >"$LOG/openers.out" &
		pid=$!
		sample_during "$pid"
		wait "$pid" || fail "openers: $(cat "$LOG/openers.out")"
		out=$(cat "$LOG/openers.out")
		handled=$((handled + $(sed -n 's/^opens //p' <<<"$out")))
		denied=$((denied + $(sed -n 's/^denied //p' <<<"$out")))
	else
		"${NB[@]}" "$WL" loop "$d" "$CHUNK" >/dev/null &
		pid=$!
		sample_during "$pid"
		wait "$pid" || fail "the workload failed"
		"${NB[@]}" "$WL" create "$W/sync-$chunk" >/dev/null
		handled=$(wait_sync "$chunk")
	fi
	chunk=$((chunk + 1))
}

while ((handled < target)); do
	run_chunk
	n=$(fds_of "$FWPID")
	((n > max_after)) && max_after=$n
	((n >= fds0 && n <= allowed)) ||
		fail "$mode: $n descriptors after $handled events (started with $fds0, allowed $allowed)"
	if ((handled >= checkpoints[cp])); then
		rss[cp]=$(rss_of "$FWPID")
		note "$mode: $handled events: $n descriptors, RSS ${rss[cp]} KiB"
		cp=$((cp + 1))
	fi
done
((max_during <= allowed + BATCH_FDS)) || fail "$mode: $max_during descriptors while a chunk ran"

kill -INT "$FWPID"
st=0
wait "$FWPID" || st=$?
wait "$AWK" || true
[[ $st == 0 ]] || fail "fanwatch exited $st: $(cat "$LOG/fw.err")"
summary=$(tail -1 "$LOG/fw.err")
note "$mode: $summary"
note "$mode: $handled events in $chunk chunks; descriptors: $fds0 at start, at most $max_after" \
	"after a chunk, at most $max_during while one ran"
grow500=$((rss[1] - rss[0])) grow1m=$((rss[2] - rss[0]))
note "$mode: RSS growth from $((target / 10)) events: $grow500 KiB at $((target / 2)), $grow1m KiB" \
	"at $target (bound $RSS_SLACK_KIB KiB)"
# Under AddressSanitizer freed memory sits in quarantine (up to 256 MiB):
# the RSS is not bounded there, LeakSanitizer checks fanwatch's exit instead.
if [[ ${STRESS_SANITIZED:-0} == 1 ]]; then
	note "$mode: RSS not checked: AddressSanitizer build"
else
	((grow500 <= RSS_SLACK_KIB && grow1m <= RSS_SLACK_KIB)) || fail "$mode: RSS grew: ${rss[*]} KiB"
fi

lines=$(sed -n 's/^total //p' "$LOG/sync")
if [[ $mode == fd ]]; then
	# every denied open reported, none twice; the summary counts them
	[[ $lines == "$denied" ]] || fail "fd: $lines records for $denied denied opens"
	grep -q ", $denied denied\$" <<<"$summary" || fail "fd: summary: $summary"
else
	seen=$(sed -n 's/^fanwatch: \([0-9]*\) events seen.*/\1/p' <<<"$summary")
	rep=$(sed -n 's/.* \([0-9]*\) reported.*/\1/p' <<<"$summary")
	[[ $rep == "$lines" ]] || fail "$mode: summary says $rep reported, the output has $lines lines"
	((seen >= target)) || fail "$mode: $seen events seen, expected at least $target"
	grep -q ', 0 overflows' <<<"$summary" || note "$mode: overflows: $summary"
fi
exit 0
