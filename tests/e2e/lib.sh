# SPDX-License-Identifier: Apache-2.0
# Harness of the end-to-end tests, sourced by every tests/e2e/test_*.sh: a private containerd
# under a temp dir, a busybox rootfs, a key, a config and policy copy for the gate, helpers to
# run, sign and exec through ctr and the gRPC client, assertions, and a cleanup that stops only
# what this test started.
#
# A test does:   . "$(dirname "$0")/lib.sh"; e2e_setup "$@"; ...checks...; e2e_pass
# Arguments:     SHIM_DIR (holds containerd-shim-shimgate-v2) SHIMGATE_CLI (the shimgate binary)
# Exit status:   0 pass, 1 fail, 77 skipped (only when not root).
# E2E_KEEP_ON_FAIL=1 keeps the temp dir (logs, audit, specs) of a failed test.

set -euo pipefail

E2E_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
E2E_RUNTIME=io.containerd.shimgate.v2
# shellcheck disable=SC2034 # for the tests: the plain runc shim, as a control
E2E_RUNC_RUNTIME=io.containerd.runc.v2
E2E_RUNC_SHIM=/usr/bin/containerd-shim-runc-v2
E2E_PY=/usr/bin/python3 # the pyenv python3 on PATH has no grpc
E2E_TIMEOUT=${E2E_TIMEOUT:-60}
E2E_NAME=$(basename "$0" .sh)
E2E_TMP=
E2E_CD_PID=
E2E_CHECKS=0

e2e_log() { printf '[%s] %s\n' "$E2E_NAME" "$*"; }

# A failure names the check and shows what the gate said (containerd's log carries the shim's
# log fifo), so a red test can be understood without a rerun.
e2e_fail() {
	printf '[%s] FAIL: %s\n' "$E2E_NAME" "$*" >&2
	if [ -n "$E2E_TMP" ] && [ -f "$E2E_TMP/containerd.log" ]; then
		echo "--- last lines of containerd.log (shim and gate lines included):" >&2
		grep -v 'msg="loading plugin' "$E2E_TMP/containerd.log" | tail -n 40 >&2 || true
	fi
	exit 1
}

e2e_ok() {
	E2E_CHECKS=$((E2E_CHECKS + 1))
	e2e_log "ok: $*"
}

e2e_pass() {
	[ "$E2E_CHECKS" -gt 0 ] || e2e_fail "no check ran"
	e2e_log "PASS ($E2E_CHECKS checks)"
	exit 0
}

# Polls CMD... every 0.1 s until it succeeds (0) or SECS pass (1); never a fixed sleep.
e2e_poll() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# Runs the function NAME when a harness extension (docker_lib.sh, cri_lib.sh) defines it.
e2e_hook() {
	if declare -F "$1" >/dev/null; then "$@"; fi
}

e2e_wait_for() {
	local secs=$1 what=$2
	shift 2
	e2e_poll "$secs" "$@" || e2e_fail "timed out after ${secs}s waiting for $what"
}

# ---------------------------------------------------------------------------------------------
# Setup

e2e_setup() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "[$E2E_NAME] SKIP: needs root (starts its own containerd)"
		exit 77
	fi
	[ $# -ge 2 ] || { echo "usage: $0 SHIM_DIR SHIMGATE_CLI" >&2; exit 2; }
	E2E_SHIM_DIR=$(cd "$1" && pwd)
	E2E_CLI=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
	[ -x "$E2E_SHIM_DIR/containerd-shim-shimgate-v2" ] ||
		{ echo "no containerd-shim-shimgate-v2 in $E2E_SHIM_DIR" >&2; exit 2; }
	[ -x "$E2E_CLI" ] || { echo "no shimgate CLI at $E2E_CLI" >&2; exit 2; }
	cd /

	E2E_TMP=$(mktemp -d /tmp/sg-e2e.XXXXXX)
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
	chmod 0700 "$E2E_TMP"
	chown root:root "$E2E_TMP"
	# Namespaces of our own (E2E_NS and E2E_NS-*): runc keeps state in
	# /run/containerd/runc/<ns> whatever the containerd, so a shared name could reach another
	# containerd's containers. Derived from the unique temp dir name (namespaces are
	# lowercase, so the name itself would not stay unique).
	E2E_NS=sge2e-$(printf '%s' "$E2E_TMP" | sha256sum | cut -c1-12)
	E2E_SOCK=$E2E_TMP/containerd.sock
	E2E_STATE=$E2E_TMP/state
	E2E_ROOTFS=$E2E_TMP/rootfs
	E2E_CONF=$E2E_TMP/shimgate.conf
	E2E_POLICY=$E2E_TMP/policy
	E2E_KEYS=$E2E_TMP/keys
	E2E_KEY=$E2E_KEYS/e2e
	E2E_AUDIT=$E2E_TMP/audit.log
	E2E_RUNC_ROOT=$E2E_TMP/runc
	mkdir -p "$E2E_TMP/specs" "$E2E_TMP/out" "$E2E_RUNC_ROOT"
	: >"$E2E_TMP/cids"
	: >"$E2E_TMP/sockets"
	: >"$E2E_TMP/tokens"

	e2e_make_rootfs
	e2e_make_gate_config
	e2e_write_containerd_config
	e2e_hook e2e_before_containerd
	e2e_start_containerd
	e2e_log "containerd pid $E2E_CD_PID, namespace $E2E_NS, dir $E2E_TMP"
}

