#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# T25, the pid behind a joined namespace (issue 10's residual gap 1): a create joins another
# process's network namespace by /proc/<pid>/ns/net. Between the gate's check and runc's open
# that process dies and a host process takes its pid: runc would join the host's network
# namespace. The gate opens the namespace itself and hands runc /proc/<gate pid>/fd/<N>.
#
# The window is made wide on purpose: the container joins a group (one gate and one real
# shim for both containers, as CRI groups a pod's), the real shim is stopped (SIGSTOP) before
# the Create, so the gate judges it and forwards it, and runc runs only after the process was
# killed and a host `sleep` was given its pid (kernel.ns_last_pid). The container must come up
# in the namespace the gate judged, not in the host's; the plain runc shim, the control, joins
# the host's.
. "$(dirname "$0")/lib.sh"

NR_PIDS=()
NR_STOPPED=
e2e_before_cleanup() {
	local p
	[ -z "$NR_STOPPED" ] || kill -CONT "$NR_STOPPED" 2>/dev/null
	for p in "${NR_PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; done
	return 0
}
e2e_setup "$@"

hostnet=$(readlink /proc/self/ns/net)
group=nr-${E2E_NS#sge2e-}

# nr_other: a process in a network namespace of its own (another container's stand-in).
# Sets NR_OTHER (its pid) and NR_OTHER_NET (its netns).
nr_other() {
	unshare -n sleep 600 &
	NR_OTHER=$!
	NR_PIDS+=("$NR_OTHER")
	e2e_wait_for 10 "the process in its own netns" \
		bash -c "[ \"\$(readlink /proc/$NR_OTHER/ns/net)\" != '$hostnet' ]"
	NR_OTHER_NET=$(readlink "/proc/$NR_OTHER/ns/net")
}

# nr_take_pid PID: kills PID and starts a host `sleep` on the same pid number.
nr_take_pid() {
	local want=$1 p i
	kill -KILL "$want"
	wait "$want" 2>/dev/null || true
	for i in $(seq 50); do
		echo $((want - 1)) >/proc/sys/kernel/ns_last_pid
		sleep 600 &
		p=$!
		NR_PIDS+=("$p")
		[ "$p" -eq "$want" ] && return 0
		kill -KILL "$p"
	done
	e2e_fail "no host process could take pid $want"
}

# nr_race RUNTIME ID: the create joining NR_OTHER's netns, with the real shim of the group
# stopped until the pid was reused. The container prints its netns to $E2E_OUT.
nr_race() {
	local runtime=$1 id=$2 real rc=0
	e2e_start "$id-lead" --runtime "$runtime" --annotation "io.containerd.runc.v2.group=$group-$id"
	real=$(e2e_shim_pids "$id-lead" | while read -r p; do
		[ "$(basename "$(readlink "/proc/$p/exe")")" = containerd-shim-runc-v2 ] && echo "$p"
	done | head -n 1)
	[ -n "$real" ] || e2e_fail "no real shim for $id-lead"
	nr_other
	e2e_spec "$id" --annotation "io.containerd.runc.v2.group=$group-$id" -- /bin/readlink /proc/self/ns/net
	e2e_spec_edit "$id" "[n.__setitem__('path', '/proc/$NR_OTHER/ns/net') for n in s['linux']['namespaces'] if n['type'] == 'network']"
	kill -STOP "$real"
	NR_STOPPED=$real
	E2E_OUT=$E2E_TMP/out/$id.out
	E2E_ERR=$E2E_TMP/out/$id.err
	e2e_note_cid "$id"
	timeout "$E2E_TIMEOUT" ctr -a "$E2E_SOCK" -n "$E2E_NS" run --runtime "$runtime" \
		--config "$(e2e_specfile "$id")" "$id" </dev/null >"$E2E_OUT" 2>"$E2E_ERR" &
	local ctrpid=$!
	# The gate allowed the Create and forwarded it (the control: containerd sent it); the
	# stopped real shim has not run runc.
	if [ "$runtime" = "$E2E_RUNTIME" ]; then
		e2e_wait_for 20 "the gate to allow $id" e2e_audit_has create "$id" allow
	fi
	sleep 2
	nr_take_pid "$NR_OTHER"
	e2e_log "$id: pid $NR_OTHER now runs a host sleep ($(readlink "/proc/$NR_OTHER/ns/net"))"
	kill -CONT "$real"
	NR_STOPPED=
	wait "$ctrpid" || rc=$?
	ctr_ c rm "$id" >/dev/null 2>&1 || true
	ctr_ task kill -s SIGKILL "$id-lead" >/dev/null 2>&1 || true
	return "$rc"
}

# Control: the plain runc shim joins whatever the pid is when runc opens it, the host's netns.
nr_race "$E2E_RUNC_RUNTIME" nrctl || e2e_fail "control: $(cat "$E2E_ERR")"
[ "$(cat "$E2E_OUT")" = "$hostnet" ] ||
	e2e_fail "control: the plain runc shim did not join the host's netns ('$(cat "$E2E_OUT")')"
e2e_ok "control: on the plain runc shim the container joined the host's netns ($hostnet)"

# The gate: the namespace it judged (the dead process's), never the host's.
nr_race "$E2E_RUNTIME" nrgate || e2e_fail "the pinned join: $(cat "$E2E_ERR")"
[ "$(cat "$E2E_OUT")" != "$hostnet" ] ||
	e2e_fail "T25 pid reused under a joined netns: the container joined the host's netns"
[ "$(cat "$E2E_OUT")" = "$NR_OTHER_NET" ] ||
	e2e_fail "T25 pid reused under a joined netns: joined '$(cat "$E2E_OUT")', judged '$NR_OTHER_NET'"
grep -q "linux.namespaces\[[0-9]*\].path '/proc/$NR_OTHER/ns/net' pinned as '/proc/[0-9]*/fd/[0-9]*'" "$E2E_AUDIT" ||
	e2e_fail "no audit note of the pinned netns path"
e2e_ok "T25 pid reused between check and runc: the container joined the judged netns ($NR_OTHER_NET), not the host's"

# The gate held the namespace only until the Create was answered: no descriptor of the gate
# still names it.
gate=$(e2e_shim_pids nrgate-lead | while read -r p; do
	[ "$(basename "$(readlink "/proc/$p/exe")")" = containerd-shim-shimgate-v2 ] && echo "$p"
done | head -n 1)
[ -n "$gate" ] || e2e_fail "no gate for nrgate-lead"
! ls -l "/proc/$gate/fd" 2>/dev/null | grep -q "$NR_OTHER_NET" ||
	e2e_fail "the gate (pid $gate) still holds $NR_OTHER_NET after the Create was answered"
e2e_ok "the gate closed the namespace descriptor once the Create was answered"

# Legitimate: the plain join (a pod container joining its sandbox) still works.
nr_other
E2E_TOKEN=none e2e_run nrok --rm --with-ns "network:/proc/$NR_OTHER/ns/net" -- /bin/readlink /proc/self/ns/net ||
	e2e_fail "a plain join of another netns: $(cat "$E2E_ERR")"
[ "$(cat "$E2E_OUT")" = "$NR_OTHER_NET" ] || e2e_fail "the plain join ran in '$(cat "$E2E_OUT")'"
e2e_ok "a container joins another process's netns by /proc/<pid>/ns/net"
e2e_pass
