#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Create grants under Kubernetes (FORMAT.md section 8), acting as the kubelet against the
# private containerd's CRI plugin: with the shipped create stack, a hostPath bind is refused in a
# pod without a grant and mounted for the container whose grant covers it (and /dev/fuse, with
# the devices module's signed_allow); with the create stack
# requiring a signature for every create,
# a pod whose annotations carry grants for its sandbox and container starts; the container,
# killed and created again (new id, same name), starts on the same grant; the grant is refused
# for another pod name, pod namespace or container name, changed args or env, an extra host
# bind (the view names the group that differs), and once expired.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cri_lib.sh"
cri_setup "$@"
# No CNI here: every pod shares the node's network (and so its uts), so until the last part the
# namespaces module lets the host network through, signed or not.
grep -Eq '^required namespaces( |$)' "$E2E_POLICY/create" ||
	e2e_fail "no namespaces line in the shipped create stack"
grep -Eq '^required devices( |$)' "$E2E_POLICY/create" ||
	e2e_fail "no devices line in the shipped create stack"
sed -i -E 's/^required namespaces.*/required namespaces allow_host=cgroup,network,uts/' "$E2E_POLICY/create"
e2e_policy_check

# The spec the CRI plugin wrote for container ID, as containerd keeps it (before the gate).
grant_spec_of() {
	timeout "$E2E_TIMEOUT" ctr -a "$E2E_SOCK" -n "$CRI_NS" c info --spec "$1" >"$2" ||
		e2e_fail "ctr c info --spec $1"
}

# A grant for SPEC (taken from container ID) as pod default/POD: --sandbox or --container C.
# usage: grant_sign SPEC ID POD (--sandbox | --container C) [sign options...]
grant_sign() {
	local spec=$1 id=$2 pod=$3 tok
	shift 3
	tok=$("$E2E_CLI" sign create --key "$E2E_KEY" --spec "$spec" --id "$id" \
		--pod "default/$pod" "$@" | head -n1) || e2e_fail "shimgate sign create --pod $pod $*"
	[[ $tok == sg3.* ]] || e2e_fail "not a grant: $tok"
	e2e_note_token "$tok"
	echo "$tok"
}

# RunPodSandbox NAME in pod namespace NS with the grant annotations ANN_JSON.
# usage: grant_run_pod NAME NS ANN_JSON
grant_run_pod() {
	local cfg req
	cfg=$(cri_pod_config "$1" | "$E2E_PY" -c 'import json,sys; c=json.load(sys.stdin); c["metadata"]["namespace"]=sys.argv[1]; c["annotations"]=json.loads(sys.argv[2]); print(json.dumps(c))' "$2" "$3")
	req=$("$E2E_PY" -c 'import json,sys; print(json.dumps({"config": json.loads(sys.argv[1])}))' "$cfg")
	CRI_ID=
	cri_call RunPodSandbox "$req" || return 1
	CRI_ID=$(cri_field pod_sandbox_id)
}

# CreateContainer + StartContainer of NAME in pod POD_ID (named POD, namespace NS, with the
# annotations ANN_JSON: the kubelet sends the pod's config, and the CRI plugin takes the pod
# annotations it passes through from there), EXTRA merged into the container config; the id
# in CRI_ID; status of the start.
# usage: grant_start POD_ID POD NS ANN_JSON NAME EXTRA_JSON
grant_start() {
	local req
	req=$("$E2E_PY" - "$1" "$(cri_pod_config "$2")" "$3" "$4" "$5" "$CRI_IMAGE" "$6" <<-'EOF'
		import json, sys
		pod, sandbox, ns, ann, name, image, extra = sys.argv[1:8]
		sandbox = json.loads(sandbox)
		sandbox["metadata"]["namespace"] = ns
		sandbox["annotations"] = json.loads(ann)
		cfg = {"metadata": {"name": name}, "image": {"image": image},
		       "command": ["/bin/sh", "-c", "sleep 1000000"], "log_path": name + ".log",
		       "linux": {"security_context": {"namespace_options": {"network": "NODE", "pid": "POD"}}}}
		cfg.update(json.loads(extra))
		print(json.dumps({"pod_sandbox_id": pod, "config": cfg, "sandbox_config": sandbox}))
	EOF
	)
	CRI_ID=
	cri_call CreateContainer "$req" || return 1
	CRI_ID=$(cri_field container_id)
	e2e_note_cid "$CRI_ID"
	cri_start "$CRI_ID"
}

