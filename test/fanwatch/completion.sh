#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Shell completions: bash loads fanwatch's (complete -p fanwatch), also the
# way bash-completion finds an installed one by the command's name; zsh's
# compinit picks _fanwatch up.  Both offer every option --help lists, every
# event name and shorthand after -e (comma-separated), and a command after
# "--"; meson installs them where bash-completion and zsh look.
set -euo pipefail
FW=${FANWATCH:?}
DIR=${FW_COMPLETION:?}
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

opts=$("$FW" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
shorts=$("$FW" --help | grep -oE -- '^  -[a-zA-Z0-9]' | tr -d ' ' | sort -u)
events=$({ "$FW" -e bogus 2>&1 || true; } | sed -n 's/^fanwatch: valid events: //p' | tr -d ';' |
	sed 's/shorthands://' | tr ' ' '\n' | grep . | sort -u)
[[ $(wc -l <<<"$events") -ge 20 ]] || fail "could not read the event names: $events"

# ---- bash ----
bcomplete() {	# bcomplete WORDS...: the candidates for the last word, one a line
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _fanwatch 2>/dev/null;
		printf "%s\n" "${COMPREPLY[@]}"' x "$DIR/fanwatch.bash" "$@"
}
c=$(bash -c 'source "$1"; complete -p fanwatch' x "$DIR/fanwatch.bash")
[[ $c == "complete -F _fanwatch fanwatch" ]] || fail "bash: complete -p fanwatch: $c"
got=$(bcomplete fanwatch -)
for o in $opts $shorts; do grep -qxF -- "$o" <<<"$got" || fail "bash: '-' does not offer $o"; done
got=$(bcomplete fanwatch -e open,)
for e in $events; do grep -qxF "open,$e" <<<"$got" || fail "bash: -e open, does not offer $e"; done
[[ $(bcomplete fanwatch --events clo | sort | tr '\n' ' ') == "close close_nowrite close_write " ]] ||
	fail "bash: --events clo: $(bcomplete fanwatch --events clo)"
[[ $(bcomplete fanwatch --sort mod) == modify ]] || fail "bash: --sort mod"
got=$(bcomplete fanwatch /tmp -- ech)
grep -qx echo <<<"$got" || fail "bash: no command after --"
mkdir "$T/dir1" && touch "$T/file1"
[[ $(bcomplete fanwatch "$T/") == "$T/dir1" ]] || fail "bash: a PATH is a directory: $(bcomplete fanwatch "$T/")"
echo "# bash: complete -p fanwatch, every option, every event, commands, directories"

if [[ -f /usr/share/bash-completion/bash_completion ]]; then
	# as installed: bash-completion loads it by the command's name, on demand
	mkdir -p "$T/share/bash-completion/completions"
	cp "$DIR/fanwatch.bash" "$T/share/bash-completion/completions/fanwatch"
	c=$(XDG_DATA_DIRS=$T/share bash -c 'source /usr/share/bash-completion/bash_completion
		__load_completion fanwatch; complete -p fanwatch')
	[[ $c == "complete -F _fanwatch fanwatch" ]] || fail "bash-completion did not load it: $c"
	echo "# bash-completion loads it on demand"
else
	echo "# bash-completion is not installed: on-demand loading not checked"
fi

# ---- zsh ----
if command -v zsh >/dev/null; then
	# compinit -D: no dump written; -d before it names where one would be
	# read (after -D, "-d /dev/null" turned dumping on again, and compdump
	# renamed its file over /dev/null)
	c=$(zsh -fc 'fpath=($1 $fpath); autoload -U compinit; compinit -u -d "$2" -D
		print -r -- $_comps[fanwatch]' x "$DIR" "$T/zcompdump")
	[[ $c == _fanwatch ]] || fail "zsh: compinit did not load _fanwatch: $c"
	zc() { timeout 20 zsh "$FWT_DIR/zcomplete.zsh" "$DIR" "$T/z.out" "$1"; grep . "$T/z.out" | sort -u; }
	got=$(zc 'fanwatch --')
	for o in $opts; do grep -qxF -- "$o" <<<"$got" || fail "zsh: '--' does not offer $o"; done
	got=$(zc 'fanwatch -e ')
	for e in $events; do grep -qxF "$e" <<<"$got" || fail "zsh: -e does not offer $e"; done
	got=$(zc 'fanwatch -e open,clo')
	[[ $(tr '\n' ' ' <<<"$got") == "close close_nowrite close_write " ]] ||
		fail "zsh: -e open,clo: $got"
	got=$(zc 'fanwatch /tmp -- ech')
	grep -qx echo <<<"$got" || fail "zsh: no command after --"
	[[ -c /dev/null && ! -e $T/zcompdump ]] || fail "zsh: compinit wrote a dump file (/dev/null: $(stat -c %F /dev/null))"
	echo "# zsh: compinit loads _fanwatch; every option, every event, commands"
else
	skip "zsh is not installed (bash checked)"
fi

# ---- installed where the shells look ----
if [[ -n ${FW_BUILD_ROOT:-} ]] && command -v meson >/dev/null; then
	inst=$(meson introspect "$FW_BUILD_ROOT" --installed)
	grep -q '/bash-completion/completions/fanwatch"' <<<"$inst" || fail "bash completion not installed"
	grep -q '/zsh/site-functions/_fanwatch"' <<<"$inst" || fail "zsh completion not installed"
	echo "# meson installs them in bash-completion/completions and zsh/site-functions"
fi
exit 0
