#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fanwatch --deny as the permission listener under load: 16 threads open
# and read files for STRESS_SECONDS (default 8) on a tmpfs and on ext4,
# one open in eight of a file that matches the glob.  Every open returns
# (the slowest within 5 s) with the verdict for its own file: allow-*
# opened and read, deny-* EPERM; fanwatch reports each denial exactly once
# (JSON records with "decision":"deny" == denied opens == the summary's
# count) and, when its summary counts the opens it checked, that count is
# the number of opens (one answer per open); it exits 0 on SIGINT.  Then,
# with every verdict warm in whatever fanwatch remembers: a file renamed
# to a denied name, a hard link with a denied name and a directory moved
# under a denied glob are denied; the old allowed names still open.
. "${FWT_DIR:?}/lib.sh"

OPENERS=${STRESS_OPENERS:?STRESS_OPENERS is not set}
SECS=${STRESS_SECONDS:-8}

load() {	# load NAME DIR
	local name=$1 dir=$2 out opens denied max rep sum checked
	"$OPENERS" -m -t 1 -n 1 -a "$dir" >/dev/null	# the files, before --deny
	fw_start "$name" --json --deny 'deny-*' -e create "$dir"
	"$OPENERS" -t 16 -s "$SECS" "$dir" >"$LOG/$name.openers" ||
		fail "$name: wrong verdicts: $(cat "$LOG/$name.openers")"
	fw_stop
	[[ $FWSTATUS == 0 ]] || fail "$name: fanwatch exited $FWSTATUS: $(cat "$LOG/$name.err")"
	out=$(cat "$LOG/$name.openers")
	opens=$(sed -n 's/^opens //p' <<<"$out")
	denied=$(sed -n 's/^denied //p' <<<"$out")
	max=$(sed -n 's/^max_ms //p' <<<"$out")
	awk "BEGIN { exit !($max < 5000) }" || fail "$name: an open took $max ms"
	rep=$($FWJ count "$LOG/$name.out" --decision deny)
	sum=$(tail -1 "$LOG/$name.err")
	[[ $rep == "$denied" ]] || fail "$name: $denied denied opens, $rep reported"
	grep -q ", $denied denied\$" <<<"$sum" || fail "$name: summary: $sum"
	checked=$(sed -n 's/.* \([0-9]*\) opens checked.*/\1/p' <<<"$sum")
	[[ -z $checked || $checked == "$opens" ]] || fail "$name: $opens opens, $checked checked: $sum"
	note "$name: $(tr '\n' ' ' <<<"$out")"
	note "$name: $sum"
}

# Names change after their verdicts were given: each new name gets its own.
renames() {
	local dir=$1 d=$1/d
	mkdir -p "$d/sub"
	echo a >"$d/allow-x"
	echo b >"$d/allow-y"
	echo c >"$d/sub/allow-z"
	fw_start renames --deny 'deny-*' --deny "$d/secret/*" -e create "$dir"
	"$OPENERS" -t 4 -n 500 "$dir" >/dev/null || fail "renames: warm-up"
	run_wl tryopen "$d/allow-x" tryopen "$d/allow-y" tryopen "$d/sub/allow-z"
	mv "$d/allow-x" "$d/deny-x"
	ln "$d/allow-y" "$d/deny-y"
	mv "$d/sub" "$d/secret"
	run_wl tryopen "$d/deny-x" tryopen "$d/deny-y" tryopen "$d/allow-y" tryopen "$d/secret/allow-z"
	fw_stop
	for want in "deny-x EPERM" "deny-y EPERM" "allow-y ok" "secret/allow-z EPERM"; do
		grep -qx "tryopen $d/$want" "$LOG/wl.out" || fail "renames: expected $want: $(cat "$LOG/wl.out")"
	done
	note "renamed, linked and moved names get their own verdicts"
}

load tmpfs "$W"
renames "$W"
private_ext4 "$TMP/ext4"
load ext4 "$TMP/ext4"
exit 0
