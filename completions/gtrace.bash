# bash completion for gtrace. Install as
# /usr/share/bash-completion/completions/gtrace (make install does).

_gtrace_probes()
{
	# Probe names can be long lists; ask gtrace only for what was typed.
	gtrace -l "${1}*" 2>/dev/null
}

_gtrace()
{
	local cur prev
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}

	case $prev in
	-d|--debug)
		COMPREPLY=($(compgen -W "ast types asm all" -- "$cur"))
		return ;;
	-f|--format)
		COMPREPLY=($(compgen -W "text json table folded" -- "$cur"))
		return ;;
	-B|--buffering)
		COMPREPLY=($(compgen -W "none line full" -- "$cur"))
		return ;;
	-p|--pid)
		COMPREPLY=($(compgen -W "$(ls /proc | grep '^[0-9]')" -- "$cur"))
		return ;;
	-c|--command)
		COMPREPLY=($(compgen -c -- "$cur"))
		return ;;
	-o|--output|--include|--flamegraph|--pprof)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-I|--include-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	-e|--program|--metrics|--metrics-max-keys)
		return ;;
	-l|-lv|-vl|--list)
		# ':' separates probe name parts; bash splits words there.
		local probes
		probes=$(_gtrace_probes "${cur}")
		__ltrim_colon_completions "$cur" 2>/dev/null
		COMPREPLY=($(compgen -W "$probes" -- "$cur"))
		__ltrim_colon_completions "$cur" 2>/dev/null
		return ;;
	esac

	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "-e --program -l --list -d --debug -v --verbose -q --quiet
			-f --format -o --output -B --buffering -k -kk --warnings -p --pid -c --command
			--flamegraph --icicle --pprof --metrics --metrics-max-keys
			--dry-run --unsafe --no-warnings -I --include-dir --include --info
			-V --version -h --help" -- "$cur"))
		return
	fi
	# A script file, then its own arguments.
	COMPREPLY=($(compgen -f -- "$cur"))
}

complete -o filenames -F _gtrace gtrace
