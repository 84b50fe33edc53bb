#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --show: identity fields in text output, as annotations no value can
# close or forge; the same fields in JSON.
#  - a process (uid 1000, the hostile user) in a cgroup v2 group with a
#    hostile name ('x] [deleted', a space, brackets) writes a file:
#    [ppid] [uid] [user] [gid] [cgroup] [mntns] [exe] [attribution] parse
#    back to its values, and JSON has the exact cgroup path;
#  - bad values of --show and --parents are usage errors naming the option.
# About 3 s.
. "${FWT_DIR:?}/lib.sh"

expect_status 2 "--show: unknown field 'bogus'" "$FW" --show uid,bogus "$W"
expect_status 2 "--show: empty field name" "$FW" --show uid, "$W"
expect_status 2 "--parents: '0' is not" "$FW" --parents=0 "$W"
expect_status 2 "--parents: '65' is not an integer between 1 and 64" "$FW" --parents=65 "$W"
note "bad --show and --parents: usage errors"

command -v setpriv >/dev/null || skip "setpriv is not installed"
cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
[[ -n $cg2 ]] || skip "no cgroup v2 mounted"
base=$(sed -n 's/^0:://p' /proc/self/cgroup)
[[ $base == / ]] && base=
name="fanwatch-test-$$ x] [deleted"
cgdir="$cg2$base/$name"
mkdir "$cgdir" 2>/dev/null || skip "cannot create a cgroup in $cg2$base"
trap 'rmdir "$cgdir" 2>/dev/null; cleanup' EXIT
chmod 0777 "$W"
user=$(getent passwd 1000 | cut -d: -f1 || true)

fw_start text --show all -e close_write -o "$LOG/text.out" "$W"
"${FW_CMD[@]}" --json -e close_write -o "$LOG/json.out" "$W" 2>"$LOG/json.err" &
JPID=$!
STARTED+=("$JPID")
for ((i = 0; i < 400; i++)); do grep -q "^fanwatch: watching" "$LOG/json.err" && break; sleep 0.025; done
# the writer: moved into the group, then it drops to uid 1000 and writes
sh -c 'echo $$ >"$1/cgroup.procs" && exec setpriv --reuid 1000 --regid 1000 --clear-groups \
	"$2" wait "$3/go" write "$3/file" x wait "$3/done"' sh "$cgdir" "$WL" "$W" &
wpid=$!
STARTED+=("$wpid")
touch "$W/go"
for ((i = 0; i < 200; i++)); do grep -q "$W/file" "$LOG/text.out" 2>/dev/null && break; sleep 0.025; done
sleep 0.3
touch "$W/done"
wait "$wpid"
fw_stop
kill -INT "$JPID"
wait "$JPID" || fail "the JSON fanwatch exited $?"
python3 "$FWT_DIR/fwtext.py" lines "$LOG/text.out" >/dev/null || fail "text output does not parse"
mntns=$(stat -L -c %i /proc/self/ns/mnt)
# before Linux 5.15 (no pidfds) an identity is read by pid alone: unverified, as documented
if kernel_has 5.15; then export FW_ATTR=verified; else export FW_ATTR=unverified; fi
python3 - "$LOG/text.out" "$W/file" "$wpid" "$base/$name" "$mntns" "$WL" "${user:--}" <<'EOF' ||
import os, re, sys
sys.path.insert(0, __import__("os").environ["FWT_DIR"])
from fwtext import parse, token
out, path, pid, cg, mntns, exe, user = sys.argv[1:]
for line in open(out, "rb").read().split(b"\n")[:-1]:
    rec = parse(line)
    if rec["path"] != path.encode():
        continue
    assert rec["pid"] == pid, rec
    # the annotations after the path: [key value], values by the text rule
    tail = line[line.index(path.encode()) + len(path):]
    got = {}
    i = 0
    while i < len(tail):
        assert tail[i:i + 2] == b" [", tail[i:]
        j = tail.index(b" ", i + 2)
        key = tail[i + 2:j].decode()
        val, k = token(tail, j + 1)
        val = val.rstrip(b"]") if not tail[j + 1:j + 2] == b'"' else val
        if tail[j + 1:j + 2] == b'"':
            assert tail[k:k + 1] == b"]", tail[k:]
            k += 1
        got[key] = val.decode("utf-8", "replace")
        i = k
    want = {"ppid": None, "uid": "1000", "user": user, "gid": "1000", "cgroup": cg,
            "mntns": mntns, "exe": exe, "attribution": os.environ["FW_ATTR"]}
    for k, v in want.items():
        if v is not None and got.get(k) != v:
            sys.exit(f"[{k}] is {got.get(k)!r}, expected {v!r}: {line!r}")
    # the hostile brackets come escaped, the line has exactly these annotations
    assert b"\\x5d \\x5bdeleted" in line, line
    sys.exit(0)
sys.exit("no line for the file")
EOF
	fail "text --show all"
python3 "$FWT_DIR/fwwho.py" fields "$LOG/json.out" --path "$W/file" uid=1000 gid=1000 \
	"cgroup=\"$base/$name\"" "mntns=$mntns" attribution="\"$FW_ATTR\"" || fail "JSON identity fields"
note "--show all: each field parses back, the cgroup's brackets cannot forge an annotation"
exit 0
