#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Least privilege, beyond test/fanwatch/caps.sh (which checks CapEff and
# CapBnd of a tree watch, --deny and --filesystem): every capability set
# of every thread (effective, permitted, inheritable, ambient, bounding),
# in every mode that keeps a different set or has another thread (-- COMMAND,
# --deny with a COMMAND, --count, --mounts, --errors, --all), against the
# list fanwatch(1) gives under PRIVILEGES: CAP_DAC_READ_SEARCH and
# CAP_SYS_PTRACE always (the permission thread too: the kernel opens its
# events' files read-only with its credentials), CAP_KILL with a command
# in the main thread (the permission thread never needs it; the output
# thread keeps none at all).  The man page
# must name exactly those three, so neither can change alone.
. "${FWT_DIR:?}/lib.sh"

MAN=${FWT_MANPAGE:?}
command -v mandoc >/dev/null || skip "mandoc is not installed (to read fanwatch(1))"
[[ $(sed -n 's/^CapEff:[[:space:]]*//p' /proc/$$/status) != 0000000000000000 ]] ||
	skip "this shell has no capabilities"

# the capabilities the PRIVILEGES section names as kept
claimed=$(mandoc -T ascii "$MAN" | sed 's/.\x08//g' |
	sed -n '/^PRIVILEGES/,/^[A-Z]/p' | sed -n '1,/Without CAP_SYS_ADMIN/p' |
	grep -o 'CAP_[A-Z_]*' | grep -v CAP_SYS_ADMIN | sort -u | tr '\n' ' ')
[[ $claimed == "CAP_DAC_READ_SEARCH CAP_KILL CAP_SYS_PTRACE " ]] ||
	fail "fanwatch(1) PRIVILEGES names '$claimed': update this test with it"

mask() { python3 -c "import sys; print('%016x' % sum(1 << int(c) for c in sys.argv[1:]))" "$@"; }
# CAP_DAC_READ_SEARCH=2 CAP_KILL=5 CAP_SYS_PTRACE=19
BASE=(2 19)
field() { sed -n "s/^$2:[[:space:]]*//p" "$1/status"; }

# check NAME MAIN-CAPS THREAD-CAPS ARGS...: every thread's sets once watching
check() {
	local name=$1 main=$2 other=$3 t want f v n=0
	shift 3
	fw_start "$name" "$@"
	sleep 0.2	# a permission thread drops its own on start
	for t in /proc/"$FWPID"/task/*; do
		want=$other
		[[ ${t##*/} == "$FWPID" ]] && want=$main
		# the output thread only writes to a descriptor it was given: nothing
		[[ $(cat "$t/comm") == fw-output ]] && want=0000000000000000
		for f in CapEff CapPrm CapBnd; do
			v=$(field "$t" $f)
			[[ $v == "$want" ]] || fail "$name: thread ${t##*/} $f $v, expected $want"
		done
		for f in CapInh CapAmb; do
			v=$(field "$t" $f)
			[[ $v == 0000000000000000 ]] || fail "$name: thread ${t##*/} $f $v, expected 0"
		done
		n=$((n + 1))
	done
	# SIGTERM: passed on to a COMMAND, which (started in the background by
	# a script) inherits an ignored SIGINT; fanwatch then exits with its status
	kill -TERM "$FWPID"
	FWSTATUS=0
	wait "$FWPID" || FWSTATUS=$?
	[[ $FWSTATUS == 0 || $FWSTATUS == 143 ]] || fail "$name: exit $FWSTATUS"
	note "$name: $n thread(s): main $main, others $other (Eff = Prm = Bnd, Inh = Amb = 0)"
}

base=$(mask "${BASE[@]}")
deny=$base
cmd=$(mask 5 "${BASE[@]}")
denycmd=$cmd
check tree "$base" "$base" "$W"
check count "$base" "$base" --count "$W"
check mounts "$base" "$base" --mounts
check errors "$base" "$base" --errors "$W"
check all "$base" "$base" --all -e create --include "$W/*"
check deny "$deny" "$deny" --deny '*.key' "$W"
check command "$cmd" "$cmd" "$W" -- sleep 30
# the permission thread keeps what answering needs, not CAP_KILL
check deny-command "$denycmd" "$deny" --deny '*.key' "$W" -- sleep 30
exit 0