# The digest of GROUP in a "gate saw" view line.
view_digest() { grep -o " $2=[0-9a-f?]*" <<<"${1#*sha256/8:}" | head -n1; }

# The start was refused for a grant whose GROUP differs: the gate's view and the signer's view
# (shimgate explain --view of the template) agree on every digest but GROUP's.
# usage: expect_differs RC GROUP SIGNER_VIEW WHAT
expect_differs() {
	local rc=$1 group=$2 signer=$3 what=$4 seen g
	e2e_expect_refused "$rc" "bad signature \(key 'e2e'\): the request is not what was signed; gate saw v3" "" "$what"
	seen=$(sed -n 's/.*gate saw \(v3 [^"]*\).*/\1/p' "$E2E_ERR" | head -n1)
	for g in target args cwd user env mounts hostns devices caps hooks; do
		if [ "$g" = "$group" ]; then
			[ "$(view_digest "$seen" "$g")" != "$(view_digest "$signer" "$g")" ] ||
				e2e_fail "$what: the $g digest is the signer's, yet $g was changed"
		else
			[ "$(view_digest "$seen" "$g")" = "$(view_digest "$signer" "$g")" ] ||
				e2e_fail "$what: the $g digest differs too ($seen vs $signer)"
		fi
	done
	e2e_ok "$what: only the '$group' group differs from the signer's view"
}

# --- the template: what the CRI plugin writes for the sandbox and the container ----------------
cri_run_pod tmpl "" || e2e_fail "RunPodSandbox tmpl: $(cat "$E2E_ERR")"
tmpl_pod=$CRI_ID
e2e_note_cid "$tmpl_pod"
cri_create "$tmpl_pod" tmpl agent '{}' || e2e_fail "CreateContainer tmpl/agent: $(cat "$E2E_ERR")"
tmpl_ctr=$CRI_ID
e2e_note_cid "$tmpl_ctr"
hp=$E2E_TMP/hostpath
mkdir -p "$hp"
echo host-data-17 >"$hp/data"
hp_cfg=$(printf '{"mounts": [{"container_path": "/hp", "host_path": "%s"}], "command": ["/bin/sh", "-c", "cat /hp/data; sleep 1000000"]}' "$hp")
cri_create "$tmpl_pod" tmpl backup "$hp_cfg" || e2e_fail "CreateContainer tmpl/backup: $(cat "$E2E_ERR")"
tmpl_hp=$CRI_ID
e2e_note_cid "$tmpl_hp"
fuse_cfg='{"devices": [{"container_path": "/dev/fuse", "host_path": "/dev/fuse", "permissions": "rwm"}]}'
cri_create "$tmpl_pod" tmpl fuse "$fuse_cfg" || e2e_fail "CreateContainer tmpl/fuse: $(cat "$E2E_ERR")"
tmpl_fuse=$CRI_ID
e2e_note_cid "$tmpl_fuse"
grant_spec_of "$tmpl_fuse" "$E2E_TMP/fuse.json"
cri_call RemoveContainer "{\"container_id\": \"$tmpl_fuse\"}" || e2e_fail "RemoveContainer: $(cat "$E2E_ERR")"
grant_spec_of "$tmpl_pod" "$E2E_TMP/sandbox.json"
grant_spec_of "$tmpl_ctr" "$E2E_TMP/agent.json"
grant_spec_of "$tmpl_hp" "$E2E_TMP/backup.json"
cri_call RemoveContainer "{\"container_id\": \"$tmpl_hp\"}" || e2e_fail "RemoveContainer: $(cat "$E2E_ERR")"
cri_call RemoveContainer "{\"container_id\": \"$tmpl_ctr\"}" || e2e_fail "RemoveContainer: $(cat "$E2E_ERR")"
cri_call StopPodSandbox "{\"pod_sandbox_id\": \"$tmpl_pod\"}" || e2e_fail "StopPodSandbox: $(cat "$E2E_ERR")"
cri_call RemovePodSandbox "{\"pod_sandbox_id\": \"$tmpl_pod\"}" || e2e_fail "RemovePodSandbox: $(cat "$E2E_ERR")"

