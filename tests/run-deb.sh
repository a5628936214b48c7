#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The Debian package, as an operator gets it: build it with `cpack -G DEB` (prefix /usr), check
# its control data (Depends from the binaries' libraries, the policies as conffiles), install
# it with apt-get, run every command's --help from /usr/bin, then the README's host install
# against private paths: `shimgate setup containerd` (and `setup docker`) with --etc and a
# private containerd/dockerd configuration, `shimgate doctor` on them. Never the host's
# /etc/containerd or /etc/docker. The package is purged at the end, pass or fail.
# usage: tests/run-deb.sh [BUILD_DIR]     (default build-deb; needs root)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-build-deb}
[ "$(id -u)" = 0 ] || { echo "run-deb: needs root (dpkg)" >&2; exit 77; }
if dpkg-query -W -f='${Status}' shimgate 2>/dev/null | grep -q installed; then
	echo "run-deb: a shimgate package is already installed; not touching it" >&2
	exit 1
fi

T=$(mktemp -d /tmp/sg-deb.XXXXXX)
chmod 0700 "$T"
INSTALLED=
cleanup() {
	local rc=$?
	set +e
	[ -n "$INSTALLED" ] && dpkg --purge shimgate >/dev/null
	rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT
fail() { echo "run-deb: FAIL: $*" >&2; exit 1; }
ok() { echo "run-deb: ok: $*"; }

cmake -S "$SRC" -B "$B" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr \
	-DSHIMGATE_PACKAGE=ON -DSHIMGATE_E2E=OFF >/dev/null
cmake --build "$B" -j2 --target shimgate containerd-shim-shimgate-v2 shimgate-signer >/dev/null
# cpack installs the whole tree; build what the install rules need, nothing more.
(cd "$B" && cpack -G DEB >/dev/null)
DEB=$(ls "$B"/shimgate_*.deb)
ok "built $DEB"

dpkg-deb -f "$DEB" Depends >"$T/depends"
for lib in libjansson libseccomp libssl libc6; do
	grep -q "$lib" "$T/depends" || fail "Depends lacks $lib: $(cat "$T/depends")"
done
dpkg-deb -e "$DEB" "$T/control"
for f in create mount exec seccomp/default.json; do
	grep -qx "/etc/shimgate/policy.d/$f" "$T/control/conffiles" || fail "conffile $f: $(cat "$T/control/conffiles")"
done
dpkg-deb -c "$DEB" >"$T/contents"
for f in ./usr/bin/shimgate ./usr/bin/containerd-shim-shimgate-v2 \
	./usr/share/shimgate/policies/exec ./usr/share/doc/shimgate/containerd.service.d/shimgate.conf; do
	grep -q " $f\$" "$T/contents" || fail "the package lacks $f"
done
ok "control: Depends $(cat "$T/depends"); conffiles $(tr '\n' ' ' <"$T/control/conffiles")"

INSTALLED=1
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$(cd "$(dirname "$DEB")" && pwd)/$(basename "$DEB")" >"$T/apt.log" 2>&1 ||
	fail "apt-get install: $(tail -5 "$T/apt.log")"
[ "$(stat -c %U:%a /etc/shimgate/policy.d/exec)" = root:644 ] || fail "policy.d/exec mode"
for c in keygen sign verify explain policy seccomp config doctor setup; do
	/usr/bin/shimgate "$c" --help >"$T/help" 2>&1 || fail "shimgate $c --help: $(cat "$T/help")"
	grep -q "^Usage: shimgate $c" "$T/help" || fail "shimgate $c --help: $(head -2 "$T/help")"
done
/usr/bin/containerd-shim-shimgate-v2 -v >/dev/null || fail "containerd-shim-shimgate-v2 -v"
ok "installed; --help of every command"

# A private host: Debian's containerd config.toml with its own sockets and state.
cat >"$T/config.toml" <<EOF
version = 2
state = "$T/state"
[grpc]
  address = "$T/containerd.sock"
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "/etc/cni/net.d"
EOF
HOST=(--containerd-config "$T/config.toml" --docker-config "$T/daemon.json" --dropin "$T/dropin.conf")
rc=0
/usr/bin/shimgate doctor "${HOST[@]}" --shim-path /usr/sbin:/usr/bin --config "$T/etc/shimgate.conf" \
	>"$T/doctor0" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "doctor before setup: exit $rc: $(cat "$T/doctor0")"
ok "doctor before setup: exit 1, $(head -1 "$T/doctor0")"

/usr/bin/shimgate setup containerd --etc "$T/etc" --shim-dir "$T/shadow" --shim-path /usr/sbin:/usr/bin \
	"${HOST[@]}" >"$T/setup" 2>&1 || fail "setup containerd: $(cat "$T/setup")"
grep -qx "Environment=PATH=$T/shadow:/usr/sbin:/usr/bin" "$T/dropin.conf" || fail "drop-in: $(cat "$T/dropin.conf")"
[ "$(readlink "$T/shadow/containerd-shim-runc-v2")" = /usr/bin/containerd-shim-shimgate-v2 ] ||
	fail "shadow link: $(ls -l "$T/shadow")"
/usr/bin/shimgate policy check --config "$T/etc/shimgate.conf" >/dev/null || fail "setup's policy does not load"
rc=0
/usr/bin/shimgate doctor "${HOST[@]}" --json >"$T/doctor1" 2>&1 || rc=$?
if [ -x /usr/sbin/dockerd ] || [ -x /usr/bin/dockerd ]; then
	# Docker is installed and not yet set up: BuildKit is the only thing left.
	[ "$rc" = 1 ] && [ "$(grep -c '"check"' "$T/doctor1")" = 1 ] && grep -q '"check": "buildkit"' "$T/doctor1" ||
		fail "doctor after setup containerd: exit $rc: $(cat "$T/doctor1")"
	/usr/bin/shimgate setup docker --etc "$T/etc" --shim-dir "$T/shadow" --shim-path /usr/sbin:/usr/bin \
		"${HOST[@]}" >"$T/setup-docker" 2>&1 || fail "setup docker: $(cat "$T/setup-docker")"
	rc=0
	/usr/bin/shimgate doctor "${HOST[@]}" >"$T/doctor2" 2>&1 || rc=$?
fi
[ "$rc" = 0 ] || fail "doctor after setup: exit $rc: $(cat "$T/doctor2" "$T/doctor1" 2>/dev/null)"
ok "setup containerd (and docker), then doctor: exit 0"

dpkg --purge shimgate >/dev/null
INSTALLED=
[ ! -e /usr/bin/shimgate ] && [ ! -e /etc/shimgate/policy.d/exec ] || fail "purge left files behind"
ok "purged"
echo "run-deb: PASS"
