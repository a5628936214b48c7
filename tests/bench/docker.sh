#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The bench's Docker part, run by run.sh: a private dockerd (tests/e2e/docker_lib.sh) on a
# private containerd (tests/e2e/lib.sh), `docker run --rm <imported busybox> /bin/true`
# through the gate against plain runc on that same dockerd, interleaved A/B; writes
# RESULTS_DIR/docker_run.json. Cleanup (by PID, bounded, mounts included) is the e2e
# harness's.
#
# Docker 20.10 always asks containerd for io.containerd.runc.v2; docker_lib.sh makes that name
# the gate with a link containerd-shim-runc-v2 first on the private containerd's PATH. Here that
# link is switched between runs (untimed) to the real runc shim for the runc sides: the same
# dockerd, containerd, image and request, only the shim behind the name differs.
#
# Usage: tests/bench/docker.sh BUILD_DIR RESULTS_DIR
set -euo pipefail
bench_src=$(cd "$(dirname "$0")/../.." && pwd)
. "$bench_src/tests/bench/lib.sh"
bench_part_args "$@"
. "$bench_src/tests/e2e/lib.sh"
# Docker's default storage driver: with vfs (the Docker tests' choice) each run copies the
# image, which tripled the time of a run here and hid the shim in it. DK_DRIVER=vfs for that.
DK_DRIVER=${DK_DRIVER:-overlay2}
. "$bench_src/tests/e2e/docker_lib.sh"

if [ ! -x "$DK_DAEMON" ] || [ ! -x "$DK_CLIENT" ]; then
	echo '{"error":"docker.io not installed: no Docker bench"}' >"$R/docker_run.json"
	exit 0
fi

# dk_setup's steps, with the gate and containerd at their usual log levels (figures, not
# diagnostics) before dockerd attaches; dockerd itself runs with docker_lib.sh's --debug.
docker_setup() {
	e2e_setup "$build/plugin" "$build/plugin/shimgate"
	sed -i 's/^log_level = .*/log_level = warn/' "$E2E_CONF"
	sed -i '/^\[debug\]/,/level/d' "$E2E_TMP/config.toml"
	e2e_restart_containerd
	dk_start_dockerd
	tar -C "$E2E_ROOTFS" -cf "$E2E_TMP/busybox.tar" . || e2e_fail "tar of the rootfs"
	dk image import "$E2E_TMP/busybox.tar" "$DK_IMAGE" >/dev/null || e2e_fail "docker import"
	SHADOW=$E2E_PATH_FIRST/containerd-shim-runc-v2
	GATE_SHIM=$(readlink "$SHADOW") || e2e_fail "no shadow link $SHADOW"
	e2e_log "dockerd pid $DK_PID, containerd namespace $DK_NS, storage driver $DK_DRIVER"
}

# use_shim F: the shim behind io.containerd.runc.v2 for the next run of F: the gate for
# *_gate, the real runc shim for the others (an atomic rename of the link).
use_shim() {
	local target=$E2E_RUNC_SHIM
	[[ $1 != *_gate ]] || target=$GATE_SHIM
	[ "$(readlink "$SHADOW")" != "$target" ] || return 0
	ln -sfn "$target" "$SHADOW.new"
	mv -T "$SHADOW.new" "$SHADOW"
}

