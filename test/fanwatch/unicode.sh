#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Text output and fanwatch's messages escape every code point that is a
# format character (Cf), a bidi control, default-ignorable, a line or
# paragraph separator or a space other than U+0020: the table
# (tools/fanwatch/unisafe.c) equals what scripts/gen-unicode-unsafe.py
# derives from the Unicode data here, and a file named with one of each
# class comes out with its bytes as \xHH escapes, in a path and in a
# message.  Ordinary non-ASCII letters stay as they are.
. "${FWT_DIR:?}/lib.sh"

SRC=$(cd "$FWT_DIR/../.." && pwd)
python3 "$SRC/scripts/gen-unicode-unsafe.py" --check "$SRC/tools/fanwatch/unisafe.c" >"$LOG/gen.out" ||
	fail "the table is out of date: $(cat "$LOG/gen.out")"
note "$(cat "$LOG/gen.out")"

# one of each class (the issue's examples first): name, and its escaped form
python3 - "$W" >"$LOG/names" <<'PY'
import os, sys
cps = [0x061C, 0x2060, 0x3164, 0x00AD, 0xE0001, 0xE0041, 0xE007F, 0x200B, 0x200E, 0x202E,
       0x2066, 0xFEFF, 0x034F, 0xFE0F, 0x115F, 0x180E, 0x2028, 0x00A0, 0x3000, 0xFFF9,
       0x1D173, 0xE0100]
for cp in cps:
    raw = chr(cp).encode()
    name = b"x" + raw + b"y-%04X" % cp
    open(os.path.join(os.fsencode(sys.argv[1]), name), "w").close()
    print("%04X %s" % (cp, "".join("\\x%02x" % c for c in raw)))
PY
touch "$W/été-ok"
args=()
for f in "$W"/x*y-* "$W/été-ok"; do args+=(read "$f"); done
fw_start u "$W"
run_wl "${args[@]}"
fw_stop
n=0
while read -r cp esc; do
	grep -qF "\"$W/x${esc}y-$cp\"" "$LOG/u.out" || fail "U+$cp not escaped: $(grep -a -- "-$cp" "$LOG/u.out" | head -1)"
	n=$((n + 1))
done <"$LOG/names"
python3 - "$LOG/u.out" <<'PY' || fail "a code point appears raw in the output"
import sys
data = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
bad = [c for c in data if 0x80 <= ord(c) and c not in "ét\u00e9"]
sys.exit(1 if any(c != "é" for c in bad) else 0)
PY
grep -qF " $W/été-ok" "$LOG/u.out" || fail "é was escaped or quoted: $(grep -a été "$LOG/u.out")"
[[ $n == 22 ]] || fail "$n names checked"
note "text output: $n code points of every class escaped, letters kept"

# messages: a path in an error
ch=$(python3 -c "import sys; sys.stdout.write(chr(0x061C) + chr(0xE0041))")
expect_status 1 'cannot open output file .*/nodir\\xd8\\x9c\\xf3\\xa0\\x81\\x81/out' "$FW" -o "$TMP/nodir$ch/out" "$W"
grep -qF -- "$ch" "$LOG/cmd.err" && fail "message carries the raw code points"
note "messages: escaped"
exit 0
