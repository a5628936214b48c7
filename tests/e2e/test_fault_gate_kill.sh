#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# kill -9 of the gate while signed execs run and others are being sent: every exec call
# ends (none hangs, none finishes its command), containerd notices and tears the container
# down, nothing can exec into it without the gate afterwards, no process or socket of it is
# left, and ctr can still remove it. A new container then works as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
e2e_setup "$@"

e2e_start c1
gate=$(fault_gate_pid c1) || e2e_fail "no gate process for c1"
real=$(fault_real_pid c1) || e2e_fail "no real shim process for c1"
gsock=$(e2e_address c1) || e2e_fail "no address file for c1"
[ "$(e2e_socket_owner "$gsock")" = "$gate" ] || e2e_fail "pid $gate does not serve $gsock"
e2e_ok "c1: gate pid $gate on $gsock, real shim pid $real"

# Long execs: LONG run their command (started marker seen), RACING are sent as the gate dies.
long_cmd() { echo "touch /tmp/start-$1; sleep 30; touch /tmp/done-$1"; }
declare -A job
exec_bg() {
	local eid=$1 tok
	tok=$(e2e_sign_exec c1 "$eid" -- /bin/sh -c "$(long_cmd "$eid")")
	(
		rc=0
		E2E_TIMEOUT=40 e2e_exec c1 "$eid" "$tok" /bin/sh -c "$(long_cmd "$eid")" || rc=$?
		echo "$rc" >"$E2E_TMP/out/$eid.rc"
	) &
	job[$eid]=$!
}
for eid in long1 long2 long3; do exec_bg "$eid"; done
started() { for e in long1 long2 long3; do [ -e "$(e2e_marker "start-$e")" ] || return 1; done; }
e2e_wait_for 30 "the three long execs to start" started
e2e_ok "three signed long execs run in c1"
for eid in race1 race2 race3; do exec_bg "$eid"; done

kill -KILL "$gate"
t0=$(date +%s)
for eid in "${!job[@]}"; do
	wait "${job[$eid]}" || true
	rc=$(cat "$E2E_TMP/out/$eid.rc")
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
		e2e_fail "exec $eid ended with $rc after the gate was killed: $(cat "$E2E_TMP/out/$E2E_NS.c1.$eid.err")"
done
[ $(($(date +%s) - t0)) -lt 20 ] || e2e_fail "the exec calls took $(($(date +%s) - t0)) s to end"
e2e_ok "all 6 exec calls failed within $(($(date +%s) - t0)) s of the kill (none hung)"
e2e_wait_for 10 "the gate $gate to be gone" fault_gone "$gate"

# containerd saw the shim go and removed the task, killing the container with it.
e2e_wait_for 20 "containerd to drop task c1" e2e_task_absent c1
grep -q 'msg="shim disconnected" id=c1' "$E2E_TMP/containerd.log" ||
	e2e_fail "containerd's log does not show c1's shim disconnecting"
e2e_ok "containerd noticed the gate's death and dropped task c1"
e2e_wait_for 20 "the real shim $real to exit" fault_gone "$real"
e2e_ok "the orphaned real shim (pid $real) exited"
fault_assert_nothing_left c1 "after kill -9 of the gate" "$gsock"
for eid in "${!job[@]}"; do
	[ ! -e "$(e2e_marker "done-$eid")" ] || e2e_fail "exec $eid finished its command"
done
e2e_ok "no long exec finished its command"

# Nothing reaches c1 without the gate: no exec, signed or not, runs; no shim comes back.
rc=0
e2e_exec c1 after1 none /bin/touch /tmp/after1 || rc=$?
[ "$rc" -ne 0 ] || e2e_fail "an unsigned exec into c1 succeeded after the gate died"
[ ! -e "$(e2e_marker after1)" ] || e2e_fail "an unsigned exec ran in c1 after the gate died"
e2e_ok "unsigned exec into c1 fails and does not run ($(tr -d '\n' <"$E2E_ERR"))"
rc=0
tok=$(e2e_sign_exec c1 after2 -- /bin/touch /tmp/after2)
e2e_exec c1 after2 "$tok" /bin/touch /tmp/after2 || rc=$?
[ "$rc" -ne 0 ] && [ ! -e "$(e2e_marker after2)" ] ||
	e2e_fail "a signed exec into the torn-down c1 ran"
e2e_no_shims c1 || e2e_fail "an exec attempt started a shim for c1 again: $(e2e_shim_pids c1)"
e2e_ok "signed exec fails too, and no shim came back for c1"

if ! e2e_task_absent c1; then
	ctr_ task rm -f c1 >/dev/null || e2e_fail "ctr task rm -f c1"
fi
ctr_ c rm c1 || e2e_fail "ctr c rm c1 after the gate was killed"
e2e_assert_gone c1 "after ctr c rm"

# The runtime still works for new containers.
e2e_start c2
e2e_exec_signed_ok c2 s1 c2-alive /bin/echo c2-alive
fault_exec_unsigned_refused c2 u1 "unsigned exec into the new container c2"
e2e_pass
