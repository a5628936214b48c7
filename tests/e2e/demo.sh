#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The README's first command ends here: on a private containerd (never the host's), run a
# signed container through shimgate, show a signed exec allowed and an unsigned one refused,
# and print the audit lines. Exit 0 only when both outcomes happened. Run as root.
#
# usage: tests/e2e/demo.sh BUILD_DIR
# Uses the installed binaries (cmake --install, /usr/local/bin) and falls back to
# BUILD_DIR/plugin; SHIMGATE_DEMO_BINDIR=DIR forces a directory (the e2e/demo test uses the
# build's own binaries that way).
if [ "$(id -u)" -ne 0 ]; then
	echo "demo.sh: run as root (it starts its own containerd)" >&2
	exit 77 # what the test harness counts as skipped
fi
build=${1:-build}
bindir=${SHIMGATE_DEMO_BINDIR:-}
if [ -z "$bindir" ]; then
	for d in /usr/local/bin "$build/plugin"; do
		if [ -x "$d/containerd-shim-shimgate-v2" ] && [ -x "$d/shimgate" ]; then
			bindir=$d
			break
		fi
	done
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/containerd-shim-shimgate-v2" ] || [ ! -x "$bindir/shimgate" ]; then
	echo "demo.sh: no containerd-shim-shimgate-v2 and shimgate in /usr/local/bin or $build/plugin" >&2
	exit 1
fi

. "$(dirname "$0")/lib.sh"
E2E_NAME=demo
if [ -t 1 ]; then
	show() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	show() { printf '\n== %s\n' "$*"; }
fi
# A token is a one-time credential: show its shape, not all of it.
short() { sed -E 's/\.([0-9a-f]{8})[0-9a-f]{56}$/.\1…/' <<<"$1"; }

show "a private containerd with $bindir/containerd-shim-shimgate-v2 first on its PATH"
e2e_setup "$bindir" "$bindir/shimgate"
echo "config: $E2E_CONF (SHIMGATE_CONFIG in containerd's environment)"
sed 's/^/    /' "$E2E_CONF"

show "a signed container: the create token travels in the annotation io.shimgate.token"
e2e_start demo
echo "$ ctr run -d --runtime $E2E_RUNTIME --rootfs --annotation io.shimgate.token=<token> ROOTFS demo /bin/sh -c 'sleep 600'"
ctr_ task ls

show "a signed exec: allowed"
tok=$(e2e_sign_exec demo e1 -- /bin/echo "hello from a signed exec") || e2e_fail "shimgate sign exec"
echo "$ shimgate sign exec --key KEY --namespace $E2E_NS --id demo --exec-id e1 --spec config.json -- /bin/echo 'hello from a signed exec'"
short "$tok"
echo "$ ctr task exec --exec-id e1 demo SHIMGATE_TOKEN=<token> /bin/echo 'hello from a signed exec'"
allowed=no
if e2e_exec demo e1 "$tok" /bin/echo "hello from a signed exec" &&
	grep -qx "hello from a signed exec" "$E2E_OUT"; then
	allowed=yes
fi
cat "$E2E_OUT" "$E2E_ERR"

show "an unsigned exec: refused"
echo "$ ctr task exec --exec-id e2 demo /bin/touch /tmp/unsigned"
refused=no
if ! e2e_exec demo e2 none /bin/touch /tmp/unsigned && grep -q 'shimgate: .*no signature' "$E2E_ERR" &&
	[ ! -e "$(e2e_marker unsigned)" ]; then
	refused=yes
fi
cat "$E2E_OUT" "$E2E_ERR"

show "the audit trail ($E2E_AUDIT)"
cat "$E2E_AUDIT"

show "result"
echo "signed exec allowed: $allowed; unsigned exec refused: $refused"
[ "$allowed" = yes ] && e2e_ok "the signed exec ran"
[ "$refused" = yes ] && e2e_ok "the unsigned exec was refused"
[ "$allowed" = yes ] && [ "$refused" = yes ] || e2e_fail "the demo did not show both outcomes"
e2e_pass