g_pod=$(grant_sign "$E2E_TMP/sandbox.json" "$tmpl_pod" web --sandbox)
g_agent=$(grant_sign "$E2E_TMP/agent.json" "$tmpl_ctr" web --container agent)
signer_view=$("$E2E_CLI" explain --view --token "$g_agent" create --spec "$E2E_TMP/agent.json" \
	--id "$tmpl_ctr" --pod default/web --container agent) || e2e_fail "shimgate explain --view"
e2e_ok "grants signed from the template specs (sandbox and container 'agent' of default/web)"

# --- the shipped create stack (a grant only for more than the default): a hostPath bind -------
# The mount stack admits host binds below this prefix, and only for a signed create.
e2e_policy_allow_binds "$hp"
g_hp=$(grant_sign "$E2E_TMP/backup.json" "$tmpl_hp" hp --container backup)
rc=0
grant_run_pod hpu default '{}' || e2e_fail "RunPodSandbox hpu (unsigned, default policy): $(cat "$E2E_ERR")"
e2e_note_cid "$CRI_ID"
grant_start "$CRI_ID" hpu default '{}' backup "$hp_cfg" || rc=$?
e2e_expect_refused "$rc" "refused by mount policy.*'$hp'.*no signature" "" "a hostPath bind in a pod without a grant"
ann_hp=$("$E2E_PY" -c 'import json,sys; print(json.dumps({"io.shimgate.grant.backup": sys.argv[1]}))' "$g_hp")
grant_run_pod hp default "$ann_hp" || e2e_fail "RunPodSandbox hp (unsigned sandbox, default policy): $(cat "$E2E_ERR")"
e2e_note_cid "$CRI_ID"
grant_start "$CRI_ID" hp default "$ann_hp" backup "$hp_cfg" ||
	e2e_fail "StartContainer backup with its grant: $(cat "$E2E_ERR")"
cri_assert_gated "$CRI_ID" "container backup of default/hp (hostPath $hp, grant)"
grep -q "\"source\": *\"$hp\"" "$(e2e_bundle "$CRI_ID")/config.json" ||
	e2e_fail "the hostPath bind is not in backup's config.json"
e2e_ok "the hostPath bind is mounted for the granted container (the default policy: unsigned pods stay confined)"

# An allowlisted device (the devices module, T27): /dev/fuse for signed creates only.
if [ -c /dev/fuse ]; then
	sed -i -E 's|^required devices.*|required devices signed_allow=/dev/fuse|' "$E2E_POLICY/create"
	e2e_policy_check
	g_fuse=$(grant_sign "$E2E_TMP/fuse.json" "$tmpl_fuse" fu --container fuse)
	ann_fuse=$("$E2E_PY" -c 'import json,sys; print(json.dumps({"io.shimgate.grant.fuse": sys.argv[1]}))' "$g_fuse")
	grant_run_pod fu default "$ann_fuse" || e2e_fail "RunPodSandbox fu: $(cat "$E2E_ERR")"
	e2e_note_cid "$CRI_ID"
	fu_pod=$CRI_ID
	rc=0
	grant_start "$fu_pod" fu default "$ann_fuse" fuse2 "$fuse_cfg" || rc=$?
	e2e_expect_refused "$rc" "refused by create policy.*\(devices\): linux.devices\[0\] '/dev/fuse'.*not on the devices allowlist" "" \
		"/dev/fuse in a container without a grant"
	grant_start "$fu_pod" fu default "$ann_fuse" fuse "$fuse_cfg" ||
		e2e_fail "StartContainer fuse with its grant: $(cat "$E2E_ERR")"
	cri_assert_gated "$CRI_ID" "container fuse of default/fu (/dev/fuse, grant)"
	grep -q '"/dev/fuse"' "$(e2e_bundle "$CRI_ID")/config.json" || e2e_fail "/dev/fuse is not in fuse's config.json"
	e2e_ok "the allowlisted device is in the granted container"
