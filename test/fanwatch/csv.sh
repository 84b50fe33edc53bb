#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --csv: RFC 4180 (a header line, CRLF, a field quoted exactly when it holds
# a comma, a quote, CR or LF, quotes doubled), always valid UTF-8 (invalid
# bytes as U+FFFD, the exact bytes in base64 in the name's _raw column);
# every hostile name (comma, quote, newline, invalid UTF-8 among them)
# comes back exactly; --format chooses the columns; bad columns are usage
# errors.  Before Linux 5.17 (no FAN_RENAME) the rename is a moved_from
# record (old path; merged by the kernel into the create of the same name
# when that is still queued) and a moved_to record (new path), and
# fanwatch says so.
. "${FWT_DIR:?}/lib.sh"
old=0
kernel_has 5.17 || old=1

FWP="python3 $FWT_DIR/fwpeer.py"
hostile_names 255
names+=('com,ma' 'q"u,o"te' $'crlf\r\nend' '=1+2')

fw_start c --csv -e create,rename "$W"
args=()
for n in "${names[@]}"; do args+=(create "$W/$n"); done
run_wl comm $'c,s"v\xff' "${args[@]}" rename "$W/com,ma" "$W/"$'re\nnamed' sleep 300
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch --csv exited $FWSTATUS"
C=$LOG/c.out

# the header, exactly; CRLF after each record
[[ $(head -1 "$C") == $'time,events,pid,comm,comm_raw,path,path_raw,new_path,new_path_raw,flags\r' ]] ||
	fail "header: $(head -1 "$C" | od -c | head -3)"
# parsed back by Python's csv module (and written back the same), names recovered by the _raw rule
$FWP csv "$C" >"$LOG/c.json" || fail "not RFC 4180: $(head -c 600 "$C" | od -c | head)"
python3 - "$LOG/c.json" "$W" "$WLPID" "$old" "${names[@]}" <<'PY' || fail "CSV records"
import json, os, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
w, pid, old = os.fsencode(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
names = [os.fsencode(n) for n in sys.argv[5:]]
creates = [r for r in recs if r["events"] in ("create", "create,moved_from")]
assert [bytes(r["path"]) for r in creates] == [w + b"/" + n for n in names], \
    [bytes(r["path"]) for r in creates]
for r in creates:
    assert r["pid"] == pid and bytes(r["comm"]) == b'c,s"v\xff', r
    assert r["new_path"] == [] and r["flags"] == "", r
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}[+-]\d\d:\d\d", r["time"]), r
    assert r["events"] == "create" or (old and bytes(r["path"]) == w + b"/com,ma"), r
if not old:
    ren = [r for r in recs if r["events"] == "rename"]
    assert len(ren) == 1 and bytes(ren[0]["path"]) == w + b"/com,ma", ren
    assert bytes(ren[0]["new_path"]) == w + b"/re\nnamed", ren
    assert len(recs) == len(names) + 1, len(recs)
else:
    # the old path: merged into its create, or a record of its own
    merged = any(r["events"] == "create,moved_from" for r in creates)
    mf = [r for r in recs if r["events"] == "moved_from"]
    assert len(mf) == (0 if merged else 1), mf
    assert all(bytes(r["path"]) == w + b"/com,ma" and r["new_path"] == [] for r in mf), mf
    mt = [r for r in recs if r["events"] == "moved_to"]
    assert len(mt) == 1 and bytes(mt[0]["path"]) == w + b"/re\nnamed" and mt[0]["new_path"] == [], mt
    assert mt[0]["pid"] == pid, mt
    assert len(recs) == len(names) + 1 + len(mf), len(recs)
PY
if ((old)); then
	grep -q "has no rename event (Linux 5.17): a rename is reported as moved_from with the old path and moved_to with the new one" \
		"$LOG/c.err" || fail "no note on renames: $(cat "$LOG/c.err")"
fi
# some rows written out: quoting exactly where needed, U+FFFD and base64 for bad bytes
raw() { printf '%s' "$1" | base64 -w0; }
comm='"c,s""v'$'\xef\xbf\xbd''"'
commraw=$(raw $'c,s"v\xff')
grep -qaF ",create,$WLPID,$comm,$commraw,\"$W/com,ma\",,,," "$C" ||
	{ ((old)) && grep -qaF ",\"create,moved_from\",$WLPID,$comm,$commraw,\"$W/com,ma\",,,," "$C"; } ||
	fail "comma name row"
grep -qaF ",create,$WLPID,$comm,$commraw,\"$W/q\"\"u,o\"\"te\",,,," "$C" || fail "quote name row"
grep -qaF ",create,$WLPID,$comm,$commraw,$W/spa ce,,,," "$C" || fail "a space needs no quotes"
grep -qaF ",create,$WLPID,$comm,$commraw,$W/bad"$'\xef\xbf\xbd'"utf8,$(raw "$W/bad"$'\xff'utf8),,," "$C" ||
	fail "invalid UTF-8 row"
