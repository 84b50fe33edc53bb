#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Faster than fanwatch reacts, and a reader that stops reading.
# - mkdir n; echo > n/a; mv n m; mkdir m/sub; echo > m/sub/b, twenty times
#   while fanwatch is stopped (SIGSTOP): every directory is watched where it
#   went (a file made later in m/sub is reported), what each held is
#   reported as found, with the path of its moment.  Before Linux 5.17 (no
#   FAN_REPORT_TARGET_FID) a new directory is found by its name: n is gone
#   when its creation is read, so m is found at its move in, what it holds
#   with the path of now (m/a, not n/a).
# - --deny with its output into a pipe nobody reads: the loop never blocks
#   on it: a directory made while the pipe is full is marked and denied at
#   once (one moved in with a key in it); records the queue cannot hold
#   are dropped, said on stderr and counted in the summary; SIGINT still
#   ends fanwatch within seconds.
. "${FWT_DIR:?}/lib.sh"

fw_start r --json "$W"
freeze "$FWPID"
for i in $(seq 20); do
	mkdir "$W/n$i" && echo >"$W/n$i/a" && mv "$W/n$i" "$W/m$i" && mkdir "$W/m$i/sub" &&
		echo >"$W/m$i/sub/b"
done
kill -CONT "$FWPID"
settle 1
for i in $(seq 20); do marked "$FWPID" "$W/m$i/sub" || fail "$W/m$i/sub is not watched"; done
for i in $(seq 20); do echo "create $W/m$i/sub/c"; done | xargs "$WL" >"$LOG/wl.out"
WLPID=$(sed -n 's/^pid //p' "$LOG/wl.out")
settle 2
fw_stop
# each one's content found with the path of its moment, each later file an event
if kernel_has 5.17; then
	for i in $(seq 20); do
		printf '%s\0' "./n$i" "./n$i/a" "./n$i/sub" "./n$i/sub/b" "./m$i/sub/c"
	done
else
	grep -Eq "$NOTE_NO_RENAME.*one renamed before fanwatch saw it is found at its new name" \
		"$LOG/r.err" || fail "no word of new directories found by name: $(cat "$LOG/r.err")"
	for i in $(seq 20); do
		printf '%s\0' "./n$i" "./m$i/a" "./m$i/sub" "./m$i/sub/b" "./m$i/sub/c"
	done
fi >"$LOG/n.lst"
printf '%s\0' ./.settle-1 ./.settle-2 >>"$LOG/n.lst"
expect_set "$LOG/r.out" "$LOG/n.lst" . "$W" --event create
[[ $($FWJ count "$LOG/r.out" --event create --pid "$WLPID" --real) == 20 ]] ||
	fail "not every later file was an event"

note "renamed before fanwatch reacted (x20): watched where they went, contents found"

# a pipe nobody reads
mkfifo "$TMP/stuck"
exec 4<>"$TMP/stuck"	# held open, never read: writes block once the pipe is full
# long paths: fewer records fill the queue
long=$W/d/$(printf 'L%.0s' $(seq 200))
mkdir -p "$long"
"$FW" --json --deny '*.key' "$W" >"$TMP/stuck" 2>"$LOG/stuck.err" &
F=$!
STARTED+=("$F")
for ((i = 0; i < 400; i++)); do grep -q '^fanwatch: watching' "$LOG/stuck.err" && break; sleep 0.025; done
# more records than the pipe (64 KiB) and the output queue (16 MiB) hold
"$WL" files "$long" 50000 >/dev/null
# a directory with a key moved in (the key made outside: --deny would refuse its creation)
mkdir "$TMP/late"
echo k >"$TMP/late/x.key"
mv "$TMP/late" "$W/late"
for ((i = 0; i < 400; i++)); do marked "$F" "$W/late" && break; sleep 0.025; done
marked "$F" "$W/late" || fail "a directory made while the output is stuck is not marked"
"$WL" tryopen "$W/late/x.key" >"$LOG/try.out"
grep -qx "tryopen $W/late/x.key EPERM" "$LOG/try.out" || fail "not denied: $(cat "$LOG/try.out")"
grep -q 'output cannot keep up' "$LOG/stuck.err" || fail "no word of dropped records: $(cat "$LOG/stuck.err")"
start=$(date +%s)
kill -INT "$F"
st=0
wait "$F" || st=$?
[[ $st == 0 ]] || fail "exit $st with a stuck reader: $(cat "$LOG/stuck.err")"
grep -Eq '^fanwatch: [0-9]+ records were dropped' "$LOG/stuck.err" || fail "summary: $(cat "$LOG/stuck.err")"
exec 4<&-
note "stuck reader: new directory marked and denied at once; drops counted; exit in $(($(date +%s) - start)) s"
exit 0
