#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Docker 20.10 through the gate (T31): a private dockerd on the private containerd, the gate as
# its containerd-shim-runc-v2. docker run unsigned runs confined; docker exec unsigned is
# refused, signed runs (-t, -it, -u, -w, -e); a host bind is refused; logs, stop, restart and
# rm work; the restart policy brings a container back after its gate is killed; dockerd and
# containerd restarts keep every container gated.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
dk_setup "$@"

# --- docker run, unsigned: the create stack's confinement ----------------------------------
dk_start web
dk_assert_gated web "docker run"
dk_save_status web "$E2E_TMP/out/web.status"
e2e_assert_confined "$E2E_TMP/out/web.status" "docker run (unsigned)" 2
E2E_NS=$DK_NS e2e_audit_has create "$(dk_id web)" allow ||
	dk_fail "no audit line allowing the create of web"
e2e_ok "the audit trail records the create of web in namespace $DK_NS"
# Docker adds its networking hook even with --network none: prestart /proc/<dockerd pid>/exe
# with args[0] libnetwork-setkey: the run above passed the shipped hooks line.
grep -q '"libnetwork-setkey"' "$(dk_spec web)" || dk_fail "no libnetwork-setkey hook in web's spec"
e2e_ok "Docker's libnetwork-setkey hook was admitted by the hooks line ($DK_HOOKS)"

# --- docker exec, unsigned: refused, nothing ran ----------------------------------------------
rc=0
dk_exec web none -- /bin/touch /tmp/unsigned-exec || rc=$?
e2e_expect_refused "$rc" "refused by exec policy .*no signature" "" "docker exec unsigned"
id=$(dk_id web)
# The vfs storage driver keeps each container's root under <data-root>/vfs/dir.
! find "$DK_ROOT/vfs/dir" -path '*/tmp/unsigned-exec' | grep -q . ||
	dk_fail "the unsigned exec ran: /tmp/unsigned-exec exists in web"
E2E_NS=$DK_NS e2e_audit_has exec "$id" deny || dk_fail "no audit line denying the unsigned exec"
e2e_ok "the refused exec left no file and has a deny line in the audit trail"

# --- docker exec, signed ------------------------------------------------------------------------
tok=$(dk_sign_exec web -- /bin/echo signed-plain)
dk_exec web "$tok" -- /bin/echo signed-plain || dk_fail "signed docker exec: $(cat "$E2E_ERR")"
grep -qx signed-plain "$E2E_OUT" || dk_fail "signed docker exec printed '$(cat "$E2E_OUT")'"
e2e_ok "signed docker exec ran"

tok=$(dk_sign_exec web --user 1000:1000:1000 --cwd /tmp --env FOO=bar -- /bin/sh -c 'echo "$(id -u):$(id -g):$(pwd):$FOO"')
dk_exec web "$tok" -u 1000:1000 -w /tmp -e FOO=bar -- /bin/sh -c 'echo "$(id -u):$(id -g):$(pwd):$FOO"' ||
	dk_fail "signed docker exec -u -w -e: $(cat "$E2E_ERR")"
grep -qx '1000:1000:/tmp:bar' "$E2E_OUT" || dk_fail "docker exec -u -w -e printed '$(cat "$E2E_OUT")'"
e2e_ok "signed docker exec -u 1000:1000 -w /tmp -e FOO=bar ran as signed"

# The same token for another user is refused: -u is bound.
rc=0
dk_exec web "$tok" -u 0:0 -w /tmp -e FOO=bar -- /bin/sh -c 'echo "$(id -u):$(id -g):$(pwd):$FOO"' || rc=$?
e2e_expect_refused "$rc" "bad signature" "" "docker exec with a token signed for another user"

# -t: Docker sets the terminal and adds TERM=xterm.
tok=$(dk_sign_exec web --terminal --env TERM=xterm -- /bin/sh -c 'test -t 1 && echo tty')
dk_exec web "$tok" -t -- /bin/sh -c 'test -t 1 && echo tty' || dk_fail "signed docker exec -t: $(cat "$E2E_ERR")"
grep -q tty "$E2E_OUT" || dk_fail "docker exec -t printed '$(cat "$E2E_OUT")'"
e2e_ok "signed docker exec -t ran with a terminal"

