# SPDX-License-Identifier: Apache-2.0
# Helpers of the fault and load tests (tests/e2e/test_fault_*.sh, test_load_*.sh), sourced
# after lib.sh: the processes of one container (gate, real shim, container), their memory,
# mounts that break the gate's files, and the raw ttrpc client.

FAULT_TTRPC=$E2E_SRC/tests/e2e/fault_ttrpc.py

# Alive means not gone and not a zombie: shims and gates are reparented to an init that may
# reap them late, and a zombie holds no socket, file or memory.
fault_alive() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "${st%% *}" != Z ] && [ "${st%% *}" != X ]
}

fault_gone() { ! fault_alive "$1"; }

# The shim process of container ID whose executable is BINARY (basename): the gate keeps the
# argv of `containerd-shim-shimgate-v2 ... -id ID ... start`, the real shim its own argv.
fault_shim_of() {
	local id=$1 bin=$2 pid
	for pid in $(e2e_shim_pids "$id"); do
		[ "$(basename "$(readlink "/proc/$pid/exe" 2>/dev/null)")" = "$bin" ] || continue
		fault_alive "$pid" || continue
		echo "$pid"
		return 0
	done
	return 1
}

fault_gate_pid() {
	local pid
	pid=$(fault_shim_of "$1" containerd-shim-shimgate-v2) || return 1
	# The daemon keeps start's argv; a `delete` run of the same binary is not the gate.
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q ' start $' || return 1
	echo "$pid"
}

fault_real_pid() { fault_shim_of "$1" containerd-shim-runc-v2; }

# Processes in the cgroup runc made for container ID (cgroupsPath /<ns>/<id>).
fault_cgroup_pids() {
	local p
	for p in /proc/[0-9]*; do
		if grep -q ":/$E2E_NS/$1\$" "$p/cgroup" 2>/dev/null && fault_alive "${p#/proc/}"; then
			echo "${p#/proc/}"
		fi
	done
}

fault_rss_kb() { awk '$1 == "VmRSS:" {print $2; f=1} END {exit !f}' "/proc/$1/status"; }

# Nothing of container ID runs any more: no gate, no real shim, no process in its cgroup,
# and neither its gate socket (GATE_SOCK, when given) nor its real shim socket exists.
# usage: fault_assert_nothing_left ID WHAT [GATE_SOCK]
fault_assert_nothing_left() {
	local id=$1 what=$2 gsock=${3:-} left
	e2e_wait_for 20 "$what: shims of $id to exit" e2e_no_shims "$id"
	e2e_wait_for 20 "$what: processes of $id to exit" fault_no_cgroup_pids "$id"
	e2e_wait_for 20 "$what: the real shim socket of $id to go" test ! -e "$(e2e_real_socket "$id")"
	if [ -n "$gsock" ]; then
		e2e_wait_for 20 "$what: the gate socket $gsock to go" test ! -e "$gsock"
	fi
	left=$(e2e_shim_pids "$id")$(fault_cgroup_pids "$id")
	[ -z "$left" ] || e2e_fail "$what: processes of $id left: $left"
	e2e_ok "$what: no gate, real shim, container process or socket left for $id"
}

fault_no_cgroup_pids() { [ -z "$(fault_cgroup_pids "$1")" ]; }

# The ctr error and containerd's log (which carries the gate's log) both name REASON (ERE).
# usage: fault_assert_reason REASON WHAT
fault_assert_reason() {
	grep -Eq -- "$1" "$E2E_ERR" || e2e_fail "$2: ctr's error is not /$1/: $(cat "$E2E_ERR")"
	grep -Eq -- "$1" "$E2E_TMP/containerd.log" || e2e_fail "$2: no /$1/ in the gate's log"
	e2e_ok "$2: ctr and the gate's log say /$1/"
}

