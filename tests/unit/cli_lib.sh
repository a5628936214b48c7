# shellcheck shell=sh
# SPDX-License-Identifier: Apache-2.0
# Sourced by the CLI round-trip scripts: a private temp dir with a keys directory, and the
# fail/expect checks. The script sets SG (the shimgate binary) first and ends with cli_done.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
chmod 700 "$T"
mkdir -m 700 "$T/keys"
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# expect CODE SUBSTRING -- command...: exit status and a line of output.
expect() {
	want_rc=$1 want_out=$2
	shift 3
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" != "$want_rc" ]; then
		fail "$* -> exit $rc, want $want_rc: $out"
	elif ! printf '%s\n' "$out" | grep -qF -- "$want_out"; then
		fail "$* -> '$out', want '$want_out'"
	else
		echo "ok: $want_out"
	fi
}
