#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Exec signatures through ctr task exec (token in argv[0]), THREATS.md T1-T6: every forged,
# misdirected, stale, replayed or tampered token is refused with its reason, and the command
# it carried never runs (each refused command would have created a marker file).
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

NS2=$E2E_NS-b
e2e_start c1
e2e_start c2
E2E_NS=$NS2 e2e_start c1

e2e_exec_signed_ok c1 ok1 signed-ok /bin/echo signed-ok
e2e_audit_has exec c1 allow ok1 || e2e_fail "no audit line allowing exec ok1"
e2e_ok "the audit trail records the allowed exec ok1"

# refused EID TOKEN REASON WHAT: exec `touch /tmp/<EID>` in c1 with TOKEN; must be refused.
refused() {
	local eid=$1 tok=$2 reason=$3 what=$4 rc=0
	e2e_exec c1 "$eid" "$tok" /bin/touch "/tmp/$eid" || rc=$?
	e2e_expect_refused "$rc" "$reason" "$eid" "$what"
	e2e_audit_has exec c1 deny "$eid" || e2e_fail "$what: no audit line denying exec $eid"
}
# sign EID [sign options]: a token for `touch /tmp/<EID>` in c1.
sign() {
	local eid=$1
	shift
	e2e_sign_exec c1 "$eid" "$@" -- /bin/touch "/tmp/$eid" || e2e_fail "signing $eid"
}

# T1: no token, an empty, truncated or garbage one, an unknown key id.
refused t1-none none 'no signature' "T1 unsigned exec"
refused t1-empty "" 'malformed signature token' "T1 empty token"
tok=$(sign t1-trunc)
refused t1-trunc "${tok%????????}" 'malformed signature token' "T1 truncated token"
refused t1-garbage "not-a-token" 'malformed signature token' "T1 garbage token"
refused t1-upper "$(sign t1-upper | tr a-f A-F)" 'malformed signature token' "T1 token with uppercase hex"
mkdir -m 0700 "$E2E_TMP/otherkeys"
"$E2E_CLI" keygen --key-id k2 --dir "$E2E_TMP/otherkeys" >/dev/null
refused t1-k2 "$(E2E_SIGN_KEY=$E2E_TMP/otherkeys/k2 sign t1-k2)" "unknown key id 'k2'" "T1 unknown key id"
# Same key id as ours, other secret: a forged MAC.
mkdir -m 0700 "$E2E_TMP/forged"
"$E2E_CLI" keygen --key-id e2e --dir "$E2E_TMP/forged" >/dev/null
refused t1-forged "$(E2E_SIGN_KEY=$E2E_TMP/forged/e2e sign t1-forged)" 'bad signature' "T1 MAC made with another secret"

# T2: a token for c2, and for c1 of another namespace.
tok=$(e2e_sign_exec c2 t2-other -- /bin/touch /tmp/t2-other) || e2e_fail "signing for c2"
refused t2-other "$tok" 'bad signature' "T2 token for container c2 used on c1"
tok=$(E2E_NS=$NS2 e2e_sign_exec c1 t2-ns -- /bin/touch /tmp/t2-ns) || e2e_fail "signing for $NS2"
refused t2-ns "$tok" 'bad signature' "T2 token for c1 of namespace $NS2 used in $E2E_NS"

# T3: a create token presented for an exec.
refused t3-create "$(e2e_sign_create c1)" 'bad signature' "T3 create token (for c1) used for an exec"

# T5: too old, too far ahead (the hmac module's window: 120 s back, 5 s ahead).
now=$(date +%s)
refused t5-old "$(sign t5-old --timestamp $((now - 200)))" 'signature expired' "T5 token signed 200 s ago"
refused t5-future "$(sign t5-future --timestamp $((now + 60)))" 'signature from the future' "T5 token signed 60 s ahead"
tok=$(sign t5-edge --timestamp $((now - 60)))
e2e_exec c1 t5-edge "$tok" /bin/touch /tmp/t5-edge || e2e_fail "a token signed 60 s ago was refused: $(cat "$E2E_ERR")"
[ -e "$(e2e_marker t5-edge)" ] || e2e_fail "the exec signed 60 s ago did not run"
e2e_ok "T5 a token signed 60 s ago (inside the window) is accepted"

