#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The template unit fanwatch@.service as meson configured it:
# - `systemd-analyze verify` passes with nothing to say (ExecStart pointed
#   at the built fanwatch; the instance's options file exists);
# - it runs fanwatch with --options-from SYSCONFDIR/fanwatch/%i.conf,
#   Type=notify, a watchdog, SIGHUP for reload;
# - each capability of its CapabilityBoundingSet is one fanwatch(1),
#   PRIVILEGES, names, and they are enough: fanwatch run with only them
#   and no_new_privs (setpriv, as systemd would) reports another user's
#   process with its executable and denies an open;
# - `systemd-analyze security` rates its exposure (printed).
. "${FWT_DIR:?}/lib.sh"
. "${SVC_DIR:?}/svc.sh"

U=${FANWATCH_UNIT:?FANWATCH_UNIT is not set}
command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed (systemd)"
[[ -f $U ]] || fail "no unit at $U"

key() { sed -n "s/^$1=//p" "$U"; }
[[ $(key Type) == notify ]] || fail "Type=$(key Type)"
[[ $(key ExecReload) == '/bin/kill -HUP $MAINPID' ]] || fail "ExecReload=$(key ExecReload)"
[[ -n $(key WatchdogSec) ]] || fail "no WatchdogSec"
exec_start=$(key ExecStart)
[[ $exec_start =~ ^(/[^ ]+/fanwatch)\ --options-from\ (/[^ ]+)/fanwatch/%i\.conf$ ]] ||
	fail "ExecStart=$exec_start"
bin=${BASH_REMATCH[1]}
etc=${BASH_REMATCH[2]}
grep -qx "ConditionPathExists=$etc/fanwatch/%i.conf" "$U" || fail "ConditionPathExists"

# ---- systemd-analyze verify ----
mkdir "$TMP/units"
sed "s|$bin|$FW|" "$U" >"$TMP/units/fanwatch@.service"
st=0
(cd "$TMP/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no fanwatch@test.service) \
	>"$LOG/verify.out" 2>&1 || st=$?
[[ $st == 0 && ! -s $LOG/verify.out ]] || fail "systemd-analyze verify (exit $st): $(cat "$LOG/verify.out")"
# the check itself: a broken unit is reported
sed 's/^ProtectSystem=strict$/ProtectSystem=bogus/' "$TMP/units/fanwatch@.service" >"$TMP/units/broken@.service"
(cd "$TMP/units" && systemd-analyze verify --man=no broken@test.service) >"$LOG/broken.out" 2>&1 || true
grep -q 'ProtectSystem\|protect system' "$LOG/broken.out" || fail "verify did not notice a bad setting: $(cat "$LOG/broken.out")"
score=$(systemd-analyze security --offline=yes --no-pager "$TMP/units/fanwatch@.service" 2>/dev/null |
	sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) .*/\1/p')
[[ -n $score ]] && awk "BEGIN { exit !($score < 5) }" || fail "systemd-analyze security: exposure '$score'"
note "systemd-analyze verify: clean; security: exposure $score"

# ---- the capabilities: named in fanwatch(1), and enough ----
caps=$(key CapabilityBoundingSet)
[[ -n $caps ]] || fail "no CapabilityBoundingSet"
man=${FWT_MANPAGE:?}
priv=$(sed -n '/^\.SH PRIVILEGES/,/^\.SH /p' "$man")
for c in $caps; do
	case $c in
	# what leaving uid 0 for nobody takes (fanwatch(1), PRIVILEGES: "leaves uid 0")
	CAP_SETUID | CAP_SETGID) grep -q 'leaves uid 0' <<<"$priv" || fail "$c: fanwatch(1) no longer leaves uid 0" ;;
	*) grep -q "$c" <<<"$priv" || fail "$c is in the unit but not in fanwatch(1), PRIVILEGES" ;;
	esac
done
command -v setpriv >/dev/null || skip "setpriv is not installed (util-linux)"
bset=-all
for c in $caps; do bset+=",+$(tr 'A-Z' 'a-z' <<<"${c#CAP_}")"; done
mkdir "$W/d"
chmod 0777 "$W/d"
echo secret >"$W/d/a.key"
chmod 0644 "$W/d/a.key"
# the user's own private file: fanwatch must be able to open it to allow it
echo mine >"$W/d/private.txt"
chown 1000:1000 "$W/d/private.txt"
chmod 0600 "$W/d/private.txt"
printf 'json\noutput %s\ndeny *.key\n%s\n' "$LOG/unit.jsonl" "$W" >"$TMP/test.conf"
FW_CMD=(setpriv --bounding-set "$bset" --inh-caps -all --no-new-privs -- "$FW")
fw_start unit --options-from "$TMP/test.conf"
# with the unit's set fanwatch can leave uid 0 and drop CAP_SYS_ADMIN (without
# CAP_SETUID it would keep both, silently)
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$FWPID/status")
eff=$(awk '/^CapEff:/ { print $2 }' "/proc/$FWPID/status")
[[ $uid != 0 ]] || fail "with the unit's capabilities fanwatch kept uid 0"
(((0x$eff >> 21) & 1)) && fail "with the unit's capabilities fanwatch kept CAP_SYS_ADMIN (CapEff $eff)"
setpriv --reuid 1000 --regid 1000 --clear-groups -- "$WL" create "$W/d/user-file" \
	tryopen "$W/d/a.key" tryopen "$W/d/private.txt" sleep 300 >"$LOG/user.out"
upid=$(sed -n 's/^pid //p' "$LOG/user.out")
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch with the unit's capabilities exited $FWSTATUS: $(cat "$LOG/unit.err")"
grep -qx "tryopen $W/d/a.key EPERM" "$LOG/user.out" || fail "not denied: $(cat "$LOG/user.out")"
grep -qx "tryopen $W/d/private.txt ok" "$LOG/user.out" || fail "private file: $(cat "$LOG/user.out")"
python3 - "$LOG/unit.jsonl" "$W/d/user-file" "$upid" "$(readlink -f "$WL")" <<'PY' || fail "another user's process with the unit's capabilities: $(cat "$LOG/unit.jsonl")"
import json, sys
f, path, pid, exe = sys.argv[1:]
recs = [json.loads(l) for l in open(f)]
ok = [r for r in recs if r.get("path") == path and "create" in r["events"]
      and r.get("pid") == int(pid) and r.get("uid") == 1000 and r.get("exe") == exe
      and r.get("comm") == "fw-workload"]
sys.exit(0 if ok else 1)
PY
expect_json "$LOG/unit.jsonl" --path "$W/d/a.key" --decision deny --pid "$upid"
# with these, fanwatch left uid 0 and kept only what PRIVILEGES names
note "capabilities $caps: named in fanwatch(1), enough for events with process details and denials"
exit 0
