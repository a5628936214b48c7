# SPDX-License-Identifier: Apache-2.0
# Docker harness, sourced after lib.sh: a private dockerd (Debian's docker.io 20.10) on the
# private containerd of lib.sh, with the gate shadowing containerd-shim-runc-v2 on that
# containerd's PATH, the shimgate.conf and policy lines Docker needs, an image imported from
# the busybox rootfs, helpers to run, sign and exec, and a cleanup that stops only this dockerd.
#
# A test does:   . lib.sh; . docker_lib.sh; dk_setup "$@"; ...checks...; e2e_pass
# The client is always /usr/bin/docker with -H (another docker client may be first on PATH).

DK_CLIENT=/usr/bin/docker
DK_DAEMON=/usr/sbin/dockerd
DK_IMAGE=sge2e/busybox
# The storage driver: vfs (no mounts to clean up) unless a test sets DK_DRIVER=overlay2.
DK_DRIVER=${DK_DRIVER:-vfs}
DK_PID=

dk_setup() {
	[ -x "$DK_DAEMON" ] && [ -x "$DK_CLIENT" ] || { echo "[$E2E_NAME] SKIP: docker.io not installed"; exit 77; }
	e2e_setup "$@"
	dk_start_dockerd
	tar -C "$E2E_ROOTFS" -cf "$E2E_TMP/busybox.tar" . || e2e_fail "tar of the rootfs"
	dk image import "$E2E_TMP/busybox.tar" "$DK_IMAGE" >/dev/null || e2e_fail "docker import"
	e2e_log "dockerd pid $DK_PID, containerd namespace $DK_NS, socket $DK_SOCK"
}

# lib.sh calls this between writing containerd's config and starting containerd.
e2e_before_containerd() {
	DK_NS=$E2E_NS-docker
	DK_ROOT=$E2E_TMP/docker
	DK_EXEC=$E2E_TMP/dexec
	DK_SOCK=$E2E_TMP/docker.sock
	mkdir -p "$DK_ROOT" "$DK_EXEC"
	e2e_shadow_runc_shim
	# Docker 20.10 sends the runc options binary_name "runc" and root <exec-root>/runtime-runc.
	# The first runc_root replaces the default, so ctr's (lib.sh's) root stays listed.
	cat >>"$E2E_CONF" <<-EOF
		runc_binary = runc
		runc_root = $DK_EXEC/runtime-runc
	EOF
	"$E2E_CLI" config check --config "$E2E_CONF" >/dev/null ||
		e2e_fail "shimgate config check refused the Docker lines of $E2E_CONF"
	# dockerd binds /etc/hosts, /etc/hostname, /etc/resolv.conf from <data-root>/containers.
	sed -i "s|^sufficient mounts internal.*|sufficient mounts internal runtime_dir=$DK_ROOT/containers|" \
		"$E2E_POLICY/mount"
	grep -q "runtime_dir=$DK_ROOT/containers" "$E2E_POLICY/mount" ||
		e2e_fail "no 'sufficient mounts internal' line in the mount policy"
	# The shipped create stack admits Docker's networking hook (prestart /proc/<dockerd>/exe
	# libnetwork-setkey) as it is. dockerd hands runc its graph driver's mount of the
	# container's layer as root.path: the root line checks it against this dockerd's data root.
	# Its -exec-root= is this dockerd's, not the default /var/run/docker: docker_exec_root=.
	sed -i "s|^\(required hooks .*allow=[^ ]*\)\( .*\)\?\$|\1 docker_exec_root=$DK_EXEC\2|" "$E2E_POLICY/create"
	DK_HOOKS=$(grep -E '^[^#]*[] ]hooks( |$)' "$E2E_POLICY/create")
	[[ $DK_HOOKS == *"allow=$DK_DAEMON@libnetwork-setkey"* && $DK_HOOKS == *"docker_exec_root=$DK_EXEC"* ]] ||
		e2e_fail "the create stack's hooks line does not admit Docker's hook: '$DK_HOOKS'"
	sed -i "s|^\(required root .*\)docker_root=[^ ]*|\1docker_root=$DK_ROOT|" "$E2E_POLICY/create"
	grep -q "^required root .*docker_root=$DK_ROOT" "$E2E_POLICY/create" ||
		e2e_fail "could not name dockerd's data root in the create policy"
	e2e_policy_check
}

dk() { timeout "$E2E_TIMEOUT" "$DK_CLIENT" -H "unix://$DK_SOCK" "$@"; }

