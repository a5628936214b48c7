# SPDX-License-Identifier: Apache-2.0
# For the tests of `shimgate setup` and `doctor` (sourced after lib.sh and e2e_setup): their
# paths, a private containerd configured like a stock Debian 12 host, and its restart with the
# environment of setup's systemd drop-in.

HOST_STOCK_PATH=/usr/sbin:/usr/bin:/sbin:/bin
# The paths these tests give setup and doctor, all under the test's own directory.
CLI=$E2E_CLI
GATE=$E2E_SHIM_DIR/containerd-shim-shimgate-v2
CFG=$E2E_TMP/config.toml
DJ=$E2E_TMP/daemon.json
ETC=$E2E_TMP/etc
SHADOW=$E2E_TMP/shadow
DROPIN=$E2E_TMP/containerd.service.d/shimgate.conf
AUDIT=$E2E_TMP/setup-audit.log
OUT=$E2E_TMP/out

# Debian 12's /etc/containerd/config.toml, with this test's own root, state and sockets.
host_stock_config() {
	cat >"$1" <<-EOF
		version = 2
		root = "$E2E_TMP/root"
		state = "$E2E_STATE"

		[grpc]
		  address = "$E2E_SOCK"
		[ttrpc]
		  address = "$E2E_SOCK.ttrpc"
		[debug]
		  level = "debug"

		[plugins]
		  [plugins."io.containerd.grpc.v1.cri"]
		    [plugins."io.containerd.grpc.v1.cri".cni]
		      bin_dir = "/usr/lib/cni"
		      conf_dir = "/etc/cni/net.d"
		  [plugins."io.containerd.internal.v1.opt"]
		    path = "$E2E_TMP/opt"
	EOF
}

# Restarts the private containerd with PATH=$1 and SHIMGATE_CONFIG=$2 (lib.sh puts
# E2E_SHIM_DIR, the first directory of $1, first on PATH).
host_restart_with() {
	e2e_stop_containerd
	E2E_SHIM_DIR=${1%%:*} E2E_CONF=$2 PATH=${1#*:} e2e_start_containerd
}

# Restarts it as setup's drop-in (file $1) starts it under systemd.
host_restart_as_dropin() {
	local dpath dconf
	dpath=$(sed -n 's/^Environment=PATH=//p' "$1")
	dconf=$(sed -n 's/^Environment=SHIMGATE_CONFIG=//p' "$1")
	[ -n "$dpath" ] && [ -n "$dconf" ] || e2e_fail "drop-in $1: $(cat "$1")"
	host_restart_with "$dpath" "$dconf"
}
