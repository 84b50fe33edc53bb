#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --help documents every option, the default event list and the escaping
# rules; --version gives fanwatch's and the library's versions; the man
# page fanwatch(1) lints clean and documents every option --help lists.
set -euo pipefail
FW=${FANWATCH:?}
fail() { echo "FAIL: $*" >&2; exit 1; }

h=$("$FW" --help) || fail "--help exit $?"
grep -q 'default: create,open,modify,attrib,close_write,rename,delete' <<<"$h" || fail "--help: default events"
grep -q 'path_raw' <<<"$h" || fail "--help: the JSON recovery rule"
grep -q 'Exit status: 0 success, 1 runtime error, 2 usage error' <<<"$h" || fail "--help: exit statuses"
opts=$(grep -oE -- '--[a-z][a-z-]+' <<<"$h" | sort -u)
v=$("$FW" --version) || fail "--version exit $?"
[[ $(head -1 <<<"$v") =~ ^fanwatch\ [0-9]+\.[0-9]+\.[0-9]+\ \(libfanotify\ [0-9]+\.[0-9]+\.[0-9]+\)$ ]] || fail "--version: $v"
# whether this build has --journal (libsystemd is optional)
[[ $(sed -n 2p <<<"$v") =~ ^journald\ output\ \(--journal\):\ (yes\ \(libsystemd\)|no\ \(built\ without\ libsystemd\))$ ]] ||
	fail "--version, second line: $v"
echo "# --help and --version: ok"

man=${FWT_MANPAGE:?}
[[ -f $man ]] || fail "no man page at $man"
if command -v mandoc >/dev/null; then
	lint=$(mandoc -T lint -W warning "$man" 2>&1) || true
	[[ -z $lint ]] || fail "mandoc -T lint: $lint"
	text=$(mandoc -T ascii "$man" | sed 's/.\x08//g')
	for o in $opts; do
		grep -q -- "$o" <<<"$text" || fail "fanwatch(1) does not document $o"
	done
	for s in path_raw new_path_raw comm_raw synthetic decision 'RFC 3339' mount_id error_count; do
		grep -q -- "$s" <<<"$text" || fail "fanwatch(1) JSON schema lacks $s"
	done
	echo "# fanwatch(1): lints clean, documents all $(wc -w <<<"$opts") options"
else
	echo "# mandoc missing: man page not linted"
fi
exit 0
