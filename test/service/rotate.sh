#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGHUP reopens the -o file (log rotation): under a stream of creations,
# the file is renamed and fanwatch signalled again and again; every
# creation is in exactly one of the files, each file valid JSON Lines (no
# line torn between two).  --append keeps what the file held; a reopen
# that fails (the directory gone, a symbolic link planted at the path)
# keeps the old file and says why; logrotate with the shipped snippet
# rotates it; without -o, SIGHUP ends fanwatch as before.
. "${FWT_DIR:?}/lib.sh"
. "${SVC_DIR:?}/svc.sh"

# the creations come in C chunks of N/C with a pause between them, so the
# stream lasts long enough for several rotations on an idle machine too
N=20000 C=10
mkdir "$W/d" "$LOG/out"
for ((j = 0; j < C; j++)); do mkdir "$W/d/$j"; done
O=$LOG/out/r.jsonl
# after setup a root fanwatch runs as nobody (fanwatch(1), PRIVILEGES): it
# makes the new file as nobody, in a directory nobody may write
NOBODY=$(id -u nobody 2>/dev/null || echo 65534)
chown "$NOBODY" "$LOG/out"

# ---- rotations under load ----
fw_start rot --json -e create -o "$O" "$W"
ops=()
for ((j = 0; j < C; j++)); do ops+=(files "$W/d/$j" $((N / C)) sleep 50); done
"$WL" "${ops[@]}" >"$LOG/files.out" &
wl=$!
STARTED+=("$wl")
rot=0
while is_child "$wl" && ((rot < 30)); do
	sleep 0.03
	[[ -s $O ]] || continue
	rot=$((rot + 1))
	mv "$O" "$O.$rot"
	kill -HUP "$FWPID"
done
wait "$wl" || fail "the workload failed"
fpid=$(sed -n 's/^pid //p' "$LOG/files.out")
sleep 0.2
mv "$O" "$O.last"
kill -HUP "$FWPID"
run_wl create "$W/final"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS: $(cat "$LOG/rot.err")"
((rot >= 3)) || fail "only $rot rotations happened during the workload"
[[ -s $O ]] || fail "no new file after the last SIGHUP"
for f in "$O".* "$O"; do
	$FWJ valid "$f" >/dev/null || fail "$f is not valid JSON Lines"
done
cat "$O".* "$O" >"$LOG/all.jsonl"
$FWJ paths "$LOG/all.jsonl" --event create --under "$W/d" --pid "$fpid" | sort >"$LOG/got"
for ((j = 0; j < C; j++)); do
	for ((i = 0; i < N / C; i++)); do echo "$W/d/$j/k$i"; done
done | sort >"$LOG/want"
cmp -s "$LOG/got" "$LOG/want" ||
	fail "creations across the rotated files: $(comm -3 "$LOG/got" "$LOG/want" | head -5) ($(wc -l <"$LOG/got") lines, $N expected)"
expect_json "$O" --event create --path "$W/final"
nonempty=$(find "$LOG/out" -name 'r.jsonl.*' -size +0 | wc -l)
note "$rot rotations under $N creations: each in exactly one file ($nonempty files)"

# ---- --append keeps what was there; a failed reopen keeps the old file ----
mkdir "$LOG/sub"
chown "$NOBODY" "$LOG/sub"
echo '{"time":"2026-01-01T00:00:00.000000+00:00","events":["create"],"path":"/kept","pid":1,"comm":"x"}' >"$LOG/sub/a.jsonl"
fw_start app --json --append -e create -o "$LOG/sub/a.jsonl" "$W"
run_wl create "$W/a1"
mv "$LOG/sub" "$LOG/sub.gone"
kill -HUP "$FWPID"
run_wl create "$W/a2"
# the next change only once fanwatch has tried this reopen: two SIGHUPs
# close together are one signal
for ((i = 0; i < 400; i++)); do
	grep -q 'SIGHUP: cannot open output file' "$LOG/app.err" && break
	sleep 0.025