# T6: the content changed after signing: argv, user, cwd, exec id.
tok=$(e2e_sign_exec c1 t6-argv -- /bin/echo harmless) || e2e_fail "signing t6-argv"
refused t6-argv "$tok" 'bad signature' "T6 argv changed after signing"
rc=0
e2e_exec c1 t6-user "$(sign t6-user)" --user 1000 -- /bin/touch /tmp/t6-user || rc=$?
e2e_expect_refused "$rc" 'bad signature' t6-user "T6 user changed after signing (ctr --user 1000)"
rc=0
e2e_exec c1 t6-cwd "$(sign t6-cwd)" --cwd /tmp -- /bin/touch /tmp/t6-cwd || rc=$?
e2e_expect_refused "$rc" 'bad signature' t6-cwd "T6 cwd changed after signing (ctr --cwd /tmp)"
tok=$(e2e_sign_exec c1 t6-eid-a -- /bin/touch /tmp/t6-eid) || e2e_fail "signing t6-eid-a"
rc=0
e2e_exec c1 t6-eid-b "$tok" /bin/touch /tmp/t6-eid || rc=$?
e2e_expect_refused "$rc" 'bad signature' t6-eid "T6 token bound to exec id t6-eid-a used as t6-eid-b"

# T4: replay. Same container: once allowed, then refused.
tok=$(e2e_sign_exec c1 t4 -- /bin/echo replay-once) || e2e_fail "signing t4"
e2e_exec c1 t4 "$tok" /bin/echo replay-once || e2e_fail "first use of the t4 token refused: $(cat "$E2E_ERR")"
grep -qx replay-once "$E2E_OUT" || e2e_fail "first use of t4 printed '$(cat "$E2E_OUT")'"
e2e_ok "T4 first use of a token runs"
rc=0
e2e_exec c1 t4 "$tok" /bin/echo replay-once || rc=$?
e2e_expect_refused "$rc" 'replayed signature' "" "T4 the same token again, same container"
# Another shim process: c2's gate is another process than c1's; a token for c2 with the nonce
# already used in c1 has a valid MAC, and is refused by the host-wide replay store.
g1=$(e2e_socket_owner "$(e2e_address c1)") && g2=$(e2e_socket_owner "$(e2e_address c2)") ||
	e2e_fail "cannot find the gates of c1 and c2"
[ "$g1" != "$g2" ] || e2e_fail "c1 and c2 share one gate process ($g1)"
nonce=$(echo "$tok" | awk -F. '{print $(NF - 1)}') # the field before the MAC
tok2=$(e2e_sign_exec c2 t4 --nonce "$nonce" -- /bin/touch /tmp/t4-c2) || e2e_fail "signing t4 for c2"
rc=0
e2e_exec c2 t4 "$tok2" /bin/touch /tmp/t4-c2 || rc=$?
e2e_expect_refused "$rc" 'replayed signature' t4-c2 "T4 nonce used in c1 (gate $g1) replayed to c2 (gate $g2)"
# After the gate of c1 restarted: delete c1 (its gate exits) and start it again (a new gate).
ctr_ task kill -s SIGKILL c1 >/dev/null && e2e_wait_for 15 "c1 to stop" eval '! e2e_task_running c1'
ctr_ task delete c1 >/dev/null && ctr_ c rm c1 || e2e_fail "deleting c1"
e2e_assert_gone c1 "c1 deleted for the restart case"
e2e_wait_for 15 "the old gate $g1 to exit" eval '! e2e_pid_alive $g1'
e2e_start c1
g3=$(e2e_socket_owner "$(e2e_address c1)") || e2e_fail "no gate for the new c1"
[ "$g3" != "$g1" ] || e2e_fail "the new c1 has the old gate $g1"
rc=0
e2e_exec c1 t4 "$tok" /bin/echo replay-once || rc=$?
e2e_expect_refused "$rc" 'replayed signature' "" "T4 the token replayed to a new gate ($g3) for c1"
e2e_exec_signed_ok c1 after-replay still-works /bin/echo still-works

# Two tokens, in argv[0] and argv[1]: ambiguous, refused as malformed input naming both places
# (InvalidArgument, which ctr prints as "invalid argument"; README "Refusals").
tok=$(sign t9-two)
rc=0
e2e_exec c1 t9-two "$tok" "SHIMGATE_TOKEN=$tok" /bin/touch /tmp/t9-two || rc=$?
e2e_expect_refused "$rc" "^ctr: shimgate: exec 't9-two' in 'c1' refused: ambiguous request: 2 signature tokens \\(argv\\[0\\], argv\\[1\\]\\); a request carries one: invalid argument$" \
	t9-two "two tokens, in argv[0] and argv[1]"

# Nothing refused ran.
for m in "$E2E_ROOTFS"/tmp/*; do
	case ${m##*/} in t5-edge) ;; *) e2e_fail "a refused command ran: ${m##*/} exists" ;; esac
done
e2e_ok "no marker of a refused exec exists"
e2e_assert_no_secrets
e2e_pass
