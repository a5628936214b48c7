# SPDX-License-Identifier: Apache-2.0
# CRI harness, sourced after lib.sh: the private containerd's CRI plugin with the gate as the
# default runtime handler (and the `runc` table Debian's config needs), host-network pods (no
# CNI here), an image imported into the k8s.io namespace from the busybox rootfs, the policy
# lines a kubelet node needs, and a kubelet-role client (tests/e2e/cri/cri.py).
#
# A test does:   . lib.sh; . cri_lib.sh; cri_setup "$@"; ...checks...; e2e_pass
# (or, with containerd configured by `shimgate setup kubernetes`: e2e_setup, its own config
# and restart, . cri_lib.sh, cri_client_setup: only the client functions below then)

CRI_NS=k8s.io
CRI_IMAGE=docker.io/sge2e/busybox:1
CRI_PY=$E2E_SRC/tests/e2e/cri/cri.py

cri_setup() {
	e2e_setup "$@"
	mkdir -p "$CRI_KUBELET"
	cri_client_setup
}

# The kubelet-role client against the running containerd's CRI plugin: the generated stubs,
# the image in the k8s.io namespace, lib.sh's helpers switched to that namespace. A test
# that configures containerd itself (test_setup_kubernetes) calls this after its restart.
cri_client_setup() {
	command -v protoc >/dev/null || e2e_fail "protoc (protobuf-compiler) is not installed"
	CRI_GEN=$E2E_TMP/cri-gen
	mkdir -p "$CRI_GEN"
	tar -C "$E2E_ROOTFS" -cf "$E2E_TMP/layer.tar" . || e2e_fail "tar of the rootfs"
	"$E2E_PY" "$E2E_SRC/tests/e2e/cri/oci_image.py" "$E2E_TMP/layer.tar" "$E2E_TMP/image.tar" \
		"$CRI_IMAGE" /bin/sleep 1000000 || e2e_fail "building the image archive"
	timeout "$E2E_TIMEOUT" ctr -a "$E2E_SOCK" -n "$CRI_NS" images import "$E2E_TMP/image.tar" \
		>"$E2E_TMP/out/import" 2>&1 || e2e_fail "ctr images import: $(cat "$E2E_TMP/out/import")"
	e2e_wait_for 30 "the CRI plugin to serve" cri_call ListContainers '{}'
	# lib.sh's helpers (e2e_bundle, ctr_, e2e_real_socket) act in the CRI namespace; its
	# cleanup gets the test's own namespace back (cgroups and runc state are found by it).
	CRI_TEST_NS=$E2E_NS
	E2E_NS=$CRI_NS
}

e2e_before_cleanup() {
	[ -z "${CRI_TEST_NS:-}" ] || E2E_NS=$CRI_TEST_NS
}

