#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Container-relative exec tokens (FORMAT.md version 2) through ctr and the gRPC client: a token
# signed with only namespace, container id, exec id and argv (no config.json) runs, also
# through `shimgate exec ctr`; the same token with another user, cwd, env, argv or terminal is
# refused, the refusal names what differs, and its digests match `shimgate explain --view`
# except for the changed field. (The terminal is the ExecProcessRequest's own field, which
# neither ctr without a tty nor the gRPC client here sets; the Docker test covers -t.) Each refused command would have created a marker file.
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

e2e_start c1

# sign_rel EID [sign options] -- ARGV: signed without the container's config.json.
sign_rel() {
	local eid=$1 tok
	shift
	tok=$("$E2E_CLI" sign exec --key "$E2E_KEY" --namespace "$E2E_NS" --id c1 \
		--exec-id "$eid" "$@") || e2e_fail "shimgate sign exec $eid $*"
	e2e_note_token "$tok"
	echo "$tok"
}

# A token of the container-relative form, with only argv: it runs.
tok=$(sign_rel rel-ok -- /bin/echo relative-ok)
case $tok in sg2.ugsw.*) ;; *) e2e_fail "sign exec without --spec gave '$tok', want sg2.ugsw." ;; esac
e2e_exec c1 rel-ok "$tok" /bin/echo relative-ok ||
	e2e_fail "container-relative exec refused: $(cat "$E2E_ERR")"
grep -qx relative-ok "$E2E_OUT" || e2e_fail "relative exec printed '$(cat "$E2E_OUT")'"
e2e_ok "an exec signed with only argv (user, groups, cwd the container's own) runs"

# The helper: signs and runs ctr in one command; the exit status passes through.
helper() {
	timeout "$E2E_TIMEOUT" "$E2E_CLI" exec ctr --key "$E2E_KEY" -a "$E2E_SOCK" -n "$E2E_NS" "$@"
}
out=$(helper c1 -- /bin/echo helper-ok </dev/null 2>&1) || e2e_fail "shimgate exec ctr failed: $out"
[ "$out" = helper-ok ] || e2e_fail "shimgate exec ctr printed '$out'"
rc=0
helper --exec-id helper-rc c1 -- /bin/sh -c 'exit 3' </dev/null >/dev/null 2>&1 || rc=$?
[ "$rc" = 3 ] || e2e_fail "shimgate exec ctr: exit status $rc, want the command's 3"
out=$(helper -u 1000:1000 --cwd /tmp c1 -- /bin/sh -c 'id -u; id -g; pwd' </dev/null 2>&1) ||
	e2e_fail "shimgate exec ctr -u 1000:1000 --cwd /tmp failed: $out"
[ "$(echo $out)" = "1000 1000 /tmp" ] || e2e_fail "ctr -u 1000:1000 --cwd /tmp ran as '$(echo $out)'"
e2e_ok "shimgate exec ctr: runs, passes the exit status through, -u 1000:1000 --cwd /tmp as signed"

# refused EID TOKEN REASON WHAT [ctr options --]: exec `touch /tmp/<EID>` in c1.
refused() {
	local eid=$1 tok=$2 reason=$3 what=$4 rc=0
	shift 4
	e2e_exec c1 "$eid" "$tok" "$@" /bin/touch "/tmp/$eid" || rc=$?
	e2e_expect_refused "$rc" "$reason" "$eid" "$what"
}
# digest GROUP FILE: the 8-hex digest of GROUP in a view ("... args=1a2b3c4d ...").
digest() { grep -o " $1=[0-9a-f?]\{8\}" "$2" | head -1; }
# explain_view EID ARGV: the signer's view of the token for `touch` in c1.
explain_view() {
	"$E2E_CLI" explain exec --view --token "$2" --namespace "$E2E_NS" --id c1 \
		--exec-id "$1" -- /bin/touch "/tmp/$1" >"$E2E_TMP/out/$1.view" ||
		e2e_fail "shimgate explain --view $1"
}

# Another user: the MAC still matches (the user is "the container's own"), the gate names it.
tok=$(sign_rel ch-user -- /bin/touch /tmp/ch-user)
refused ch-user "$tok" "not what was signed: user: uid 1000 is not the container's own 0" \
	"same token, ctr --user 1000" --user 1000 --

