#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Container-relative exec tokens through CRI (the kubelet-role client, the kubectl exec path):
# a container running as uid 1000 in /tmp; a token signed with only the namespace, the
# container id and argv (no config.json, exec id unbound, as `shimgate exec kubectl` signs)
# runs through ExecSync and the streaming Exec with the argv[0] carrier kubectl uses; the
# exec runs as the container's user in its cwd; a changed argv is refused saying what the gate
# saw.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cri_lib.sh"
cri_setup "$@"

cri_run_pod rel "" || e2e_fail "RunPodSandbox: $(cat "$E2E_ERR")"
pod=$CRI_ID
e2e_note_cid "$pod"
cri_create "$pod" rel app '{"working_dir": "/tmp", "linux": {"security_context": {
	"namespace_options": {"network": "NODE", "pid": "POD"}, "run_as_user": {"value": 1000}}}}' ||
	e2e_fail "CreateContainer app: $(cat "$E2E_ERR")"
app=$CRI_ID
e2e_note_cid "$app"
cri_start "$app" || e2e_fail "StartContainer app: $(cat "$E2E_ERR")"
cri_assert_gated "$app" "the container (uid 1000, cwd /tmp)"

# Only argv: what `shimgate exec kubectl` signs (no --spec, --no-bind-exec-id).
sign_rel() {
	local tok
	tok=$("$E2E_CLI" sign exec --key "$E2E_KEY" --namespace "$CRI_NS" --id "$app" \
		--no-bind-exec-id "$@") || e2e_fail "shimgate sign exec $*"
	e2e_note_token "$tok"
	echo "$tok"
}

tok=$(sign_rel -- /bin/sh -c 'id -u; pwd')
case $tok in sg2.ugsw.*) ;; *) e2e_fail "sign exec gave '$tok', want sg2.ugsw." ;; esac
cri_exec_sync "$app" "SHIMGATE_TOKEN=$tok" /bin/sh -c 'id -u; pwd' ||
	e2e_fail "the container-relative ExecSync failed: $(cat "$E2E_ERR" "$E2E_OUT.stderr" 2>/dev/null)"
[ "$(tr '\n' ' ' <"$E2E_OUT.stdout")" = "1000 /tmp " ] ||
	e2e_fail "the ExecSync printed '$(cat "$E2E_OUT.stdout")', want the container's 1000 and /tmp"
e2e_ok "ExecSync signed with only argv ran as the container's user (1000) in its cwd (/tmp)"

# The streaming Exec: kubectl exec's path, the token as argv[0].
tok=$(sign_rel -- /bin/echo streamed-relative)
cri_exec_stream "$app" "SHIMGATE_TOKEN=$tok" /bin/echo streamed-relative ||
	e2e_fail "the container-relative streaming Exec failed: $(cat "$E2E_ERR")"
grep -qx streamed-relative "$E2E_OUT" || e2e_fail "the streaming Exec printed '$(cat "$E2E_OUT")'"
e2e_ok "streaming Exec (kubectl's path) signed with only argv ran"

# The same kind of token for another argv: refused, and the refusal shows what the gate saw.
tok=$(sign_rel -- /bin/echo one)
rc=0
cri_exec_sync "$app" "SHIMGATE_TOKEN=$tok" /bin/echo two || rc=$?
e2e_expect_refused "$rc" "bad signature .*gate saw v2 uid=@1000 gid=@0 groups=@\[\] cwd=@/tmp terminal=false env\+=\[\] argc=2;" \
	"" "ExecSync with another argv"
# An explicit user that is not the container's: refused with the gate's values.
tok=$(sign_rel --user 0:0 -- /bin/echo root)
rc=0
cri_exec_sync "$app" "SHIMGATE_TOKEN=$tok" /bin/echo root || rc=$?
e2e_expect_refused "$rc" "bad signature .*gate saw v2 uid=1000 gid=0 groups=\[\] cwd=@/tmp" "" \
	"ExecSync signed --user 0:0 in a uid 1000 container"

e2e_assert_no_secrets gate-lines
e2e_pass
