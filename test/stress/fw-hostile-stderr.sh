#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile names in fanwatch's messages on stderr.  Scripts wait for the
# line "fanwatch: watching ..." there (fanwatch(1), EXAMPLES) and read the
# summary line; a filename must not be able to forge either.  Three
# messages carry a path: a PATH that cannot be watched (usage error), a
# directory too deep to descend into (met while walking the tree, before
# the startup line: the name is anyone's who can write in the tree), and a
# watched directory that was deleted.  Each must stay on its line, the name
# escaped as in text output.
. "${FWT_DIR:?}/lib.sh"

FORGED_START='fanwatch: watching 1 path (1 directory) for create; pid 1'
FORGED_SUM='fanwatch: 0 events seen, 0 reported, 0 filtered, 0 overflows'

# stderr of a run: only fanwatch's own lines start with "fanwatch: "; count them.
starts() { grep -c '^fanwatch: watching' "$1" || true; }

# 1. a PATH that does not exist, with a forged startup line in its name
st=0
"$FW" -t 1 "$W/x"$'\n'"$FORGED_START" >/dev/null 2>"$LOG/path.err" || st=$?
[[ $st == 2 ]] || fail "missing PATH: exit $st"
[[ $(starts "$LOG/path.err") == 0 ]] ||
	fail "a PATH named like the startup line forged it: $(cat -A "$LOG/path.err")"
note "missing PATH with a newline in its name: one line"

# 2. a directory more than 2048 levels deep whose name holds a newline
python3 - "$W/deep" "$FORGED_START" <<'PY'
import os, sys
os.mkdir(sys.argv[1])
fd = os.open(sys.argv[1], os.O_RDONLY)
for i in range(2048):
    name = "d" if i < 2047 else "x\n" + sys.argv[2]
    os.mkdir(name, dir_fd=fd)
    nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
    os.close(fd)
    fd = nfd
os.mkdir("below", dir_fd=fd)
PY
fw_start deep -e create "$W/deep"
fw_stop
[[ $(starts "$LOG/deep.err") == 1 ]] ||
	fail "a directory name forged the startup line: $(cut -c1-80 "$LOG/deep.err" | cat -A | grep -v '^fanwatch: /')"
note "too deep, with a newline in the name: one startup line"
rm -rf "$W/deep"

# 3. a watched directory with a forged summary in its name, deleted
mkdir "$W/r"$'\n'"$FORGED_SUM"
fw_start gone -e create "$W/r"$'\n'"$FORGED_SUM" "$W"
rm -rf "$W/r"$'\n'"$FORGED_SUM"
sleep 0.3
fw_stop
n=$(grep -c '^fanwatch: [0-9]* events seen' "$LOG/gone.err" || true)
[[ $n == 1 ]] || fail "a deleted directory's name forged the summary: $(cat -A "$LOG/gone.err")"
note "deleted watched directory with a newline in its name: one summary line"
exit 0
