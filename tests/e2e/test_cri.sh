#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Kubernetes through the gate (T32), acting as the kubelet against the private containerd's CRI
# plugin with the gate as the default handler: a pod without a runtime handler is gated;
# kubelet-style volume binds are admitted, a hostPath outside the kubelet's directory is not;
# the container runs confined; an allowlisted ExecSync probe runs unsigned, any other ExecSync
# or streaming Exec is refused unsigned and runs signed (argv[0] token); Stop/Remove clean up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cri_lib.sh"
cri_setup "$@"

# --- a pod with no runtime handler: the default handler is the gate ------------------------
cri_pod web
pod=$CRI_POD
cri_assert_gated "$pod" "RunPodSandbox without runtime_handler"

# A pod that names the `runc` handler reaches the gate too: that handler's shim name,
# containerd-shim-runc-v2, is the gate on this containerd's PATH.
cri_run_pod runc-handler runc || e2e_fail "RunPodSandbox with handler runc: $(cat "$E2E_ERR")"
e2e_note_cid "$CRI_ID"
cri_assert_gated "$CRI_ID" "RunPodSandbox with runtime_handler runc"

# --- kubelet-style binds: a volume and the termination log under the kubelet's pods dir -----
cri_kubelet_mounts web
vol=$CRI_VOL
cri_run_container "$pod" web app "$CRI_MOUNTS" || e2e_fail "StartContainer app: $(cat "$E2E_ERR")"
app=$CRI_ID
cri_assert_gated "$app" "StartContainer with kubelet volume binds"
cri_save_status "$app" "$E2E_TMP/out/app.status"
e2e_assert_confined "$E2E_TMP/out/app.status" "the CRI container (unsigned create)" 2
grep -q "\"destination\": *\"/data\"" "$(e2e_bundle "$app")/config.json" ||
	e2e_fail "the volume bind is not in the container's spec"
e2e_ok "the kubelet's volume and termination-log binds are in the container"

# A hostPath outside the kubelet's directory: the create is refused at StartContainer.
rc=0
cri_run_container "$pod" web hostpath '{"mounts": [{"container_path": "/x", "host_path": "/etc"}],
	"command": ["/bin/sh", "-c", "cat /x/shadow > /dev/termination-log"]}' || rc=$?
hp=$CRI_ID
e2e_expect_refused "$rc" "refused by mount policy.*'/etc'" "" \
	"StartContainer of a hostPath /etc bind"
cri_call RemoveContainer "{\"container_id\": \"$hp\"}" || e2e_fail "RemoveContainer hostpath: $(cat "$E2E_ERR")"

# --- ExecSync: the allowlisted probe runs unsigned ----------------------------------------------
cri_exec_sync "$app" /bin/cat /etc/hostname || e2e_fail "the probe ExecSync failed: $(cat "$E2E_ERR")"
[ -s "$E2E_OUT.stdout" ] || e2e_fail "the probe printed nothing"
e2e_ok "ExecSync of the allowlisted probe ran unsigned ($(tr -d '\n' <"$E2E_OUT.stdout"))"

# Another argv: refused unsigned, nothing written to the volume.
rc=0
cri_exec_sync "$app" /bin/touch /data/unsigned || rc=$?
e2e_expect_refused "$rc" "refused by exec policy.*no signature" "" "ExecSync of /bin/touch unsigned"
[ ! -e "$vol/unsigned" ] || e2e_fail "the refused ExecSync created $vol/unsigned"
e2e_audit_has exec "$app" deny || e2e_fail "no audit line denying the ExecSync"

# Signed with the argv[0] token: runs, and its write reaches the volume on the host.
tok=$(cri_sign_exec "$app" -- /bin/sh -c 'echo signed > /data/signed && /usr/bin/id -u')
cri_exec_sync "$app" "SHIMGATE_TOKEN=$tok" /bin/sh -c 'echo signed > /data/signed && /usr/bin/id -u' ||
	e2e_fail "the signed ExecSync failed: $(cat "$E2E_ERR" "$E2E_OUT.stderr" 2>/dev/null)"
