#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The signer and container-relative exec tokens as one workflow (THREATS.md T33, FORMAT.md
# sections 6 and 7): alice's certificate gets an sg2 token for an exec with only argv for
# node-a (the signer's audit names the binding, no user or cwd made up, no MAC);
# `shimgate exec ctr --signer` runs it through the gate keyed for node-a without any --spec,
# also with -u U:G --cwd (binding "sw", what ctr keeps); on node-b's keys the same is refused
# and the command does not run; asks outside alice's rights are refused with the reason;
# --print never shows the token; --token-version 1 with absolute values still works.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/signer_lib.sh"
e2e_setup "$@"

sgn_exec_signer
e2e_ok "shimgate-signer listens on $SGN_URL (pid $SGN_PID)"
e2e_start c1

# sign_as EID [sign options] -- ARGV: alice's token from the signer, no --spec.
sign_as() {
	local eid=$1
	shift
	"$E2E_CLI" sign exec --signer "$SGN_URL" --cert "$PKI/alice.crt" --key "$PKI/alice.key" \
		--cacert "$PKI/ca.crt" --namespace "$E2E_NS" --id c1 --exec-id "$eid" "$@" \
		2>"$E2E_TMP/out/sign.err"
}
# helper [OPTIONS] CONTAINER -- ARGV: shimgate exec ctr asking the signer as alice; stdout and
# stderr in $E2E_OUT/$E2E_ERR.
helper() {
	local rc=0
	E2E_OUT=$E2E_TMP/out/helper.out
	E2E_ERR=$E2E_TMP/out/helper.err
	timeout "$E2E_TIMEOUT" "$E2E_CLI" exec ctr --signer "$SGN_URL" --cert "$PKI/alice.crt" \
		--key "$PKI/alice.key" --cacert "$PKI/ca.crt" -a "$E2E_SOCK" -n "$E2E_NS" "$@" \
		</dev/null >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	return "$rc"
}

# --- A token with only argv, for node-a: sg2, every field the container's own.
sgn_use_host_key b
tok=$(sign_as sx-a --node node-a -- /bin/touch /tmp/sx-a) ||
	e2e_fail "alice got no token: $(cat "$E2E_TMP/out/sign.err")"
e2e_note_token "$tok"
case $tok in sg2.ugsw.sgn.*) ;; *) e2e_fail "the signer gave '$tok', want sg2.ugsw.sgn." ;; esac
issued=$(sgn_last_audit issue)
"$E2E_PY" - "$issued" <<-'PY' || e2e_fail "the issuance's audit line: $issued"
	import json, sys
	a = json.loads(sys.argv[1])
	assert a["identity"] == "alice" and a["node"] == "node-a", a
	assert a["token_version"] == 2 and a["binding"] == "ugsw", a
	assert "user" not in a and "cwd" not in a, a
	assert a["argv"] == ["/bin/touch", "/tmp/sx-a"] and a["env"] == [], a
	PY
grep -qF "${tok##*.}" "$SGN_AUDIT" && e2e_fail "the signer's audit holds the token's MAC"
e2e_ok "alice (no key, no config.json) got $(cut -d. -f1-3 <<<"$tok").… for node-a; audited as binding ugsw"
rc=0
e2e_exec c1 sx-a "$tok" /bin/touch /tmp/sx-a || rc=$?
e2e_expect_refused "$rc" "bad signature" sx-a "node-a's sg2 token on the gate keyed for node-b"
sgn_use_host_key a
e2e_exec c1 sx-a "$tok" /bin/touch /tmp/sx-a || e2e_fail "node-a's gate refused its token: $(cat "$E2E_ERR")"
[ -e "$(e2e_marker sx-a)" ] || e2e_fail "the exec signed for node-a did not run"
rm -f "$(e2e_marker sx-a)"
e2e_ok "the same token runs on the gate keyed for node-a, as the container's own user in its cwd"

# --- shimgate exec ctr --signer: signs through the signer and runs, in one command.
helper --node node-a c1 -- /bin/echo helper-signer-ok || e2e_fail "exec ctr --signer: $(cat "$E2E_ERR")"
[ "$(cat "$E2E_OUT")" = helper-signer-ok ] || e2e_fail "exec ctr --signer printed '$(cat "$E2E_OUT")'"
[ "$(sgn_last_audit issue | grep -o '"binding":"[a-z-]*"')" = '"binding":"ugsw"' ] ||
	e2e_fail "exec ctr --signer: not issued as binding ugsw: $(sgn_last_audit issue)"
e2e_ok "shimgate exec ctr --signer on node-a: no key file, no --spec, runs and prints its output"
helper --node node-a -u 1000:1000 --cwd /tmp c1 -- /usr/bin/id -u >/dev/null ||
	e2e_fail "exec ctr --signer -u 1000:1000 --cwd /tmp: $(cat "$E2E_ERR")"
[ "$(cat "$E2E_OUT")" = 1000 ] || e2e_fail "exec ctr --signer -u 1000:1000 ran as '$(cat "$E2E_OUT")'"
sgn_last_audit issue | grep -q '"binding":"s".*"cwd":"/tmp","user":{"uid":1000,"gid":1000}' ||
	e2e_fail "-u 1000:1000 --cwd /tmp: not issued as binding s with those values: $(sgn_last_audit issue)"
