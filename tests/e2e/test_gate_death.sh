#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# T20: the gate of a running container is killed (SIGKILL). No exec may then reach the real
# shim ungated: not through containerd (live, or restarted after the gate died), and not
# directly (the real shim's socket is root-only). ctr cleans up afterwards, and nothing of the
# container is left behind.
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

# connect_as UID PATH: exit 0 when user UID can connect to the unix socket PATH.
connect_as() {
	setpriv --reuid "$1" --regid "$1" --clear-groups "$E2E_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
try:
    s.connect(sys.argv[1])
except OSError:
    sys.exit(1)' "$2"
}

# The sockets: the real shim's and the gate's, root-only.
e2e_start c1
addr=$(e2e_address c1) || e2e_fail "no address file for c1"
real=$(e2e_real_socket c1)
gate=$(e2e_socket_owner "$addr") || e2e_fail "nothing listens on $addr"
e2e_socket_owner "$real" >/dev/null || e2e_fail "nothing listens on the real shim socket $real"
for p in "$real" "$addr"; do
	m=$(stat -c '%a %U:%G' "$p")
	[ "$m" = "600 root:root" ] || e2e_fail "$p is $m, want 600 root:root"
	d=$(stat -c '%a %U' "$(dirname "$p")")
	[[ "$d" =~ ^[67]00\ root$ ]] || e2e_fail "$(dirname "$p") is $d, want 0600/0700 root"
	! connect_as 65534 "$p" || e2e_fail "user nobody can connect to $p"
done
e2e_ok "the real shim socket and the gate socket are 0600 root in root-only dirs; nobody cannot connect"
# containerd's only connection for c1 is to the gate; the real shim is talked to by the gate.
e2e_socket_clients "$addr" | grep -qx "$E2E_CD_PID" || e2e_fail "containerd is not connected to the gate"
! e2e_socket_clients "$real" | grep -qx "$E2E_CD_PID" || e2e_fail "containerd is connected to the real shim"
e2e_ok "containerd talks to the gate, only the gate to the real shim"

# Case 1: the gate dies under a live containerd.
kill -KILL "$gate"
e2e_wait_for 15 "the killed gate to be gone" eval '! e2e_pid_alive $gate'
for how in unsigned signed; do
	rc=0
	if [ "$how" = signed ]; then
		tok=$(e2e_sign_exec c1 "d-$how" -- /bin/touch "/tmp/d-$how") || e2e_fail "signing"
	else
		tok=none
	fi
	e2e_exec c1 "d-$how" "$tok" /bin/touch "/tmp/d-$how" || rc=$?
	[ "$rc" -ne 0 ] || e2e_fail "a $how exec ran after the gate died"
	[ ! -e "$(e2e_marker "d-$how")" ] || e2e_fail "the $how exec ran after the gate died"
	e2e_ok "$how exec after the gate died: fails ($(tr -d '\n' <"$E2E_ERR"))"
done
! e2e_socket_clients "$real" | grep -qx "$E2E_CD_PID" ||
	e2e_fail "containerd connected to the real shim after the gate died"
e2e_ok "containerd did not fall back to the real shim socket"
ctr_ task rm -f c1 >/dev/null 2>&1 || true # containerd may have removed it already
ctr_ c rm c1 || e2e_fail "ctr c rm c1 after the gate died"
e2e_assert_gone c1 "after the gate of c1 died"

# Case 2: the gate dies while containerd is down; containerd comes back to a dead gate.
e2e_start c2
addr=$(e2e_address c2) && gate=$(e2e_socket_owner "$addr") || e2e_fail "no gate for c2"
real=$(e2e_real_socket c2)
e2e_stop_containerd TERM
kill -KILL "$gate"
e2e_wait_for 15 "the killed gate to be gone" eval '! e2e_pid_alive $gate'
e2e_start_containerd
for how in unsigned signed; do
	rc=0
	if [ "$how" = signed ]; then
		tok=$(e2e_sign_exec c2 "r-$how" -- /bin/touch "/tmp/r-$how") || e2e_fail "signing"
	else
		tok=none
	fi
	e2e_exec c2 "r-$how" "$tok" /bin/touch "/tmp/r-$how" || rc=$?
	[ "$rc" -ne 0 ] && [ ! -e "$(e2e_marker "r-$how")" ] ||
		e2e_fail "a $how exec ran after containerd restarted over a dead gate"
	e2e_ok "$how exec, containerd restarted over a dead gate: fails ($(tr -d '\n' <"$E2E_ERR"))"
done
! e2e_socket_clients "$real" | grep -qx "$E2E_CD_PID" ||
	e2e_fail "the restarted containerd connected to the real shim of c2"
e2e_ok "the restarted containerd did not connect to the real shim of c2"
ctr_ task rm -f c2 >/dev/null 2>&1 || true
ctr_ c rm c2 || e2e_fail "ctr c rm c2 after its gate died"
e2e_assert_gone c2 "after the gate of c2 died with containerd down"

# The runtime still works for new containers.
e2e_start c3
e2e_exec_signed_ok c3 e1 still-gated /bin/echo still-gated
e2e_pass
