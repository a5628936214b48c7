#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The walls between the rooms (issue 14): nothing under plugin/core includes a header of a
# room above it (sig, oci, modules, seccomp, gate, runc, shim, cli, signer), and no files
# call each other's functions in a loop, read from the objects with nm: a file's undefined
# symbols that another file of the shim, the CLI or the library defines are its calls.
# Usage: walls.sh PLUGIN_SOURCE_DIR OBJECT_DIR...
set -eu
src=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

if grep -n '#include "\(sig\|oci\|modules\|seccomp\|gate\|runc\|shim\|cli\|signer\)/' \
	"$src"/core/*.c "$src"/core/*.h >"$tmp/up"; then
	echo "FAIL: core includes headers of the rooms above it:"
	cat "$tmp/up"
	failed=1
fi

# "file T symbol" for definitions, "file U symbol" for references.
find "$@" -name '*.o' | sort >"$tmp/objs"
[ "$(wc -l <"$tmp/objs")" -ge 50 ] || { echo "FAIL: only $(wc -l <"$tmp/objs") objects in $*"; exit 1; }
while read -r obj; do
	name=${obj##*.dir/}
	nm "$obj" | awk -v f="$name" 'NF == 3 && $2 ~ /^[TDRBC]$/ { print f, "T", $3 }
				       NF == 2 && $1 == "U" { print f, "U", $2 }'
done <"$tmp/objs" >"$tmp/syms"
# Edges "caller callee", then Kahn's algorithm: what cannot be peeled off lies on a loop.
awk '$2 == "T" { def[$3] = $1; next }
     { use[NR] = $1; sym[NR] = $3 }
     END { for (i in use) if ((sym[i] in def) && def[sym[i]] != use[i]) print use[i], def[sym[i]] }' \
	"$tmp/syms" | sort -u >"$tmp/edges"
[ -s "$tmp/edges" ] || { echo "FAIL: no calls between files found"; exit 1; }
awk '{ out[$1]++; node[$1]; node[$2]; from[NR] = $1; to[NR] = $2; n = NR }
     END {
	for (v in node) if (!out[v]) leaf[++q] = v
	while (q) {
		v = leaf[q--]; gone[v] = 1
		for (i = 1; i <= n; i++)
			if (to[i] == v && !dead[i]) { dead[i] = 1; if (--out[from[i]] == 0) leaf[++q] = from[i] }
	}
	for (i = 1; i <= n; i++) if (!dead[i]) print "  " from[i] " -> " to[i]
     }' "$tmp/edges" >"$tmp/loops"
if [ -s "$tmp/loops" ]; then
	echo "FAIL: files that call each other in a loop (calls among them):"
	cat "$tmp/loops"
	failed=1
fi
[ "$failed" = 0 ] && echo "ok: core includes no room above it; $(wc -l <"$tmp/edges") calls between $(wc -l <"$tmp/objs") files, no loop"
exit "$failed"
