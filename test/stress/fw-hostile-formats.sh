#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile filenames in the output formats test/fanwatch/hostile.sh does not
# cover: the --count summary in text and in JSON, denied records (--deny)
# in text and JSON, and renames whose old and new names are both hostile.
# Each comes out unambiguous: the text decodes back (fwtext.py's rule) to
# the exact bytes, the JSON is valid UTF-8 and gives the exact bytes by the
# path_raw / new_path_raw / comm_raw rule; the process name is hostile too.
. "${FWT_DIR:?}/lib.sh"

hostile_names 250
COMM=$'c\no"m\xff'
: >"$LOG/created"
: >"$LOG/denied"
: >"$LOG/renamed"
for n in "${names[@]}"; do
	printf '%s\0' "$W/$n" >>"$LOG/created"
	printf '%s\0' "$W/${n}deny" >>"$LOG/denied"
	printf '%s\0%s\0' "$W/$n" "$W/${n}.mv" >>"$LOG/renamed"
	printf x >"$W/${n}deny"	# before --deny: it would refuse to create them
done

args=()
for n in "${names[@]}"; do args+=(create "$W/$n" tryopen "$W/${n}deny" rename "$W/$n" "$W/${n}.mv"); done
# hostile_run NAME...: the workload under the fanwatch instances started (FWPIDS)
hostile_run() {
	run_wl comm "$COMM" "${args[@]}" sleep 300
	[[ $(grep -c ' EPERM$' "$LOG/wl.out") == "${#names[@]}" ]] ||
		fail "not every open was denied: $(cat "$LOG/wl.out")"
	kill -INT "${FWPIDS[@]}"
	for p in "${FWPIDS[@]}"; do wait "$p" || fail "fanwatch $p exited $?"; done
	rm -f "$W"/*.mv
}
# The kernel asks permission groups one after the other and stops at the
# first deny: one --deny listener at a time.
fw_start ct --count --top 1000 -e create,rename "$W"
FWPIDS=("$FWPID")
fw_start cj --count --json --top 1000 -e create,rename "$W"
FWPIDS+=("$FWPID")
fw_start dt --deny '*deny' -e rename "$W"
FWPIDS+=("$FWPID")
hostile_run
P1=$WLPID
fw_start dj --json --deny '*deny' -e rename "$W"
FWPIDS=("$FWPID")
hostile_run
[[ $WLPID == "$P1" ]] && fail "the same pid twice"

python3 - "$FWT_DIR" "$LOG" "$W" "$P1" "$WLPID" "$COMM" <<'PY' || fail "hostile names did not round-trip (above)"
import base64, json, os, re, sys
sys.path.insert(0, sys.argv[1])
import fwtext
log, w, pid, pid2, comm = (sys.argv[2], os.fsencode(sys.argv[3]), sys.argv[4], sys.argv[5],
                            os.fsencode(sys.argv[6]))

def nul_list(name):
    return [p for p in open(f"{log}/{name}", "rb").read().split(b"\0") if p]

created, denied, renamed = nul_list("created"), nul_list("denied"), nul_list("renamed")
pairs = list(zip(renamed[0::2], renamed[1::2]))

def raw(obj, key):
    if obj.get(key) is None:
        return None
    if key + "_raw" in obj:
        return base64.b64decode(obj[key + "_raw"], validate=True)
    return obj[key].encode("utf-8")

def jload(path):
    out = []
    for n, line in enumerate(open(path, "rb"), 1):
        out.append(json.loads(line.decode("utf-8", "strict")))
    return out

def check(cond, what):
    if not cond:
        sys.exit(f"FAIL: {what}")

# --count, JSON: every created and renamed path, exactly; the process name
s = [r for r in jload(f"{log}/cj.out") if r.get("summary")]
check(len(s) == 1, "one JSON summary")
got = {raw(p, "path") for p in s[0]["paths"]}
check(set(created) <= got, f"JSON summary lacks {sorted(set(created) - got)[:3]}")
check(any(raw(p, "comm") == comm and p["pid"] == int(pid) for p in s[0]["processes"]),
      f"JSON summary process: {s[0]['processes']}")

# --count, text: the paths and processes sections decode back
sect, tpaths, tcomm = None, set(), set()
for line in open(f"{log}/ct.out", "rb").read().split(b"\n")[:-1]:
    m = re.match(rb"^(events|paths|processes) \(", line)
    if m:
        sect = m.group(1)
        continue
    m = re.match(rb"^ +(\d+)  +", line)
    check(m, f"text summary line does not parse: {line!r}")
    rest = line[m.end():]
    if sect == b"paths":
        tok, i = fwtext.token(rest, 0)
        check(i == len(rest), f"text summary path has a tail: {line!r}")
        tpaths.add(tok)
    elif sect == b"processes":
        m2 = re.match(rb"^(\d+) ", rest)
        check(m2, f"text summary process line: {line!r}")
        tok, i = fwtext.token(rest, m2.end())
        check(i == len(rest), f"text summary comm has a tail: {line!r}")
        tcomm.add((m2.group(1).decode(), tok))
check(set(created) <= tpaths, f"text summary lacks {sorted(set(created) - tpaths)[:3]}")
check((pid, comm) in tcomm, f"text summary processes: {tcomm}")

# --deny, JSON: one denied record per file, exact path, hostile comm; renames exact
recs = jload(f"{log}/dj.out")
dpaths = [raw(r, "path") for r in recs if r.get("decision") == "deny"]
check(sorted(dpaths) == sorted(denied), f"JSON denied paths: missing {sorted(set(denied) - set(dpaths))[:3]}")
check(all(raw(r, "comm") == comm and r["pid"] == int(pid2) for r in recs
          if r.get("decision") == "deny"), "JSON denied comm and pid")
ren = {(raw(r, "path"), raw(r, "new_path")) for r in recs if "rename" in r.get("events", [])}
check(set(pairs) <= ren, f"JSON renames lack {sorted(set(pairs) - ren)[:3]}")

# --deny, text: every line parses; [denied] paths and renames decode back
trecs = fwtext.load(f"{log}/dt.out")
lines = open(f"{log}/dt.out", "rb").read().split(b"\n")[:-1]
tden = [r["path"] for r, l in zip(trecs, lines) if l.endswith(b" [denied]")]
check(sorted(tden) == sorted(denied), f"text denied paths: missing {sorted(set(denied) - set(tden))[:3]}")
tren = {(r["path"], r["new_path"]) for r in trecs if "rename" in r["events"]}
check(set(pairs) <= tren, f"text renames lack {sorted(set(pairs) - tren)[:3]}")
check(all(r["comm"] == comm for r in trecs), "text comm")
print(f"# {len(created)} hostile names: --count text and JSON, denied and renamed in text and JSON: exact")
PY
exit 0
