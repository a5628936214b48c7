#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile CRI requests (issue 10, T32) through the gate as the default handler: a privileged
# pod with the host's PID namespace is refused at RunPodSandbox, a privileged container in an
# ordinary pod at StartContainer; the ordinary container beside them runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cri_lib.sh"
cri_setup "$@"

rc=0
cri_run_pod evil "" '{"privileged": true, "namespace_options": {"network": "NODE", "pid": "NODE", "ipc": "POD"}}' || rc=$?
e2e_expect_refused "$rc" "shimgate: create of '[0-9a-f]{64}' refused" "" \
	"RunPodSandbox of a privileged hostPID pod"

cri_pod web
rc=0
cri_run_container "$CRI_POD" web priv '{"linux": {"security_context": {"privileged": true,
	"namespace_options": {"network": "NODE", "pid": "POD"}}}}' || rc=$?
e2e_expect_refused "$rc" "shimgate: create of '[0-9a-f]{64}' refused" "" \
	"StartContainer of a privileged container"

cri_run_container "$CRI_POD" web app '{}' || e2e_fail "StartContainer app: $(cat "$E2E_ERR")"
cri_assert_gated "$CRI_ID" "the ordinary container beside them"
e2e_pass
