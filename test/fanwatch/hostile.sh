#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile filenames (newline, quotes, backslash, control characters, bytes
# that are not UTF-8, 255-byte names, fake columns and fake JSON) come out
# unambiguous: --json stays valid UTF-8 JSON and gives back the exact bytes
# by the documented rule (path_raw); text output never breaks or forges a
# line and decodes back to the exact bytes.
. "${FWT_DIR:?}/lib.sh"

FWX="python3 $FWT_DIR/fwtext.py"
hostile_names 255
: >"$LOG/expect"
for n in "${names[@]}"; do
	printf '%s\0' "$W/$n" >>"$LOG/expect"
done

fw_start json --json -e create "$W"
FWJPID=$FWPID
fw_start text -e create "$W"
FWTPID=$FWPID
args=()
for n in "${names[@]}"; do args+=(create "$W/$n"); done
# the process name is hostile too
run_wl comm $'c\no"m\xff' "${args[@]}" sleep 300
kill -INT "$FWJPID" "$FWTPID"
wait "$FWJPID" || fail "fanwatch --json exited $?"
wait "$FWTPID" || fail "fanwatch (text) exited $?"

J=$LOG/json.out
n=$($FWJ valid "$J")
[[ $n == "${#names[@]}" ]] || fail "$n JSON records for ${#names[@]} files"
for name in "${names[@]}"; do
	$FWJ find "$J" --event create --path "$W/$name" --pid "$WLPID" ||
		fail "JSON did not give back $(printf %q "$name")"
done
# the name of a process still there when its first event is read
$FWJ find "$J" --event create --path "$W/${names[0]}" --comm $'c\no"m\xff' ||
	fail "JSON did not give back the process name"

# invalid bytes were replaced and the raw form given; valid names have no _raw
grep -q '"path_raw":' "$J" || fail "no path_raw for invalid UTF-8"
grep -q '"comm_raw":' "$J" || fail "no comm_raw for an invalid UTF-8 process name"
[[ $(grep -c '"path":"[^"]*spa ce"' "$J") == 1 ]] || fail "a plain name got escaped"
grep 'spa ce' "$J" | grep -q path_raw && fail "path_raw for a valid UTF-8 name"
grep -q '\\u2028' "$J" || fail "U+2028 not escaped in JSON"
note "json: ${#names[@]} hostile names round-trip"

T=$LOG/text.out
lines=$($FWX lines "$T")
[[ $lines == "${#names[@]}" ]] || fail "$lines text lines for ${#names[@]} events"
$FWX check "$T" --event create --expect "$LOG/expect" || fail "text paths do not decode back"
grep -q '^.*"'"$W"'/new\\nline"$' "$T" || fail "newline not shown as \\n in quotes"
grep -q '"'"$W"'/bad\\xffutf8"' "$T" || fail "invalid byte not shown as \\xff"
grep -q '"'"$W"'/bidi\\xe2\\x80\\xaeevil"' "$T" || fail "bidi override not escaped"
grep -qF "$W/été 日本" "$T" || fail "valid UTF-8 (with a space) not kept readable"
note "text: ${#names[@]} lines, all decode back"
exit 0
