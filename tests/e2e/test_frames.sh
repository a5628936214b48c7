#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# T18: malformed ttrpc input on the gate's socket (tests/e2e/ttrpc_frames.py): garbage, a
# truncated header, an oversized frame, an even stream id, a body that is no Request, an Exec
# whose payload or process JSON does not decode, an unknown method. Each gets an error answer
# or a closed connection, never a success; the gate keeps serving (same process, new and
# existing connections), the malformed Exec never runs, and signed execs still work.
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

e2e_start c1
addr=$(e2e_address c1) || e2e_fail "no address file for c1"
[[ "$addr" == /run/shimgate/* ]] || e2e_fail "c1's address $addr is not a gate socket"
gate=$(e2e_socket_owner "$addr") || e2e_fail "nothing listens on $addr"

for case in state garbage short-header oversize even-stream bad-request bad-payload bad-json unknown; do
	out=$(timeout "$E2E_TIMEOUT" "$E2E_PY" "$E2E_SRC/tests/e2e/ttrpc_frames.py" \
		--socket "$addr" --container c1 "$case" 2>&1) || e2e_fail "T18 $case: $out"
	e2e_pid_alive "$gate" || e2e_fail "T18 $case: the gate (pid $gate) died"
	[ "$(e2e_socket_owner "$addr")" = "$gate" ] || e2e_fail "T18 $case: $addr has another owner"
	e2e_ok "T18 $out"
done
[ ! -e "$(e2e_marker t18)" ] || e2e_fail "T18 the Exec with broken JSON ran"

# containerd's own connection was not disturbed: signed execs run, unsigned ones are refused.
e2e_exec_signed_ok c1 after after-frames /bin/echo after-frames
rc=0
e2e_exec c1 unsigned none /bin/touch /tmp/unsigned || rc=$?
e2e_expect_refused "$rc" 'no signature' unsigned "unsigned exec after the malformed frames"
e2e_pass
