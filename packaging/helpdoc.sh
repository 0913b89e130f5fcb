#!/bin/sh
# helpdoc.sh - the man pages and the bash completion, both made from the
# binary's --help output (which the option tables print), so that they
# list the same commands and flags as the binary they ship with.
#   helpdoc.sh commands BIN           command words with their summaries
#   helpdoc.sh help BIN CMD           the help of CMD and of its sub-commands
#   helpdoc.sh man BIN VERSION DIR    DIR/wksjobs.1 and DIR/wksjobs-CMD.1
#   helpdoc.sh completion BIN FILE    the bash completion script
set -eu

# "NAME SUMMARY" lines of the command table in "wksjobs --help" ("version"
# is --version, which wksjobs.1 documents, not a page of its own).
commands() {
	"$1" --help | sed -n 's/^  \([a-z][a-z-]*\)  *\(.*\)$/\1 \2/p' |
	    grep -v '^version '
}

# The words a command takes after its name: "job show", "job retry"...
# read from its usage line (admin: "noun verb" pairs from the lines
# under its usage, "policy attach|detach" giving two verbs).
subwords() {
	if [ "$2" = admin ]; then
		"$1" admin --help | sed -n '2,/^$/p' | awk '{
			n = split($0, p, "|")
			for (i = 1; i <= n; i++) {
				k = split(p[i], w, " ")
				if (k >= 2 && w[2] ~ /^[a-z][a-z-]*$/) {
					noun = w[1]
					print w[1], w[2]
				} else if (k >= 1 && w[1] ~ /^[a-z][a-z-]*$/ &&
				    noun != "")
					print noun, w[1]
			}
		}'
		return
	fi
	"$1" "$2" --help | sed -n 1p | grep -o "$2 [a-z][a-z-]*" |
	    cut -d' ' -f2 | awk '!seen[$0]++'
}

# Flags ("--name") in a help text on stdin.
flags() {
	sed -n 's/^  \(--[a-z][a-z0-9-]*\)[= ].*/\1/p; s/^  \(--[a-z][a-z0-9-]*\)$/\1/p'
}

help_of() {
	"$1" "$2" --help
	[ "$2" = admin ] && return 0
	subwords "$1" "$2" | while read -r w; do
		printf '\n%s %s:\n' "$2" "$w"
		"$1" "$2" "$w" --help | sed -e '/^flags:$/d' -e 's/^\([^ ]\)/  \1/'
	done
}

man_pages() {
	bin=$1 version=$2 dir=$3
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	mkdir -p "$dir"
	self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
	# help2man reads "PROGRAM --help": one small program per page.
	printf '#!/bin/sh\nexec "%s" "$@"\n' "$bin" >"$tmp/wksjobs"
	chmod +x "$tmp/wksjobs"
	help2man --no-info --no-discard-stderr --version-string="$version" \
	    --name="Huawei Cloud Workspace job API service and client" \
	    --output="$dir/wksjobs.1" "$tmp/wksjobs"
	commands "$bin" | while read -r cmd summary; do
		printf '#!/bin/sh\nexec sh "%s" help "%s" %s\n' "$self" "$bin" \
		    "$cmd" >"$tmp/wksjobs-$cmd"
		chmod +x "$tmp/wksjobs-$cmd"
		help2man --no-info --version-string="$version" \
		    --name="$summary" --output="$dir/wksjobs-$cmd.1" \
		    "$tmp/wksjobs-$cmd"
	done
}

completion() {
	bin=$1
	cmds=$(commands "$bin" | cut -d' ' -f1 | tr '\n' ' ')
	cat <<'HEAD'
# bash completion for wksjobs (generated from its --help by helpdoc.sh)
_wksjobs()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} sub words
	sub=${COMP_WORDS[2]}
	if [ "$COMP_CWORD" -eq 1 ]; then
HEAD
	printf '\t\tCOMPREPLY=($(compgen -W "%s--help" -- "$cur"))\n' "$cmds"
	printf '\t\treturn\n\tfi\n\tcase "$cmd" in\n'
	for c in $cmds; do
		subs=$(subwords "$bin" "$c" | cut -d' ' -f1 | awk '!s[$0]++' |
		    tr '\n' ' ')
		printf '\t%s)\n' "$c"
		if [ -n "$subs" ]; then
			printf '\t\tif [ "$COMP_CWORD" -eq 2 ]; then\n'
			printf '\t\t\tCOMPREPLY=($(compgen -W "%s" -- "$cur"))\n' \
			    "$subs"
			printf '\t\t\treturn\n\t\tfi\n'
		fi
		if [ "$c" = admin ]; then
			printf '\t\tif [ "$COMP_CWORD" -eq 3 ]; then\n\t\t\tcase "$sub" in\n'
			for n in $subs; do
				v=$(subwords "$bin" admin | awk -v n="$n" \
				    '$1 == n { print $2 }' | awk '!s[$0]++' |
				    tr '\n' ' ')
				printf '\t\t\t%s) words="%s" ;;\n' "$n" "$v"
			done
			printf '\t\t\tesac\n\t\t\tCOMPREPLY=($(compgen -W "$words" -- "$cur"))\n\t\t\treturn\n\t\tfi\n'
		fi
		if [ -n "$subs" ] && [ "$c" != admin ]; then
			printf '\t\tcase "$sub" in\n'
			for s in $subs; do
				printf '\t\t%s) words="%s" ;;\n' "$s" \
				    "$("$bin" "$c" "$s" --help | flags | tr '\n' ' ')"
			done
			printf '\t\tesac\n'
		else
			printf '\t\twords="%s"\n' \
			    "$("$bin" "$c" --help | flags | tr '\n' ' ')"
		fi
		printf '\t\t;;\n'
	done
	cat <<'TAIL'
	esac
	case "$cur" in
	-*) COMPREPLY=($(compgen -W "$words" -- "$cur")) ;;
	*) COMPREPLY=($(compgen -f -- "$cur")) ;;
	esac
}
complete -F _wksjobs wksjobs
TAIL
}

case "${1:-}" in
commands) commands "$2" ;;
help) help_of "$2" "$3" ;;
man) man_pages "$2" "$3" "$4" ;;
completion) completion "$2" >"$3" ;;
*) echo "usage: helpdoc.sh commands|help|man|completion ..." >&2; exit 2 ;;
esac
