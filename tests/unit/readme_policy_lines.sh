#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Every policy line the README quotes (policy.d/<stack>:<N> in a refusal, an audit line, the
# policy test output, an error) is line N of the shipped stack, and that line runs the module
# the quote names. usage: readme_policy_lines.sh README POLICIES
set -eu
readme=$1
policies=$2
refs=$(mktemp)
trap 'rm -f "$refs"' EXIT
grep -n 'policy\.d/[a-z]*:[0-9]' "$readme" >"$refs" || true
[ -s "$refs" ] || { echo "readme_policy_lines: $readme quotes no policy.d/<stack>:<line>" >&2; exit 1; }
bad=0
while IFS= read -r ref; do
	at=${ref%%:*}
	text=${ref#*:}
	if [ "$(printf '%s\n' "$text" | grep -o 'policy\.d/[a-z]*:[0-9]' | wc -l)" -ne 1 ]; then
		echo "$readme:$at: more than one policy line quoted on one line" >&2
		bad=1
		continue
	fi
	# "STACK N MODULE", from each form the README quotes a policy line in.
	claim=$(printf '%s\n' "$text" | sed -nE \
		-e 's/.*policy\.d\/([a-z]+):([0-9]+) \(([a-z_]+)\).*/\1 \2 \3/p;t' \
		-e 's/.*policy\.d\/([a-z]+):([0-9]+): ([a-z_]+):.*/\1 \2 \3/p;t' \
		-e 's/.*"module":"([a-z_]+)","where":"[^"]*policy\.d\/([a-z]+):([0-9]+)".*/\2 \3 \1/p;t' \
		-e 's/.*"where":"[^"]*policy\.d\/([a-z]+):([0-9]+)","module":"([a-z_]+)".*/\1 \2 \3/p;t' \
		-e 's/.*module: ([a-z_]+) at [^ ]*policy\.d\/([a-z]+):([0-9]+).*/\2 \3 \1/p;t' \
		-e 's/^([a-z]+) +([a-z_]+) +[a-z]+ +[a-z]+ +[^ ]*policy\.d\/([a-z]+):([0-9]+).*/\3 \4 \2/p')
	if [ -z "$claim" ]; then
		echo "$readme:$at: a policy line quoted without a module this test can read: $text" >&2
		bad=1
		continue
	fi
	set -- $claim
	line=$(sed -n "${2}p" "$policies/$1" 2>/dev/null)
	module=$(printf '%s\n' "$line" | sed -nE -e 's/^\[[^]]*\] +([a-z_]+).*/\1/p;t' \
		-e 's/^(required|requisite|sufficient|optional) +([a-z_]+).*/\2/p')
	if [ "$module" != "$3" ]; then
		echo "$readme:$at: policy.d/$1:$2 ($3), but line $2 of $policies/$1 is '$line'" >&2
		bad=1
	fi
done <"$refs"
[ "$bad" -eq 0 ] || { echo "readme_policy_lines: fix the README's line numbers (or the quote's form)" >&2; exit 1; }
