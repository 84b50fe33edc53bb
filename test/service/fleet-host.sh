#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fleet-host.sh NAME DIR N: one "host" of the fleet test (fleet.sh), run
# by it in mount, UTS and pid namespaces of its own (so everything started
# here dies with it): hostname NAME, /run on a tmpfs with a journald of
# its own, systemd-journal-upload of that journal to the central
# systemd-journal-remote (127.0.0.1:19532), an rsyslogd shipping
# DIR/events.jsonl (imfile) to the central rsyslogd (127.0.0.1:10514),
# and two fanwatch watching DIR/w: --journal, and --json -o
# DIR/events.jsonl.  Then the workload: a file for each name in DIR/names
# (NUL-separated) and N more (DIR/w/bulk/kI), timed (DIR/t0, DIR/t1);
# fanwatch stopped, DIR/done written; the rest runs until DIR/end exists.
set -euo pipefail
name=$1 dir=$2 n=$3
FW=${FANWATCH:?} WL=${FW_WORKLOAD:?}
fail() { echo "FAIL: $name: $*" >&2; exit 1; }

wait_for() {	# wait_for TEST... : 20 s at most
	local i
	for ((i = 0; i < 800; i++)); do "$@" && return 0; sleep 0.025; done
	fail "timed out waiting for: $*"
}

hostname "$name"
mount -t tmpfs -o mode=0755 tmpfs /run
mkdir -p /run/systemd/journald.conf.d /run/log/journal
printf '[Journal]\nStorage=volatile\nRateLimitIntervalSec=0\nReadKMsg=no\nForwardToSyslog=no\nForwardToKMsg=no\nForwardToConsole=no\nForwardToWall=no\n' \
	>/run/systemd/journald.conf.d/fanwatch-test.conf
/lib/systemd/systemd-journald >"$dir/journald.log" 2>&1 &
wait_for test -S /run/systemd/journal/socket

mkdir -p "$dir/rsyslog" "$dir/w/bulk"
cat >"$dir/rsyslog.conf" <<EOF
global(workDirectory="$dir/rsyslog" maxMessageSize="64k" localHostName="$name")
module(load="imfile")
input(type="imfile" file="$dir/events.jsonl" tag="fanwatch")
action(type="omfwd" target="127.0.0.1" port="10514" protocol="tcp"
       tcp_framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format"
       action.resumeRetryCount="-1")
EOF
rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslog.pid" >"$dir/rsyslog.log" 2>&1 &
/lib/systemd/systemd-journal-upload --follow=yes --url=http://127.0.0.1:19532 -D /run/log/journal \
	--save-state="$dir/upload.state" >"$dir/upload.log" 2>&1 &

"$FW" --journal -e create "$dir/w" 2>"$dir/fw-journal.err" &
fj=$!
"$FW" --json -e create -o "$dir/events.jsonl" "$dir/w" 2>"$dir/fw-json.err" &
fo=$!
wait_for grep -qs '^fanwatch: watching' "$dir/fw-journal.err"
wait_for grep -qs '^fanwatch: watching' "$dir/fw-json.err"

mapfile -d '' names <"$dir/names"
ops=()
for f in "${names[@]}"; do ops+=(create "$dir/w/$f"); done
date +%s.%N >"$dir/t0"
"$WL" "${ops[@]}" >/dev/null
"$WL" files "$dir/w/bulk" "$n" >/dev/null
date +%s.%N >"$dir/t1"
kill -INT "$fj" "$fo"
wait "$fj" || fail "fanwatch --journal exited $?: $(cat "$dir/fw-journal.err")"
wait "$fo" || fail "fanwatch --json exited $?: $(cat "$dir/fw-json.err")"
touch "$dir/done"
for ((i = 0; i < 2400; i++)); do
	[[ -e $dir/end ]] && break
	sleep 0.05
done
exit 0