# lib.sh calls this between writing containerd's config and starting containerd.
e2e_before_containerd() {
	local cri='plugins."io.containerd.grpc.v1.cri"'
	CRI_KUBELET=$E2E_TMP/kubelet/pods
	mkdir -p "$E2E_TMP/cni/bin" "$E2E_TMP/cni/conf"
	sed -i 's/"io.containerd.grpc.v1.cri", //' "$E2E_TMP/config.toml"
	# The gate is the default handler (a pod without runtimeClassName is gated); `runc` must
	# stay defined or the CRI plugin does not load. containerd 1.6.20 starts the runc shim
	# for a runc.v2 handler whatever its runtime_path, so the gate shadows
	# containerd-shim-runc-v2 and both handlers reach it; the runc options send runc's state
	# to this test's runc root, never /run/containerd/runc/k8s.io.
	e2e_shadow_runc_shim
	cat >>"$E2E_TMP/config.toml" <<-EOF
		[$cri]
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"
		  restrict_oom_score_adj = true
		  sandbox_image = "$CRI_IMAGE"
		  [$cri.cni]
		    bin_dir = "$E2E_TMP/cni/bin"
		    conf_dir = "$E2E_TMP/cni/conf"
		  [$cri.containerd]
		    default_runtime_name = "shimgate"
		    [$cri.containerd.runtimes.shimgate]
		      runtime_type = "io.containerd.runc.v2"
		      pod_annotations = ["io.shimgate.token", "io.shimgate.grant.*"]
		      [$cri.containerd.runtimes.shimgate.options]
		        Root = "$E2E_RUNC_ROOT"
		    [$cri.containerd.runtimes.runc]
		      runtime_type = "io.containerd.runc.v2"
		      [$cri.containerd.runtimes.runc.options]
		        Root = "$E2E_RUNC_ROOT"
	EOF
	# CRI binds each pod's hosts, hostname, resolv.conf (under root) and /dev/shm (under
	# state) from its sandbox directories; the kubelet's volumes live under its pods dir.
	sed -i "s|^sufficient mounts internal.*|sufficient mounts internal runtime_dir=$E2E_TMP/root/io.containerd.grpc.v1.cri/sandboxes,$E2E_STATE/io.containerd.grpc.v1.cri/sandboxes|" \
		"$E2E_POLICY/mount"
	sed -i "s|^requisite mounts host |sufficient mounts host deny=default allow=$CRI_KUBELET force=nosuid,nodev\n&|" \
		"$E2E_POLICY/mount"
	grep -q "allow=$CRI_KUBELET" "$E2E_POLICY/mount" || e2e_fail "could not add the kubelet line"
	# The pods here use the host's network (no CNI), and with it its UTS namespace (CRI): the
	# policy-allowed hostNetwork case.
	sed -i "s|^required namespaces allow_host=cgroup\$|required namespaces allow_host=cgroup,network,uts|" \
		"$E2E_POLICY/create"
	grep -q "^required namespaces allow_host=cgroup,network,uts\$" "$E2E_POLICY/create" ||
		e2e_fail "could not allow the host network for the pods"
	# Image rootfs mounts (overlay) come from this containerd's snapshotter directories.
	sed -i "s|^\(.*mounts rootfs\)\$|\1 prefix=$E2E_TMP/root/io.containerd.snapshotter.v1.|" "$E2E_POLICY/mount"
	grep -q "prefix=$E2E_TMP/root" "$E2E_POLICY/mount" || e2e_fail "could not set the rootfs prefix"
	# Pods here share the host's network (no CNI), and so its uts namespace: the create stack
	# allows those two.
	sed -i 's|^required namespaces allow_host=cgroup$|required namespaces allow_host=cgroup,network,uts|' \
		"$E2E_POLICY/create"
	grep -q "allow_host=cgroup,network,uts" "$E2E_POLICY/create" ||
		e2e_fail "could not allow the host network in the create stack"
	# Exec probes run unsigned when listed exactly (policies/examples/probes).
	cp "$E2E_SRC/policies/examples/probes" "$E2E_POLICY/exec"
	printf '/bin/cat\t/etc/hostname\n' >"$E2E_POLICY/probes.allow"
	chmod go-w "$E2E_POLICY/exec" "$E2E_POLICY/probes.allow"
	e2e_policy_check
}

# One RuntimeService call. usage: cri_call METHOD JSON; response in $E2E_OUT, error in $E2E_ERR.
cri_call() {
	local rc=0
	E2E_OUT=$E2E_TMP/out/cri.$1.out
	E2E_ERR=$E2E_TMP/out/cri.$1.err
	timeout "$E2E_TIMEOUT" "$E2E_PY" "$CRI_PY" --address "$E2E_SOCK" --gen "$CRI_GEN" call "$1" "$2" \
		>"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	return "$rc"
}

# A field of the last response. usage: cri_field KEY
cri_field() {
	"$E2E_PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$E2E_OUT" "$1"
}

