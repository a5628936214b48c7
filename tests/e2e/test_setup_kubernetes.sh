#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The README's Kubernetes node, with no hand edits to the gate's configuration: a private
# containerd configured like stock Debian 12, `shimgate setup kubernetes` on private paths
# (--dry-run first: it writes nothing), containerd restarted with the drop-in's environment,
# doctor clean. Then, as the kubelet (tests/e2e/cri/): a pod without runtimeClassName (the
# default handler) and one naming `runc` are both served by the gate and run confined
# (Seccomp 2, NoNewPrivs 1, an audit line), kubelet volume binds are admitted by setup's
# mount-stack line, an unsigned ExecSync of an argv outside any allowlist is refused and a
# signed one runs.
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"
. "$E2E_SRC/tests/e2e/host_lib.sh"
. "$E2E_SRC/tests/e2e/cri_lib.sh"

CRI_KUBELET=$E2E_TMP/kubelet/pods
SETUP=(--etc "$ETC" --shim-dir "$SHADOW" --policies "$E2E_SRC/policies" --containerd-config "$CFG"
	--dropin "$DROPIN" --shim-path "$HOST_STOCK_PATH" --gate "$GATE" --audit "$AUDIT"
	--replay-store "$E2E_TMP/replay/setup.db" --kubelet-dir "$E2E_TMP/kubelet")

host_stock_config "$CFG"
# The operator's own CRI lines, not the gate's: no registry here (the pause image is the
# imported one), and another containerd's CRI on this machine may hold port 10010.
sed -i "/^  \[plugins.\"io.containerd.grpc.v1.cri\"\]\$/a\\
    sandbox_image = \"$CRI_IMAGE\"\\
    stream_server_address = \"127.0.0.1\"\\
    stream_server_port = \"0\"" "$CFG"
grep -q "sandbox_image = \"$CRI_IMAGE\"" "$CFG" || e2e_fail "could not set the sandbox image: $(cat "$CFG")"
mkdir -p "$CRI_KUBELET"

# --- --dry-run: a diff, nothing written ------------------------------------------------------
before=$(sha256sum "$CFG")
"$CLI" setup kubernetes --dry-run "${SETUP[@]}" >"$OUT/dry" 2>&1 || e2e_fail "setup --dry-run: $(cat "$OUT/dry")"
[ "$(sha256sum "$CFG")" = "$before" ] && [ ! -e "$ETC" ] && [ ! -e "$SHADOW" ] && [ ! -e "$DROPIN" ] ||
	e2e_fail "setup kubernetes --dry-run wrote something"
grep -q '^+  default_runtime_name = "shimgate"' "$OUT/dry" &&
	grep -q "^+sufficient mounts host .*allow=$CRI_KUBELET " "$OUT/dry" ||
	e2e_fail "the dry run's diff: $(cat "$OUT/dry")"
e2e_ok "setup kubernetes --dry-run prints the diff (default handler, kubelet line) and writes nothing"

# --- setup, restart, doctor ----------------------------------------------------------------
"$CLI" setup kubernetes "${SETUP[@]}" >"$OUT/setup" 2>&1 || e2e_fail "setup kubernetes: $(cat "$OUT/setup")"
e2e_log "setup kubernetes printed: $(cat "$OUT/setup")"
# Test-only relaxation, not setup's: with no CNI here the pods use the host's network (and so
# its UTS namespace), which the shipped namespaces line refuses.
sed -i 's|^required namespaces allow_host=cgroup$|required namespaces allow_host=cgroup,network,uts|' \
	"$ETC/policy.d/create"
grep -qx "required namespaces allow_host=cgroup,network,uts" "$ETC/policy.d/create" ||
	e2e_fail "could not allow the host network in setup's create stack"
host_restart_as_dropin "$DROPIN"
ctr_ plugins ls >"$OUT/plugins" 2>&1
awk '$1 == "io.containerd.grpc.v1" && $2 == "cri" && $4 == "ok" {f=1} END {exit !f}' "$OUT/plugins" ||
	e2e_fail "the CRI plugin does not load after setup: $(grep cri "$OUT/plugins"; grep -i 'cri\|error' "$E2E_TMP/containerd.log" | tail -5)"

