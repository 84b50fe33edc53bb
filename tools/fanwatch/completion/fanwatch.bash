# SPDX-License-Identifier: MIT
# bash completion for fanwatch(1): every option, event names (after -e,
# comma-separated), and after "--" the command.  Works with or without the
# bash-completion package.

_fanwatch_events="create open open_exec access modify attrib close_write close_nowrite
	moved_from moved_to rename move_self delete delete_self fs_error mount umount
	close move all all_events"

_fanwatch_opts="--events --mount --filesystem --all --mounts --errors --tree-marks
	--pid --exclude-pid --ignore-pid --comm --exclude-comm --uid
	--include --exclude --include-regex --exclude-regex --includei --excludei
	--include-from --exclude-from --ignore-case --user
	--deny --deny-errno --undecidable --unsafe-system-scope
	--json --format --raw --no-newline --csv --null --timefmt --utc
	--output --follow-output-symlink --append --journal --syslog --options-from
	--count --top --interval --sort --parents --show
	--timeout --max-events --help --version
	-e -p -C -I -u -j -0 -o -c -t -n -1 -h -V"

_fanwatch()
{
	local cur prev i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	# after "--": a command and its arguments
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == -- ]]; then
			if declare -F _command_offset >/dev/null; then
				_command_offset $((i + 1))
			elif ((COMP_CWORD == i + 1)); then
				mapfile -t COMPREPLY < <(compgen -c -- "$cur")
			else
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			fi
			return
		fi
	done

	case $prev in
	-e | --events)
		# a comma-separated list: complete its last word
		local head=
		[[ $cur == *,* ]] && head=${cur%,*},
		mapfile -t COMPREPLY < <(compgen -P "$head" -W "$_fanwatch_events" -- "${cur##*,}")
		compopt -o nospace 2>/dev/null
		return
		;;
	--sort)
		mapfile -t COMPREPLY < <(compgen -W "total $_fanwatch_events" -- "$cur")
		return
		;;
	--deny-errno)
		mapfile -t COMPREPLY < <(compgen -W "EPERM EIO EBUSY ETXTBSY EAGAIN ENOSPC EDQUOT" -- "$cur")
		return
		;;
	--undecidable)
		mapfile -t COMPREPLY < <(compgen -W "allow deny" -- "$cur")
		return
		;;
	--tree-marks)
		mapfile -t COMPREPLY < <(compgen -W "inode filesystem" -- "$cur")
		return
		;;
	--show)
		# a comma-separated list of process fields
		local head=
		[[ $cur == *,* ]] && head=${cur%,*},
		mapfile -t COMPREPLY < <(compgen -P "$head" -W "ppid uid user gid cgroup mntns exe attribution all" -- "${cur##*,}")
		compopt -o nospace 2>/dev/null
		return
		;;
	-u | --user | --uid)
		mapfile -t COMPREPLY < <(compgen -u -- "$cur")
		return
		;;
	-p | --pid | --exclude-pid | --ignore-pid)
		mapfile -t COMPREPLY < <(compgen -W "$(command ls /proc 2>/dev/null | grep -E '^[0-9]+$')" -- "$cur")
		return
		;;
	-C | --comm | --exclude-comm)
		mapfile -t COMPREPLY < <(compgen -W "$(cat /proc/[0-9]*/comm 2>/dev/null | sort -u)" -- "$cur")
		return
		;;
	-o | --output | --include-from | --exclude-from | --options-from)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--format | --timefmt | --include | --exclude | --include-regex | --exclude-regex | \
	--includei | --excludei | --deny | -t | --timeout | -n | --max-events | --top | --interval)
		return	# a value of the user's own
		;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$_fanwatch_opts --" -- "$cur")
		return
	fi
	mapfile -t COMPREPLY < <(compgen -d -- "$cur")
	compopt -o filenames 2>/dev/null
}
complete -F _fanwatch fanwatch
