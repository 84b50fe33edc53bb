#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --format: every placeholder, inotifywait's and fswatch's letters, names
# quoted as in text output (names written next to each other as one token),
# --raw, --no-newline, -0 (NUL after each record, names as they are), C
# escapes, %Xe; --timefmt with %N, --utc; the exact lines for hostile names
# (a comma, a quote, a newline, invalid UTF-8 among them); bad formats are
# usage errors.  Before Linux 5.17 (no FAN_RENAME) the rename is a
# moved_from line (old path; merged by the kernel into the create of the
# same name when that is still queued) and a moved_to line (new path).
. "${FWT_DIR:?}/lib.sh"

FWP="python3 $FWT_DIR/fwpeer.py"
hostile_names 40
names+=('com,ma' 'q"u,o"te' '%e %p')

# ---- names: quoted as in text output, %w%f as one token ----
fw_start fmt --format '%e %{pid} %{comm} %p|%w%f|%w|%f|%{new_path}' -e create,rename "$W"
args=()
for n in "${names[@]}"; do args+=(create "$W/$n"); done
run_wl comm $'f\tmt' "${args[@]}" rename "$W/com,ma" "$W/x y" sleep 300
fw_stop
[[ $FWSTATUS == 0 ]] || fail "fanwatch --format exited $FWSTATUS"
# the expected tokens, by the rule of fanwatch(1) (fwpeer.py), in one go
args=($'f\tmt' "$W/x y")
for n in "${names[@]}"; do args+=("$W/$n" "$n"); done
mapfile -t q < <($FWP tq "${args[@]}")
[[ ${#q[@]} == ${#args[@]} ]] || fail "fwpeer.py tq: ${#q[@]} tokens for ${#args[@]} names"
: >"$LOG/fmt.want"
for ((i = 2; i < ${#q[@]}; i += 2)); do
	printf '%s\n' "create $WLPID ${q[0]} ${q[i]}|${q[i]}|$W/|${q[i + 1]}|-" >>"$LOG/fmt.want"
done
if kernel_has 5.17; then
	printf '%s\n' "rename $WLPID ${q[0]} $W/com,ma|$W/com,ma|$W/|com,ma|${q[1]}" >>"$LOG/fmt.want"
	cmp "$LOG/fmt.want" "$LOG/fmt.out" || { diff "$LOG/fmt.want" "$LOG/fmt.out" >&2; fail "--format lines"; }
else
	xy=$($FWP tq "x y")
	moved_to="moved_to $WLPID ${q[0]} ${q[1]}|${q[1]}|$W/|$xy|-"
	comma="$WLPID ${q[0]} $W/com,ma|$W/com,ma|$W/|com,ma|-"
	# the create still queued at the move: one line; else its own
	while IFS= read -r l; do
		[[ $l == "create $comma" ]] && l="create,moved_from $comma"
		printf '%s\n' "$l"
	done <"$LOG/fmt.want" >"$LOG/fmt.want2"
	printf '%s\n' "$moved_to" >>"$LOG/fmt.want2"
	printf '%s\n' "moved_from $comma" "$moved_to" >>"$LOG/fmt.want"
	cmp -s "$LOG/fmt.want2" "$LOG/fmt.out" || cmp "$LOG/fmt.want" "$LOG/fmt.out" ||
		{ diff "$LOG/fmt.want2" "$LOG/fmt.out" >&2; fail "--format lines (Linux $(kernel_release))"; }
	grep -q "has no rename event (Linux 5.17)" "$LOG/fmt.err" || fail "no note on renames: $(cat "$LOG/fmt.err")"
fi
# spot checks of the rule itself, written out
grep -qxF "create $WLPID \"f\\tmt\" \"$W/new\\nline\"|\"$W/new\\nline\"|$W/|\"new\\nline\"|-" "$LOG/fmt.out" ||
	fail "newline name"
grep -qxF "create $WLPID \"f\\tmt\" \"$W/bad\\xffutf8\"|\"$W/bad\\xffutf8\"|$W/|\"bad\\xffutf8\"|-" "$LOG/fmt.out" ||
	fail "invalid UTF-8 name"
grep -qxF "create $WLPID \"f\\tmt\" \"$W/dq\\\"uote\"|\"$W/dq\\\"uote\"|$W/|\"dq\\\"uote\"|-" "$LOG/fmt.out" ||
	fail "quote name"
grep -qxF "create $WLPID \"f\\tmt\" $W/com,ma|$W/com,ma|$W/|com,ma|-" "$LOG/fmt.out" ||
	grep -qxF "create,moved_from $WLPID \"f\\tmt\" $W/com,ma|$W/com,ma|$W/|com,ma|-" "$LOG/fmt.out" ||
	fail "comma name"
note "--format: ${#names[@]} hostile names, exact lines"

# ---- --raw and -0: the bytes as they are ----
mkdir "$W/r"
fw_start raw --raw --format '%f' -e create "$W"
FR=$FWPID
fw_start nul -0 -e create "$W"
FN=$FWPID
fw_start nulfmt -0 --format '%e:%f' -e create "$W"
FF=$FWPID
run_wl create "$W/r/"$'new\nline' create "$W/r/"$'bad\xff' create "$W/r/plain"
kill -INT "$FR" "$FN" "$FF"
wait "$FR" "$FN" "$FF" || fail "-0 or --raw: exit $?"
printf '%s\n' $'new\nline' $'bad\xff' plain >"$LOG/raw.want"
cmp "$LOG/raw.want" "$LOG/raw.out" || fail "--raw: $(od -c "$LOG/raw.out" | head)"
printf '%s\0' "$W/r/"$'new\nline' "$W/r/"$'bad\xff' "$W/r/plain" >"$LOG/nul.want"
cmp "$LOG/nul.want" "$LOG/nul.out" || fail "-0: $(od -c "$LOG/nul.out" | head)"
printf '%s\0' "create:"$'new\nline' "create:"$'bad\xff' create:plain >"$LOG/nulfmt.want"
cmp "$LOG/nulfmt.want" "$LOG/nulfmt.out" || fail "-0 --format: $(od -c "$LOG/nulfmt.out" | head)"
# what -0 is for
mapfile -d '' got <"$LOG/nul.out"
[[ ${#got[@]} == 3 && ${got[0]} == "$W/r/"$'new\nline' ]] || fail "-0 does not split back"
note "--raw, -0: exact bytes"

# ---- escapes, %Xe, %%, %0, %n, --no-newline; merged events (fanwatch stopped meanwhile) ----
fw_start esc --format '\t%:e%%%|e\\%n%e%0|\x41\e' -e create,open,close_write "$W"
freeze "$FWPID"
run_wl create "$W/m"
kill -CONT "$FWPID"
fw_stop
fw_start nonl --no-newline --format '<%e>' -e create "$W"
run_wl create "$W/m2"
fw_stop
# one record where the create carries the file's own handle too (FAN_REPORT_TARGET_FID,
# Linux 5.17: the three events have the same records and merge), else two
printf '\tcreate:open:close_write%%create|open|close_write\\\ncreate,open,close_write\0|A\033\n' \
	>"$LOG/esc.want"
printf '\tcreate%%create\\\ncreate\0|A\033\n\topen:close_write%%open|close_write\\\nopen,close_write\0|A\033\n' >"$LOG/esc.want2"
cmp -s "$LOG/esc.want" "$LOG/esc.out" || cmp "$LOG/esc.want2" "$LOG/esc.out" ||
	fail "escapes: $(od -c "$LOG/esc.out" | head -20)"
[[ $(cat "$LOG/nonl.out") == "<create>" ]] || fail "--no-newline: $(od -c "$LOG/nonl.out")"
note "escapes, %Xe, %%, %0, %n, --no-newline: ok"

# ---- every other placeholder ----
fw_start all --format '%{pid}|%{ppid}|%{uid}|%{comm}|%{exe}|%{flags}|%{mount_id}|%{error}|%{dev}|%{ino}|%t' \
	-e create,open "$W"
mkdir "$W/dd"
run_wl comm every read "$W/m" sleep 300
fw_stop
line=$(grep -v '|dir|' "$LOG/all.out" | head -1)
want="$WLPID|$$|0|every|$WL|-|-|-|$(stat -c '%Hd:%Ld' "$W/m")|$(stat -c %i "$W/m")|"
[[ $line == "$want"* ]] || fail "placeholders: '$line', want '$want...'"
[[ ${line##*|} =~ ^[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}$ ]] || fail "%t: ${line##*|}"
grep -q "|dir|" "$LOG/all.out" || fail "%{flags} of a directory: $(cat "$LOG/all.out")"
note "pid ppid uid comm exe flags dev ino time: ok"

# ---- the identity fields, as JSON has them, of a process alive when read ----
fw_start idf --format '%{pid}|%{user}|%{gid}|%{cgroup}|%{mntns}|%{attribution}' -e create "$W"
FI=$FWPID
fw_start idj --json -e create "$W"
"$WL" create "$W/live" sleep 3000 >"$LOG/live.out" &
LIVE=$!
for ((i = 0; i < 200; i++)); do
	[[ -s $LOG/idf.out && -s $LOG/idj.out ]] && break
	sleep 0.05
done
mntns=$(stat -L -c %i "/proc/$LIVE/ns/mnt")
kill "$LIVE"
wait "$LIVE" 2>/dev/null || true
kill -INT "$FI"
wait "$FI"
fw_stop
want=$(python3 - "$LOG/idj.out" "$LIVE" <<'PY'
import json, sys
r = [x for x in map(json.loads, open(sys.argv[1])) if x.get("pid") == int(sys.argv[2])][0]
d = lambda v: "-" if v is None else str(v)
print("|".join([d(r["pid"]), d(r["user"]), d(r["gid"]), d(r["cgroup"]), d(r["mntns"]),
                r["attribution"]]))
PY
)
line=$(grep "^$LIVE|" "$LOG/idf.out" | head -1)
[[ $line == "$want" ]] || fail "identity fields: '$line', JSON has '$want'"
IFS='|' read -r _ user gid cg ns attr <<<"$line"
[[ $user == root && $gid == 0 && $ns == "$mntns" && $cg == /* ]] ||
	fail "identity fields of a living root process: '$line' (its mntns $mntns)"
note "user gid cgroup mntns attribution ($attr): ok"

# ---- time: --timefmt with %N, --utc, %{iso}, %{epoch}; text output too ----
before=$(date +%s)
# in another time zone: --utc must not depend on it, %s neither
TZ=Asia/Tokyo fw_start t1 --format '%T|%{iso}|%{epoch}' --timefmt '%Y-%m-%d %H|%s.%3N|%%N|%6N' \
	--utc -e create "$W"
FT=$FWPID
TZ=Asia/Tokyo fw_start t2 --timefmt '%H:%M' --utc -e create "$W"
run_wl create "$W/t"
kill -INT "$FT"
wait "$FT"
fw_stop
after=$(date +%s)
IFS='|' read -r day s pct us iso epoch <"$LOG/t1.out"
[[ $day == "$(date -u +'%Y-%m-%d %H')" || $day == "$(date -u -d @"$before" +'%Y-%m-%d %H')" ]] ||
	fail "--utc --timefmt: '$day'"
[[ $s =~ ^[0-9]+\.[0-9]{3}$ && ${s%.*} -ge $before && ${s%.*} -le $after ]] || fail "%s.%3N: $s"
[[ $pct == '%N' && $us =~ ^[0-9]{6}$ && $us == "${us:0:3}"* ]] || fail "%%N and %6N: $pct $us"
[[ ${us:0:3} == "${s#*.}" ]] || fail "%3N and %6N disagree: $s $us"
[[ $iso =~ ^[0-9-]{10}T[0-9:]{8}\.[0-9]{6}\+00:00$ ]] || fail "--utc %{iso}: $iso"
[[ $epoch =~ ^[0-9]+\.[0-9]{6}$ && ${epoch%.*} == "${s%.*}" ]] || fail "%{epoch}: $epoch"
h=$(cut -c1-2 "$LOG/t2.out")
[[ $h == "$(date -u +%H)" || $h == "$(date -u -d @"$before" +%H)" ]] || fail "text --timefmt --utc: $(cat "$LOG/t2.out")"
grep -Eq "^[0-9]{2}:[0-9]{2} create +[0-9]+ " "$LOG/t2.out" || fail "text output's time column: $(cat "$LOG/t2.out")"
note "--timefmt, %N, --utc: ok"

# ---- usage errors: exit 2, one line saying what ----
u() { expect_status 2 "$@"; }
u "unknown placeholder '%q' in 'a%q'" "$FW" --format 'a%q' "$W"
u "unknown placeholder '%\{bogus\}'" "$FW" --format '%{bogus}' "$W"
u "unterminated placeholder" "$FW" --format '%{path' "$W"
u "a lone '%'" "$FW" --format 'x%' "$W"
u "%c \(inotify's move cookie\) has no fanotify equivalent" "$FW" --format '%w%f %c' "$W"
u "unknown escape '\\\\q'" "$FW" --format 'x\q' "$W"
u "empty format" "$FW" --format '' "$W"
u "--format and --json exclude each other" "$FW" --format %p --json "$W"
u "--format and --count exclude each other" "$FW" --format %p -c "$W"
u "-0 and --json exclude each other" "$FW" -0 --json "$W"
u "--raw needs --format" "$FW" --raw "$W"
u "--no-newline needs --format" "$FW" --no-newline "$W"
u "--no-newline and -0 exclude each other" "$FW" -0 --no-newline --format %p "$W"
u "--timefmt does not apply to --json" "$FW" --timefmt %s --json "$W"
u "--timefmt: '' cannot be used: it is empty" "$FW" --timefmt '' "$W"
for a in "a%q" "%{x}" "x\\q"; do
	"$FW" --format "$a" "$W" 2>"$LOG/one.err" && fail "--format $a accepted"
	[[ $(grep -c . "$LOG/one.err") == 2 && $(grep -c '^fanwatch: --format' "$LOG/one.err") == 1 ]] ||
		fail "--format $a: not one line and the hint: $(cat "$LOG/one.err")"
done
note "usage errors: ok"
exit 0
