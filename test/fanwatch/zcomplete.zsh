#!/usr/bin/env zsh
# SPDX-License-Identifier: MIT
# zcomplete.zsh FPATH_DIR OUT LINE: complete LINE (a tab at its end) in an
# interactive zsh on a pseudo-terminal (zsh/zpty); every candidate offered
# goes to OUT, one a line.  Nothing is typed: the shell's own start-up file
# puts LINE in the editor and completes it when the editor starts
# (zle-line-init), marks it done and leaves, so no keystroke can arrive
# before the editor is ready to take it.  This script waits for the mark,
# never reading the terminal (a read can wait for a newline that never
# comes), and kills the shell after it or after 10 s.
emulate -L zsh
zmodload zsh/zpty || exit 77
dir=$1 out=$2 line=$3
: >$out
home=$(mktemp -d) || exit 1
cat >$home/.zshrc <<RC
fpath=(${(q)dir} \$fpath); autoload -U compinit; compinit -u -d ${(q)home}/zcompdump -D
PROMPT=''
zstyle ':completion:*' insert-tab false
unsetopt auto_list list_ambiguous; LISTMAX=100000
compadd() { local -a __c; builtin compadd -A __c "\$@"; print -rl -- \$__c >>${(q)out}; builtin compadd "\$@"; }
zle-line-init() { BUFFER=${(q)line}; CURSOR=\$#BUFFER; zle complete-word; : >${(q)home}/done; BUFFER="exit 0"; zle accept-line; }
zle -N zle-line-init
RC
zpty z env ZDOTDIR=$home zsh -d -i
for i in {1..200}; do
	[[ -e $home/done ]] && break
	sleep 0.05
done
zpty -d z 2>/dev/null
rm -rf $home
exit 0
