#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# containerd restarted three times (twice stopped, once killed) while two gated containers
# run: the gates live on, containerd reconnects to them, and after every restart each
# container's signed exec runs and its unsigned exec is refused with the gate's reason (in
# ctr's error, the gate's log and the audit trail). No exec is lost or let through.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
e2e_setup "$@"

e2e_start c1
e2e_start c2
declare -A gate
for id in c1 c2; do
	gate[$id]=$(fault_gate_pid "$id") || e2e_fail "no gate process for $id"
	e2e_exec_signed_ok "$id" s0 "$id-before" /bin/echo "$id-before"
done

for round in 1 2 3; do
	sig=TERM
	[ "$round" -eq 2 ] && sig=KILL
	old=$E2E_CD_PID
	e2e_restart_containerd "$sig"
	[ "$E2E_CD_PID" != "$old" ] || e2e_fail "containerd was not restarted"
	e2e_ok "round $round: containerd restarted after SIG$sig (pid $old -> $E2E_CD_PID)"
	for id in c1 c2; do
		e2e_wait_for 30 "round $round: task $id to be listed RUNNING" e2e_task_running "$id"
		[ "$(fault_gate_pid "$id")" = "${gate[$id]}" ] ||
			e2e_fail "round $round: the gate of $id is not pid ${gate[$id]} any more"
		[[ "$(e2e_address "$id")" == /run/shimgate/* ]] ||
			e2e_fail "round $round: containerd dials $(e2e_address "$id") for $id, not the gate"
		e2e_exec_signed_ok "$id" "s$round" "$id-round-$round" /bin/echo "$id-round-$round"
		e2e_audit_has exec "$id" allow "s$round" ||
			e2e_fail "round $round: no audit line allowing exec s$round in $id"
		fault_exec_unsigned_refused "$id" "u$round" "round $round: unsigned exec into $id"
		e2e_audit_has exec "$id" deny "u$round" ||
			e2e_fail "round $round: no audit line denying exec u$round in $id"
		grep -q "exec 'u$round' in '$id' refused" "$E2E_TMP/containerd.log" ||
			e2e_fail "round $round: the gate's refusal of u$round in $id is not in containerd's log"
	done
	e2e_ok "round $round: both gates still serve, signed execs ran, unsigned ones were refused and logged"
done
# Exactly one decision per exec: none lost, none recorded twice.
allows=$(fault_audit_count exec allow)
denies=$(fault_audit_count exec deny)
[ "$allows" -eq 8 ] && [ "$denies" -eq 6 ] ||
	e2e_fail "the audit trail has $allows exec allows and $denies denies, want 8 and 6"
e2e_ok "the audit trail has exactly the 8 allowed and 6 refused execs"
e2e_pass