grep -qaF ",\"rename\",$WLPID," "$C" && fail "a lone event name quoted"
grep -qaF "\"$W/new"$'\n'"line\"" "$C" || fail "newline name not quoted"
note "--csv: ${#names[@]} hostile names round-trip, header, quoting"

# --format: the columns; merged events (fanwatch stopped meanwhile) quoted
fw_start cols --csv --format '%{pid},%e,%f,%{ino},%{dev},%:e,%"e' -e create,open,close_write "$W"
freeze "$FWPID"
run_wl create "$W/m,1"
kill -CONT "$FWPID"
fw_stop
ino=$(stat -c %i "$W/m,1") dev=$(stat -c '%Hd:%Ld' "$W/m,1")
# one record where the create carries the file's own handle too (FAN_REPORT_TARGET_FID,
# Linux 5.17: the three events have the same records and merge), else two
printf '%s\r\n' "pid,events,name,name_raw,ino,dev,events,events" \
	"$WLPID,\"create,open,close_write\",\"m,1\",,$ino,$dev,create:open:close_write,\"create\"\"open\"\"close_write\"" \
	>"$LOG/cols.want"
printf '%s\r\n' "pid,events,name,name_raw,ino,dev,events,events" \
	"$WLPID,create,\"m,1\",,,$dev,create,create" \
	"$WLPID,\"open,close_write\",\"m,1\",,$ino,$dev,open:close_write,\"open\"\"close_write\"" >"$LOG/cols.want2"
cmp -s "$LOG/cols.want" "$LOG/cols.out" || cmp -s "$LOG/cols.want2" "$LOG/cols.out" ||
	{ diff "$LOG/cols.want" "$LOG/cols.out" >&2; fail "--csv --format"; }
note "--csv --format: the columns chosen"

# a header on top of each file: not in the middle of one appended to, again after rotation
# (a root fanwatch runs as nobody by then: the directory is nobody's, as a log directory would be)
L=$TMP/logs
mkdir "$L"
chown 65534 "$L"
fw_start rot --csv --format '%e,%f' -e create -o "$L/rot.csv" "$W"
run_wl create "$W/r1"
for ((i = 0; i < 500; i++)); do grep -q r1 "$L/rot.csv" && break; sleep 0.01; done
mv "$L/rot.csv" "$L/rot.csv.1"
kill -HUP "$FWPID"
for ((i = 0; i < 200; i++)); do [[ -e $L/rot.csv ]] && break; sleep 0.02; done
run_wl create "$W/r2"
fw_stop
[[ $(cat "$L/rot.csv.1") == $'events,name,name_raw\r\ncreate,r1,\r' ]] ||
	fail "rotated: $(cat -A "$L/rot.csv.1" "$LOG/rot.err")"
[[ $(cat "$L/rot.csv") == $'events,name,name_raw\r\ncreate,r2,\r' ]] ||
	fail "after SIGHUP: $(cat -A "$L/rot.csv")"
fw_start app1 --csv --format '%e,%f' -e create -o "$TMP/app.csv" "$W"
run_wl create "$W/a1"
fw_stop
fw_start app2 --csv --format '%e,%f' -e create -o "$TMP/app.csv" --append "$W"
run_wl create "$W/a2"
fw_stop
[[ $(cat "$TMP/app.csv") == $'events,name,name_raw\r\ncreate,a1,\r\ncreate,a2,\r' ]] ||
	fail "--append: $(cat -A "$TMP/app.csv")"
note "the header: on top of each new file, never appended"

u() { expect_status 2 "$@"; }
u "--format with --csv: placeholders separated by commas only" "$FW" --csv --format '%p %e' "$W"
u "--format with --csv: placeholders separated by commas only" "$FW" --csv --format '%p,' "$W"
u "--format with --csv: placeholders separated by commas only" "$FW" --csv --format 'x,%p' "$W"
u "--csv and --json exclude each other" "$FW" --csv --json "$W"
u "--csv and -0 exclude each other" "$FW" --csv -0 "$W"
u "--raw and --csv exclude each other" "$FW" --csv --raw --format %p "$W"
u "--csv and --count exclude each other" "$FW" --csv -c "$W"
u "--no-newline and --csv exclude each other" "$FW" --csv --format %p --no-newline "$W"
u "--csv and --syslog exclude each other" "$FW" --csv --syslog "$W"
u "--format and --journal exclude each other" "$FW" --format %p --journal "$W"
note "usage errors: ok"
exit 0