# docker.io is installed on this machine (tests/deps.txt), which a Kubernetes node need not
# have: with no daemon.json doctor rightly reports dockerd's BuildKit, `setup docker`'s concern.
echo '{"features": {"buildkit": false}}' >"$DJ"
"$CLI" doctor --containerd-config "$CFG" --docker-config "$DJ" --dropin "$DROPIN" --gate "$GATE" \
	>"$OUT/doctor" 2>&1 || e2e_fail "doctor after setup kubernetes: $(cat "$OUT/doctor")"
e2e_ok "setup kubernetes, containerd restarted as the drop-in starts it: CRI loads, doctor exits 0"

# --- the kubelet: two pods, the default handler and `runc` -----------------------------------
cri_client_setup
E2E_SIGN_KEY=$ETC/keys.d/ops1
E2E_AUDIT=$AUDIT

# usage: confined ID WHAT: the container's init has the gate's seccomp profile and
# no_new_privs, and the gate wrote its create to the audit log.
confined() {
	cri_save_status "$1" "$OUT/$1.status"
	grep -q '^Seccomp:[[:space:]]*2$' "$OUT/$1.status" && grep -q '^NoNewPrivs:[[:space:]]*1$' "$OUT/$1.status" ||
		e2e_fail "$2: not rewritten by the gate: $(grep -E 'Seccomp|NoNewPrivs' "$OUT/$1.status")"
	e2e_audit_has create "$1" allow || e2e_fail "$2: no audit line allowing its create"
	e2e_ok "$2: Seccomp 2, NoNewPrivs 1, audited"
}

pods=()
for handler in "" runc; do
	name=pod-${handler:-default}
	cri_run_pod "$name" "$handler" || e2e_fail "RunPodSandbox $name: $(cat "$E2E_ERR")"
	pod=$CRI_ID
	pods+=("$pod")
	e2e_note_cid "$pod"
	cri_assert_gated "$pod" "RunPodSandbox with handler '${handler:-(none)}'"
	confined "$pod" "the sandbox of $name"
	# The kubelet's own binds: an emptyDir and the termination log under its pods directory.
	cri_kubelet_mounts "$name"
	vol=$CRI_VOL
	cri_run_container "$pod" "$name" app "$CRI_MOUNTS" || e2e_fail "StartContainer in $name: $(cat "$E2E_ERR")"
	app=$CRI_ID
	cri_assert_gated "$app" "the container of $name"
	confined "$app" "the container of $name (with kubelet volume binds)"
done

# --- ExecSync in the last one: unsigned refused, signed runs -----------------------------------
rc=0
cri_exec_sync "$app" /bin/touch /data/unsigned || rc=$?
[ "$rc" -ne 0 ] || e2e_fail "an unsigned ExecSync of /bin/touch ran"
grep -q "no signature" "$E2E_ERR" || e2e_fail "unsigned ExecSync: $(cat "$E2E_ERR")"
[ ! -e "$vol/unsigned" ] || e2e_fail "the refused ExecSync created $vol/unsigned"
e2e_audit_has exec "$app" deny || e2e_fail "no audit line denying the ExecSync"
e2e_ok "unsigned ExecSync of /bin/touch refused (no signature), nothing written"
tok=$(cri_sign_exec "$app" -- /bin/sh -c 'echo signed > /data/signed')
cri_exec_sync "$app" "SHIMGATE_TOKEN=$tok" /bin/sh -c 'echo signed > /data/signed' ||
	e2e_fail "the signed ExecSync failed: $(cat "$E2E_ERR" "$E2E_OUT.stderr" 2>/dev/null)"
grep -qx signed "$vol/signed" || e2e_fail "the signed ExecSync did not write the volume"
e2e_ok "ExecSync signed with setup's key (argv[0] token) runs"

# --- the pods go: nothing left for lib.sh's cleanup in the shared runc root --------------------
for pod in "${pods[@]}"; do
	cri_call StopPodSandbox "{\"pod_sandbox_id\": \"$pod\"}" || e2e_fail "StopPodSandbox: $(cat "$E2E_ERR")"
	cri_call RemovePodSandbox "{\"pod_sandbox_id\": \"$pod\"}" || e2e_fail "RemovePodSandbox: $(cat "$E2E_ERR")"
	e2e_assert_gone "$pod" "RemovePodSandbox"
done
e2e_assert_no_secrets gate-lines
e2e_pass