dk_start_dockerd() {
	[ -f "$E2E_TMP/daemon.json" ] || echo '{}' >"$E2E_TMP/daemon.json"
	rm -f "$DK_SOCK"
	# Its own config file (not /etc/docker/daemon.json), roots, sockets, namespaces and
	# cgroup parent (lib.sh's cleanup finds the containers by the /<ns>- cgroup prefix).
	setsid "$DK_DAEMON" --config-file "$E2E_TMP/daemon.json" --containerd "$E2E_SOCK" \
		--containerd-namespace "$DK_NS" --containerd-plugins-namespace "$E2E_NS-dplugins" \
		--data-root "$DK_ROOT" --exec-root "$DK_EXEC" --pidfile "$E2E_TMP/dockerd.pid" \
		-H "unix://$DK_SOCK" --bridge none --iptables=false --ip6tables=false --ip-masq=false \
		--userland-proxy=false --storage-driver "$DK_DRIVER" --cgroup-parent "/$E2E_NS-docker" \
		--exec-opt native.cgroupdriver=cgroupfs --shutdown-timeout 2 --debug \
		>>"$E2E_TMP/dockerd.log" 2>&1 </dev/null &
	DK_PID=$!
	disown "$DK_PID"
	e2e_poll 60 dk_up || dk_fail "timed out after 60s waiting for dockerd to serve $DK_SOCK"
	kill -0 "$DK_PID" 2>/dev/null || dk_fail "dockerd exited at start"
	[ "$(cat "/proc/$DK_PID/comm" 2>/dev/null)" = dockerd ] || e2e_fail "pid $DK_PID is not dockerd"
}

# True when dockerd answers, or when it died (the caller reports that).
dk_up() {
	kill -0 "$DK_PID" 2>/dev/null || return 0
	[ -S "$DK_SOCK" ] && timeout 5 "$DK_CLIENT" -H "unix://$DK_SOCK" version >/dev/null
}

# SIGNAL (default TERM), SIGKILL after 20 s; only the PID this harness started.
dk_stop_dockerd() {
	local pid=$DK_PID i
	[ -n "$pid" ] || return 0
	DK_PID=
	kill "-${1:-TERM}" "$pid" 2>/dev/null || return 0
	for i in $(seq 200); do
		e2e_pid_alive "$pid" || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	e2e_poll 5 bash -c "! kill -0 $pid" || true
}

dk_restart_dockerd() {
	dk_stop_dockerd "${1:-TERM}"
	dk_start_dockerd
}

# lib.sh's cleanup calls this first: dockerd would start containers again (restart policy).
e2e_before_cleanup() {
	dk_stop_dockerd KILL
}

# A failure shows dockerd's last lines too.
dk_fail() {
	if [ -f "$E2E_TMP/dockerd.log" ]; then
		echo "--- last lines of dockerd.log:" >&2
		grep -v 'level=debug' "$E2E_TMP/dockerd.log" | tail -n 15 >&2 || true
	fi
	e2e_fail "$@"
}

# docker run -d of the image, with no network (no bridge here) unless the options name one.
# usage: dk_run NAME [docker run options...] -- CMD...; output in $E2E_OUT/$E2E_ERR
dk_run() {
	local name=$1 opts=() rc=0
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	[[ " ${opts[*]-} " == *" --network "* ]] || opts+=(--network none)
	E2E_OUT=$E2E_TMP/out/docker.$name.run.out
	E2E_ERR=$E2E_TMP/out/docker.$name.run.err
	dk run -d --name "$name" ${opts[@]+"${opts[@]}"} "$DK_IMAGE" "$@" \
		</dev/null >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	[ "$rc" -ne 0 ] || echo "$DK_NS $(tr -d '\n' <"$E2E_OUT")" >>"$E2E_TMP/cids"
	return "$rc"
}

# A detached container that sleeps; waits until it runs. usage: dk_start NAME [options...]
dk_start() {
	local name=$1
	shift
	dk_run "$name" "$@" -- /bin/sh -c 'sleep 600' ||
		dk_fail "docker run -d $name failed: $(cat "$E2E_ERR")"
	e2e_wait_for 20 "container $name to run" dk_running "$name"
}

