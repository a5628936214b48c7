#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Hostile Create, Exec and Update requests through the shipped policy (T23, T27, T28, T29,
# T30), each checked for its host effect, next to the legitimate form that must keep working:
#   binary:// and file:// stdio, a plain stdio path that is not a FIFO (T23);
#   a config.json field nobody judges, linux.intelRdt (T30);
#   an Update granting a device, next to CRI's update repeating the container's rules (T27);
#   RLIM_INFINITY in process.rlimits, accepted and applied (T28);
#   a bind source swapped for a symlink to /run/containerd by an unprivileged user, next to a
#   root-owned bind reached through a symlink, mounted by its canonical path (T29).
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

W=$E2E_TMP/wire
mkdir -p "$W"

# Runs a container from a whole spec file (ctr run --config), unsigned.
# usage: run_config ID SPEC [ctr run options...]; output in $E2E_OUT/$E2E_ERR; returns ctr's status.
run_config() {
	local id=$1 spec=$2 rc=0
	shift 2
	e2e_note_cid "$id"
	E2E_OUT=$E2E_TMP/out/$E2E_NS.$id.run.out
	E2E_ERR=$E2E_TMP/out/$E2E_NS.$id.run.err
	ctr_ run --runtime "$E2E_RUNTIME" --config "$spec" "$@" "$id" \
		</dev/null >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	e2e_note_socket "$id"
	return "$rc"
}

# The spec ctr would use for ID running CMD, with the Python expression EDIT applied to it
# (spec is the dict). usage: edited_spec ID OUT EDIT -- CMD...
edited_spec() {
	local id=$1 out=$2 edit=$3
	shift 4
	e2e_spec "$id" -- "$@"
	"$E2E_PY" - "$(e2e_specfile "$id")" "$out" "$edit" <<-'EOF' || e2e_fail "editing the spec of $id"
		import json, sys
		spec = json.load(open(sys.argv[1]))
		exec(sys.argv[3])
		json.dump(spec, open(sys.argv[2], "w"))
	EOF
}

# grpc_exec.py exec with stdio fields. usage: stdio_exec EID PROCESS [--stdout URI]...
stdio_exec() {
	local eid=$1 proc=$2 rc=0
	shift 2
	E2E_OUT=$E2E_TMP/out/$E2E_NS.c1.$eid.out
	E2E_ERR=$E2E_TMP/out/$E2E_NS.c1.$eid.err
	timeout "$E2E_TIMEOUT" "$E2E_PY" "$E2E_SRC/tests/e2e/grpc_exec.py" exec --address "$E2E_SOCK" \
		--namespace "$E2E_NS" --container c1 --exec-id "$eid" "$@" "$proc" \
		>"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	return "$rc"
}

# usage: update RESOURCES.json; output in $E2E_OUT/$E2E_ERR
update() {
	local rc=0
	E2E_OUT=$E2E_TMP/out/$E2E_NS.c1.update.out
	E2E_ERR=$E2E_TMP/out/$E2E_NS.c1.update.err
	timeout "$E2E_TIMEOUT" "$E2E_PY" "$E2E_SRC/tests/e2e/grpc_exec.py" update --address "$E2E_SOCK" \
		--namespace "$E2E_NS" --container c1 "$1" >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	return "$rc"
}

# ---- T23: stdio of Create ----------------------------------------------------------------
# ctr run --log-uri binary://PROG?ARGS makes the runc shim run PROG on the host, as root. The
# control, under the plain runc shim, shows the marker check can see the program run.
E2E_TOKEN=none E2E_RUN_RUNTIME=$E2E_RUNC_RUNTIME e2e_run b0 --rm \
	--log-uri "binary:///bin/sh?-c=touch+$W/binary-control" -- /bin/true || true
e2e_wait_for 10 "the control's binary:// program to run" test -e "$W/binary-control"
e2e_ok "control: under the plain runc shim the binary:// program ran on the host"
rc=0
E2E_TOKEN=none e2e_run b1 -d --log-uri "binary:///bin/sh?-c=touch+$W/binary-ran" -- /bin/true || rc=$?
e2e_expect_refused "$rc" "stdio: stdout 'binary:///bin/sh\?-c=touch" "" "a binary:// log URI on create"
sleep 1
[ ! -e "$W/binary-ran" ] || e2e_fail "the binary:// program ran on the host"
e2e_ok "the binary:// program did not run on the host"

