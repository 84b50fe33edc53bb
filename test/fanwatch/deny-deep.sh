#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Permission mode fails closed on files whose path is longer than the
# kernel prints through /proc/self/fd (a page): a matching file 4,800
# bytes deep is denied (it used to be allowed: "0 denied"), by a name rule
# and by a rule with '/', and reported with its whole path; a file there
# that matches no rule opens.  A name the path cannot be read back for sure
# (a newline in it) leaves the rules undecidable: denied by default,
# allowed with --undecidable allow, counted in the summary either way and
# the denial reported as such.
. "${FWT_DIR:?}/lib.sh"

# 20 directories of 239 bytes: 4,800 bytes below $W
D=$(python3 - "$W" <<'PY'
import os, sys
os.chdir(sys.argv[1])
rel = []
for i in range(20):
    n = "d%02d" % i + "x" * 236
    os.mkdir(n)
    os.chdir(n)
    rel.append(n)
for name, text in (("secret.key", "s"), ("ok.txt", "o"), ("new\nline.txt", "n")):
    with open(name, "w") as f:
        f.write(text)
print("/".join(rel))
PY
)
[[ ${#D} -gt 4700 ]] || fail "setup: ${#D} bytes"

# tryopen REL...: open each name in the deep directory, "NAME ok|ERRNO" lines
tryopen() {
	python3 - "$W/${D%%/*}" "${D#*/}" "$@" <<'PY'
import errno, os, sys
os.chdir(sys.argv[1])
for part in sys.argv[2].split("/"):
    os.chdir(part)
for name in sys.argv[3:]:
    try:
        os.close(os.open(name, os.O_RDONLY))
        r = "ok"
    except OSError as e:
        r = errno.errorcode[e.errno]
    print(name.replace("\n", "\\n"), r)
print("pid", os.getpid())
PY
}

fw_start deep --json --deny '*.key' "$W"
tryopen secret.key ok.txt >"$LOG/try1"
fw_stop
grep -qx "secret.key EPERM" "$LOG/try1" || fail "deep secret.key: $(cat "$LOG/try1"); $(tail -1 "$LOG/deep.err")"
grep -qx "ok.txt ok" "$LOG/try1" || fail "deep ok.txt: $(cat "$LOG/try1")"
P=$(sed -n 's/^pid //p' "$LOG/try1")
expect_json "$LOG/deep.out" --path "$W/$D/secret.key" --decision deny --pid "$P"
grep -Eq ', 1 denied$' "$LOG/deep.err" || fail "summary: $(tail -1 "$LOG/deep.err")"
note "4,800 bytes deep, name rule: denied and reported with the whole path"

fw_start deepslash --json --deny "$W/${D%%/*}/*/secret.*" "$W"
tryopen secret.key ok.txt >"$LOG/try2"
fw_stop
grep -qx "secret.key EPERM" "$LOG/try2" || fail "deep, rule with '/': $(cat "$LOG/try2")"
grep -qx "ok.txt ok" "$LOG/try2" || fail "deep ok.txt, rule with '/': $(cat "$LOG/try2")"
note "4,800 bytes deep, rule with '/': denied"

# a newline in the name: /proc/PID/maps prints it as "\012", which a name may also hold
fw_start undec --json --deny '*.key' "$W"
tryopen $'new\nline.txt' ok.txt >"$LOG/try3"
fw_stop
grep -qx 'new\\nline.txt EPERM' "$LOG/try3" || fail "undecidable, default: $(cat "$LOG/try3")"
grep -qx "ok.txt ok" "$LOG/try3" || fail "ok.txt next to it: $(cat "$LOG/try3")"
grep -q ', 1 undecidable (denied)' "$LOG/undec.err" || fail "summary: $(tail -1 "$LOG/undec.err")"
grep -q 'cannot be decided, so it was denied (--undecidable deny)' "$LOG/undec.err" ||
	fail "no warning: $(cat "$LOG/undec.err")"
$FWJ find "$LOG/undec.out" --decision deny --reason undecidable --partial >/dev/null ||
	fail "no undecidable denial reported: $(cat "$LOG/undec.out")"
fw_start undec2 --json --deny '*.key' --undecidable allow "$W"
tryopen $'new\nline.txt' >"$LOG/try4"
fw_stop
grep -qx 'new\\nline.txt ok' "$LOG/try4" || fail "--undecidable allow: $(cat "$LOG/try4")"
grep -q ', 1 undecidable (allowed)' "$LOG/undec2.err" || fail "summary: $(tail -1 "$LOG/undec2.err")"
note "undecidable: denied by default, allowed with --undecidable allow, counted"
exit 0