# The sandbox config of pod NAME: host network (so no hostname of its own), a cgroup parent
# under this test's prefix (lib.sh's cleanup finds its processes by it). Extra JSON merged
# into linux.security_context.
cri_pod_config() {
	"$E2E_PY" - "$1" "$CRI_TEST_NS" "${2:-{\}}" <<-'EOF'
		import json, sys
		name, ns, extra = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
		sc = {"namespace_options": {"network": "NODE", "pid": "POD", "ipc": "POD"}}
		sc.update(extra)
		print(json.dumps({"metadata": {"name": name, "uid": "uid-" + name, "namespace": "default"},
		                  "log_directory": "",
		                  "linux": {"cgroup_parent": "/%s-cri" % ns, "security_context": sc}}))
	EOF
}

# RunPodSandbox; the sandbox id in CRI_ID. usage: cri_run_pod NAME [HANDLER|""] [SECURITY_JSON]
cri_run_pod() {
	local cfg req
	cfg=$(cri_pod_config "$1" "${3:-{\}}")
	# CreateContainer repeats the pod's config (CRI checks a privileged container against it).
	echo "$cfg" >"$E2E_TMP/out/pod.$1.json"
	req=$("$E2E_PY" -c 'import json,sys; print(json.dumps({"config": json.loads(sys.argv[1]), "runtime_handler": sys.argv[2]}))' \
		"$cfg" "${2:-}")
	CRI_ID=
	cri_call RunPodSandbox "$req" || return 1
	CRI_ID=$(cri_field pod_sandbox_id)
}

# CreateContainer in pod POD_ID (made by cri_run_pod POD_NAME); the container id in CRI_ID.
# usage: cri_create POD_ID POD_NAME CONTAINER_NAME CONFIG_JSON (merged into the container config)
cri_create() {
	local req
	req=$("$E2E_PY" - "$1" "$E2E_TMP/out/pod.$2.json" "$3" "$CRI_IMAGE" "$4" <<-'EOF'
		import json, sys
		pod, sandbox_file, name, image, extra = sys.argv[1:6]
		sandbox = open(sandbox_file).read()
		cfg = {"metadata": {"name": name}, "image": {"image": image},
		       "command": ["/bin/sh", "-c", "sleep 1000000"], "log_path": name + ".log",
		       "linux": {"security_context": {"namespace_options": {"network": "NODE", "pid": "POD"}}}}
		cfg.update(json.loads(extra))
		print(json.dumps({"pod_sandbox_id": pod, "config": cfg,
		                  "sandbox_config": json.loads(sandbox)}))
	EOF
	)
	CRI_ID=
	cri_call CreateContainer "$req" || return 1
	CRI_ID=$(cri_field container_id)
}

cri_start() { cri_call StartContainer "{\"container_id\": \"$1\"}"; }

# RunPodSandbox with no runtime handler (the default handler's); the id in CRI_POD.
cri_pod() {
	cri_run_pod "$1" "" || e2e_fail "RunPodSandbox $1: $(cat "$E2E_ERR")"
	CRI_POD=$CRI_ID
	e2e_note_cid "$CRI_POD"
}

# CreateContainer (which must work) and StartContainer; the id in CRI_ID; returns
# StartContainer's status (the gate judges the create there).
# usage: cri_run_container POD_ID POD_NAME NAME CONFIG_JSON
cri_run_container() {
	cri_create "$@" || e2e_fail "CreateContainer $3: $(cat "$E2E_ERR")"
	e2e_note_cid "$CRI_ID"
	cri_start "$CRI_ID"
}