# busybox-static and its applet links: enough for sh, cat, touch, unshare, mount.
e2e_make_rootfs() {
	local bb
	bb=$(command -v busybox) || e2e_fail "busybox not installed"
	mkdir -p "$E2E_ROOTFS"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,etc,x,mnt}
	chmod 1777 "$E2E_ROOTFS/tmp"
	cp "$bb" "$E2E_ROOTFS/bin/busybox"
	# In a chroot readlink(/proc/self/exe) fails and busybox links to argv[0], an absolute
	# path that is right inside the container.
	chroot "$E2E_ROOTFS" /bin/busybox --install -s
	[ -L "$E2E_ROOTFS/bin/sh" ] || e2e_fail "busybox --install made no /bin/sh"
}

# ctr run --rootfs hands runc the rootfs directory itself: the create stack FILE's root line
# allows the test's one, or ROOT (a root module pattern). usage: e2e_allow_rootfs FILE [ROOT]
e2e_allow_rootfs() {
	local root=${2:-$E2E_ROOTFS}
	sed -i "s|^\(required root allow=[^ ]*\)|\1,$root|" "$1"
	sed -n 's/^required root allow=\([^ ]*\).*/\1/p' "$1" | tr , '\n' | grep -qxF -- "$root" ||
		e2e_fail "could not allow the root $root in the create stack $1"
}

# The gate's config, policy copy, key directory and audit file, all under the temp dir
# (root-owned, not group/other writable, as the gate's safe-path checks require).
e2e_make_gate_config() {
	mkdir -p "$E2E_POLICY" "$E2E_KEYS" "$E2E_TMP/modules" "$E2E_TMP/replay"
	chmod 0700 "$E2E_KEYS" "$E2E_TMP/replay"
	cp "$E2E_SRC/policies/create" "$E2E_SRC/policies/mount" "$E2E_SRC/policies/exec" "$E2E_POLICY/"
	cp -r "$E2E_SRC/policies/seccomp" "$E2E_POLICY/"
	e2e_allow_rootfs "$E2E_POLICY/create"
	chmod -R go-w "$E2E_POLICY"
	"$E2E_CLI" keygen --key-id e2e --dir "$E2E_KEYS" >/dev/null
	cat >"$E2E_CONF" <<-EOF
		runtime = $E2E_RUNC_SHIM
		policy_dir = $E2E_POLICY
		key_dir = $E2E_KEYS
		module_dir = $E2E_TMP/modules
		replay_store = $E2E_TMP/replay/replay.db
		audit = $E2E_AUDIT
		mode = enforce
		runc_root = $E2E_RUNC_ROOT
		log_level = debug
	EOF
	chmod 0600 "$E2E_CONF"
	"$E2E_CLI" config check --config "$E2E_CONF" >/dev/null ||
		e2e_fail "shimgate config check refused $E2E_CONF"
	e2e_policy_check
}

e2e_policy_check() {
	"$E2E_CLI" policy check --config "$E2E_CONF" >"$E2E_TMP/out/policy-check" 2>&1 ||
		e2e_fail "shimgate policy check: $(cat "$E2E_TMP/out/policy-check")"
}

# Replaces the mount stack's host-bind allow list (allow=...) in the test's policy copy. The
# gate of each new container reads the policy when it starts.
e2e_policy_allow_binds() {
	sed -i "s|^\(requisite mounts host .*\)allow=[^ ]*|\1allow=$1|" "$E2E_POLICY/mount"
	grep -q "allow=$1" "$E2E_POLICY/mount" || e2e_fail "could not set allow=$1 in the mount policy"
	e2e_policy_check
}

