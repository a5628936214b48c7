#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The shim and the CLI export exactly the public API: the functions <shimgate/shimgate.h>
# marks SG_API (what loadable modules resolve), read from the header here, against
# `nm -D --defined-only`. Data that glibc places in the program (stdout@GLIBC_2.2.5) is
# glibc's, not an export of ours.
# Usage: exports.sh HEADER BINARY...
set -eu
header=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

sed -n 's/^SG_API .*[ *]\([a-z_0-9]*\)(.*/\1/p' "$header" | sort -u >"$tmp/api"
[ "$(wc -l <"$tmp/api")" -ge 20 ] || { echo "FAIL: found only $(wc -l <"$tmp/api") SG_API functions in $header"; exit 1; }
failed=0
for bin in "$@"; do
	nm -D --defined-only "$bin" | awk '{ print $NF }' | grep -v '@' | sort -u >"$tmp/got" ||
		{ echo "FAIL: nm -D $bin"; exit 1; }
	extra=$(comm -13 "$tmp/api" "$tmp/got")
	missing=$(comm -23 "$tmp/api" "$tmp/got")
	if [ -n "$extra" ]; then
		echo "FAIL: $bin exports $(echo "$extra" | wc -l) symbols outside the API:"
		echo "$extra" | head -20
		failed=1
	fi
	if [ -n "$missing" ]; then
		echo "FAIL: $bin does not export API functions modules need:"
		echo "$missing"
		failed=1
	fi
	[ -n "$extra$missing" ] || echo "ok: $bin exports exactly the $(wc -l <"$tmp/api") API functions"
done
exit "$failed"