dk_running() { [ "$(dk inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }

dk_id() { dk inspect -f '{{.Id}}' "$1"; }

# dk_ctr_attempt NS ID: what a containerd API client can do beside dockerd: an unsigned ctr run
# --config of spec ID (e2e_spec's file) in containerd namespace NS, through the gate (which
# shadows containerd-shim-runc-v2 here); status in $rc, output in $E2E_OUT / $E2E_ERR.
dk_ctr_attempt() {
	rc=0
	E2E_OUT=$E2E_TMP/out/dr.$2.out
	E2E_ERR=$E2E_TMP/out/dr.$2.err
	echo "$1 $2" >>"$E2E_TMP/cids"
	timeout "$E2E_TIMEOUT" ctr -a "$E2E_SOCK" -n "$1" run --runtime io.containerd.runc.v2 \
		--config "$(e2e_specfile "$2")" "$2" </dev/null >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	ctr -a "$E2E_SOCK" -n "$1" task rm -f "$2" >/dev/null 2>&1 || true
	ctr -a "$E2E_SOCK" -n "$1" c rm "$2" >/dev/null 2>&1 || true
}

# The bundle's config.json that containerd wrote for container NAME.
dk_spec() {
	local id
	id=$(dk_id "$1") || dk_fail "docker inspect $1"
	echo "$E2E_STATE/io.containerd.runtime.v2.task/$DK_NS/$id/config.json"
}

# Prints an exec token for container NAME: Docker picks the exec id, so it is not bound.
# usage: dk_sign_exec NAME [sign options...] -- ARGV...
dk_sign_exec() {
	local name=$1 id tok
	shift
	id=$(dk_id "$name") || dk_fail "docker inspect $name"
	tok=$("$E2E_CLI" sign exec --key "${E2E_SIGN_KEY:-$E2E_KEY}" --namespace "$DK_NS" --id "$id" \
		--no-bind-exec-id --spec "$(dk_spec "$name")" "$@") || dk_fail "shimgate sign exec $name $*"
	e2e_note_token "$tok"
	echo "$tok"
}

# docker exec with the token in the env. usage: dk_exec NAME TOKEN|none [options...] -- ARGV...
# Output in $E2E_OUT/$E2E_ERR; returns docker's status.
dk_exec() {
	local name=$1 tok=$2 opts=() rc=0
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	[ "$tok" = none ] || opts+=(-e "SHIMGATE_TOKEN=$tok")
	E2E_OUT=$E2E_TMP/out/docker.$name.exec.out
	E2E_ERR=$E2E_TMP/out/docker.$name.exec.err
	dk exec ${opts[@]+"${opts[@]}"} "$name" "$@" </dev/null >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	# docker exec prints the runtime's refusal on stdout.
	[ "$rc" -eq 0 ] || cat "$E2E_OUT" >>"$E2E_ERR"
	return "$rc"
}

# The gate serving container NAME: the owner of the socket its bundle's address names.
dk_gate_pid() {
	local id a
	id=$(dk_id "$1") || return 1
	a=$(E2E_NS=$DK_NS e2e_address "$id") || return 1
	e2e_socket_owner "$a"
}

# True when the gate (not the plain runc shim) serves NAME: the address in its bundle is
# under /run/shimgate and the socket's owner runs the gate's binary. Sets DK_GATE, DK_GATE_PID.
dk_gated() {
	local id
	id=$(dk_id "$1") || return 1
	DK_GATE=$(E2E_NS=$DK_NS e2e_address "$id") && [[ $DK_GATE == /run/shimgate/* ]] &&
		DK_GATE_PID=$(e2e_socket_owner "$DK_GATE") &&
		[ "$(readlink "/proc/$DK_GATE_PID/exe")" = "$(readlink -f "$E2E_SHIM_DIR/containerd-shim-shimgate-v2")" ]
}

dk_assert_gated() {
	# containerd writes the bundle's address when the shim has started: allow a moment.
	e2e_poll 10 dk_gated "$1" || dk_gated "$1" ||
		dk_fail "$2: $1 is not served by a gate (address '${DK_GATE:-none}', state $(dk inspect -f '{{.State.Status}} {{.State.Pid}} {{.State.Error}}' "$1" 2>&1))"
	echo "$DK_GATE" >>"$E2E_TMP/sockets"
	e2e_ok "$2: $1 is served by the gate (pid $DK_GATE_PID, $DK_GATE)"
}

# Saves /proc/<pid>/status of PID 1 of container NAME to FILE (from the host: the container's
# own view cannot be trusted).
dk_save_status() {
	local pid
	pid=$(dk inspect -f '{{.State.Pid}}' "$1") && [ "$pid" -gt 0 ] ||
		dk_fail "no pid for container $1"
	cat "/proc/$pid/status" >"$2" || dk_fail "reading /proc/$pid/status"
}
