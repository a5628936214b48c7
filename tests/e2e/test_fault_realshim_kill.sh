#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kill -9 of the real runc shim behind a gate: the gate notices and exits within seconds
# (it must not linger in front of nothing), containerd cleans the container up, and no
# process, socket or bundle of it is left; ctr can remove it and new containers work.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
e2e_setup "$@"

e2e_start c1
e2e_start c2
gate=$(fault_gate_pid c1) || e2e_fail "no gate process for c1"
real=$(fault_real_pid c1) || e2e_fail "no real shim process for c1"
gsock=$(e2e_address c1) || e2e_fail "no address file for c1"
gate2=$(fault_gate_pid c2) || e2e_fail "no gate process for c2"
e2e_exec_signed_ok c1 s1 c1-before /bin/echo c1-before
e2e_ok "c1: gate pid $gate, real shim pid $real"

kill -KILL "$real"
e2e_wait_for 5 "the gate $gate of c1 to exit after its real shim died" fault_gone "$gate"
e2e_ok "the gate of c1 exited within 5 s of its real shim's death"
grep -q "the real shim is gone and no connection remains: exiting" "$E2E_TMP/containerd.log" ||
	e2e_fail "the gate did not log why it exited"
e2e_ok "the gate logged that its real shim was gone"

e2e_wait_for 20 "containerd to drop task c1" e2e_task_absent c1
fault_assert_nothing_left c1 "after kill -9 of the real shim" "$gsock"
rc=0
e2e_exec c1 after1 none /bin/touch /tmp/after1 || rc=$?
[ "$rc" -ne 0 ] && [ ! -e "$(e2e_marker after1)" ] ||
	e2e_fail "an exec into c1 ran after its shims died"
e2e_ok "an exec into c1 fails and does not run ($(tr -d '\n' <"$E2E_ERR"))"
ctr_ c rm c1 || e2e_fail "ctr c rm c1 after the real shim was killed"
e2e_assert_gone c1 "after ctr c rm"

# The other container's gate was not touched, and still gates.
[ "$(fault_gate_pid c2)" = "$gate2" ] || e2e_fail "the gate of c2 changed or died"
e2e_exec_signed_ok c2 s1 c2-alive /bin/echo c2-alive
fault_exec_unsigned_refused c2 u1 "unsigned exec into c2 after c1's shim died"
e2e_start c3
e2e_exec_signed_ok c3 s1 c3-alive /bin/echo c3-alive
e2e_pass