grep -qx 0 "$E2E_OUT.stdout" || e2e_fail "the signed ExecSync printed '$(cat "$E2E_OUT.stdout")'"
grep -qx signed "$vol/signed" || e2e_fail "the signed ExecSync did not write the volume"
e2e_ok "signed ExecSync ran (argv[0] token) and wrote the volume"

# --- the streaming Exec (kubectl exec): websocket to the URL the runtime returns ----------------
rc=0
cri_exec_stream "$app" /bin/touch /data/stream-unsigned || rc=$?
e2e_expect_refused "$rc" "refused by exec policy.*no signature" "" "streaming Exec unsigned"
[ ! -e "$vol/stream-unsigned" ] || e2e_fail "the refused streaming Exec ran"
tok=$(cri_sign_exec "$app" -- /bin/echo streamed)
cri_exec_stream "$app" "SHIMGATE_TOKEN=$tok" /bin/echo streamed ||
	e2e_fail "the signed streaming Exec failed: $(cat "$E2E_ERR")"
grep -qx streamed "$E2E_OUT" || e2e_fail "the signed streaming Exec printed '$(cat "$E2E_OUT")'"
e2e_ok "signed streaming Exec ran and its output came back over the websocket"

# --- Stop, Remove: nothing left ----------------------------------------------------------------
cri_call StopContainer "{\"container_id\": \"$app\", \"timeout\": 1}" || e2e_fail "StopContainer: $(cat "$E2E_ERR")"
cri_call ContainerStatus "{\"container_id\": \"$app\"}" || e2e_fail "ContainerStatus: $(cat "$E2E_ERR")"
grep -q CONTAINER_EXITED "$E2E_OUT" || e2e_fail "app is not EXITED after StopContainer: $(cat "$E2E_OUT")"
cri_call RemoveContainer "{\"container_id\": \"$app\"}" || e2e_fail "RemoveContainer: $(cat "$E2E_ERR")"
cri_call StopPodSandbox "{\"pod_sandbox_id\": \"$pod\"}" || e2e_fail "StopPodSandbox: $(cat "$E2E_ERR")"
cri_call RemovePodSandbox "{\"pod_sandbox_id\": \"$pod\"}" || e2e_fail "RemovePodSandbox: $(cat "$E2E_ERR")"
cri_call ListContainers '{}' || e2e_fail "ListContainers: $(cat "$E2E_ERR")"
! grep -q '"id"' "$E2E_OUT" || e2e_fail "containers left after the removals: $(cat "$E2E_OUT")"
e2e_assert_gone "$app" "RemoveContainer"
e2e_assert_gone "$pod" "RemovePodSandbox"

# --- kill -9 of a pod's gate: the pod dies, and the kubelet can run it again, gated ---------------
cri_pod again
cri_run_container "$CRI_POD" again app '{}' || e2e_fail "StartContainer again/app: $(cat "$E2E_ERR")"
gate=$(e2e_socket_owner "$(e2e_address "$CRI_ID")") || e2e_fail "no gate for again/app"
kill -KILL "$gate"
cri_exited() {
	cri_call ContainerStatus "{\"container_id\": \"$1\"}" && grep -q CONTAINER_EXITED "$E2E_OUT"
}
e2e_wait_for 20 "again/app to be EXITED after kill -9 of its gate" cri_exited "$CRI_ID"
cri_call StopPodSandbox "{\"pod_sandbox_id\": \"$CRI_POD\"}" || e2e_fail "StopPodSandbox again: $(cat "$E2E_ERR")"
cri_call RemovePodSandbox "{\"pod_sandbox_id\": \"$CRI_POD\"}" || e2e_fail "RemovePodSandbox again: $(cat "$E2E_ERR")"
cri_pod again
cri_run_container "$CRI_POD" again app '{}' || e2e_fail "StartContainer of the pod run again: $(cat "$E2E_ERR")"
cri_assert_gated "$CRI_ID" "the pod run again after kill -9 of its gate"
rc=0
cri_exec_sync "$CRI_ID" /bin/touch /tmp/again || rc=$?
e2e_expect_refused "$rc" "no signature" "" "ExecSync unsigned in the pod run again"

# containerd's CRI logs ExecSync/Exec argv (argv[0] token included) at debug level, as here.
e2e_assert_no_secrets gate-lines
e2e_pass
