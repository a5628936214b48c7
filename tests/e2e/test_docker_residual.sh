#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 10's residual gaps around Docker 20.10, through containerd's API with a real dockerd:
# - T22: Docker's libnetwork-setkey hook is admitted in Docker's own shape only. With another
#   -exec-root= it would dial a socket of the caller's choosing as root; with another
#   container's id dockerd would move that container's network into the caller's container.
# - T24: docker_root= trusted the client-chosen container id: a create in Docker's namespace
#   named after a stopped Docker container got that container's layer as its root, and one
#   in another namespace named after a running one got the running layer. Now the layer must
#   be one dockerd is starting (this harness runs dockerd on vfs: Docker's setkey hook for
#   the container, which dockerd refuses for a container it is not starting; overlay2: the
#   layer mounted now, see test_docker_residual_overlay) and the id in no other namespace.
# The legitimate forms still work: docker run, docker start of a stopped container.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
DR_LISTENER=
e2e_before_cleanup() {
	[ -z "$DR_LISTENER" ] || kill -KILL "$DR_LISTENER" 2>/dev/null
	dk_stop_dockerd KILL
}
dk_setup "$@"

# dr_layer NAME: the vfs layer dockerd keeps for container NAME.
dr_layer() {
	echo "$DK_ROOT/vfs/dir/$(cat "$DK_ROOT/image/vfs/layerdb/mounts/$(dk_id "$1")/mount-id")"
}

# dr_spec ID NAME [HOOK_ID [EXEC_ROOT]]: a spec for container ID on NAME's layer, carrying
# Docker's setkey hook for HOOK_ID (none when empty) with EXEC_ROOT (this dockerd's).
dr_spec() {
	local id=$1 layer hook=${3:-} root=${4:-$DK_EXEC}
	layer=$(dr_layer "$2")
	e2e_spec "$id" -- /bin/sh -c 'echo planted >/planted-by-thief'
	cfg_edit "$id" "s['root'] = {'path': '$layer'}"
	[ -z "$hook" ] || cfg_edit "$id" "s['hooks'] = {'prestart': [{'path': '/proc/$DK_PID/exe', 'args': ['libnetwork-setkey', '-exec-root=$root', '$hook', '$DR_CTL']}]}"
}
cfg_edit() { e2e_spec_edit "$@"; }

