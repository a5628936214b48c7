#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# UpdateContainerResources through the gate, as the kubelet sends it (in-place resize, CPU
# manager): CRI carries the container's device rules in every update, so the gate must tell
# the unchanged rules from new ones. The intended behaviour: a CPU and memory change goes
# through and reaches the container's cgroups; the device rules stay what they were.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cri_lib.sh"
cri_setup "$@"

cri_pod upd
cri_run_container "$CRI_POD" upd app '{}' || e2e_fail "StartContainer: $(cat "$E2E_ERR")"
app=$CRI_ID
cri_assert_gated "$app" "the container to update"

cri_call UpdateContainerResources "{\"container_id\": \"$app\", \"linux\": {
	\"cpu_period\": 100000, \"cpu_quota\": 50000, \"cpu_shares\": 512,
	\"memory_limit_in_bytes\": 134217728}}" ||
	e2e_fail "UpdateContainerResources of CPU and memory was refused: $(cat "$E2E_ERR")"
e2e_ok "UpdateContainerResources of CPU and memory went through the gate"

# The new limits are in the container's cgroups (v1 hybrid here; the path is the pod's
# cgroup parent and the container id).
pid=$(cat "$(e2e_bundle "$app")/init.pid")
cg() { awk -F: -v c="$1" '$2 ~ "(^|,)" c "(,|$)" {print $3}' "/proc/$pid/cgroup"; }
[ "$(cat "/sys/fs/cgroup/memory$(cg memory)/memory.limit_in_bytes")" = 134217728 ] ||
	e2e_fail "memory.limit_in_bytes is $(cat "/sys/fs/cgroup/memory$(cg memory)/memory.limit_in_bytes")"
[ "$(cat "/sys/fs/cgroup/cpu,cpuacct$(cg cpu)/cpu.cfs_quota_us" 2>/dev/null ||
	cat "/sys/fs/cgroup/cpu$(cg cpu)/cpu.cfs_quota_us")" = 50000 ] || e2e_fail "cpu.cfs_quota_us was not set"
e2e_ok "the container's cgroups carry the new memory limit and CPU quota"

e2e_pass
