#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# T19: containerd restarts (SIGTERM, then SIGKILL) while a gated container runs. containerd
# must reconnect to the gate, never to the real shim: the same gate process serves the new
# connection, unsigned execs are still refused and signed ones still run.
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

e2e_start c1
addr=$(e2e_address c1) || e2e_fail "no address file for c1"
gate=$(e2e_socket_owner "$addr") || e2e_fail "nothing listens on $addr"
real=$(e2e_real_socket c1)
[ "$addr" != "$real" ] || e2e_fail "the bundle names the real shim socket"
e2e_exec_signed_ok c1 before before-restart /bin/echo before-restart

# True when containerd (the running one) is connected to the gate's socket.
containerd_on_gate() { e2e_socket_clients "$addr" | grep -qx "$E2E_CD_PID"; }

containerd_on_gate || e2e_fail "containerd is not connected to the gate socket $addr"
e2e_ok "containerd (pid $E2E_CD_PID) is connected to the gate socket"
n=0
for sig in TERM KILL; do
	n=$((n + 1))
	e2e_restart_containerd "$sig"
	e2e_log "containerd restarted after SIG$sig (pid $E2E_CD_PID)"
	e2e_wait_for 20 "c1 to be listed RUNNING after the restart" e2e_task_running c1

	# containerd 1.6 reconnects to what <bundle>/address names.
	a=$(e2e_address c1) || e2e_fail "no address file after the restart"
	[ "$a" = "$addr" ] || e2e_fail "after SIG$sig the bundle names $a, not the gate socket $addr"
	[[ "$a" == /run/shimgate/* ]] || e2e_fail "after SIG$sig the bundle names $a"
	e2e_pid_alive "$gate" || e2e_fail "the gate (pid $gate) died in the restart"
	[ "$(e2e_socket_owner "$addr")" = "$gate" ] || e2e_fail "another process now serves $addr"
	e2e_wait_for 10 "the new containerd to connect to the gate socket" containerd_on_gate
	! e2e_socket_clients "$real" | grep -qx "$E2E_CD_PID" ||
		e2e_fail "after SIG$sig containerd is connected to the real shim socket $real"
	! grep -q 'cleaning up after shim disconnected.*id=c1\|id=c1.*cleaning up' "$E2E_TMP/containerd.log" ||
		e2e_fail "containerd cleaned c1 up as a dead shim"
	e2e_ok "after SIG$sig containerd reconnected to the gate (pid $gate, $addr)"

	rc=0
	e2e_exec c1 "unsigned$n" none /bin/touch "/tmp/unsigned$n" || rc=$?
	e2e_expect_refused "$rc" 'no signature' "unsigned$n" "unsigned exec after the SIG$sig restart"
	e2e_exec_signed_ok c1 "signed$n" "after-$sig" /bin/echo "after-$sig"
	e2e_audit_has exec c1 deny "unsigned$n" && e2e_audit_has exec c1 allow "signed$n" ||
		e2e_fail "the audit trail lacks the execs after the SIG$sig restart"
	e2e_ok "the audit trail records both execs after the SIG$sig restart"
done

# The container is still managed through the gate after all that.
ctr_ task kill -s SIGKILL c1 >/dev/null || e2e_fail "ctr task kill c1"
e2e_wait_for 15 "c1 to stop" eval '! e2e_task_running c1'
ctr_ task delete c1 >/dev/null && ctr_ c rm c1 || e2e_fail "deleting c1"
e2e_assert_gone c1 "after the restarts"
e2e_wait_for 15 "the gate (pid $gate) to exit" eval '! e2e_pid_alive $gate'
e2e_ok "the gate exited with its container"
e2e_assert_no_secrets
e2e_pass