# Docker's own shape, as this dockerd sends it (the controller id is its socket's name).
dk_start web
dk_assert_gated web "docker run"
DR_CTL=$("$E2E_PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["hooks"]["prestart"][0]["args"][3])' "$(dk_spec web)")
[ -S "$DK_EXEC/libnetwork/$DR_CTL.sock" ] || dk_fail "no controller socket $DK_EXEC/libnetwork/$DR_CTL.sock"
"$E2E_PY" - "$(dk_spec web)" "$DK_EXEC" "$(dk_id web)" <<-'EOF' || dk_fail "Docker's setkey hook is not the shape the hooks module pins"
	import json, re, sys
	args = json.load(open(sys.argv[1]))["hooks"]["prestart"][0]["args"]
	assert args[:3] == ["libnetwork-setkey", "-exec-root=" + sys.argv[2], sys.argv[3]], args
	assert len(args) == 4 and re.fullmatch("[0-9a-f]{12}", args[3]), args
EOF
e2e_ok "docker run: the setkey hook [libnetwork-setkey, -exec-root=$DK_EXEC, <id>, $DR_CTL] was admitted"

# --- T22: -exec-root= of the caller's: the hook would dial its socket as root ---------------------
fake=$E2E_TMP/fakeexec
mkdir -p "$fake/libnetwork"
mark=$E2E_TMP/dr-dialed
"$E2E_PY" - "$fake/libnetwork/$DR_CTL.sock" "$mark" <<-'EOF' &
	import socket, sys
	s = socket.socket(socket.AF_UNIX)
	s.bind(sys.argv[1])
	s.listen(1)
	c, _ = s.accept()
	open(sys.argv[2], "w").write("dialed\n")
EOF
DR_LISTENER=$!
e2e_wait_for 10 "the caller's socket" test -S "$fake/libnetwork/$DR_CTL.sock"
dk_start own
dr_spec dr-root own dr-root "$fake"
dk_ctr_attempt "$DK_NS" dr-root
sleep 1
[ ! -e "$mark" ] || dk_fail "T22 setkey with the caller's -exec-root: the hook dialed the caller's socket as root"
e2e_expect_refused "$rc" "hooks\\.prestart\\[0\\]\\.args\\[1\\] '-exec-root=$fake': not -exec-root= of a docker_exec_root= directory" "" \
	"T22 Docker's setkey hook with the caller's -exec-root"

# --- T22: another container's id: dockerd would move web's network into the caller's --------
webpid=$(dk inspect -f '{{.State.Pid}}' web)
webnet=$(readlink "/proc/$webpid/ns/net")
e2e_spec dr-steal -- /bin/true
cfg_edit dr-steal "s['hooks'] = {'prestart': [{'path': '/proc/$DK_PID/exe', 'args': ['libnetwork-setkey', '-exec-root=$DK_EXEC', '$(dk_id web)', '$DR_CTL']}]}"
dk_ctr_attempt "$DK_NS" dr-steal
[ "$(readlink "/proc/$webpid/ns/net")" = "$webnet" ] || dk_fail "T22 setkey for another container: web's netns changed"
e2e_expect_refused "$rc" "hooks\\.prestart\\[0\\]\\.args\\[2\\] '$(dk_id web)': not this container's id \\('dr-steal'\\)" "" \
	"T22 Docker's setkey hook naming another container"

# --- T24: a create named after a stopped Docker container, on its layer -----------------------
dk stop -t 1 own >/dev/null || dk_fail "docker stop own"
e2e_wait_for 20 "own to stop" bash -c "! dk_running own"
ownid=$(dk_id own)
ownlayer=$(dr_layer own)
# With Docker's setkey hook for it, as dockerd sent it: the gate admits the create, and the
# hook, run before the container's process, finds no network sandbox for a stopped container.
dr_spec "$ownid" own "$ownid"
dk_ctr_attempt "$DK_NS" "$ownid"
[ ! -e "$ownlayer/planted-by-thief" ] ||
	dk_fail "T24 a create named after a stopped Docker container ran on its layer"
[ "$rc" -ne 0 ] || dk_fail "T24 a create named after a stopped Docker container succeeded"
e2e_ok "T24 named after a stopped Docker container, with its setkey hook: dockerd refused the hook, nothing ran on its layer ($(tr -d '\n' <"$E2E_ERR" | cut -c1-200))"
# Without the hook: refused by the gate.
dr_spec "$ownid" own
dk_ctr_attempt "$DK_NS" "$ownid"
[ ! -e "$ownlayer/planted-by-thief" ] || dk_fail "T24 no hook: ran on the stopped container's layer"
e2e_expect_refused "$rc" "root\\.path '$ownlayer': a vfs layer with no libnetwork-setkey prestart hook for container '$ownid'" "" \
	"T24 a create named after a stopped Docker container, without Docker's hook"

# --- T24: the id of a running Docker container, from another containerd namespace --------------
webid=$(dk_id web)
weblayer=$(dr_layer web)
dr_spec "$webid" web "$webid"
dk_ctr_attempt "$E2E_NS" "$webid"
[ ! -e "$weblayer/planted-by-thief" ] || dk_fail "T24 another namespace: ran on web's running layer"
e2e_expect_refused "$rc" "container id '$webid' is in use in containerd namespace '$DK_NS' too" "" \
	"T24 a create in another namespace named after a running Docker container"

# --- the legitimate forms: docker start of the stopped container, docker run ------------------
dk start own >/dev/null || dk_fail "docker start own: $(dk logs own 2>&1 | tail -n 3)"
e2e_wait_for 20 "own to run again" dk_running own
dk_assert_gated own "docker start of a stopped container (its own layer)"
e2e_pass