else
	e2e_log "SKIP: this host has no /dev/fuse: the device grant is not checked"
fi

# --- every create needs a signature: "[success=ok default=die] hmac" (README, Shipped policies)
sed -i 's/^\[success=ok unsigned=ignore default=die\] hmac$/[success=ok default=die] hmac/' "$E2E_POLICY/create"
grep -qx '\[success=ok default=die\] hmac' "$E2E_POLICY/create" || e2e_fail "could not require grants"
e2e_policy_check

rc=0
grant_run_pod bare default '{}' || rc=$?
e2e_expect_refused "$rc" "refused by create policy.*no signature" "" "RunPodSandbox of a pod without grants"

ann=$("$E2E_PY" -c 'import json,sys; print(json.dumps({"io.shimgate.grant.POD": sys.argv[1], "io.shimgate.grant.agent": sys.argv[2], "io.shimgate.grant.agent2": sys.argv[2]}))' "$g_pod" "$g_agent")
grant_run_pod web default "$ann" || e2e_fail "RunPodSandbox web with its grant: $(cat "$E2E_ERR")"
pod=$CRI_ID
e2e_note_cid "$pod"
cri_assert_gated "$pod" "the sandbox of default/web (grant io.shimgate.grant.POD)"
grant_start "$pod" web default "$ann" agent '{}' || e2e_fail "StartContainer agent with its grant: $(cat "$E2E_ERR")"
first=$CRI_ID
cri_assert_gated "$first" "container agent of default/web (grant io.shimgate.grant.agent)"
line=$(e2e_audit_line create "$first" allow) || e2e_fail "no audit line allowing the create of agent"
e2e_json_check "$line" 'a["key_id"] == "e2e" and a.get("grant_not_after", 0) > 0' "the audit line of agent's create"
e2e_ok "the audit line names the grant's key and its not_after ($(grep -o '"grant_not_after":[0-9]*' <<<"$line"))"
! grep -q 'io.shimgate.grant' "$(e2e_bundle "$first")/config.json" ||
	e2e_fail "a grant annotation reached the container's config.json"
e2e_ok "no grant annotation in the container's config.json"

# --- killed and created again, as the kubelet does: a new id, the same grant -------------------
kill -9 "$(cat "$(e2e_bundle "$first")/init.pid")" || e2e_fail "kill of agent's init"
e2e_wait_for 20 "agent to exit" bash -c "! kill -0 $(cat "$(e2e_bundle "$first")/init.pid") 2>/dev/null"
grant_start "$pod" web default "$ann" agent '{"metadata": {"name": "agent", "attempt": 1}}' ||
	e2e_fail "the re-created agent did not start on its grant: $(cat "$E2E_ERR")"
second=$CRI_ID
[ "$second" != "$first" ] || e2e_fail "the re-created container has the same id"
cri_assert_gated "$second" "agent re-created (attempt 1, id ${second:0:12} after ${first:0:12})"
e2e_ok "the re-created container started on the same grant"

# --- the same grant elsewhere, or on other content ---------------------------------------------
rc=0
grant_start "$pod" web default "$ann" agent2 '{}' || rc=$?
expect_differs "$rc" target "$signer_view" "agent's grant on container agent2 of the same pod"
grep -q 'container=agent2' "$E2E_ERR" || e2e_fail "the refusal does not show container=agent2"
rc=0
grant_start "$pod" web default "$ann" agent '{"metadata": {"name": "agent", "attempt": 2}, "command": ["/bin/sh", "-c", "sleep 999999"]}' || rc=$?
expect_differs "$rc" args "$signer_view" "agent's grant with changed args"
rc=0
grant_start "$pod" web default "$ann" agent '{"metadata": {"name": "agent", "attempt": 3}, "envs": [{"key": "LD_PRELOAD", "value": "/tmp/x.so"}]}' || rc=$?
expect_differs "$rc" env "$signer_view" "agent's grant with an added env entry"
vol=$CRI_KUBELET/uid-web/volumes/kubernetes.io~empty-dir/extra
mkdir -p "$vol"
rc=0
grant_start "$pod" web default "$ann" agent "$(printf '{"metadata": {"name": "agent", "attempt": 4}, "mounts": [{"container_path": "/extra", "host_path": "%s"}]}' "$vol")" || rc=$?
expect_differs "$rc" mounts "$signer_view" "agent's grant with an extra host bind"

