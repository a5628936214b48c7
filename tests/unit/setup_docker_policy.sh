#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# shimgate setup docker's stack lines, on private paths: the create stack's root line follows
# daemon.json's data-root (resolved) and storage-driver, the mount stack's internal line its
# containers directory; a second run changes nothing; an edited stack or an unknown driver is
# left alone with the line printed. usage: setup_docker_policy.sh SHIMGATE GATE POLICIES
set -u
SG=$1
GATE=$2
POLICIES=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# run_setup NAME DAEMON_JSON: a setup docker into $T/NAME; output in $T/NAME.out.
run_setup() {
	mkdir -p "$T/$1"
	printf '%s\n' "$2" >"$T/$1/daemon.json"
	"$SG" setup docker --etc "$T/$1/etc" --shim-dir "$T/$1/shadow" --policies "$POLICIES" \
		--containerd-config "$T/$1/config.toml" --docker-config "$T/$1/daemon.json" \
		--dropin "$T/$1/dropin.conf" --shim-path /usr/bin --gate "$GATE" >"$T/$1.out" 2>&1
}

setup() {
	run_setup "$@" || fail "setup docker $1: $(cat "$T/$1.out")"
}

# has FILE LINE: FILE holds LINE as a whole line.
has() {
	grep -qxF -- "$2" "$1" || fail "$1 lacks '$2': $(grep -E 'root|internal' "$1")"
}

mkdir -p "$T/real/dk"
ln -s "$T/real/dk" "$T/linked"
setup vfs "{\"data-root\": \"$T/linked\", \"storage-driver\": \"vfs\"}"
has "$T/vfs/etc/policy.d/create" "required root allow=$T/real/dk/vfs/dir/*"
has "$T/vfs/etc/policy.d/mount" "sufficient mounts internal runtime_dir=/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes,/run/containerd/io.containerd.grpc.v1.cri/sandboxes,$T/real/dk/containers"
[ "$(grep -c '^required root' "$T/vfs/etc/policy.d/create")" = 1 ] || fail "more than one root line"
diff "$POLICIES/create" "$T/vfs/etc/policy.d/create" | grep -q '^[<>] required root' &&
	[ "$(diff "$POLICIES/create" "$T/vfs/etc/policy.d/create" | grep -c '^[<>]')" = 2 ] ||
	fail "setup changed more than the root line: $(diff "$POLICIES/create" "$T/vfs/etc/policy.d/create")"
echo "ok: vfs under a linked data-root: the resolved vfs/dir/* root, the containers directory"

sum=$(cat "$T/vfs/etc/policy.d/create" "$T/vfs/etc/policy.d/mount" | cksum)
setup vfs "{\"data-root\": \"$T/linked\", \"storage-driver\": \"vfs\"}"
[ "$(cat "$T/vfs/etc/policy.d/create" "$T/vfs/etc/policy.d/mount" | cksum)" = "$sum" ] ||
	fail "a second setup changed the stacks"
grep -q "^note: .* is not the shipped stack" "$T/vfs.out" && fail "a second setup: $(cat "$T/vfs.out")"
echo "ok: a second setup leaves its own lines as they are, without a note"

setup fuse "{\"data-root\": \"$T/fdk\", \"storage-driver\": \"fuse-overlayfs\"}"
has "$T/fuse/etc/policy.d/create" "required root allow=$T/fdk/fuse-overlayfs/*/merged"
echo "ok: fuse-overlayfs: <data-root>/fuse-overlayfs/*/merged"

setup default '{}'
cmp -s "$POLICIES/create" "$T/default/etc/policy.d/create" || fail "Docker's defaults changed the shipped root line"
grep -q "sets no storage-driver: .*overlay2" "$T/default.out" || fail "no note on the assumed driver: $(cat "$T/default.out")"
echo "ok: no data-root, no storage-driver: the shipped overlay2 line, and a note"

# An edited create stack is the operator's: left alone, the line printed.
mkdir -p "$T/edited/etc/policy.d"
{ cat "$POLICIES/create"; echo "# operator"; } >"$T/edited/etc/policy.d/create"
setup edited "{\"data-root\": \"$T/edk\", \"storage-driver\": \"vfs\"}"
[ "$(tail -n 1 "$T/edited/etc/policy.d/create")" = "# operator" ] &&
	grep -qx "required root allow=/var/lib/docker/overlay2/\*/merged" "$T/edited/etc/policy.d/create" ||
	fail "setup rewrote an edited create stack"
grep -qxF "  required root allow=$T/edk/vfs/dir/*" "$T/edited.out" || fail "no line printed: $(cat "$T/edited.out")"
echo "ok: an edited create stack is left alone, the root line for vfs printed"

setup zfs "{\"data-root\": \"$T/zdk\", \"storage-driver\": \"zfs\"}"
cmp -s "$POLICIES/create" "$T/zfs/etc/policy.d/create" || fail "an unknown driver changed the root line"
grep -q "storage driver 'zfs' is not one setup knows" "$T/zfs.out" || fail "zfs: $(cat "$T/zfs.out")"
echo "ok: a driver setup does not know: the shipped line left, a note"

# A data-root that would split the policy argument or widen its pattern is refused.
run_setup comma '{"data-root": "/srv/a,/usr", "storage-driver": "vfs"}' &&
	fail "setup took data-root '/srv/a,/usr'"
grep -q "data-root '/srv/a,/usr' is not an absolute path free of commas" "$T/comma.out" &&
	cmp -s "$POLICIES/create" "$T/comma/etc/policy.d/create" || fail "comma: $(cat "$T/comma.out")"
echo "ok: a data-root with a comma is refused, the create stack left as shipped"

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