# A signed, detached container ID must be refused because its gate cannot start, for REASON
# (ERE), leave nothing behind, and be removable. The reason is in ctr's error only: a gate
# that did not start has no log (containerd 1.6 hands a failed `shim start`'s output to the
# client and logs nothing).
# usage: fault_run_refused ID REASON WHAT
fault_run_refused() {
	local id=$1 reason=$2 what=$3 rc=0
	e2e_run "$id" -d -- /bin/sh -c 'sleep 600' || rc=$?
	[ "$rc" -ne 0 ] || e2e_fail "$what: the container started"
	grep -q "failed to start shim: .*shimgate: cannot" "$E2E_ERR" ||
		e2e_fail "$what: failed, but not because the gate would not start: $(cat "$E2E_ERR")"
	grep -Eq -- "$reason" "$E2E_ERR" || e2e_fail "$what: ctr's error is not /$reason/: $(cat "$E2E_ERR")"
	e2e_ok "$what: refused ($(tr -d '\n' <"$E2E_ERR"))"
	e2e_assert_gone "$id" "$what"
	ctr_ c rm "$id" >/dev/null || e2e_fail "$what: ctr c rm $id"
}

# Mounts a tmpfs of SIZE (mount's size=, e.g. 64k) on DIR, root-owned 0700 like the gate's
# state directories; lib.sh's cleanup unmounts everything under the temp dir.
fault_mount_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0700,uid=0,gid=0" "shimgate-fault" "$1" ||
		e2e_fail "mount tmpfs on $1"
}

# Fills the file system of DIR: a file FILL takes every free block.
# A file that ends inside a block can still grow into it: fault_align_jsonl first.
fault_fill() {
	dd if=/dev/zero of="$1/fill" bs=4k >/dev/null 2>&1 || true
	[ "$(df --output=avail -B1 "$1" | tail -n 1)" -eq 0 ] || e2e_fail "$1 is not full: $(df "$1")"
}

# Pads the JSON-lines file FILE with a {"pad": ...} line up to a multiple of 4096 bytes, so
# that on a full file system its next write needs a new block and fails.
fault_align_jsonl() {
	local size pad
	size=$(stat -c %s "$1")
	pad=$(((4096 - (size + 11) % 4096) % 4096))
	printf '{"pad":"%s"}\n' "$(head -c "$pad" /dev/zero | tr '\0' x)" >>"$1"
	[ $(($(stat -c %s "$1") % 4096)) -eq 0 ] || e2e_fail "could not align $1 to 4096 bytes"
}

# Makes DIR read-only in place (a read-only bind mount of itself).
fault_mount_readonly() {
	mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || e2e_fail "read-only bind of $1"
}

# Sets (or adds) KEY = VALUE in the gate's config. Gates read it when they start, so this
# changes the containers started afterwards.
fault_config_set() {
	if grep -q "^$1 =" "$E2E_CONF"; then
		sed -i "s|^$1 = .*|$1 = $2|" "$E2E_CONF"
	else
		echo "$1 = $2" >>"$E2E_CONF"
	fi
	"$E2E_CLI" config check --config "$E2E_CONF" >/dev/null ||
		e2e_fail "shimgate config check refused $1 = $2"
}

# A signed exec must be refused: non-zero, the gate's REASON (ERE) in ctr's error, and the
# command (which would create MARKER) did not run.
# usage: fault_exec_signed_refused ID EID REASON MARKER WHAT
fault_exec_signed_refused() {
	local id=$1 eid=$2 reason=$3 marker=$4 what=$5 tok rc=0
	tok=$(e2e_sign_exec "$id" "$eid" -- /bin/touch "/tmp/$marker")
	e2e_exec "$id" "$eid" "$tok" /bin/touch "/tmp/$marker" || rc=$?
	e2e_expect_refused "$rc" "$reason" "$marker" "$what"
}

# An unsigned exec must be refused by the gate (no signature) and not run.
# usage: fault_exec_unsigned_refused ID EID WHAT
fault_exec_unsigned_refused() {
	local rc=0
	e2e_exec "$1" "$2" none /bin/touch "/tmp/$2.ran" || rc=$?
	e2e_expect_refused "$rc" "refused by exec policy.*no signature" "$2.ran" "$3"
}

# How many audit lines of this test's namespace have OP and DECISION.
fault_audit_count() {
	"$E2E_PY" - "$E2E_AUDIT" "$E2E_NS" "$1" "$2" <<-'PY'
		import json, sys
		path, ns, op, decision = sys.argv[1:5]
		n = 0
		for line in open(path):
		    a = json.loads(line)
		    n += (a.get("namespace"), a.get("op"), a.get("decision")) == (ns, op, decision)
		print(n)
	PY
}

fault_time_after() { [ "$(date +%s)" -gt "$1" ]; }