for other in "web2 default" "web other"; do
	read -r name ns <<<"$other"
	rc=0
	grant_run_pod "$name" "$ns" "$ann" || rc=$?
	e2e_expect_refused "$rc" "bad signature.*gate saw v3 pod=$ns/$name container=- type=sandbox" "" \
		"the grants of default/web on pod $ns/$name"
done

# --- an expired grant ------------------------------------------------------------------------
cri_call StopPodSandbox "{\"pod_sandbox_id\": \"$pod\"}" || e2e_fail "StopPodSandbox web: $(cat "$E2E_ERR")"
cri_call RemovePodSandbox "{\"pod_sandbox_id\": \"$pod\"}" || e2e_fail "RemovePodSandbox web: $(cat "$E2E_ERR")"
g_short=$(grant_sign "$E2E_TMP/agent.json" "$tmpl_ctr" web --container agent --not-after +2)
ann_short=$("$E2E_PY" -c 'import json,sys; print(json.dumps({"io.shimgate.grant.POD": sys.argv[1], "io.shimgate.grant.agent": sys.argv[2]}))' "$g_pod" "$g_short")
sleep 3
grant_run_pod web default "$ann_short" || e2e_fail "RunPodSandbox web (second): $(cat "$E2E_ERR")"
e2e_note_cid "$CRI_ID"
exp_pod=$CRI_ID
rc=0
grant_start "$exp_pod" web default "$ann_short" agent '{}' || rc=$?
e2e_expect_refused "$rc" "grant expired: not after [0-9]+, [0-9]+ s ago" "" "an expired grant"
cri_call StopPodSandbox "{\"pod_sandbox_id\": \"$exp_pod\"}" || e2e_fail "StopPodSandbox: $(cat "$E2E_ERR")"
cri_call RemovePodSandbox "{\"pod_sandbox_id\": \"$exp_pod\"}" || e2e_fail "RemovePodSandbox: $(cat "$E2E_ERR")"

# --- a hostNetwork pod (the namespaces module, T25): refused unsigned, runs on its grants ------
# Every pod here shares the node's network (no CNI); the grants of default/web cover it (their
# host-namespaces line lists network). Back to the shipped hmac line, so that the namespaces
# module, not the missing signature, is what refuses the unsigned pod.
sed -i 's/^\[success=ok default=die\] hmac$/[success=ok unsigned=ignore default=die] hmac/' "$E2E_POLICY/create"
sed -i -E 's/^required namespaces.*/required namespaces allow_host=cgroup signed_allow_host=network,uts/' "$E2E_POLICY/create"
e2e_policy_check
rc=0
grant_run_pod hnu default '{}' || rc=$?
e2e_expect_refused "$rc" "refused by create policy.*\(namespaces\): linux.namespaces: no .(network|uts). namespace" "" "a hostNetwork pod without grants"
grant_run_pod web default "$ann" || e2e_fail "the hostNetwork pod web with its grants: $(cat "$E2E_ERR")"
e2e_note_cid "$CRI_ID"
grant_start "$CRI_ID" web default "$ann" agent '{}' ||
	e2e_fail "the hostNetwork container agent with its grant: $(cat "$E2E_ERR")"
cri_assert_gated "$CRI_ID" "hostNetwork pod default/web and its container, on their grants"

e2e_assert_no_secrets gate-lines
e2e_pass
