#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The audit destination failing. What the code does (plugin/core/audit.c, gate_call.c): a
# gate opens the audit file once, when it starts, and writes one line per decision before
# acting on it.
#  - A write that fails (file system full) refuses the call, allowed or not, with code
#    Internal and "audit failed: <reason>" in ctr's error and the gate's log: no decision is
#    carried out without its audit line. The gate lives on and works again once the write
#    succeeds.
#  - A gate that cannot open the file (a directory in its place) does not start: the create
#    is refused with the reason.
#  - The file renamed (log rotation) under a running gate: the next line goes to a new file
#    at the configured path, never to the rotated one. Something that is not a file in its
#    place (a directory) refuses every call, as a failing write does.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fault_lib.sh"
e2e_setup "$@"

audit_dir=$E2E_TMP/auditfs
fault_mount_tmpfs "$audit_dir" 64k
E2E_AUDIT=$audit_dir/audit.log
fault_config_set audit "$E2E_AUDIT"

# --- Full file system --------------------------------------------------------------------
e2e_start c1
gate=$(fault_gate_pid c1) || e2e_fail "no gate process for c1"
e2e_audit_has create c1 allow || e2e_fail "no audit line for the create of c1 in $E2E_AUDIT"
e2e_exec_signed_ok c1 s1 before-full /bin/echo before-full
fault_align_jsonl "$E2E_AUDIT"
fault_fill "$audit_dir"
e2e_ok "the audit file system is full"
fault_exec_signed_refused c1 full1 "audit failed: audit $E2E_AUDIT: No space left on device" \
	full1.ran "signed exec with the audit file system full"
fault_assert_reason "refused: audit failed: audit $E2E_AUDIT: No space left on device" \
	"signed exec with the audit file system full"
rc=0
e2e_exec c1 full2 none /bin/touch /tmp/full2.ran || rc=$?
e2e_expect_refused "$rc" "audit failed: .*No space left on device" full2.ran \
	"unsigned exec with the audit file system full"
fault_alive "$gate" || e2e_fail "the gate of c1 died when its audit writes failed"
! e2e_audit_has exec c1 allow full1 || e2e_fail "an audit line for full1 was written after all"
e2e_ok "gate pid $gate alive, and no decision was recorded or acted on"
rm -f "$audit_dir/fill"
e2e_exec_signed_ok c1 s2 after-full /bin/echo after-full
e2e_audit_has exec c1 allow s2 || e2e_fail "no audit line for exec s2 once there was room"
e2e_ok "with room again, signed exec s2 runs and is audited"

# --- Rotation: the file renamed, a directory in its place ---------------------------------
mv "$E2E_AUDIT" "$E2E_AUDIT.1"
e2e_exec_signed_ok c1 s3 after-rotation /bin/echo after-rotation
e2e_audit_has exec c1 allow s3 || e2e_fail "after the rotation, exec s3 is not in a new $E2E_AUDIT"
fault_exec_unsigned_refused c1 u3 "unsigned exec after the rotation"
e2e_audit_has exec c1 deny u3 || e2e_fail "after the rotation, exec u3 is not in the new $E2E_AUDIT"
! E2E_AUDIT=$E2E_AUDIT.1 e2e_audit_has exec c1 allow s3 ||
	e2e_fail "the running gate still wrote to the rotated file $E2E_AUDIT.1"
e2e_ok "after a rotation the running gate audits to a new $E2E_AUDIT, not the rotated file"
mv "$E2E_AUDIT" "$E2E_AUDIT.2"
mkdir -m 0700 "$E2E_AUDIT"
rc=0
e2e_exec c1 s4 "$(e2e_sign_exec c1 s4 -- /bin/touch /tmp/s4)" /bin/touch /tmp/s4 || rc=$?
e2e_expect_refused "$rc" "audit failed: audit $E2E_AUDIT: Is a directory" s4 \
	"signed exec with a directory at the audit path (running gate)"
fault_run_refused c2 "audit $E2E_AUDIT: Is a directory" \
	"create of c2 with a directory at the audit path"
rmdir "$E2E_AUDIT"
e2e_start c2
e2e_audit_has create c2 allow || e2e_fail "no line for the create of c2 in the new $E2E_AUDIT"
e2e_exec_signed_ok c2 s1 c2-runs /bin/echo c2-runs
e2e_audit_has exec c2 allow s1 || e2e_fail "no line for exec s1 of c2 in the new $E2E_AUDIT"
e2e_ok "with a file at the audit path again, c2 starts and is audited there"
e2e_pass