# The gate rewrites Docker's spec (its seccomp profile, fewer capabilities,
# no_new_privileges). SAME_SPEC: the docker run options that give plain runc the spec the gate
# made for a detached container, captured once, as e2e.sh does for ctr. Both detached
# containers also prove the link: the first is served by a gate, the second is not. What
# docker run cannot express stays in spec_check: the gate names the network hook's binary
# (/usr/sbin/dockerd, not /proc/<pid>/exe), masks one more path, and Docker 20.10 drops the
# profile's defaultErrnoRet; none of them changes what runc does at start by more than a mount.
same_spec_options() {
	local gate_cfg same_cfg
	use_shim x_gate
	dk_start d-gate
	dk_assert_gated d-gate "Docker bench, gate side"
	gate_cfg=$(dk_spec d-gate)
	mapfile -t SAME_SPEC < <(/usr/bin/python3 - "$gate_cfg" "$E2E_TMP/gate-seccomp.json" <<-'EOF'
		import json, sys
		gate = json.load(open(sys.argv[1]))
		seccomp = gate["linux"].get("seccomp")
		print("--security-opt")
		if seccomp:
		    json.dump(seccomp, open(sys.argv[2], "w"))
		    print("seccomp=" + sys.argv[2])
		else:
		    print("seccomp=unconfined")
		print("--cap-drop=ALL")
		for c in gate["process"].get("capabilities", {}).get("bounding", []):
		    print("--cap-add=" + c)
		if gate["process"].get("noNewPrivileges"):
		    print("--security-opt")
		    print("no-new-privileges")
	EOF
	)
	use_shim x_same
	dk_start d-same "${SAME_SPEC[@]}"
	! dk_gated d-same || dk_fail "Docker bench: d-same is served by a gate, want plain runc"
	same_cfg=$(dk_spec d-same)
	# Each container has its own id, hostname and layer: named alike before comparing.
	/usr/bin/python3 - "$gate_cfg" "$(dk_id d-gate)" "$E2E_TMP/gate.norm.json" \
		"$same_cfg" "$(dk_id d-same)" "$E2E_TMP/same.norm.json" <<-'EOF'
		import json, sys
		for cfg, cid, out in (sys.argv[1:4], sys.argv[4:7]):
		    spec = json.load(open(cfg))
		    spec["root"]["path"] = "ROOT"
		    text = json.dumps(spec).replace(cid, "ID").replace(cid[:12], "ID")
		    open(out, "w").write(text)
	EOF
	SPEC_CHECK=$(python3 "$stats" specdiff "$E2E_TMP/gate.norm.json" "$E2E_TMP/same.norm.json")
	dk rm -f d-gate d-same >/dev/null
}

# docker run --rm /bin/true: through the gate (unsigned, as Docker's creates are), plain runc
# with the gate's spec, plain runc with Docker's default spec, and that once more in the same
# rotation: the noise floor (runc vs runc).
DK_RUN=(run --rm --network none)
drun_gate() { dk "${DK_RUN[@]}" "$DK_IMAGE" /bin/true; }
drun_same() { dk "${DK_RUN[@]}" "${SAME_SPEC[@]}" "$DK_IMAGE" /bin/true; }
drun_plain() { dk "${DK_RUN[@]}" "$DK_IMAGE" /bin/true; }
drun_noise() { drun_plain; }
audit_creates() {
	"$E2E_PY" - "$E2E_AUDIT" "$DK_NS" <<-'EOF'
		import json, sys
		n = 0
		for line in open(sys.argv[1]):
		    a = json.loads(line)
		    n += a.get("op") == "create" and a.get("namespace") == sys.argv[2]
		print(n)
	EOF
}
docker_run_abc() {
	local i f n
	# Warm-up, untimed: the first run of each side pays page-ins.
	for f in drun_gate drun_same drun_plain; do
		use_shim "$f"
		"$f" >/dev/null
	done
	BENCH_BEFORE=use_shim
	for i in $(seq 1 "$E2E"); do
		rotate "$i" drun_gate drun_same drun_plain drun_noise
	done
	# Every create the gate judged is in its audit trail: one per gate run (d-gate, the
	# warm-up, E2E timed) and none from the runc sides, or the figures compare the wrong shims.
	n=$(audit_creates)
	[ "$n" = $((E2E + 2)) ] ||
		e2e_fail "the gate judged $n Docker creates, want $((E2E + 2)): the link did not pick the shim"
	printf '{"same_spec":%s,"default_spec":%s,"spec_check":%s,"gate_creates_audited":%d,' \
		"$(python3 "$stats" ab "$R/drun_gate" "$R/drun_same")" \
		"$(python3 "$stats" ab "$R/drun_gate" "$R/drun_plain")" "$SPEC_CHECK" "$n"
	printf '"noise":%s,"storage_driver":"%s"}\n' \
		"$(python3 "$stats" ab "$R/drun_noise" "$R/drun_plain")" "$DK_DRIVER"
}

docker_setup >&2
same_spec_options >&2
section docker_run docker_run_abc