e2e_write_containerd_config() {
	mkdir -p "$E2E_TMP/root" "$E2E_STATE" "$E2E_TMP/opt"
	cat >"$E2E_TMP/config.toml" <<-EOF
		version = 2
		root = "$E2E_TMP/root"
		state = "$E2E_STATE"
		disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper",
		  "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp"]
		[grpc]
		  address = "$E2E_SOCK"
		[ttrpc]
		  address = "$E2E_SOCK.ttrpc"
		[debug]
		  level = "debug"
		[plugins."io.containerd.internal.v1.opt"]
		  path = "$E2E_TMP/opt"
	EOF
}

# containerd finds io.containerd.shimgate.v2 on its PATH and hands its environment, with
# SHIMGATE_CONFIG, to every shim it starts. E2E_PATH_FIRST: a directory put before it (a
# shadow of containerd-shim-runc-v2, for Docker).
e2e_start_containerd() {
	rm -f "$E2E_SOCK"
	PATH="${E2E_PATH_FIRST:+$E2E_PATH_FIRST:}$E2E_SHIM_DIR:$PATH" SHIMGATE_CONFIG="$E2E_CONF" \
		setsid containerd --config "$E2E_TMP/config.toml" >>"$E2E_TMP/containerd.log" 2>&1 </dev/null &
	E2E_CD_PID=$!
	# Not a job of this shell any more: no "Killed" notice when a test kills it on purpose.
	disown "$E2E_CD_PID"
	e2e_wait_for 30 "containerd to serve $E2E_SOCK" e2e_containerd_up
	kill -0 "$E2E_CD_PID" 2>/dev/null || e2e_fail "containerd exited at start"
	# setsid execs in place when it need not fork: make sure the PID we will stop is containerd.
	[ "$(cat "/proc/$E2E_CD_PID/comm" 2>/dev/null)" = containerd ] ||
		e2e_fail "pid $E2E_CD_PID is not containerd"
}

# The gate as containerd-shim-runc-v2, first on the private containerd's PATH only: how
# Docker 20.10 and CRI's runc.v2 handlers reach it. Called from e2e_before_containerd.
e2e_shadow_runc_shim() {
	E2E_PATH_FIRST=$E2E_TMP/shadow
	mkdir -p "$E2E_PATH_FIRST"
	ln -s "$E2E_SHIM_DIR/containerd-shim-shimgate-v2" "$E2E_PATH_FIRST/containerd-shim-runc-v2"
}

# True when containerd answers, or when it died (the caller then reports that at once).
e2e_containerd_up() {
	kill -0 "$E2E_CD_PID" 2>/dev/null || return 0
	[ -S "$E2E_SOCK" ] && timeout 5 ctr -a "$E2E_SOCK" version
}

# SIGNAL (default TERM), then SIGKILL after 15 s; only the PID this harness started.
e2e_stop_containerd() {
	local pid=$E2E_CD_PID sig=${1:-TERM} i
	[ -n "$pid" ] || return 0
	E2E_CD_PID=
	kill "-$sig" "$pid" 2>/dev/null || return 0
	for i in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
}

e2e_restart_containerd() {
	e2e_stop_containerd "${1:-TERM}"
	e2e_start_containerd
}

# ---------------------------------------------------------------------------------------------
# Cleanup: runs on every exit, pass or fail; each step tolerates the failure of the others.