# ExecSync of ARGV in container ID; stdout/stderr of the process in $E2E_OUT.stdout/.stderr.
# usage: cri_exec_sync ID ARGV...
cri_exec_sync() {
	local id=$1 req rc=0
	shift
	req=$("$E2E_PY" -c 'import json,sys; print(json.dumps({"container_id": sys.argv[1], "cmd": sys.argv[2:], "timeout": 20}))' "$id" "$@")
	cri_call ExecSync "$req" || rc=$?
	[ "$rc" -eq 0 ] || return "$rc"
	"$E2E_PY" - "$E2E_OUT" <<-'EOF'
		import base64, json, sys
		r = json.load(open(sys.argv[1]))
		for k in ("stdout", "stderr"):
		    open(sys.argv[1] + "." + k, "wb").write(base64.b64decode(r.get(k, "")))
		sys.exit(r.get("exit_code", 0))
	EOF
}

# The streaming Exec: asks for the URL, then connects to it as kubectl would.
# usage: cri_exec_stream ID ARGV...; the process's output in $E2E_OUT, errors in $E2E_ERR.
cri_exec_stream() {
	local id=$1 req url rc=0
	shift
	req=$("$E2E_PY" -c 'import json,sys; print(json.dumps({"container_id": sys.argv[1], "cmd": sys.argv[2:], "stdout": True, "stderr": True}))' "$id" "$@")
	cri_call Exec "$req" || return 1
	url=$(cri_field url)
	E2E_OUT=$E2E_TMP/out/cri.stream.out
	E2E_ERR=$E2E_TMP/out/cri.stream.err
	timeout "$E2E_TIMEOUT" "$E2E_PY" "$CRI_PY" stream "$url" >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	return "$rc"
}

# An exec token for container ID (CRI picks random exec ids: not bound), argv[0] form.
# usage: cri_sign_exec ID [sign options...] -- ARGV...
cri_sign_exec() {
	local id=$1 tok
	shift
	tok=$("$E2E_CLI" sign exec --key "${E2E_SIGN_KEY:-$E2E_KEY}" --namespace "$CRI_NS" --id "$id" \
		--no-bind-exec-id --spec "$(e2e_bundle "$id")/config.json" "$@") ||
		e2e_fail "shimgate sign exec $id $*"
	e2e_note_token "$tok"
	echo "$tok"
}

# The kubelet's binds for container app of pod NAME (made by cri_run_pod): an emptyDir volume
# at /data (its host directory in CRI_VOL) and the termination log, both under CRI_KUBELET;
# the container config's mounts as JSON in CRI_MOUNTS.
cri_kubelet_mounts() {
	local term=$CRI_KUBELET/uid-$1/containers/app/termlog
	CRI_VOL=$CRI_KUBELET/uid-$1/volumes/kubernetes.io~empty-dir/data
	mkdir -p "$CRI_VOL" "$(dirname "$term")"
	: >"$term"
	printf -v CRI_MOUNTS '{"mounts": [{"container_path": "/data", "host_path": "%s"},
		{"container_path": "/dev/termination-log", "host_path": "%s"}]}' "$CRI_VOL" "$term"
}

# The gate serves container ID: the bundle's address is a gate socket owned by the gate binary.
cri_gated() {
	local a pid
	a=$(e2e_address "$1") && [[ $a == /run/shimgate/* ]] && pid=$(e2e_socket_owner "$a") &&
		[ "$(readlink "/proc/$pid/exe")" = "$(readlink -f "$E2E_SHIM_DIR/containerd-shim-shimgate-v2")" ]
}

cri_assert_gated() {
	e2e_poll 10 cri_gated "$1" || e2e_fail "$2: $1 is not served by a gate (address $(e2e_address "$1" || echo none))"
	e2e_address "$1" >>"$E2E_TMP/sockets"
	e2e_ok "$2: served by the gate ($(e2e_address "$1"))"
}

# /proc/<pid>/status of the init process of container ID, saved to FILE.
cri_save_status() {
	local pid
	pid=$(cat "$(e2e_bundle "$1")/init.pid") || e2e_fail "no init.pid for $1"
	cat "/proc/$pid/status" >"$2" || e2e_fail "reading /proc/$pid/status"
}
