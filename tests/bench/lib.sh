# SPDX-License-Identifier: Apache-2.0
# Bench harness: a private containerd (own root, state, socket under one temp dir, CRI off),
# a busybox rootfs, a shimgate configuration with one key. Sourced by run.sh.
# Everything started here is stopped by PID in bench_cleanup; loops are bounded.

BENCH_NS=${BENCH_NS:-sgbench}

# bench_setup BUILD_DIR SRC_DIR: sets T, SOCK, SG_BIN, SG_SHIM, KEY, CD_PID.
bench_setup() {
	local build=$1 src=$2 i
	T=$(mktemp -d /tmp/sg-bench-e2e.XXXXXX)
	chmod 0700 "$T"
	SOCK=$T/containerd.sock
	SG_BIN=$build/plugin/shimgate
	SG_SHIM=$build/plugin/containerd-shim-shimgate-v2
	mkdir -p "$T/bin" "$T/etc/policy.d/seccomp" "$T/var" "$T/rootfs/bin" "$T/rootfs/proc" \
		"$T/rootfs/dev" "$T/rootfs/sys" "$T/rootfs/tmp" "$T/rootfs/etc"
	ln -s "$SG_SHIM" "$T/bin/containerd-shim-shimgate-v2"

	# busybox-static rootfs: the binary and its applet links.
	cp /bin/busybox "$T/rootfs/bin/busybox"
	for i in sh true echo sleep cat id; do ln -s busybox "$T/rootfs/bin/$i"; done

	# shimgate: the shipped stacks, one key, a replay store and an audit file of our own.
	cp "$src/policies/create" "$src/policies/mount" "$src/policies/exec" "$T/etc/policy.d/"
	cp "$src/policies/seccomp/default.json" "$T/etc/policy.d/seccomp/"
	chmod -R go-w "$T/etc"
	"$SG_BIN" keygen --key-id bench --dir "$T/etc/keys.d" >/dev/null
	KEY=$T/etc/keys.d/bench
	cat >"$T/etc/shimgate.conf" <<-EOF
	runtime = containerd-shim-runc-v2
	policy_dir = $T/etc/policy.d
	key_dir = $T/etc/keys.d
	replay_store = $T/var/replay.db
	audit = $T/var/audit.log
	mode = enforce
	log_level = warn
	EOF
	chmod 0644 "$T/etc/shimgate.conf"

	cat >"$T/config.toml" <<-EOF
	version = 2
	root = "$T/root"
	state = "$T/state"
	disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.aufs",
	  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
	  "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp"]
	[grpc]
	  address = "$SOCK"
	[ttrpc]
	  address = "$SOCK.ttrpc"
	[plugins."io.containerd.internal.v1.opt"]
	  path = "$T/opt"
	EOF
	PATH="$T/bin:$PATH" SHIMGATE_CONFIG="$T/etc/shimgate.conf" \
		setsid containerd --config "$T/config.toml" >"$T/containerd.log" 2>&1 </dev/null &
	CD_PID=$!
	for i in $(seq 1 100); do
		if ctr --address "$SOCK" version >/dev/null 2>&1; then
			return 0
		fi
		kill -0 "$CD_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench: containerd did not start; see $T/containerd.log" >&2
	tail -20 "$T/containerd.log" >&2
	return 1
}

c() { timeout 60 ctr --address "$SOCK" --namespace "$BENCH_NS" "$@"; }

RT_GATE=io.containerd.shimgate.v2
RT_PLAIN=io.containerd.runc.v2

# start_container RUNTIME ID: a detached container that sleeps.
start_container() {
	echo "$2" >>"$T/ids"
	c run -d --runtime "$1" --rootfs "$T/rootfs" "$2" /bin/sleep 100000 >/dev/null
}

# ensure_container RUNTIME ID: started unless already running.
ensure_container() {
	if ! c task ls -q 2>/dev/null | grep -qx "$2"; then
		c container delete "$2" >/dev/null 2>&1 || true # left by a failed start
		start_container "$1" "$2"
	fi
}

stop_container() {
	c task kill -s 9 "$1" >/dev/null 2>&1 || true
	local i
	for i in $(seq 1 50); do
		c task delete "$1" >/dev/null 2>&1 && break
		sleep 0.1
	done
	c container delete "$1" >/dev/null 2>&1 || true
}

bundle_of() { echo "$T/state/io.containerd.runtime.v2.task/$BENCH_NS/$1"; }

# The real runc shim's socket of a container (PROTOCOL 1.8).
real_socket_of() {
	local h
	h=$(printf '%s' "$SOCK/$BENCH_NS/$1" | sha256sum | cut -d' ' -f1)
	echo "/run/containerd/s/$h"
}

# The gate's socket: named in the bundle's address file.
gate_socket_of() {
	local a
	a=$(cat "$(bundle_of "$1")/address")
	echo "${a#unix://}"
}

# A signed exec token for ctr task exec of ARGV in container ID with exec id EID.
sign_exec() {
	local id=$1 eid=$2
	shift 2
	"$SG_BIN" sign exec --key "$KEY" --namespace "$BENCH_NS" --id "$id" --exec-id "$eid" \
		--cwd / --user 0:0 -- "$@"
}

# PIDs of processes whose cwd is a bundle of our containerd (shims: gate and runc).
our_shim_pids() {
	local p cwd
	for p in /proc/[0-9]*; do
		cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
		case $cwd in "$T"/state/*) echo "${p#/proc/}" ;; esac
	done
}

bench_cleanup() {
	local i p ids
	[ -n "${T:-}" ] || return 0
	if [ -n "${CD_PID:-}" ] && kill -0 "$CD_PID" 2>/dev/null; then
		ids=$(c task ls -q 2>/dev/null || true)
		for i in $ids; do c task kill -s 9 "$i" >/dev/null 2>&1 || true; done
		for i in $ids; do c task delete "$i" >/dev/null 2>&1 || true; done
		for i in $(c container ls -q 2>/dev/null || true); do
			c container delete "$i" >/dev/null 2>&1 || true
		done
		kill "$CD_PID" 2>/dev/null || true
		for i in $(seq 1 50); do kill -0 "$CD_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$CD_PID" 2>/dev/null || true
	fi
	# Sockets of killed runc shims: named after our own containerd socket, so ours only.
	for i in ${ids:-} $(cat "$T/ids" 2>/dev/null) \
		$(ls "$T/state/io.containerd.runtime.v2.task/$BENCH_NS" 2>/dev/null); do
		rm -f "$(real_socket_of "$i")"
	done
	# Shims our containerd started and left behind (cwd inside our state dir): by PID.
	for p in $(our_shim_pids); do kill -9 "$p" 2>/dev/null || true; done
	# Their containers (runc under our namespace's default root, bounded by our ids).
	for i in $(runc --root "/run/containerd/runc/$BENCH_NS" list -q 2>/dev/null || true); do
		runc --root "/run/containerd/runc/$BENCH_NS" delete -f "$i" >/dev/null 2>&1 || true
	done
	{ grep -F " $T/" /proc/mounts || true; } | cut -d' ' -f2 | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
	rmdir "/run/containerd/runc/$BENCH_NS" 2>/dev/null || true
	if [ -z "${SG_BENCH_KEEP:-}" ]; then rm -rf "$T"; else echo "bench: kept $T" >&2; fi
}
