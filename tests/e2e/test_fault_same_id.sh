#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A gate belongs to one real shim: when a container is deleted and another with the same
# namespace and id is created at once, the old gate ends and the new container gets a gate of
# its own (the old one never connects to the new real shim). After kill -9 of a gate, the
# container can be started again under the same id at once (what Docker's restart policy and
# the kubelet do), gated, and the orphaned real shim does not outlive the cleanup.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
e2e_setup "$@"

# --- delete and create again the same namespace and id, without a pause ------------------------
e2e_start c1
gate1=$(fault_gate_pid c1) || e2e_fail "no gate for c1"
addr1=$(e2e_address c1) || e2e_fail "no address for c1"
ctr_ task kill -s SIGKILL c1 >/dev/null || e2e_fail "ctr task kill c1"
e2e_wait_for 20 "c1 to stop" bash -c "! ctr -a '$E2E_SOCK' -n '$E2E_NS' task ls | grep -q '^c1 .*RUNNING'"
ctr_ task rm c1 >/dev/null || e2e_fail "ctr task rm c1"
ctr_ c rm c1 >/dev/null || e2e_fail "ctr c rm c1"
e2e_start c1
gate2=$(fault_gate_pid c1) || e2e_fail "no gate for the second c1"
addr2=$(e2e_address c1) || e2e_fail "no address for the second c1"
[ "$gate2" != "$gate1" ] && [ "$addr2" != "$addr1" ] ||
	e2e_fail "the second c1 is served by the first c1's gate (pid $gate1, $addr1)"
e2e_ok "the second c1 has its own gate (pid $gate2, $addr2; the first was pid $gate1)"
e2e_wait_for 10 "the first c1's gate (pid $gate1) to end" fault_gone "$gate1"
real2=$(e2e_real_socket c1)
for pid in $(e2e_socket_clients "$real2"); do
	[ "$pid" != "$gate1" ] || e2e_fail "the first c1's gate is connected to the new real shim"
done
e2e_ok "the first c1's gate ended and never connected to the new real shim"
rc=0
e2e_exec c1 unsigned1 none /bin/touch /tmp/unsigned1 || rc=$?
e2e_expect_refused "$rc" "no signature" unsigned1 "unsigned exec in the second c1"
e2e_exec_signed_ok c1 signed1 second-c1 /bin/echo second-c1

# --- kill -9 of a gate, then the same id at once ----------------------------------------------
e2e_start c2
gate=$(fault_gate_pid c2) || e2e_fail "no gate for c2"
real=$(fault_real_pid c2) || e2e_fail "no real shim for c2"
kill -KILL "$gate"
e2e_wait_for 20 "containerd to drop task c2" e2e_task_absent c2
# containerd's cleanup of the dead shim ends with the bundle's removal (the TaskExit event,
# which Docker and the kubelet wait for, comes after it).
e2e_wait_for 20 "containerd's cleanup of c2 to end" test ! -e "$(e2e_bundle c2)"
# containerd's cleanup ran the gate's delete, which stops the real shim first.
e2e_wait_for 10 "the real shim $real of c2 to exit" fault_gone "$real"
e2e_ok "after kill -9 of c2's gate, containerd dropped the task and the real shim (pid $real) exited"
ctr_ c rm c2 >/dev/null || e2e_fail "ctr c rm c2"
e2e_start c2
e2e_ok "c2 started again under the same id after its gate was killed"
[ "$(fault_gate_pid c2)" != "$gate" ] || e2e_fail "c2 runs without a new gate"
rc=0
e2e_exec c2 unsigned2 none /bin/touch /tmp/unsigned2 || rc=$?
e2e_expect_refused "$rc" "no signature" unsigned2 "unsigned exec in the restarted c2"
e2e_exec_signed_ok c2 signed2 restarted-c2 /bin/echo restarted-c2

e2e_pass
