#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Permission mode: --deny GLOB makes the opener of a matching file see EPERM
# (reported as a denied event), everyone else's opens succeed; a glob with
# '/' matches the whole path; --deny-errno picks the error (EIO) on tmpfs
# and ext4 where the kernel allows it; SIGKILL of fanwatch while an open
# waits for its answer leaves no process hanging.
. "${FWT_DIR:?}/lib.sh"

mkdir -p "$W/sub/deep" "$W/other"
echo secret >"$W/a.key"
echo ok >"$W/ok.txt"
echo s >"$W/sub/deep/x.txt"
echo o >"$W/other/x.txt"
cp /bin/true "$W/tool.key"

fw_start deny --json --deny '*.key' --deny "$W/sub/*" "$W"
run_wl tryopen "$W/a.key" tryopen "$W/ok.txt" tryopen "$W/sub/deep/x.txt" tryopen "$W/other/x.txt"
out=$(cat "$LOG/wl.out")
grep -qx "tryopen $W/a.key EPERM" <<<"$out" || fail "a.key: $out"
grep -qx "tryopen $W/ok.txt ok" <<<"$out" || fail "ok.txt: $out"
grep -qx "tryopen $W/sub/deep/x.txt EPERM" <<<"$out" || fail "glob with / did not match the subtree: $out"
grep -qx "tryopen $W/other/x.txt ok" <<<"$out" || fail "other/x.txt: $out"
# exec of a matching file is denied too
st=0
"$W/tool.key" 2>/dev/null || st=$?
[[ $st != 0 ]] || fail "exec of tool.key was allowed"
cat "$W/ok.txt" >/dev/null || fail "another process could not read ok.txt"
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch exited $FWSTATUS"
O=$LOG/deny.out
expect_json "$O" --event open --path "$W/a.key" --pid "$WLPID" --decision deny
expect_json "$O" --event open --path "$W/sub/deep/x.txt" --pid "$WLPID" --decision deny
expect_no_json "$O" --path "$W/ok.txt" --decision deny
expect_json "$O" --event open --path "$W/ok.txt" --pid "$WLPID"
[[ $($FWJ count "$O" --decision deny --path "$W/tool.key") -ge 1 ]] || fail "no denied exec"
nd=$(sed -n 's/.*, \([0-9]*\) denied$/\1/p' "$LOG/deny.err")
[[ ${nd:-0} -ge 3 ]] || fail "summary: $(tail -1 "$LOG/deny.err")"
note "--deny: ok"

# --deny-errno (pre-content group, Linux 6.14)
try_errno() {
	local dir=$1 name=$2
	echo x >"$dir/e.key"
	if ! "$FW" --deny '*.key' --deny-errno EIO -t 0.01 "$dir" >/dev/null 2>"$LOG/probe.err"; then
		grep -q 'needs Linux 6.14\|refuses permission events' "$LOG/probe.err" ||
			fail "--deny-errno on $name: $(cat "$LOG/probe.err")"
		if ! kernel_has 6.14; then
			grep -q -- '--deny-errno needs Linux 6\.14' "$LOG/probe.err" ||
				fail "--deny-errno on Linux $(kernel_release): $(cat "$LOG/probe.err")"
		fi
		note "--deny-errno on $name: not available: $(cat "$LOG/probe.err")"
		return 0
	fi
	fw_start errno-$name --json --deny '*.key' --deny-errno EIO "$dir"
	run_wl tryopen "$dir/e.key" tryopen "$dir/ok"
	fw_stop
	grep -qx "tryopen $dir/e.key EIO" "$LOG/wl.out" || fail "$name: $(cat "$LOG/wl.out")"
	expect_json "$LOG/errno-$name.out" --path "$dir/e.key" --decision deny --pid "$WLPID"
	note "--deny-errno EIO on $name: ok"
}
echo ok >"$W/ok"
try_errno "$W" tmpfs
private_ext4 "$TMP/ext4"
echo ok >"$TMP/ext4/ok"
try_errno "$TMP/ext4" ext4

# SIGKILL while an open waits for fanwatch's answer: the kernel answers.
fw_start kill --deny '*.key' "$W"
freeze "$FWPID"
"$WL" tryopen "$W/ok.txt" >"$LOG/blocked.out" &
B=$!
STARTED+=("$B")
sleep 0.3
if ! kill -0 "$B" 2>/dev/null; then
	st=0
	wait "$B" || st=$?
	fail "the open did not wait for the stopped listener: status $st: $(cat "$LOG/blocked.out"; cat "$LOG/kill.err"; grep State /proc/$FWPID/status)"
fi
kill -KILL "$FWPID"
for ((i = 0; i < 100; i++)); do kill -0 "$B" 2>/dev/null || break; sleep 0.05; done
kill -0 "$B" 2>/dev/null && fail "the opener still hangs 5 s after fanwatch was killed"
wait "$B" || fail "the opener failed"
grep -qx "tryopen $W/ok.txt ok" "$LOG/blocked.out" || fail "after SIGKILL: $(cat "$LOG/blocked.out")"
note "SIGKILL in permission mode: nothing hangs"
exit 0
