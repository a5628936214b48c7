#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# T24 with dockerd on overlay2 (Docker's default driver): docker_root= takes a container's
# layer (<data-root>/overlay2/<mount-id>/merged) only while dockerd has it mounted, i.e. while
# it starts or runs the container, and only for the id no other containerd namespace uses.
# A create through containerd's API named after a stopped Docker container is refused (its
# layer is not mounted) and nothing is planted in it; one in another namespace named after a
# running container is refused; docker run and docker start still work.
. "$(dirname "$0")/lib.sh"
DK_DRIVER=overlay2
. "$(dirname "$0")/docker_lib.sh"
dk_setup "$@"

# dr_layer NAME: the merged directory of container NAME's overlay2 layer.
dr_layer() {
	echo "$DK_ROOT/overlay2/$(cat "$DK_ROOT/image/overlay2/layerdb/mounts/$(dk_id "$1")/mount-id")/merged"
}

# dr_spec ID NAME: a spec for container ID whose root is NAME's layer.
dr_spec() {
	e2e_spec "$1" -- /bin/sh -c 'echo planted >/planted-by-thief'
	e2e_spec_edit "$1" "s['root'] = {'path': '$(dr_layer "$2")'}"
}

dk_start web
dk_assert_gated web "docker run on overlay2"
grep -q "\"path\": *\"$(dr_layer web)\"" "$(dk_spec web)" ||
	dk_fail "web's root is not its overlay2 layer: $(grep -A1 '"root"' "$(dk_spec web)")"
mountpoint -q "$(dr_layer web)" || dk_fail "web's layer is not mounted"
e2e_ok "docker run: the gate took web's mounted overlay2 layer as its root"

dk_start own
dk stop -t 1 own >/dev/null || dk_fail "docker stop own"
e2e_wait_for 20 "own to stop" bash -c "! dk_running own"
ownid=$(dk_id own)
ownlayer=$(dr_layer own)
e2e_wait_for 10 "own's layer to be unmounted" bash -c "! mountpoint -q '$ownlayer'"
diff=${ownlayer%/merged}/diff
dr_spec "$ownid" own
dk_ctr_attempt "$DK_NS" "$ownid"
[ ! -e "$diff/planted-by-thief" ] && [ ! -e "$ownlayer/planted-by-thief" ] ||
	dk_fail "T24 a create named after a stopped Docker container ran on its layer"
# dockerd also removes merged/ when it unmounts it; were it there, it would not be a mount.
e2e_expect_refused "$rc" "root\\.path '$ownlayer': (the layer of container '$ownid' is not mounted: dockerd is not starting that container|not the bundle's rootfs and not an allowed root: .*No such file)" "" \
	"T24 a create named after a stopped Docker container (overlay2)"

webid=$(dk_id web)
dr_spec "$webid" web
dk_ctr_attempt "$E2E_NS" "$webid"
[ ! -e "$(dr_layer web)/planted-by-thief" ] || dk_fail "T24 another namespace: ran on web's running layer"
e2e_expect_refused "$rc" "container id '$webid' is in use in containerd namespace '$DK_NS' too" "" \
	"T24 a create in another namespace named after a running Docker container (overlay2)"

dk start own >/dev/null || dk_fail "docker start own: $(dk logs own 2>&1 | tail -n 3)"
e2e_wait_for 20 "own to run again" dk_running own
dk_assert_gated own "docker start of a stopped container on overlay2"
e2e_pass
