#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# --deny rules that can never match are usage errors (exit 2) naming the
# rule and what it would need to look like: a relative rule with '/', one
# with "//", "." or "..", one through a symbolic link, one outside every
# watched path.  A rule naming a directory, with or without a trailing
# '/', denies everything below it (and nothing beside it).  Scopes that
# hold the system's own files are refused unless --unsafe-system-scope.
. "${FWT_DIR:?}/lib.sh"

mkdir -p "$W/secrets/sub" "$W/secretsx" "$W/pub"
for f in secrets/a.key secrets/sub/b.txt secretsx/c.txt pub/d.txt; do echo x >"$W/$f"; done
ln -s "$W" "$TMP/wlink"

cd "$W"
u() { expect_status 2 "$@"; }
u "--deny secrets/\\*\\.key can never match: .*write the absolute path.*'\\*/secrets/\\*\\.key'" \
	"$FW" -t 1 --deny 'secrets/*.key' "$W"
u "--deny ./secrets/a.key can never match: .*'$W/secrets/a.key'" "$FW" -t 1 --deny ./secrets/a.key "$W"
u "--deny $W//secrets can never match: .*without '//'" "$FW" -t 1 --deny "$W//secrets" "$W"
u "--deny $W/pub/../secrets can never match" "$FW" -t 1 --deny "$W/pub/../secrets" "$W"
u "--deny $TMP/wlink/secrets can never match: $TMP/wlink is $W once symbolic links are resolved" \
	"$FW" -t 1 --deny "$TMP/wlink/secrets" "$W"
u "--deny /elsewhere/\\*\\.key can never match: it names no path under the watched path \\($W/pub\\)" \
	"$FW" -t 1 --deny '/elsewhere/*.key' "$W/pub"
u "--deny $W/secrets can never match: it names no path under the watched path \\($W/pub\\)" \
	"$FW" -t 1 --deny "$W/secrets" "$W/pub"
cd /
note "rules that can never match: exit 2 with the reason"

for rule in "$W/secrets" "$W/secrets/"; do
	fw_start dir --json --deny "$rule" "$W"
	run_wl tryopen "$W/secrets/a.key" tryopen "$W/secrets/sub/b.txt" tryopen "$W/secretsx/c.txt" \
		tryopen "$W/pub/d.txt"
	fw_stop
	grep -qx "tryopen $W/secrets/a.key EPERM" "$LOG/wl.out" || fail "$rule: $(cat "$LOG/wl.out")"
	grep -qx "tryopen $W/secrets/sub/b.txt EPERM" "$LOG/wl.out" || fail "$rule: $(cat "$LOG/wl.out")"
	grep -qx "tryopen $W/secretsx/c.txt ok" "$LOG/wl.out" || fail "$rule: $(cat "$LOG/wl.out")"
	grep -qx "tryopen $W/pub/d.txt ok" "$LOG/wl.out" || fail "$rule: $(cat "$LOG/wl.out")"
	expect_json "$LOG/dir.out" --path "$W/secrets/sub/b.txt" --decision deny --pid "$WLPID"
done
note "a rule naming a directory denies what is below it, with or without '/'"

# system scopes: refused before anything is marked (the guard shim fails the
# test instead of marking the machine if a fanwatch does try)
G=(env LD_PRELOAD="${FW_OLDKERNEL:?}" FW_GUARD_PERM=1 "$FW")
u "--deny on / is refused: it holds the system's own files .*--unsafe-system-scope" \
	"${G[@]}" --deny '*.key' -t 0.1 /
u "--deny on /usr/lib is refused" "${G[@]}" --deny '*.key' -t 0.1 /usr/lib
u "--deny on the filesystem of /etc is refused" "${G[@]}" --deny '*.key' --filesystem -t 0.1 /etc
u "--deny on the mount of / is refused" "${G[@]}" --deny '*.key' --mount -t 0.1 /
u "--unsafe-system-scope needs --deny" "$FW" --unsafe-system-scope "$W"
# the private tmpfs is no system scope
"${G[@]}" --deny '*.key' -t 0.1 "$W" 2>"$LOG/ok.err" || fail "tmpfs refused: $(cat "$LOG/ok.err")"
"${G[@]}" --deny '*.key' --filesystem -t 0.1 "$W" 2>"$LOG/ok.err" || fail "tmpfs fs refused: $(cat "$LOG/ok.err")"
note "system scopes: refused without --unsafe-system-scope"
exit 0
