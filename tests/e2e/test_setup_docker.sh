#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The README's Docker host, with no hand edits: `shimgate setup docker` on private paths (a
# containerd configured like stock Debian, a daemon.json naming a private exec-root,
# data-root and the vfs storage driver), containerd restarted with the drop-in's environment,
# a private dockerd on it.
# `docker run` works and goes through the gate (seccomp profile, no_new_privileges, an audit
# line: Docker's runc options and its /etc/hosts binds are accepted), an unsigned `docker exec`
# is refused and a signed one runs, and doctor finds nothing.
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"
. "$E2E_SRC/tests/e2e/host_lib.sh"

DOCKER=/usr/bin/docker # not /usr/local/bin/docker, an unrelated newer client
command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || e2e_fail "dockerd is not installed (docker.io)"
DSOCK=$E2E_TMP/docker.sock
DNS=$E2E_NS-docker
DPID=

# dockerd first (TERM, then KILL), then lib.sh's cleanup of containerd and the rest.
stop_dockerd() {
	local i
	[ -n "$DPID" ] || return 0
	kill -TERM "$DPID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$DPID" 2>/dev/null || true
	DPID=
}
# set +e: a failed step must not end the trap before lib.sh's cleanup.
trap 'rc=$?; set +e; stop_dockerd; (exit $rc); e2e_cleanup' EXIT

docker_() { timeout "$E2E_TIMEOUT" "$DOCKER" -H "unix://$DSOCK" "$@"; }

host_stock_config "$CFG"
printf '{"exec-root": "%s", "data-root": "%s", "storage-driver": "vfs"}\n' "$E2E_TMP/dexec" "$E2E_TMP/docker" >"$DJ"
"$CLI" setup docker --etc "$ETC" --shim-dir "$E2E_TMP/shadow" --policies "$E2E_SRC/policies" \
	--containerd-config "$CFG" --docker-config "$DJ" --dropin "$DROPIN" --shim-path "$HOST_STOCK_PATH" \
	--gate "$GATE" --audit "$AUDIT" --replay-store "$E2E_TMP/replay/setup.db" >"$OUT/setup" 2>&1 ||
	e2e_fail "setup docker: $(cat "$OUT/setup")"
# dockerd hands runc its storage driver's mount of the container's layer as root.path: setup
# names the data root, under which the root module takes only the container's own layer.
grep -qx "required root docker_root=$E2E_TMP/docker" "$ETC/policy.d/create" ||
	e2e_fail "setup's root line does not name the data-root: $(grep '^required root' "$ETC/policy.d/create")"
# Docker's setkey hook names dockerd's exec root, not the default one: the hooks line lists it.
grep -qx "required hooks allow=/usr/sbin/dockerd@libnetwork-setkey docker_exec_root=$E2E_TMP/dexec" "$ETC/policy.d/create" ||
	e2e_fail "setup's hooks line does not name the exec-root: $(grep '^required hooks' "$ETC/policy.d/create")"
e2e_ok "setup docker on private paths (the create stack's root line for vfs under data-root, the hooks line's exec root)"
host_restart_as_dropin "$DROPIN"

setsid /usr/sbin/dockerd --config-file "$DJ" --containerd "$E2E_SOCK" --containerd-namespace "$DNS" \
	--containerd-plugins-namespace "$E2E_NS-dplugins" --pidfile "$E2E_TMP/dockerd.pid" -H "unix://$DSOCK" \
	--bridge none --iptables=false --ip6tables=false --ip-masq=false --userland-proxy=false \
	--exec-opt native.cgroupdriver=cgroupfs --cgroup-parent "/$DNS" \
	>"$E2E_TMP/dockerd.log" 2>&1 </dev/null &
DPID=$!
disown "$DPID"
e2e_wait_for 60 "dockerd to answer" docker_ version

tar -C "$E2E_ROOTFS" -cf "$E2E_TMP/busybox.tar" . && docker_ import "$E2E_TMP/busybox.tar" local/busybox >/dev/null ||
	e2e_fail "docker import"

docker_ run --rm --network none local/busybox /bin/grep -E 'Seccomp:|NoNewPrivs:' /proc/self/status \
	>"$OUT/run" 2>&1 || e2e_fail "docker run after setup docker: $(cat "$OUT/run"; tail -5 "$E2E_TMP/dockerd.log")"
grep -q '^Seccomp:[[:space:]]*2' "$OUT/run" && grep -q '^NoNewPrivs:[[:space:]]*1' "$OUT/run" ||
	e2e_fail "docker run is not rewritten by the gate: $(cat "$OUT/run")"
grep -q "\"op\":\"create\",\"namespace\":\"$DNS\"" "$AUDIT" || e2e_fail "no audit line for Docker's create"
e2e_ok "docker run works with no hand edits and goes through the gate (Seccomp 2, NoNewPrivs 1, audited)"

docker_ run -d --network none --name web local/busybox /bin/sleep 600 >"$OUT/id" 2>&1 ||
	e2e_fail "docker run -d: $(cat "$OUT/id")"
ID=$(docker_ inspect -f '{{.Id}}' web)
if docker_ exec web /bin/touch /tmp/unsigned >"$OUT/exec0" 2>&1; then
	e2e_fail "an unsigned docker exec ran"
fi
grep -q "no signature" "$OUT/exec0" || e2e_fail "unsigned docker exec: $(cat "$OUT/exec0")"
docker_ exec web /bin/ls /tmp/unsigned >/dev/null 2>&1 && e2e_fail "the unsigned exec's marker exists"
TOK=$("$CLI" sign exec --key "$ETC/keys.d/ops1" --namespace "$DNS" --id "$ID" --no-bind-exec-id \
	--spec "$E2E_STATE/io.containerd.runtime.v2.task/$DNS/$ID/config.json" -- /bin/echo signed) ||
	e2e_fail "sign exec"
e2e_note_token "$TOK"
[ "$(docker_ exec -e "SHIMGATE_TOKEN=$TOK" web /bin/echo signed 2>&1)" = signed ] ||
	e2e_fail "signed docker exec did not run"
e2e_ok "docker exec: unsigned refused (no signature), signed with setup's key runs"
docker_ rm -f web >/dev/null 2>&1 || e2e_fail "docker rm -f"

"$CLI" doctor --containerd-config "$CFG" --docker-config "$DJ" --dropin "$DROPIN" --gate "$GATE" \
	>"$OUT/doctor" 2>&1 || e2e_fail "doctor after setup docker: $(cat "$OUT/doctor")"
e2e_ok "doctor finds no way around the gate"
e2e_pass