# ---- T23: stdio of Exec -----------------------------------------------------------------
e2e_start c1
P=$E2E_TMP/proc
mkdir -p "$P"
CARRIER=SHIMGATE_TOKEN=PENDING
# A signed exec, so that what refuses it is the stdio rule and not a missing signature.
# usage: signed_process EID ARGV...; prints the process file.
signed_process() {
	local eid=$1 tok
	shift
	e2e_process c1 "$P/$eid" --env "$CARRIER" -- "$@"
	tok=$(e2e_sign_exec c1 "$eid" --process "$P/$eid") || e2e_fail "signing $eid"
	sed "s/SHIMGATE_TOKEN=PENDING/SHIMGATE_TOKEN=$tok/" "$P/$eid" >"$P/$eid.tok"
	echo "$P/$eid.tok"
}
rc=0
stdio_exec s1 "$(signed_process s1 /bin/echo wire)" --stdout "file://$W/host-file" || rc=$?
e2e_expect_refused "$rc" "stdio: stdout 'file://$W/host-file': a URI the policy does not allow" "" \
	"a signed exec with a file:// stdout"
[ ! -e "$W/host-file" ] || e2e_fail "the file:// stdout created a host file"
e2e_task_running c1 || e2e_fail "c1 died after the file:// exec"
e2e_ok "no host file written, and c1 is still running"

echo "host content" >"$W/plain"
rc=0
stdio_exec s2 "$(signed_process s2 /bin/echo wire)" --stdout "$W/plain" || rc=$?
e2e_expect_refused "$rc" "stdio: stdout '$W/plain': not a FIFO" "" "a plain stdout path that is not a FIFO"
[ "$(cat "$W/plain")" = "host content" ] || e2e_fail "the host file changed: $(cat "$W/plain")"
e2e_ok "the host file is unchanged"

# The legitimate forms: ctr's own FIFOs on exec, and an exec without stdio.
e2e_exec_signed_ok c1 s3 wire-ok /bin/echo wire-ok
stdio_exec s4 "$(signed_process s4 /bin/true)" || e2e_fail "signed exec without stdio refused: $(cat "$E2E_ERR")"
grep -qx exit=0 "$E2E_OUT" || e2e_fail "exec without stdio: $(cat "$E2E_OUT")"
e2e_ok "an exec without stdio runs"

# ---- T30: a config.json field nobody judges ---------------------------------------------
edited_spec r1 "$W/rdt.json" 'spec["linux"]["intelRdt"] = {"closID": "wire", "l3CacheSchema": "L3:0=1"}' \
	-- /bin/sh -c 'touch /tmp/rdt-ran'
rc=0
run_config r1 "$W/rdt.json" || rc=$?
e2e_expect_refused "$rc" "config.json: linux.intelRdt: not judged by this gate" rdt-ran \
	"linux.intelRdt in config.json"

# ---- T28: RLIM_INFINITY ------------------------------------------------------------------
# RLIMIT_STACK: the soft limit goes from the inherited 8 MiB to unlimited; the hard one is
# unlimited already (raising a hard limit needs CAP_SYS_RESOURCE, which CI hosts may lack).
[ "$(awk '/^Max stack size/ {print $5}' "/proc/$E2E_CD_PID/limits")" = unlimited ] ||
	e2e_fail "containerd's hard stack limit is not unlimited: $(grep stack "/proc/$E2E_CD_PID/limits")"
edited_spec l1 "$W/rlim.json" 'spec["process"]["rlimits"] = [
    {"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024},
    {"type": "RLIMIT_STACK", "hard": 18446744073709551615, "soft": 18446744073709551615}]' \
	-- /bin/sh -c 'cat /proc/self/limits'
grep -q 18446744073709551615 "$W/rlim.json" || e2e_fail "the spec lost RLIM_INFINITY"
run_config l1 "$W/rlim.json" --rm || e2e_fail "RLIM_INFINITY refused: $(cat "$E2E_ERR")"
grep -Eq "^Max stack size +unlimited +unlimited" "$E2E_OUT" ||
	e2e_fail "RLIMIT_STACK not unlimited inside: $(cat "$E2E_OUT")"
e2e_ok "RLIM_INFINITY accepted and applied (Max stack size unlimited unlimited)"

