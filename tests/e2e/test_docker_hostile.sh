#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile `docker run` forms (issue 10, T31) through the gate: --privileged, --device,
# --pid host and --network host are refused by the gate (not by runc or this machine), no
# container of theirs runs, and the plain form still works beside them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
dk_setup "$@"

dev=$(find /dev -maxdepth 1 -type b \( -name 'vd?' -o -name 'sd?' -o -name 'nvme?n1' \) | head -n 1)
[ -n "$dev" ] || dev=/dev/loop0

# usage: refused NAME WHAT [docker run options...]
refused() {
	local name=$1 what=$2 rc=0
	shift 2
	dk_run "$name" "$@" -- /bin/sh -c 'sleep 600' || rc=$?
	e2e_expect_refused "$rc" "shimgate: create of '[0-9a-f]{64}' refused" "" "$what"
	! dk_running "$name" || dk_fail "$what: the container runs"
	dk rm -f "$name" >/dev/null 2>&1 || true
}

refused priv "docker run --privileged" --privileged
refused dev "docker run --device $dev" --device "$dev:/dev/xdisk"
refused pidhost "docker run --pid host" --pid host
refused nethost "docker run --network host" --network host

dk_start plain
dk_assert_gated plain "the plain docker run beside them"
e2e_pass