# Processes that belong to this test: shims (gate and runc) have our grpc address in argv and
# (runc) the bundle as cwd; container processes sit in the cgroups runc made for our namespaces
# (cgroupsPath /<ns>/<id>). Nothing else can match: the paths are under our own mktemp
# directory and the namespace names derive from it.
e2e_our_pids() {
	local p pid args
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] || continue
		args=()
		mapfile -d "" args 2>/dev/null <"$p/cmdline" || true
		if [[ " ${args[*]-} " == *" $E2E_TMP/"* ]] ||
			[[ "$(readlink "$p/cwd" 2>/dev/null)" == "$E2E_TMP"/* ]] ||
			[[ "$(cat "$p/cgroup" 2>/dev/null)" == *":/$E2E_NS"[/-]* ]]; then
			echo "$pid"
		fi
	done
}

e2e_cleanup() {
	local rc=$? ns id pids m i
	set +e
	trap - EXIT
	# A signal now would end the cleanup half done; every step below is bounded anyway.
	trap '' INT TERM
	[ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ] || exit "$rc"
	# Clients of containerd that would start containers again (dockerd) stop first.
	e2e_hook e2e_before_cleanup
	if [ -n "$E2E_CD_PID" ]; then
		# Every namespace of this private containerd is ours.
		for ns in $(timeout 20 ctr -a "$E2E_SOCK" namespaces ls -q 2>/dev/null); do
			for id in $(timeout 20 ctr -a "$E2E_SOCK" -n "$ns" task ls -q 2>/dev/null); do
				timeout 20 ctr -a "$E2E_SOCK" -n "$ns" task kill -s SIGKILL "$id" >/dev/null 2>&1
				timeout 20 ctr -a "$E2E_SOCK" -n "$ns" task rm -f "$id" >/dev/null 2>&1
			done
			for id in $(timeout 20 ctr -a "$E2E_SOCK" -n "$ns" c ls -q 2>/dev/null); do
				timeout 20 ctr -a "$E2E_SOCK" -n "$ns" c rm "$id" >/dev/null 2>&1
			done
		done
	fi
	e2e_stop_containerd
	# Shims outlive containerd by design; ours go now, with their containers.
	for i in 1 2 3; do
		pids=$(e2e_our_pids)
		[ -n "$pids" ] || break
		kill -KILL $pids 2>/dev/null
		sleep 0.2
	done
	# runc state and cgroups of our namespaces.
	for m in "$E2E_RUNC_ROOT" /run/containerd/runc/"$E2E_NS" /run/containerd/runc/"$E2E_NS"-*; do
		[ -d "$m" ] || continue
		for id in "$m"/*; do
			[ -e "$id" ] || continue
			timeout 20 runc --root "$m" delete --force "${id##*/}" >/dev/null 2>&1
		done
		[ "$m" = "$E2E_RUNC_ROOT" ] || rm -rf "$m"
	done
	# runc removes a container's cgroups, not the per-namespace parents it made for the
	# cgroupsPath /<ns>/<id>; rmdir removes only empty ones.
	for m in /sys/fs/cgroup/"$E2E_NS" /sys/fs/cgroup/"$E2E_NS"-* \
		/sys/fs/cgroup/*/"$E2E_NS" /sys/fs/cgroup/*/"$E2E_NS"-*; do
		[ -d "$m" ] && find "$m" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	# Sockets of our shims that a killed process could not remove.
	while read -r m; do
		[ -S "$m" ] && rm -f "$m"
	done <"$E2E_TMP/sockets"
	while read -r ns id; do
		m=$(E2E_NS=$ns e2e_real_socket "$id")
		[ -S "$m" ] && rm -f "$m"
	done <"$E2E_TMP/cids"
	grep -F " $E2E_TMP/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do
		umount -l "$m"
	done
	if [ "$rc" -ne 0 ] && [ -n "${E2E_KEEP_ON_FAIL:-}" ]; then
		echo "[$E2E_NAME] kept $E2E_TMP for inspection" >&2
	else
		rm -rf "$E2E_TMP"
	fi
	exit "$rc"
}

# ---------------------------------------------------------------------------------------------
# ctr, containers, signing. Everything acts in namespace $E2E_NS; prefix a call with
# E2E_NS=$E2E_NS-b to act in a second namespace.

ctr_() { timeout "$E2E_TIMEOUT" ctr -a "$E2E_SOCK" -n "$E2E_NS" "$@"; }

e2e_specfile() { echo "$E2E_TMP/specs/$E2E_NS.$1.json"; }

e2e_note_cid() { echo "$E2E_NS $1" >>"$E2E_TMP/cids"; }

# Remembers a token, so that e2e_assert_no_secrets can look for its MAC in logs and audit.
e2e_note_token() { echo "$1" >>"$E2E_TMP/tokens"; }

# The spec containerd will write to the bundle for `ctr run --rootfs OPTS ROOTFS ID CMD...`:
# `ctr containers create` builds it with the same code as `ctr run`; read it back and drop the
# container. Annotations are not signed, so creating it without the token changes nothing.
# usage: e2e_spec ID [ctr run options...] -- CMD...   (writes $(e2e_specfile ID))
e2e_spec() {
	local id=$1 out opts=()
	shift
	out=$(e2e_specfile "$id")
	# Options of ctr run that ctr containers create does not know (none changes the spec).
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		case $1 in
		-d | --detach | --rm | --null-io) ;;
		--runc-root | --runc-binary | --log-uri | --fifo-dir) shift ;;
		*) opts+=("$1") ;;
		esac
		shift
	done
	[ "${1:-}" = -- ] && shift
	# ctr containers create reorders flags, so a command such as `sh -c` would be read as its
	# options: create with a placeholder command and put the real args in afterwards (args are
	# the only part of the spec the command decides).
	ctr_ c create --rootfs ${opts[@]+"${opts[@]}"} "$E2E_ROOTFS" "$id" /placeholder >/dev/null ||
		e2e_fail "ctr c create $id (to read its spec)"
	ctr_ c info --spec "$id" >"$out.tmp" || e2e_fail "ctr c info --spec $id"
	ctr_ c rm "$id" >/dev/null || e2e_fail "ctr c rm $id"
	"$E2E_PY" - "$out" "$@" <<-'EOF' || e2e_fail "setting the args of spec $id"
		import json, sys
		out, args = sys.argv[1], sys.argv[2:]
		with open(out + ".tmp") as f:
		    spec = json.load(f)
		assert spec["process"]["args"] == ["/placeholder"], spec["process"]["args"]
		spec["process"]["args"] = args
		with open(out, "w") as f:
		    json.dump(spec, f, indent=1)
	EOF
}

