#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Execs sent through containerd's gRPC Tasks API (tests/e2e/grpc_exec.py), with specs ctr
# cannot produce: the token in the process env; env added beyond what was signed (T7);
# capabilities and no_new_privs raised by the client (T14, T16; a plain runc container is the
# control that shows the attack works without the gate); and the token never reaching the
# process, in env or argv (T10).
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

e2e_start c1
P=$E2E_TMP/proc
mkdir -p "$P"

# A client signs the process exactly as it will send it, carrier included: the signer drops
# the carrier as the gate does, whatever its value, so a placeholder stands for the token.
# (Dropping the carrier from an env that held nothing else leaves an empty env list, which
# signs differently from an absent one: FORMAT.md, T8.)
CARRIER=SHIMGATE_TOKEN=PENDING
# sign_process EID FILE: a token for the process in FILE.
sign_process() {
	e2e_sign_exec c1 "$1" --process "$2" || e2e_fail "signing $2"
}
# with_token FILE TOKEN OUT [ENV...]: FILE's process with the placeholder replaced by TOKEN,
# and ENV entries appended (what a client adds after signing).
with_token() {
	"$E2E_PY" - "$@" <<-'EOF' || e2e_fail "adding the token to $1"
		import json, sys
		src, tok, out, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
		p = json.load(open(src))
		env = p["env"]
		env[env.index("SHIMGATE_TOKEN=PENDING")] = "SHIMGATE_TOKEN=" + tok
		env += extra
		json.dump(p, open(out, "w"))
	EOF
}

# Signed, token in env: runs.
e2e_process c1 "$P/g1" --env "$CARRIER" -- /bin/sh -c 'echo grpc-ok > /tmp/g1'
with_token "$P/g1" "$(sign_process g1 "$P/g1")" "$P/g1.tok"
e2e_grpc_exec c1 g1 "$P/g1.tok" || e2e_fail "signed gRPC exec refused: $(cat "$E2E_ERR")"
grep -qx exit=0 "$E2E_OUT" || e2e_fail "signed gRPC exec: $(cat "$E2E_OUT")"
[ "$(cat "$(e2e_marker g1)" 2>/dev/null)" = grpc-ok ] || e2e_fail "the signed gRPC exec did not run"
e2e_ok "gRPC exec with a signed env token ran"

# Unsigned: refused.
e2e_process c1 "$P/g2" -- /bin/touch /tmp/g2
rc=0
e2e_grpc_exec c1 g2 "$P/g2" || rc=$?
e2e_expect_refused "$rc" 'no signature' g2 "gRPC exec without a token"
e2e_audit_has exec c1 deny g2 || e2e_fail "no audit line denying g2"

# A refused exec is not carried out: its audit line lists no changes, and the rewrites its
# stack computed before the refusal (capabilities cut, no_new_privs forced) as not applied.
# The shipped stack checks the signature before any rewrite, so c2's gate loads it with the
# signature moved last, after the rewrites (c1's gate has loaded the shipped one already).
cp "$E2E_POLICY/exec" "$E2E_TMP/exec.shipped"
{ grep -vx 'requisite hmac' "$E2E_TMP/exec.shipped"; echo 'required hmac'; } >"$E2E_POLICY/exec"
e2e_start c2
cat "$E2E_TMP/exec.shipped" >"$E2E_POLICY/exec"
raise=(--add-cap CAP_SYS_PTRACE --add-cap CAP_NET_ADMIN --add-cap CAP_SYS_MODULE --allow-new-privs)
e2e_process c2 "$P/g2r" "${raise[@]}" -- /bin/touch /tmp/g2r
rc=0
e2e_grpc_exec c2 g2r "$P/g2r" || rc=$?
e2e_expect_refused "$rc" 'no signature' g2r "unsigned cap-raising gRPC exec"
line=$(e2e_audit_line exec c2 deny g2r) || e2e_fail "no audit line denying g2r"
e2e_json_check "$line" 'a["changes"] == [] and any(n.startswith("caps:") for n in a["not_applied"])' \
	"the audit line of the refused exec g2r"
e2e_ok "a refused exec's audit line lists no changes, its computed rewrites as not_applied"

# T7: env the signature does not cover, added by the client after signing.
e2e_process c1 "$P/g3" --env "$CARRIER" -- /bin/touch /tmp/g3
tok=$(sign_process g3 "$P/g3")
for extra in LD_PRELOAD=/tmp/evil.so PATH=/tmp/evil; do
	with_token "$P/g3" "$tok" "$P/g3.x" "$extra"
	rc=0
	e2e_grpc_exec c1 g3 "$P/g3.x" || rc=$?
	e2e_expect_refused "$rc" 'bad signature' g3 "T7 signed exec plus env $extra"