# Another cwd.
tok=$(sign_rel ch-cwd -- /bin/touch /tmp/ch-cwd)
refused ch-cwd "$tok" "not what was signed: cwd: '/tmp' is not the container's own '/'" \
	"same token, ctr --cwd /tmp" --cwd /tmp --

# Another argv: the view's args digest differs from the signer's, the others agree.
tok=$(sign_rel ch-argv -- /bin/touch /tmp/ch-argv)
explain_view ch-argv "$tok"
rc=0
e2e_exec c1 ch-argv "$tok" /bin/touch /tmp/ch-argv /tmp/ch-argv2 || rc=$?
e2e_expect_refused "$rc" "bad signature .*gate saw v2 uid=@0 gid=@0 groups=@\[\] cwd=@/ terminal=false env\+=\[\] argc=3;" \
	ch-argv "same token, one more argument"
for g in target user cwd env; do
	[ "$(digest "$g" "$E2E_ERR")" = "$(digest "$g" "$E2E_TMP/out/ch-argv.view")" ] ||
		e2e_fail "argv changed, yet the $g digests differ: $(cat "$E2E_ERR") vs $(cat "$E2E_TMP/out/ch-argv.view")"
done
[ "$(digest args "$E2E_ERR")" != "$(digest args "$E2E_TMP/out/ch-argv.view")" ] ||
	e2e_fail "argv changed, yet the args digest is the signer's"
e2e_ok "argv changed: only the args digest differs from shimgate explain --view"

# An added env entry (ctr has no --env: the gRPC client sends it): its name, never its value.
tok=$(sign_rel ch-env -- /bin/touch /tmp/ch-env)
explain_view ch-env "$tok"
e2e_process c1 "$E2E_TMP/ch-env.json" --env FOO=secret-value -- "SHIMGATE_TOKEN=$tok" \
	/bin/touch /tmp/ch-env
rc=0
e2e_grpc_exec c1 ch-env "$E2E_TMP/ch-env.json" || rc=$?
e2e_expect_refused "$rc" "bad signature .*env\+=\[FOO\]" ch-env "same token, env FOO added"
! grep -q secret-value "$E2E_ERR" || e2e_fail "the refusal shows an env value: $(cat "$E2E_ERR")"
[ "$(digest env "$E2E_ERR")" != "$(digest env "$E2E_TMP/out/ch-env.view")" ] ||
	e2e_fail "env changed, yet the env digest is the signer's"
[ "$(digest args "$E2E_ERR")" = "$(digest args "$E2E_TMP/out/ch-env.view")" ] ||
	e2e_fail "env changed, yet the args digests differ"
e2e_ok "env changed: the refusal names FOO (not its value) and only the env digest differs"

# An explicit user still works: --user 0:0 signs a root exec, refused as 1000.
tok=$(sign_rel root0 --user 0:0 -- /bin/echo root-ok)
case $tok in sg2.w.*) ;; *) e2e_fail "--user 0:0 gave '$tok', want binding w" ;; esac
e2e_exec c1 root0 "$tok" /bin/echo root-ok || e2e_fail "--user 0:0 exec refused: $(cat "$E2E_ERR")"
tok=$(sign_rel root1 --user 0:0 -- /bin/touch /tmp/root1)
refused root1 "$tok" "bad signature .*gate saw v2 uid=1000 gid=0" "explicit 0:0 token, ctr --user 1000" \
	--user 1000 --

# The gate's debug log has the full view (ids too) and no MAC.
grep -q "signature view: v2 binding=ugsw ns=$E2E_NS id=c1 exec-id=ch-argv" "$E2E_TMP/containerd.log" ||
	e2e_fail "no full signature view in the gate's debug log"
e2e_ok "the gate's debug log has the full view of a refused token"

for m in "$E2E_ROOTFS"/tmp/*; do
	[ -e "$m" ] || continue
	e2e_fail "a refused command ran: ${m##*/} exists"
done
e2e_ok "no marker of a refused exec exists"
e2e_assert_no_secrets
e2e_pass