# Prints the create token for the spec e2e_spec wrote. Extra args go to `shimgate sign`.
e2e_sign_create() {
	local id=$1 tok
	shift
	tok=$("$E2E_CLI" sign create --key "${E2E_SIGN_KEY:-$E2E_KEY}" --namespace "$E2E_NS" \
		--id "$id" --spec "$(e2e_specfile "$id")" "$@") || e2e_fail "shimgate sign create $id $*"
	e2e_note_token "$tok"
	echo "$tok"
}

# Prints an exec token for container ID, exec id EID and the process ctr task exec builds from
# the container's spec (user, cwd, env), with the sign options given (--user, --cwd,
# --timestamp, --nonce, --process...). usage: e2e_sign_exec ID EID [sign options...] [-- ARGV...]
e2e_sign_exec() {
	local id=$1 eid=$2 tok
	shift 2
	tok=$("$E2E_CLI" sign exec --key "${E2E_SIGN_KEY:-$E2E_KEY}" --namespace "$E2E_NS" \
		--id "$id" --exec-id "$eid" --spec "$(e2e_specfile "$id")" "$@") ||
		e2e_fail "shimgate sign exec $id $eid $*"
	e2e_note_token "$tok"
	echo "$tok"
}

# ctr run with the create token in the annotation:
#   e2e_run ID [ctr run options...] -- CMD...   signed for exactly that spec
#   E2E_TOKEN=none e2e_run ...                   no token;  E2E_TOKEN=<tok>: that token
#   E2E_RUN_RUNTIME=$E2E_RUNC_RUNTIME            the plain runc shim, as a control
#   E2E_TTY=1                                    through script(1), for ctr run -t
# stdout/stderr go to $E2E_OUT/$E2E_ERR; returns ctr's status.
e2e_run() {
	local id=$1 opts=() cmd tok rc=0 line
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
	[ "${1:-}" = -- ] && shift
	cmd=("$@")
	e2e_spec "$id" ${opts[@]+"${opts[@]}"} -- "${cmd[@]}"
	tok=${E2E_TOKEN:-}
	[ -n "$tok" ] || tok=$(e2e_sign_create "$id") || e2e_fail "signing the create of $id"
	[ "$tok" = none ] || opts+=(--annotation "io.shimgate.token=$tok")
	e2e_note_cid "$id"
	E2E_OUT=$E2E_TMP/out/$E2E_NS.$id.run.out
	E2E_ERR=$E2E_TMP/out/$E2E_NS.$id.run.err
	line=(ctr -a "$E2E_SOCK" -n "$E2E_NS" run --runtime "${E2E_RUN_RUNTIME:-$E2E_RUNTIME}"
		--rootfs ${opts[@]+"${opts[@]}"} "$E2E_ROOTFS" "$id" "${cmd[@]}")
	if [ -n "${E2E_TTY:-}" ]; then
		# ctr run -t wants a terminal on stdin; script(1) gives it one and returns its status.
		timeout "$E2E_TIMEOUT" script -qec "$(printf '%q ' "${line[@]}")" /dev/null \
			</dev/null >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	else
		timeout "$E2E_TIMEOUT" "${line[@]}" >"$E2E_OUT" 2>"$E2E_ERR" </dev/null || rc=$?
	fi
	e2e_note_socket "$id"
	return "$rc"
}

# A signed, detached container that sleeps; waits until its task runs.
# usage: e2e_start ID [ctr run options...]
e2e_start() {
	local id=$1
	shift
	e2e_run "$id" -d "$@" -- /bin/sh -c 'sleep 600' ||
		e2e_fail "signed ctr run -d $id failed: $(cat "$E2E_ERR")"
	e2e_wait_for 20 "task $id to run" e2e_task_running "$id"
}

e2e_task_running() {
	ctr_ task ls 2>/dev/null | awk -v id="$1" '$1 == id && $3 == "RUNNING" {f=1} END {exit !f}'
}

e2e_task_absent() {
	! ctr_ task ls -q 2>/dev/null | grep -qx -- "$1"
}

e2e_bundle() { echo "$E2E_STATE/io.containerd.runtime.v2.task/$E2E_NS/$1"; }

# The socket containerd dials for ID (the gate's, when the gate did its job).
e2e_address() {
	local a
	a=$(cat "$(e2e_bundle "$1")/address" 2>/dev/null) || return 1
	echo "${a#unix://}"
}