# ---- T27: Update ---------------------------------------------------------------------------
CFG=$(e2e_bundle c1)/config.json
CG=$("$E2E_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["linux"]["cgroupsPath"])' "$CFG")
shares=/sys/fs/cgroup/cpu$CG/cpu.shares
devlist=/sys/fs/cgroup/devices$CG/devices.list
[ -r "$shares" ] && [ -r "$devlist" ] || e2e_fail "no cgroup v1 files for c1 at $CG"
"$E2E_PY" - "$CFG" "$W" <<-'EOF' || e2e_fail "writing the update requests"
	import json, sys
	devices = json.load(open(sys.argv[1]))["linux"]["resources"]["devices"]
	w = sys.argv[2]
	json.dump({"devices": devices, "cpu": {"shares": 512}}, open(w + "/update-cri.json", "w"))
	json.dump({"devices": devices + [{"allow": True, "type": "b", "major": 7, "minor": 0,
	                                  "access": "rwm"}]}, open(w + "/update-grant.json", "w"))
EOF
update "$W/update-cri.json" || e2e_fail "CRI-style update with the container's own device rules refused: $(cat "$E2E_ERR")"
[ "$(cat "$shares")" = 512 ] || e2e_fail "cpu.shares is $(cat "$shares"), want 512"
e2e_ok "an update repeating c1's device rules with new CPU shares applied (cpu.shares 512)"
rc=0
update "$W/update-grant.json" || rc=$?
e2e_expect_refused "$rc" "resources.devices: rule 'allow b 7:0 rwm' is not the container's own" "" \
	"an update granting block device 7:0"
! grep -q "^b 7:0" "$devlist" || e2e_fail "the device cgroup now allows b 7:0: $(cat "$devlist")"
e2e_ok "the device cgroup does not allow b 7:0"

# ---- T29: the bind race --------------------------------------------------------------------
# An allowed prefix with a directory that an unprivileged user (65534) owns. That user swaps
# its source between a directory and a symlink to /run/containerd while creates go on.
A=$E2E_TMP/binds
chmod 0711 "$E2E_TMP"
mkdir -p "$A/legit" "$A/u/real"
chmod 0755 "$A" "$A/legit"
echo legit >"$A/legit/file"
ln -s legit "$A/legit-link"
chown -R 65534:65534 "$A/u"
e2e_policy_allow_binds "$A"
setpriv --reuid=65534 --regid=65534 --clear-groups "$E2E_PY" - "$A/u" <<-'EOF' &
	import os, sys, time
	os.chdir(sys.argv[1])
	n = 0
	deadline = time.time() + 600  # never outlives a test that failed before "stop"
	while not os.path.exists("stop") and time.time() < deadline:
	    for step in (lambda: os.rename("real", "src"), lambda: os.rename("src", "real"),
	                 lambda: os.symlink("/run/containerd", "src"), lambda: os.unlink("src")):
	        try:
	            step()
	        except OSError:
	            pass
	    n += 1
	    if n % 100 == 0:
	        with open("count.tmp", "w") as f:
	            f.write(str(n))
	        os.rename("count.tmp", "count")
	with open("count", "w") as f:
	    f.write(str(n))
EOF
SWAP=$!
tries=0 refused=0
swaps() { cat "$A/u/count" 2>/dev/null || echo 0; }
while [ "$tries" -lt 12 ] || [ "$(swaps)" -lt 500 ]; do
	tries=$((tries + 1))
	rc=0
	e2e_run "race$tries" --rm --mount "type=bind,src=$A/u/src,dst=/m,options=rbind:ro" \
		-- /bin/sh -c 'ls /m' || rc=$?
	if [ "$rc" -eq 0 ]; then
		kill "$SWAP"
		e2e_fail "race $tries: the bind was mounted (saw: $(tr '\n' ' ' <"$E2E_OUT"))"
	fi
	grep -Eq "directory '$A/u' is owned by uid 65534|source cannot be resolved|'$A/u/src'|denied by policy \(prefix '/run/containerd'\)" "$E2E_ERR" ||
		{ kill "$SWAP"; e2e_fail "race $tries: refused for another reason: $(cat "$E2E_ERR")"; }
	refused=$((refused + 1))
	[ "$tries" -lt 200 ] || break
done
touch "$A/u/stop"
wait "$SWAP" || true
swaps=$(swaps)
[ "$swaps" -ge 500 ] || e2e_fail "the swap loop ran only $swaps times"
e2e_ok "bind race: $refused creates refused during $swaps swaps, none mounted /run/containerd"

# The legitimate bind: root-owned all the way, named through a root-owned symlink; mounted,
# and config.json holds the canonical path runc mounted.
e2e_run g1 -d --mount "type=bind,src=$A/legit-link,dst=/m,options=rbind:ro" -- /bin/sh -c 'sleep 600' ||
	e2e_fail "the root-owned bind was refused: $(cat "$E2E_ERR")"
e2e_wait_for 20 "task g1 to run" e2e_task_running g1
grep -qF "\"source\":\"$A/legit\"" "$(e2e_bundle g1)/config.json" ||
	e2e_fail "config.json does not hold the canonical source $A/legit"
e2e_exec_signed_ok g1 g1e legit /bin/cat /m/file
e2e_ok "a root-owned bind through a symlink is mounted by its canonical path $A/legit"

e2e_pass
