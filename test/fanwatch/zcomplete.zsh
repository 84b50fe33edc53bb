#!/usr/bin/env zsh
# SPDX-License-Identifier: MIT
# zcomplete.zsh FPATH_DIR OUT LINE: complete LINE (tab at its end) in an
# interactive zsh on a pseudo-terminal (zsh/zpty); every candidate offered
# goes to OUT, one a line.  The shell leaves after the completion; it is
# killed after 10 s in any case.
emulate -L zsh
zmodload zsh/zpty || exit 77
dir=$1 out=$2 line=$3
: >$out
zpty z zsh -f -i
zpty -w z "fpath=($dir \$fpath); autoload -U compinit; compinit -u -D -d /dev/null"
# no prompt, no list shown (no "do you wish to see all ...?" to answer)
zpty -w z "PROMPT=''; zstyle ':completion:*' insert-tab false; unsetopt auto_list list_ambiguous; LISTMAX=100000"
# every candidate offered, into OUT; then the shell leaves
zpty -w z "compadd() { local -a __c; builtin compadd -A __c \"\$@\"; print -rl -- \$__c >>${(q)out}; builtin compadd \"\$@\"; }"
zpty -w z "comppostfuncs=(exit); bindkey '^I' complete-word"
zpty -w -n z "$line"$'\t'
for i in {1..200}; do
	zpty -t z 2>/dev/null || break
	zpty -r -t z junk 2>/dev/null
	sleep 0.05
done
zpty -d z 2>/dev/null
exit 0