e2e_note_socket() {
	local a
	a=$(e2e_address "$1") && echo "$a" >>"$E2E_TMP/sockets"
	return 0
}

# The real runc shim's socket for ID: /run/containerd/s/sha256(<grpc address>/<ns>/<id>).
e2e_real_socket() {
	echo "/run/containerd/s/$(printf '%s' "$E2E_SOCK/$E2E_NS/$1" | sha256sum | cut -d' ' -f1)"
}

# The PID of the process listening on the unix socket PATH.
e2e_socket_owner() {
	ss -xlpH | awk -v p="$1" '
		$5 == p && match($0, /pid=[0-9]+/) { print substr($0, RSTART + 4, RLENGTH - 4); f = 1; exit }
		END { exit !f }'
}

# PIDs of the processes connected to the unix socket PATH: ss lists each accepted connection
# with PATH as its local address and the client's socket inode as its peer.
e2e_socket_clients() {
	ss -xpH | awk -v p="$1" '
		{ users[$6] = $9 }
		$5 == p && $2 == "ESTAB" { peer[$8] = 1 }
		END {
			for (i in peer)
				if (match(users[i], /pid=[0-9]+/))
					print substr(users[i], RSTART + 4, RLENGTH - 4)
		}'
}

# PIDs of the shim processes (gate and runc) serving container ID of this test.
e2e_shim_pids() {
	local p args
	for p in /proc/[0-9]*; do
		args=()
		mapfile -d "" args 2>/dev/null <"$p/cmdline" || true
		if [[ " ${args[*]-} " == *" -namespace $E2E_NS "* ]] &&
			[[ " ${args[*]-} " == *" -id $1 "* ]] &&
			[[ " ${args[*]-} " == *" -address $E2E_SOCK "* ]]; then
			echo "${p#/proc/}"
		fi
	done
}

e2e_no_shims() { [ -z "$(e2e_shim_pids "$1")" ]; }

# True while PID runs; a zombie (this machine's init reaps slowly) has exited.
e2e_pid_alive() {
	local state
	state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# After a refused create or a delete: no task, no shim process, no socket, no bundle left for
# ID. containerd runs the shim's delete action after the connection closes, in the
# background, so each condition gets a bounded wait.
e2e_assert_gone() {
	local id=$1 what=$2 s
	s=$(e2e_real_socket "$id")
	e2e_wait_for 15 "$what: task $id to disappear" e2e_task_absent "$id"
	e2e_wait_for 15 "$what: shims of $id to exit" e2e_no_shims "$id"
	e2e_poll 15 test ! -e "$s" ||
		e2e_fail "$what: the real shim socket $s of $id is left behind ($(e2e_socket_owner "$s" >/dev/null &&
			echo "still served" || echo "nothing listens on it"))"
	e2e_wait_for 15 "$what: the bundle of $id to go" test ! -e "$(e2e_bundle "$id")"
	e2e_ok "$what: no task, shim process, socket or bundle left for $id"
}

