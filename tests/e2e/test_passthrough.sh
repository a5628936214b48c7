#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Everything a user does with ctr works through the gate as it does with plain runc: signed
# containers run and print, exit codes come back, tasks list, pause, kill and delete, a tty
# works, and a deleted container leaves no gate, shim, socket or bundle behind.
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

# A signed container in the foreground: output and exit code come back through the gate.
rc=0
e2e_run r1 --rm -- /bin/sh -c 'echo hello-from-r1; exit 3' || rc=$?
[ "$rc" -eq 3 ] || e2e_fail "ctr run --rm exited $rc, want 3 (stderr: $(cat "$E2E_ERR"))"
grep -qx hello-from-r1 "$E2E_OUT" || e2e_fail "ctr run printed '$(cat "$E2E_OUT")'"
e2e_ok "signed ctr run --rm printed its output and exited 3"
e2e_audit_has create r1 allow || e2e_fail "no audit line allowing the create of r1"
e2e_ok "the audit trail records the allowed create of r1"
e2e_assert_gone r1 "after ctr run --rm"

rc=0
e2e_run r0 --rm -- /bin/true || rc=$?
[ "$rc" -eq 0 ] || e2e_fail "ctr run --rm /bin/true exited $rc: $(cat "$E2E_ERR")"
e2e_ok "signed ctr run --rm /bin/true exited 0"

# A detached container, behind the gate's socket.
e2e_start c1
addr=$(e2e_address c1) || e2e_fail "no address file for c1"
[[ "$addr" == /run/shimgate/* ]] || e2e_fail "containerd dials $addr for c1, not a gate socket"
gate=$(e2e_socket_owner "$addr") || e2e_fail "nothing listens on $addr"
grep -q shimgate "/proc/$gate/cmdline" || e2e_fail "pid $gate on $addr is not the gate"
e2e_ok "containerd talks to c1 through the gate (pid $gate on $addr)"

ctr_ task ls >"$E2E_TMP/out/ls" || e2e_fail "ctr task ls"
grep -Eq "^c1 +[0-9]+ +RUNNING" "$E2E_TMP/out/ls" || e2e_fail "ctr task ls: $(cat "$E2E_TMP/out/ls")"
e2e_ok "ctr task ls shows c1 RUNNING"
ctr_ task ps c1 >"$E2E_TMP/out/ps" || e2e_fail "ctr task ps c1"
[ "$(grep -cE '^[0-9]+ ' "$E2E_TMP/out/ps")" -ge 1 ] || e2e_fail "ctr task ps: $(cat "$E2E_TMP/out/ps")"
e2e_ok "ctr task ps c1 lists its processes"

e2e_exec_signed_ok c1 e1 hello-exec /bin/echo hello-exec

ctr_ task pause c1 || e2e_fail "ctr task pause c1"
ctr_ task ls | grep -Eq "^c1 .*PAUSED" || e2e_fail "c1 not PAUSED: $(ctr_ task ls)"
ctr_ task resume c1 || e2e_fail "ctr task resume c1"
e2e_wait_for 10 "c1 to run again" e2e_task_running c1
e2e_ok "ctr task pause and resume"

# A terminal: ctr run -t (signed with terminal=true).
rc=0
E2E_TTY=1 e2e_run t1 -t --rm -- /bin/sh -c 'tty; exit 4' || rc=$?
[ "$rc" -eq 4 ] || e2e_fail "ctr run -t exited $rc, want 4 (out: $(cat "$E2E_OUT") err: $(cat "$E2E_ERR"))"
grep -q '/dev/pts/[0-9]' "$E2E_OUT" || e2e_fail "ctr run -t: no tty inside: $(cat "$E2E_OUT")"
e2e_ok "ctr run -t: a tty inside, exit 4 came back"

# Kill and delete through ctr; everything of c1 goes away.
ctr_ task kill -s SIGKILL c1 || e2e_fail "ctr task kill c1"
e2e_wait_for 15 "c1 to stop" sh -c "ctr -a '$E2E_SOCK' -n '$E2E_NS' task ls | grep -Eq '^c1 .*STOPPED'"
e2e_ok "ctr task kill stopped c1"
ctr_ task delete c1 >/dev/null || e2e_fail "ctr task delete c1"
ctr_ c rm c1 || e2e_fail "ctr c rm c1"
e2e_assert_gone c1 "after ctr task delete"
e2e_wait_for 15 "the gate (pid $gate) of c1 to exit" eval '! e2e_pid_alive $gate'
e2e_wait_for 15 "the gate socket $addr of c1 to go" test ! -e "$addr"
e2e_ok "the gate of c1 exited and removed its socket"

e2e_assert_no_secrets
e2e_pass
