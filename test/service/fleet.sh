#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The fleet path of fanwatch(1), FLEET, end to end on this machine: two
# "hosts" (fleet-host.sh: each in mount, UTS and pid namespaces of its own,
# its own hostname and journald) each run fanwatch --journal and fanwatch
# --json -o FILE over a tree that gets hostile names and FLEET_N more
# files; in a private network namespace, over loopback,
#   journald -> systemd-journal-upload -> systemd-journal-remote -> one store
#   JSON Lines -> rsyslogd imfile -> TCP -> rsyslogd -> one file
# and the central store holds, for each host, exactly the files it
# created, names byte-exact.  Prints the events per second each path
# carried (bench/fleet.sh runs it larger for bench/README.md; no timing is
# asserted).
if [[ -z ${FLEET_IN_NETNS:-} ]]; then
	[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 77; }
	unshare -n true 2>/dev/null || { echo "SKIP: cannot create a network namespace"; exit 77; }
	exec env FLEET_IN_NETNS=1 unshare -n "$0" "$@"
fi
. "${FWT_DIR:?}/lib.sh"
. "${SVC_DIR:?}/svc.sh"

REMOTE=/lib/systemd/systemd-journal-remote
UPLOAD=/lib/systemd/systemd-journal-upload
[[ -x $REMOTE && -x $UPLOAD ]] || skip "systemd-journal-remote is not installed (scripts/deps.sh)"
command -v rsyslogd >/dev/null || skip "rsyslog is not installed (scripts/deps.sh)"
[[ -x $JD ]] || skip "systemd-journald is not installed"
need_journal_build
ip link set lo up || fail "cannot bring up lo in the test's network namespace"

N=${FLEET_N:-1000}
HOSTS=(alpha bravo)
C=$TMP/central
mkdir -p "$C/journal" "$C/rsyslog"

# ---- the central store: journal-remote and rsyslogd, on loopback ----
"$REMOTE" --listen-http=127.0.0.1:19532 --output="$C/journal/central.journal" --split-mode=none \
	>"$LOG/remote.log" 2>&1 &
STARTED+=("$!")
cat >"$C/rsyslog.conf" <<EOF
global(workDirectory="$C/rsyslog" maxMessageSize="64k")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="10514")
template(name="line" type="string" string="%hostname% %msg%\n")
if \$programname == "fanwatch" then action(type="omfile" file="$C/fleet.log" template="line")
EOF
rsyslogd -n -f "$C/rsyslog.conf" -i "$C/rsyslog.pid" >"$LOG/rsyslog.log" 2>&1 &
STARTED+=("$!")
# both listening (ports 19532 = 0x4C4C and 10514 = 0x2912, state 0A)
listening() { awk '$4 == "0A" && ($2 ~ /:4C4C$/ || $2 ~ /:2912$/)' /proc/net/tcp | wc -l; }
for ((i = 0; i < 400; i++)); do
	(($(listening) >= 2)) && break
	sleep 0.025
done
((i < 400)) || fail "the central store did not listen: $(cat "$LOG/remote.log" "$LOG/rsyslog.log")"

# ---- two hosts ----
hostile_names 200
HOSTPIDS=()
for h in "${HOSTS[@]}"; do
	mkdir -p "$TMP/$h"
	printf '%s\0' "${names[@]}" >"$TMP/$h/names"
	unshare -m -u -p --fork --kill-child --mount-proc --propagation private \
		"$SVC_DIR/fleet-host.sh" "$h" "$TMP/$h" "$N" >"$LOG/$h.out" 2>&1 &
	STARTED+=("$!")
	HOSTPIDS+=("$!")
done
for h in "${HOSTS[@]}"; do
	for ((i = 0; i < 2400; i++)); do
		[[ -e $TMP/$h/done ]] && break
		[[ -s $LOG/$h.out ]] && fail "host $h: $(cat "$LOG/$h.out")"
		sleep 0.05
	done
	[[ -e $TMP/$h/done ]] || fail "host $h did not finish: $(cat "$LOG/$h.out")"