# -it through script(1), which gives docker a terminal on stdin.
tok=$(dk_sign_exec web --terminal --env TERM=xterm -- /bin/sh -c 'test -t 0 && echo itty')
E2E_OUT=$E2E_TMP/out/docker.web.it.out
timeout "$E2E_TIMEOUT" script -qec "$(printf '%q ' "$DK_CLIENT" -H "unix://$DK_SOCK" exec -it \
	-e "SHIMGATE_TOKEN=$tok" web /bin/sh -c 'test -t 0 && echo itty')" /dev/null \
	</dev/null >"$E2E_OUT" 2>&1 || dk_fail "signed docker exec -it: $(cat "$E2E_OUT")"
grep -q itty "$E2E_OUT" || dk_fail "docker exec -it printed '$(cat "$E2E_OUT")'"
e2e_ok "signed docker exec -it ran with a terminal on stdin"

# --- a host bind: refused (a Docker create cannot be signed) ------------------------------------
rc=0
dk_run bind -v /etc:/x -- /bin/sh -c 'cat /x/shadow' || rc=$?
e2e_expect_refused "$rc" "mount" "" "docker run -v /etc:/x"
dk rm -f bind >/dev/null 2>&1 || true

# --- logs, stop, restart, rm --------------------------------------------------------------------
dk_run logs -- /bin/sh -c 'echo hello-from-docker; sleep 600' || dk_fail "docker run logs: $(cat "$E2E_ERR")"
dk_logs_have() { dk logs "$1" 2>&1 | grep -q "$2"; }
e2e_wait_for 20 "the log line of container logs" dk_logs_have logs hello-from-docker
e2e_ok "docker logs shows the container's output"
dk stop -t 1 logs >/dev/null || dk_fail "docker stop"
[ "$(dk inspect -f '{{.State.Running}}' logs)" = false ] || dk_fail "logs still runs after docker stop"
dk restart -t 1 web >/dev/null || dk_fail "docker restart web"
e2e_wait_for 20 "web to run again" dk_running web
dk_assert_gated web "after docker restart"
logs_id=$(dk_id logs)
dk rm -f logs >/dev/null || dk_fail "docker rm logs"
dk inspect logs >/dev/null 2>&1 && dk_fail "logs is still listed after docker rm"
E2E_NS=$DK_NS e2e_assert_gone "$logs_id" "docker rm"
e2e_ok "docker stop, restart and rm work"

# --- restart policy after the gate is killed ----------------------------------------------------
dk_start always --restart always
dk_assert_gated always "restart=always"
pid0=$(dk inspect -f '{{.State.Pid}}' always)
gate=$(dk_gate_pid always) || dk_fail "no gate for always"
kill -KILL "$gate"
# Running again, with another PID 1.
dk_restarted() {
	local s
	s=$(dk inspect -f '{{.State.Running}} {{.State.Pid}}' "$1") && [[ $s == "true "* ]] && [ "$s" != "true $2" ]
}
e2e_poll 30 dk_restarted always "$pid0" ||
	dk_fail "--restart always did not start the container again after kill -9 of its gate ($(dk inspect -f '{{.State.Status}} {{.State.Error}}' always))"
dk_assert_gated always "restarted after kill -9 of its gate"
rc=0
dk_exec always none -- /bin/true || rc=$?
e2e_expect_refused "$rc" "no signature" "" "unsigned exec in the restarted container"

# --- dockerd restart, containerd restart: still gated --------------------------------------------
# Without live-restore dockerd stops its containers when it stops; `always` comes back at start.
dk_restart_dockerd
e2e_wait_for 30 "always to run after the dockerd restart" dk_running always
dk_assert_gated always "restart=always after a dockerd restart"
dk_start after-dockerd
dk_assert_gated after-dockerd "docker run after a dockerd restart"
rc=0
dk_exec always none -- /bin/true || rc=$?
e2e_expect_refused "$rc" "no signature" "" "unsigned exec after a dockerd restart"

# Containers and their gates outlive containerd; dockerd reconnects.
e2e_restart_containerd
e2e_wait_for 60 "dockerd to reach the restarted containerd" dk run --rm --network none "$DK_IMAGE" /bin/true
dk_start after-containerd
dk_assert_gated after-containerd "docker run after a containerd restart"
rc=0
dk_exec always none -- /bin/true || rc=$?
e2e_expect_refused "$rc" "no signature" "" "unsigned exec after a containerd restart"
tok=$(dk_sign_exec always -- /bin/echo still-signed)
dk_exec always "$tok" -- /bin/echo still-signed || dk_fail "signed exec after the restarts: $(cat "$E2E_ERR")"
e2e_ok "a signed exec still runs after the restarts"

e2e_assert_no_secrets
e2e_pass