# ctr task exec in the argv form: argv[0] carries the token, the rest is the command.
# usage: e2e_exec ID EID TOKEN [ctr exec options... --] ARGV...  (TOKEN "none": no carrier)
# stdout/stderr go to $E2E_OUT/$E2E_ERR; returns ctr's status.
e2e_exec() {
	local id=$1 eid=$2 tok=$3 opts=() rc=0
	shift 3
	if [[ "${1:-}" == -* ]]; then
		while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
		[ $# -gt 0 ] || e2e_fail "e2e_exec: ctr options without -- ARGV"
		shift
	fi
	[ "$tok" = none ] || set -- "SHIMGATE_TOKEN=$tok" "$@"
	E2E_OUT=$E2E_TMP/out/$E2E_NS.$id.$eid.out
	E2E_ERR=$E2E_TMP/out/$E2E_NS.$id.$eid.err
	ctr_ task exec --exec-id "$eid" ${opts[@]+"${opts[@]}"} "$id" "$@" \
		</dev/null >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	return "$rc"
}

# Signs and runs an exec of ARGV; it must succeed and print EXPECT.
# usage: e2e_exec_signed_ok ID EID EXPECT ARGV...
e2e_exec_signed_ok() {
	local id=$1 eid=$2 expect=$3 tok
	shift 3
	tok=$(e2e_sign_exec "$id" "$eid" -- "$@") || e2e_fail "signing exec $eid in $id"
	e2e_exec "$id" "$eid" "$tok" "$@" ||
		e2e_fail "signed exec $eid in $id failed: $(cat "$E2E_ERR")"
	grep -qF -- "$expect" "$E2E_OUT" ||
		e2e_fail "signed exec $eid in $id printed '$(cat "$E2E_OUT")', want '$expect'"
	e2e_ok "signed exec $eid in $id ran and printed '$expect'"
}

# A marker file a refused command would have created, seen from the host through the rootfs
# (ctr run --rootfs uses the directory itself, so the containers' /tmp is ours).
e2e_marker() { echo "$E2E_ROOTFS/tmp/$1"; }

# The last e2e_exec/e2e_run/e2e_grpc_exec must have been refused by the gate: non-zero status,
# ctr's error from the gate matching the ERE REASON, and MARKER (if given) not created.
# usage: e2e_expect_refused RC REASON MARKER WHAT
e2e_expect_refused() {
	local rc=$1 reason=$2 marker=$3 what=$4
	[ "$rc" -ne 0 ] || e2e_fail "$what: was allowed (stdout: $(cat "$E2E_OUT"))"
	grep -q "shimgate" "$E2E_ERR" ||
		e2e_fail "$what: failed, but not by the gate: $(cat "$E2E_ERR")"
	grep -Eq -- "$reason" "$E2E_ERR" ||
		e2e_fail "$what: refused, but the reason is not /$reason/: $(cat "$E2E_ERR")"
	if [ -n "$marker" ] && [ -e "$(e2e_marker "$marker")" ]; then
		e2e_fail "$what: refused, yet the command ran (marker $marker exists)"
	fi
	e2e_ok "$what: refused ($(tr -d '\n' <"$E2E_ERR"))"
}

# The audit trail has a line for OP on container ID (and exec id EID) with DECISION.
# usage: e2e_audit_has OP ID DECISION [EID]
e2e_audit_has() {
	e2e_audit_line "$@" >/dev/null
}

# e2e_audit_line OP ID DECISION [EID]: prints the last audit line for that call; status 1 if none.
e2e_audit_line() {
	"$E2E_PY" - "$E2E_AUDIT" "$E2E_NS" "$@" <<-'EOF'
		import json, sys
		path, ns, op, cid, decision = sys.argv[1:6]
		eid = sys.argv[6] if len(sys.argv) > 6 else None
		found = None
		for line in open(path):
		    a = json.loads(line)
		    if (a.get("op"), a.get("namespace"), a.get("container"), a.get("decision")) == \
		            (op, ns, cid, decision) and (eid is None or a.get("exec_id") == eid):
		        found = line
		if found is None:
		    sys.exit(1)
		sys.stdout.write(found)
	EOF
}

# e2e_json_check JSON PYEXPR WHAT: PYEXPR, over the object `a` parsed from JSON, must be true.
e2e_json_check() {
	"$E2E_PY" -c 'import json, sys; a = json.loads(sys.argv[1]); sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' \
		"$1" "$2" || e2e_fail "$3: not $2 in $1"
}

# T10: no MAC of any token this test made, nor a whole token, in the audit trail or in
# containerd's log (which carries the gate's log). With "gate-lines", only the gate's lines of
# containerd's log count: containerd's CRI logs each exec's argv, token included, at debug.
e2e_assert_no_secrets() {
	local tok mac n=0 f
	if [ "${1:-}" = gate-lines ]; then
		grep -F 'runtime=shimgate' "$E2E_TMP/containerd.log" >"$E2E_TMP/gate.log" || true
	else
		cp "$E2E_TMP/containerd.log" "$E2E_TMP/gate.log"
	fi
	while read -r tok; do
		mac=${tok##*.}
		for f in "$E2E_AUDIT" "$E2E_TMP/gate.log"; do
			! grep -qF -- "$mac" "$f" || e2e_fail "the MAC of a token appears in $f"
		done
		n=$((n + 1))
	done <"$E2E_TMP/tokens"
	[ "$n" -gt 0 ] || e2e_fail "no token was made, nothing to look for"
	e2e_ok "no MAC of the $n tokens used in the audit trail or containerd's (gate's) log"
}

# ---------------------------------------------------------------------------------------------
# /proc/<pid>/status checks

# The capabilities the policy stack STACK (create or exec) keeps, as a /proc status mask.
e2e_policy_capmask() {
	local keep
	keep=$(sed -n 's/^required caps keep=\([A-Z_,]*\).*/\1/p' "$E2E_POLICY/${1:-create}")
	[ -n "$keep" ] || e2e_fail "no 'required caps keep=' line in policy ${1:-create}"
	e2e_capmask "${keep//,/ }"
}

# Capability names to the mask the kernel prints in /proc/<pid>/status.
e2e_capmask() {
	local mask=0 c n
	for c in $1; do
		case ${c#CAP_} in
		CHOWN) n=0 ;; DAC_OVERRIDE) n=1 ;; DAC_READ_SEARCH) n=2 ;; FOWNER) n=3 ;;
		FSETID) n=4 ;; KILL) n=5 ;; SETGID) n=6 ;; SETUID) n=7 ;; SETPCAP) n=8 ;;
		LINUX_IMMUTABLE) n=9 ;; NET_BIND_SERVICE) n=10 ;; NET_BROADCAST) n=11 ;;
		NET_ADMIN) n=12 ;; NET_RAW) n=13 ;; IPC_LOCK) n=14 ;; IPC_OWNER) n=15 ;;
		SYS_MODULE) n=16 ;; SYS_RAWIO) n=17 ;; SYS_CHROOT) n=18 ;; SYS_PTRACE) n=19 ;;
		SYS_PACCT) n=20 ;; SYS_ADMIN) n=21 ;; SYS_BOOT) n=22 ;; SYS_NICE) n=23 ;;
		SYS_RESOURCE) n=24 ;; SYS_TIME) n=25 ;; SYS_TTY_CONFIG) n=26 ;; MKNOD) n=27 ;;
		LEASE) n=28 ;; AUDIT_WRITE) n=29 ;; AUDIT_CONTROL) n=30 ;; SETFCAP) n=31 ;;
		*) e2e_fail "unknown capability $c" ;;
		esac
		mask=$((mask | (1 << n)))
	done
	printf '%016x\n' "$mask"
}