done

# ---- everything arrives, exactly ----
want=$((${#names[@]} + N))
declare -A jdone=() rdone=()
for ((i = 0; i < 1200; i++)); do
	all=1
	for h in "${HOSTS[@]}"; do
		if [[ -z ${jdone[$h]:-} ]]; then
			c=$(journalctl -D "$C/journal" -o cat --no-pager "_HOSTNAME=$h" FANWATCH_EVENTS=create 2>/dev/null | wc -l)
			((c >= want)) && jdone[$h]=$(date +%s.%N) || all=0
		fi
		if [[ -z ${rdone[$h]:-} ]]; then
			c=$(grep -c "^$h " "$C/fleet.log" 2>/dev/null || true)
			((${c:-0} >= want)) && rdone[$h]=$(date +%s.%N) || all=0
		fi
	done
	((all)) && break
	sleep 0.1
done
((all)) || fail "the central store is missing entries: done: journal ${!jdone[*]}, rsyslog ${!rdone[*]}; journal: $(ls -l "$C/journal"; journalctl -D "$C/journal" -o export --no-pager | grep -a '^_HOSTNAME=' | sort | uniq -c; cat "$LOG/remote.log")"
journalctl -D "$C/journal" -o export --no-pager >"$LOG/central.export"

for h in "${HOSTS[@]}"; do
	# what the host created: its hostile names and N more, each exactly once
	{
		printf "$TMP/$h/w/%s\0" "${names[@]}"
		for ((i = 0; i < N; i++)); do printf '%s\0' "$TMP/$h/w/bulk/k$i"; done
	} >"$LOG/$h.want"
	$JEXPORT "$LOG/central.export" pathset "$LOG/$h.want" "_HOSTNAME=$h" FANWATCH_EVENTS=create ||
		fail "$h: the central journal does not hold exactly what the host created"
	# the rsyslog path: "HOST {json}" lines, the JSON objects as fanwatch wrote them
	sed -n "s/^$h //p" "$C/fleet.log" >"$LOG/$h.jsonl"
	cmp -s "$LOG/$h.jsonl" "$TMP/$h/events.jsonl" ||
		fail "$h: the lines shipped differ from the file fanwatch wrote"
	python3 "$SVC_DIR/jsonset.py" "$LOG/$h.jsonl" "$LOG/$h.want" ||
		fail "$h: the lines shipped do not hold exactly what the host created"
done
note "central store: ${#HOSTS[@]} hosts x $want events, exact, through both paths"

# ---- what each path carried (from the first host's first event to the last entry stored) ----
t0=$(cat "$TMP"/*/t0 | sort -n | head -1)
t1=$(cat "$TMP"/*/t1 | sort -n | tail -1)
jl=$(printf '%s\n' "${jdone[@]}" | sort -n | tail -1)
rl=$(printf '%s\n' "${rdone[@]}" | sort -n | tail -1)
total=$((want * ${#HOSTS[@]}))
note "$(awk -v n=$total -v a="$t0" -v b="$t1" 'BEGIN { printf "the workload (both hosts making files): %d files in %.2f s: %.0f files/s", n, b - a, n / (b - a) }')"
note "$(awk -v n=$total -v a="$t0" -v b="$jl" 'BEGIN { printf "journald->upload->remote: %d events in %.2f s: %.0f events/s", n, b - a, n / (b - a) }')"
note "$(awk -v n=$total -v a="$t0" -v b="$rl" 'BEGIN { printf "JSON Lines->rsyslog imfile->TCP->rsyslog: %d events in %.2f s: %.0f events/s", n, b - a, n / (b - a) }')"
# the hosts end, and their namespaces with them (the tmpfs is then free to go)
for h in "${HOSTS[@]}"; do touch "$TMP/$h/end"; done
for p in "${HOSTPIDS[@]}"; do wait "$p" || fail "a host exited $?: $(cat "$LOG"/*.out)"; done
exit 0