done
# The legitimate variant: the same env entry, signed, passes.
e2e_process c1 "$P/g3b" --env LD_LIBRARY_PATH=/lib --env "$CARRIER" -- /bin/sh -c 'echo "$LD_LIBRARY_PATH" > /tmp/g3b'
with_token "$P/g3b" "$(sign_process g3b "$P/g3b")" "$P/g3b.tok"
e2e_grpc_exec c1 g3b "$P/g3b.tok" || e2e_fail "signed exec with a signed env entry refused: $(cat "$E2E_ERR")"
[ "$(cat "$(e2e_marker g3b)" 2>/dev/null)" = /lib ] || e2e_fail "the signed env entry did not reach the process"
e2e_ok "T7 an env entry that is signed reaches the process"

# T14/T16: a signed exec whose spec asks for SYS_PTRACE, NET_ADMIN, SYS_MODULE and
# noNewPrivileges=false (capabilities are not signed: policy must force them).
e2e_process c1 "$P/g4" "${raise[@]}" --env "$CARRIER" -- /bin/sh -c 'cat /proc/self/status > /tmp/g4.status'
with_token "$P/g4" "$(sign_process g4 "$P/g4")" "$P/g4.tok"
e2e_grpc_exec c1 g4 "$P/g4.tok" || e2e_fail "signed cap-raising exec refused: $(cat "$E2E_ERR")"
grep -qx exit=0 "$E2E_OUT" || e2e_fail "cap-raising exec: $(cat "$E2E_OUT")"
e2e_assert_confined "$(e2e_marker g4.status)" "T14/T16 signed exec asking for SYS_PTRACE,NET_ADMIN,SYS_MODULE and noNewPrivileges=false" 2 exec
# Control: the same spec against a plain runc container gets what it asks for.
E2E_RUN_RUNTIME=$E2E_RUNC_RUNTIME E2E_TOKEN=none e2e_start ctl --runc-root "$E2E_RUNC_ROOT"
"$E2E_PY" "$E2E_SRC/tests/e2e/grpc_exec.py" process --spec "$(e2e_specfile ctl)" "${raise[@]}" \
	-- /bin/sh -c 'cat /proc/self/status > /tmp/ctl.status' >"$P/ctl"
e2e_grpc_exec ctl g4 "$P/ctl" || e2e_fail "control exec on plain runc failed: $(cat "$E2E_ERR")"
v=$(e2e_status_field "$(e2e_marker ctl.status)" CapEff)
[ $((16#$v & (1 << 19))) -ne 0 ] && [ "$(e2e_status_field "$(e2e_marker ctl.status)" NoNewPrivs)" = 0 ] ||
	e2e_fail "control: plain runc gave CapEff $v; the attack spec does not do what it should"
e2e_ok "control: the same spec on plain runc runs with CapEff $v (SYS_PTRACE) and NoNewPrivs 0"

# T10: the token is stripped before the process starts, from env (gRPC) and argv (ctr).
e2e_process c1 "$P/g5" --env VISIBLE=yes --env "$CARRIER" -- /bin/sh -c 'cat /proc/$$/environ > /tmp/g5.env; cat /proc/$$/cmdline > /tmp/g5.cmd; exit 0'
tok=$(sign_process g5 "$P/g5")
with_token "$P/g5" "$tok" "$P/g5.tok"
e2e_grpc_exec c1 g5 "$P/g5.tok" || e2e_fail "signed exec g5 refused: $(cat "$E2E_ERR")"
# (exit 0 last: busybox sh would exec a last external command in its own place.)
save='cat /proc/$$/environ > /tmp/g6.env; cat /proc/$$/cmdline > /tmp/g6.cmd; exit 0'
tok6=$(e2e_sign_exec c1 g6 -- /bin/sh -c "$save") || e2e_fail "signing g6"
e2e_exec c1 g6 "$tok6" /bin/sh -c "$save" || e2e_fail "signed argv-form exec g6 refused: $(cat "$E2E_ERR")"
grep -qa VISIBLE=yes "$(e2e_marker g5.env)" || e2e_fail "g5 saved no environment"
grep -qa /bin/sh "$(e2e_marker g5.cmd)" && grep -qa /bin/sh "$(e2e_marker g6.cmd)" ||
	e2e_fail "g5/g6 saved no command line"
for f in g5.env g5.cmd g6.env g6.cmd; do
	! grep -qa -e SHIMGATE_TOKEN -e "${tok##*.}" -e "${tok6##*.}" "$(e2e_marker $f)" ||
		e2e_fail "T10 the token reached the process: $(tr '\0' ' ' <"$(e2e_marker $f)")"
done
e2e_ok "T10 neither the env token (gRPC) nor the argv token (ctr) is in the process's environ or cmdline"

for m in g2 g2r g3; do
	[ ! -e "$(e2e_marker $m)" ] || e2e_fail "the refused exec $m ran"
done
e2e_assert_no_secrets
e2e_pass