# The value of FIELD (CapEff, NoNewPrivs, Seccomp...) in a saved /proc/<pid>/status.
e2e_status_field() {
	awk -v f="$2:" '$1 == f {print $2; exit}' "$1"
}

# A saved status must show exactly the policy's capabilities in the effective, permitted and
# bounding sets, nothing beyond them in the inheritable and ambient ones, no_new_privs, and
# Seccomp WANT_SECCOMP when given (2: a filter).
# usage: e2e_assert_confined STATUS_FILE WHAT [WANT_SECCOMP] [STACK]
e2e_assert_confined() {
	local file=$1 what=$2 want_seccomp=${3:-} mask set v
	[ -s "$file" ] || e2e_fail "$what: no status saved ($file)"
	mask=$(e2e_policy_capmask "${4:-create}")
	for set in CapEff CapPrm CapBnd; do
		v=$(e2e_status_field "$file" "$set")
		[ "$v" = "$mask" ] || e2e_fail "$what: $set is $v, want the policy set $mask"
	done
	for set in CapInh CapAmb; do
		v=$(e2e_status_field "$file" "$set")
		[ -n "$v" ] && [ $((16#$v & ~16#$mask)) -eq 0 ] ||
			e2e_fail "$what: $set is $v, beyond the policy set $mask"
	done
	v=$(e2e_status_field "$file" NoNewPrivs)
	[ "$v" = 1 ] || e2e_fail "$what: NoNewPrivs is $v, want 1"
	if [ -n "$want_seccomp" ]; then
		v=$(e2e_status_field "$file" Seccomp)
		[ "$v" = "$want_seccomp" ] || e2e_fail "$what: Seccomp is $v, want $want_seccomp"
	fi
	e2e_ok "$what: CapEff=CapPrm=CapBnd=$mask (policy), NoNewPrivs 1${want_seccomp:+, Seccomp $want_seccomp}"
}

# ---------------------------------------------------------------------------------------------
# The gRPC client (tests/e2e/grpc_exec.py) for exec specs ctr cannot send.

# Writes the process JSON ctr task exec would send for ARGV, modified by the options.
# usage: e2e_process ID OUT [--env K=V] [--add-cap CAP] [--allow-new-privs] -- ARGV...
e2e_process() {
	local id=$1 out=$2
	shift 2
	"$E2E_PY" "$E2E_SRC/tests/e2e/grpc_exec.py" process --spec "$(e2e_specfile "$id")" "$@" \
		>"$out" || e2e_fail "grpc_exec.py process for $id"
}

# usage: e2e_grpc_exec ID EID PROCESS.json; output in $E2E_OUT/$E2E_ERR; returns its status.
e2e_grpc_exec() {
	local id=$1 eid=$2 rc=0
	E2E_OUT=$E2E_TMP/out/$E2E_NS.$id.$eid.out
	E2E_ERR=$E2E_TMP/out/$E2E_NS.$id.$eid.err
	timeout "$E2E_TIMEOUT" "$E2E_PY" "$E2E_SRC/tests/e2e/grpc_exec.py" exec --address "$E2E_SOCK" \
		--namespace "$E2E_NS" --container "$id" --exec-id "$eid" "$3" \
		>"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	return "$rc"
}
