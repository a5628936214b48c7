#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Hostile CRI requests (issue 10, T31) through the gate as the default handler: a privileged
# hostPID pod and a hostPID pod are refused at RunPodSandbox, a privileged container (in a
# privileged pod, as CRI requires) at StartContainer; the ordinary container beside them runs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/cri_lib.sh"
cri_setup "$@"

rc=0
cri_run_pod evil "" '{"privileged": true, "namespace_options": {"network": "NODE", "pid": "NODE", "ipc": "POD"}}' || rc=$?
e2e_expect_refused "$rc" "shimgate: create of '[0-9a-f]{64}' refused" "" \
	"RunPodSandbox of a privileged hostPID pod"

# A privileged pod: CRI admits a privileged container only in one. Its sandbox (the pause
# process, no devices) starts confined like any other; the privileged container, which CRI
# gives every host device and all capabilities, is refused.
cri_run_pod evil2 "" '{"privileged": true}' || e2e_fail "RunPodSandbox evil2: $(cat "$E2E_ERR")"
e2e_note_cid "$CRI_ID"
cri_assert_gated "$CRI_ID" "the privileged pod's sandbox"
evil2=$CRI_ID
rc=0
cri_run_container "$evil2" evil2 priv '{"linux": {"security_context": {"privileged": true,
	"namespace_options": {"network": "NODE", "pid": "POD"}}}}' || rc=$?
e2e_expect_refused "$rc" "shimgate: create of '[0-9a-f]{64}' refused" "" \
	"StartContainer of a privileged container"

# The host's PID namespace alone (CRI gives it to a container only through a hostPID pod: a
# container asking for it in an ordinary pod joins the pod's).
rc=0
cri_run_pod hostpid "" '{"namespace_options": {"network": "NODE", "pid": "NODE", "ipc": "POD"}}' || rc=$?
e2e_expect_refused "$rc" "shimgate: create of '[0-9a-f]{64}' refused" "" \
	"RunPodSandbox of a hostPID pod"

cri_pod web
cri_run_container "$CRI_POD" web app '{}' || e2e_fail "StartContainer app: $(cat "$E2E_ERR")"
cri_assert_gated "$CRI_ID" "the ordinary container beside them"
e2e_pass
