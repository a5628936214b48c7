#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The README's field table (between the "shimgate fields" markers of its Coverage section) is
# exactly what `shimgate fields` prints. usage: readme_fields.sh README SHIMGATE_CLI
set -eu
readme=$1
cli=$2
want=$(mktemp)
have=$(mktemp)
trap 'rm -f "$want" "$have"' EXIT
"$cli" fields >"$want"
sed -n '/^<!-- shimgate fields: begin -->$/,/^<!-- shimgate fields: end -->$/p' "$readme" |
	sed '1d;$d' >"$have"
[ -s "$have" ] || { echo "readme_fields: no field table between the markers in $readme" >&2; exit 1; }
if ! diff -u "$want" "$have"; then
	echo "readme_fields: the README's field table differs from 'shimgate fields' (regenerate it)" >&2
	exit 1
fi