rc=0
helper --node node-a c1 -- /bin/false || rc=$?
[ "$rc" = 1 ] || e2e_fail "exec ctr --signer: exit status $rc, want /bin/false's 1 ($(cat "$E2E_ERR"))"
e2e_ok "exec ctr --signer -u 1000:1000 --cwd /tmp runs as uid 1000 (binding s), exit status passes through"

# --print: the command, the token elided (a token was issued, and it is not shown).
helper --node node-a --print c1 -- /bin/true || e2e_fail "exec ctr --signer --print: $(cat "$E2E_ERR")"
grep -q 'task exec .* SHIMGATE_TOKEN=<token> /bin/true$' "$E2E_OUT" ||
	e2e_fail "exec ctr --signer --print printed '$(cat "$E2E_OUT")'"
! grep -q 'sg[12]\.' "$E2E_OUT" "$E2E_ERR" || e2e_fail "--print showed the token"
e2e_ok "exec ctr --signer --print: $(cat "$E2E_OUT")"

# --- node-b's keys: the helper's exec is refused, and its command does not run.
sgn_use_host_key b
rc=0
helper --node node-a --exec-id sx-b c1 -- /bin/touch /tmp/sx-b || rc=$?
e2e_expect_refused "$rc" "bad signature" sx-b "exec ctr --signer for node-a on the gate keyed for node-b"
sgn_use_host_key a

# --- Outside alice's rights: no token, the signer's reason, a refusal line in its audit.
# outside WHAT REASON HELPER-ARGS...
outside() {
	local what=$1 reason=$2 rc=0
	shift 2
	helper "$@" || rc=$?
	[ "$rc" = 1 ] || e2e_fail "$what: exit $rc, want 1 (refused) ($(cat "$E2E_ERR"))"
	grep -qF -- "$reason" "$E2E_ERR" || e2e_fail "$what: not refused with '$reason': $(cat "$E2E_ERR")"
	sgn_last_audit refuse | grep -qF -- "$reason" || e2e_fail "$what: no audit line with '$reason'"
	! grep -q 'sg[12]\.' "$E2E_OUT" "$E2E_ERR" || e2e_fail "$what: a token was shown"
	e2e_ok "$what: refused ($(cat "$E2E_ERR"))"
}
outside "alice asks for node-b" "'alice' may not ask for node 'node-b'" \
	--node node-b --exec-id sx-r1 c1 -- /bin/touch /tmp/sx-r1
outside "alice asks for a shell" "'alice' may not run '/bin/sh': argv_deny[0] matches" \
	--node node-a --exec-id sx-r2 c1 -- /bin/sh -c 'touch /tmp/sx-r2'
outside "alice asks for another namespace" "'alice' may not ask for namespace 'other'" \
	--node node-a -n other --exec-id sx-r3 c1 -- /bin/touch /tmp/sx-r3
out=$(timeout "$E2E_TIMEOUT" "$E2E_CLI" exec ctr --signer "$SGN_URL" --cert "$PKI/alice.crt" \
	--key "$PKI/alice.key" --cacert "$PKI/ca.crt" c1 -- /bin/true 2>&1) &&
	e2e_fail "exec ctr --signer without --node ran: $out"
grep -q "needs --cert, --key (the certificate's key), --cacert and --node" <<<"$out" ||
	e2e_fail "exec ctr --signer without --node: $out"
e2e_ok "exec ctr --signer without --node: $out"

# --- Version 1 on request: absolute values, still issued and run.
tok=$(sign_as sx-v1 --node node-a --token-version 1 --user 0:0 --cwd / -- /bin/touch /tmp/sx-v1) ||
	e2e_fail "--token-version 1 through the signer: $(cat "$E2E_TMP/out/sign.err")"
e2e_note_token "$tok"
case $tok in sg1.sgn.*) ;; *) e2e_fail "--token-version 1 gave '$tok'" ;; esac
sgn_last_audit issue | grep -q '"token_version":1,"binding":null,"cwd":"/","user":{"uid":0,"gid":0}' ||
	e2e_fail "the version 1 issuance's audit line: $(sgn_last_audit issue)"
e2e_exec c1 sx-v1 "$tok" /bin/touch /tmp/sx-v1 || e2e_fail "the sg1 token was refused: $(cat "$E2E_ERR")"
[ -e "$(e2e_marker sx-v1)" ] || e2e_fail "the sg1 exec did not run"
rm -f "$(e2e_marker sx-v1)"
e2e_ok "sign --signer --token-version 1 --user 0:0 --cwd /: an sg1 token that runs"

for m in "$E2E_ROOTFS"/tmp/*; do
	[ -e "$m" ] || continue
	e2e_fail "a refused command ran: ${m##*/} exists"
done
while read -r t; do
	! grep -qF -- "${t##*.}" "$SGN_AUDIT" || e2e_fail "a token's MAC is in the signer's audit"
done <"$E2E_TMP/tokens"
e2e_ok "no marker of a refused exec; $(wc -l <"$SGN_AUDIT") signer audit lines, none with a MAC"
e2e_assert_no_secrets
sgn_stop
e2e_pass