done
mkdir "$LOG/sub"
chown "$NOBODY" "$LOG/sub"
ln -s "$LOG/elsewhere" "$LOG/sub/a.jsonl"
kill -HUP "$FWPID"
run_wl create "$W/a3"
for ((i = 0; i < 400; i++)); do
	grep -q 'is a symbolic link' "$LOG/app.err" && break
	sleep 0.025
done
fw_stop
A=$LOG/sub.gone/a.jsonl
head -1 "$A" | grep -q '"path":"/kept"' || fail "--append did not keep the first line"
for p in a1 a2 a3; do expect_json "$A" --event create --path "$W/$p"; done
[[ -e $LOG/elsewhere ]] && fail "the reopen followed a symbolic link"
grep -q "SIGHUP: cannot open output file $LOG/sub/a.jsonl again: No such file or directory; still writing to the old one" "$LOG/app.err" ||
	fail "no message about the failed reopen: $(cat "$LOG/app.err")"
grep -q "SIGHUP: cannot open output file $LOG/sub/a.jsonl again: it, or a directory on its path, is a symbolic link" "$LOG/app.err" ||
	fail "no message about the symbolic link: $(cat "$LOG/app.err")"
note "--append kept the old content; failed reopens kept the old file"

# ---- a directory only root may write: the reopening (as nobody) fails, nothing is lost ----
mkdir "$LOG/rootonly"
fw_start ro --json -e create -o "$LOG/rootonly/r.jsonl" "$W"
run_wl create "$W/r1"
mv "$LOG/rootonly/r.jsonl" "$LOG/rootonly/r.jsonl.1"
kill -HUP "$FWPID"
run_wl create "$W/r2"
fw_stop
grep -q "SIGHUP: cannot open output file $LOG/rootonly/r.jsonl again: Permission denied; still writing to the old one" "$LOG/ro.err" ||
	fail "reopen in a root-only directory: $(cat "$LOG/ro.err")"
for p in r1 r2; do expect_json "$LOG/rootonly/r.jsonl.1" --event create --path "$W/$p"; done
note "a root-only directory: the reopen failed, said so, nothing lost"

# ---- logrotate with the shipped snippet ----
if command -v logrotate >/dev/null && [[ -n ${FANWATCH_LOGROTATE:-} ]]; then
	mkdir "$LOG/lr"
	chown "$NOBODY" "$LOG/lr"
	fw_start lr --json -e create -o "$LOG/lr/x.jsonl" "$W"
	run_wl create "$W/before"
	sed -e "s|/var/log/fanwatch/\*\.jsonl /var/log/fanwatch/\*\.log|$LOG/lr/*.jsonl|" \
	    -e "s|systemctl reload 'fanwatch@\*\.service'|kill -HUP $FWPID|" \
	    "$FANWATCH_LOGROTATE" >"$LOG/logrotate.conf"
	grep -q "kill -HUP $FWPID" "$LOG/logrotate.conf" || fail "the snippet's postrotate changed"
	logrotate -f -s "$LOG/lr.state" "$LOG/logrotate.conf" 2>"$LOG/lr.out" ||
		fail "logrotate: $(cat "$LOG/lr.out")"
	for ((i = 0; i < 200; i++)); do [[ -e $LOG/lr/x.jsonl ]] && break; sleep 0.02; done
	run_wl create "$W/after"
	fw_stop
	expect_json "$LOG/lr/x.jsonl.1" --event create --path "$W/before"
	expect_json "$LOG/lr/x.jsonl" --event create --path "$W/after"
	expect_no_json "$LOG/lr/x.jsonl" --path "$W/before"
	note "logrotate with the shipped snippet: ok"
else
	note "logrotate is not installed: the snippet was not run"
fi

# ---- without -o, SIGHUP ends fanwatch (a terminal hangup) ----
fw_start hup "$W"
kill -HUP "$FWPID"
st=0
wait "$FWPID" || st=$?
[[ $st == 0 ]] || fail "SIGHUP without -o: exit $st"
grep -q 'events seen' "$LOG/hup.err" || fail "no summary after SIGHUP"
note "SIGHUP without -o: a clean stop"
exit 0
