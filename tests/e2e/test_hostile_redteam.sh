#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Red-team findings against the shipped policies (THREATS T22, T25): unsigned creates that
# reached the host through fields the create stack did judge, but not closely enough.
# - An allowlisted hook named as /proc/<pid>/exe of a process in another container: the gate
#   resolved the link to the container's own path ("/usr/sbin/dockerd"), found the host's
#   dockerd there and approved, while runc ran the container's binary on the host as root.
# - The allowlisted dockerd hook with LD_PRELOAD in its env: a library from the container's
#   rootfs loaded into a root process on the host.
# - linux.cgroupsPath naming an existing host cgroup (its last element is the container id):
#   runc joined it, so Pids listed and Kill --all killed host processes.
# The legitimate forms still work: an allowlisted hook named through /proc/<pid>/exe of a host
# process runs that host binary, and ctr's own cgroupsPath.
. "$(dirname "$0")/lib.sh"

RT_VICTIM=
RT_PRIVATE=
RT_CGROUPS=()
e2e_before_cleanup() {
	local d
	[ -z "$RT_VICTIM" ] || kill -KILL "$RT_VICTIM" 2>/dev/null
	[ -z "$RT_PRIVATE" ] || kill -KILL "$RT_PRIVATE" 2>/dev/null
	for d in "${RT_CGROUPS[@]}"; do [ ! -d "$d" ] || rmdir "$d" 2>/dev/null; done
	return 0
}
e2e_setup "$@"

cfg_edit() { e2e_spec_edit "$@"; }

# cfg_run ID [ctr run options]: unsigned ctr run --config with the spec of ID.
cfg_run() {
	local id=$1 rc=0
	shift
	e2e_note_cid "$id"
	E2E_OUT=$E2E_TMP/out/$E2E_NS.$id.cfg.out
	E2E_ERR=$E2E_TMP/out/$E2E_NS.$id.cfg.err
	timeout "$E2E_TIMEOUT" ctr -a "$E2E_SOCK" -n "$E2E_NS" run --runtime "$E2E_RUNTIME" \
		"$@" --config "$(e2e_specfile "$id")" "$id" </dev/null >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	e2e_note_socket "$id"
	return "$rc"
}

# attempt ID [ctr run options]: cfg_run, its status in $rc, the container record removed.
attempt() {
	rc=0
	cfg_run "$@" || rc=$?
	ctr_ c rm "$1" >/dev/null 2>&1 || true
}

task_pid() { ctr_ task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $2}'; }

# The attacker's binaries: a program that, run as libnetwork-setkey, creates the host file
# <exec root>/evil-ran (from its -exec-root= argument; else it sleeps), and a library that
# creates the file RT_MARK names when loaded.
cc -static -O -o "$E2E_TMP/evil" -x c - <<-'EOF2' || e2e_fail "cc evil"
	#include <fcntl.h>
	#include <stdio.h>
	#include <string.h>
	#include <unistd.h>
	int main(int argc, char **argv)
	{
		char mark[4096];
		if (argc > 1 && strcmp(argv[0], "libnetwork-setkey") == 0 &&
		    strncmp(argv[1], "-exec-root=", 11) == 0) {
			snprintf(mark, sizeof(mark), "%s/evil-ran", argv[1] + 11);
			return open(mark, O_WRONLY | O_CREAT, 0644) < 0;
		}
		for (;;)
			pause();
	}
EOF2
cc -shared -fPIC -o "$E2E_TMP/evil.so" -x c - <<-'EOF2' || e2e_fail "cc evil.so"
	#include <fcntl.h>
	#include <stdlib.h>
	__attribute__((constructor)) static void evil(void)
	{
		const char *m = getenv("RT_MARK");
		if (m)
			open(m, O_WRONLY | O_CREAT, 0644);
	}
EOF2
# In the attacker's image (the test's rootfs, which ctr run --rootfs uses as is).
install -m 0755 "$E2E_TMP/evil" "$E2E_ROOTFS/usr/sbin/dockerd"
install -m 0644 "$E2E_TMP/evil.so" "$E2E_ROOTFS/tmp/evil.so"

# Docker's hook, as the shipped policy allows it (dockerd@libnetwork-setkey).
[ -x /usr/sbin/dockerd ] || e2e_fail "no /usr/sbin/dockerd: the shipped hook allowlist names it"

# ---------------------------------------------------------------------------------------------
# 1. The hook /proc/<pid>/exe of the attacker's own container process.
E2E_TOKEN=none e2e_run rt-decoy -d -- /usr/sbin/dockerd ||
	e2e_fail "the decoy container did not start: $(cat "$E2E_ERR")"
e2e_wait_for 20 "task rt-decoy to run" e2e_task_running rt-decoy
pid=$(task_pid rt-decoy)
[ -n "$pid" ] || e2e_fail "no pid for rt-decoy"
e2e_log "rt-decoy's /usr/sbin/dockerd is host pid $pid; /proc/$pid/exe reads '$(readlink "/proc/$pid/exe")'"
# In Docker's own shape (hooks pins it), with an exec root of the test's: a controller socket
# that answers nothing, so the host's dockerd, run as the hook, fails the create.
fake=$E2E_TMP/rt-exec
mkdir -p "$fake/libnetwork"
"$E2E_PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$fake/libnetwork/0123456789ab.sock" ||
	e2e_fail "binding the fake controller socket"
sed -i "s|^required hooks allow=[^ ]*|& docker_exec_root=$fake|" "$E2E_POLICY/create"
mark=$fake/evil-ran
e2e_spec rt-exe -- /bin/true
cfg_edit rt-exe "s['hooks'] = {'prestart': [{'path': '/proc/$pid/exe', 'args': ['libnetwork-setkey', '-exec-root=$fake', 'rt-exe', '0123456789ab']}]}"
attempt rt-exe --rm
[ ! -e "$mark" ] || e2e_fail "T22 hook /proc/<container pid>/exe: the container's binary ran on the host as root ($mark exists; ctr: rc $rc $(cat "$E2E_ERR"))"
grep -q "hooks.prestart\[0\].path '/proc/$pid/exe' resolved to '/usr/sbin/dockerd'" "$E2E_AUDIT" ||
	e2e_fail "T22 hook /proc/<pid>/exe: no audit line rewriting the hook to the host's dockerd"
e2e_ok "T22 hook /proc/<container pid>/exe: the container's binary did not run on the host (rc $rc, $mark absent)"
ctr_ task kill -s SIGKILL rt-decoy >/dev/null 2>&1 || true
ctr_ task rm -f rt-decoy >/dev/null 2>&1 || true
ctr_ c rm rt-decoy >/dev/null 2>&1 || true

# ---------------------------------------------------------------------------------------------
# 2. The allowlisted dockerd hook with LD_PRELOAD from the container's rootfs.
mark=$E2E_TMP/rt-hook-preload
e2e_spec rt-preload -- /bin/true
cfg_edit rt-preload "s['hooks'] = {'prestart': [{'path': '/usr/sbin/dockerd', 'args': ['libnetwork-setkey', 'x', 'y'], 'env': ['LD_PRELOAD=$E2E_ROOTFS/tmp/evil.so', 'RT_MARK=$mark']}]}"
E2E_RUNTIME=$E2E_RUNC_RUNTIME cfg_run rt-preload --rm || true
ctr_ c rm rt-preload >/dev/null 2>&1 || true
[ -e "$mark" ] || e2e_fail "control: on plain runc the LD_PRELOAD hook did not load the library"
rm -f "$mark"
e2e_ok "control: on plain runc the dockerd hook loaded the container's library as root"
attempt rt-preload --rm
[ ! -e "$mark" ] || e2e_fail "T22 LD_PRELOAD in an allowlisted hook's env: the library ran on the host as root ($mark exists)"
e2e_expect_refused "$rc" "hooks\\.prestart\\[0\\]\\.env" "" "T22 LD_PRELOAD in the allowlisted dockerd hook's env"

# ---------------------------------------------------------------------------------------------
# 3. linux.cgroupsPath naming a host cgroup that holds a host process.
vic=rtv-${E2E_NS#sge2e-}
sleep 600 &
RT_VICTIM=$!
for h in /sys/fs/cgroup/devices /sys/fs/cgroup/freezer /sys/fs/cgroup/pids; do
	[ -d "$h" ] || continue
	mkdir "$h/$vic" || e2e_fail "mkdir $h/$vic"
	RT_CGROUPS+=("$h/$vic")
	echo "$RT_VICTIM" >"$h/$vic/cgroup.procs" || e2e_fail "moving the victim into $h/$vic"
done
[ ${#RT_CGROUPS[@]} -gt 0 ] || e2e_fail "no cgroup v1 devices hierarchy to test with"
e2e_spec "$vic" -- /bin/sh -c 'sleep 600'
cfg_edit "$vic" "s['linux']['cgroupsPath'] = '/$vic'"
rc=0
cfg_run "$vic" -d || rc=$?
if [ "$rc" -eq 0 ]; then
	ctr_ task ps "$vic" >"$E2E_TMP/rt-ps" 2>&1
	ctr_ task kill -a -s SIGKILL "$vic" >/dev/null 2>&1
	sleep 1
	kill -0 "$RT_VICTIM" 2>/dev/null ||
		e2e_fail "T25 cgroupsPath of a host cgroup: Kill --all killed host pid $RT_VICTIM (ps: $(tr '\n' ' ' <"$E2E_TMP/rt-ps"))"
	e2e_fail "T25 cgroupsPath of a host cgroup: allowed (ps: $(tr '\n' ' ' <"$E2E_TMP/rt-ps"))"
fi
ctr_ c rm "$vic" >/dev/null 2>&1 || true
e2e_expect_refused "$rc" "linux\\.cgroupsPath: '/$vic': the cgroup exists" "" "T25 cgroupsPath naming a host cgroup with a process"
kill -0 "$RT_VICTIM" || e2e_fail "the host victim died"
e2e_ok "T25 the host process in /$vic is alive"

# A cgroup named like a systemd unit that is not running yet: the container would create it,
# and systemd, starting the unit later, takes the existing directory and puts the service's
# processes there, under the container's Pids and Kill --all.
unit=rtl-${E2E_NS#sge2e-}
e2e_spec "$unit.service" -- /bin/sh -c 'sleep 600'
cfg_edit "$unit.service" "s['linux']['cgroupsPath'] = '/$unit.slice/$unit.service'"
rc=0
cfg_run "$unit.service" -d || rc=$?
RT_CGROUPS+=(/sys/fs/cgroup/*/"$unit.slice/$unit.service" /sys/fs/cgroup/*/"$unit.slice")
ctr_ c rm "$unit.service" >/dev/null 2>&1 || true
e2e_expect_refused "$rc" "linux\\.cgroupsPath: '/$unit\\.slice/$unit\\.service': names a systemd unit" "" \
	"T25 cgroupsPath of a systemd unit's future cgroup"
[ ! -d "/sys/fs/cgroup/devices/$unit.slice" ] || e2e_fail "T25: the unit's cgroup was created"
e2e_ok "T25 no cgroup was made where systemd would start $unit.service"

# ---------------------------------------------------------------------------------------------
# 4. linux.namespaces mount with the path of a host process's private mount namespace (a
#    service with PrivateTmp=, say): not the host's by inode, so it passed as "another
#    container's"; runc then pivots that namespace's root to the container's rootfs, under
#    the host process.
touch "$E2E_ROOTFS/rt-rootfs-mark"
unshare -m --propagation private sleep 600 &
RT_PRIVATE=$!
e2e_wait_for 10 "the private mount namespace" bash -c "[ \"\$(readlink /proc/$RT_PRIVATE/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]"
e2e_spec rt-mnt -- /bin/sh -c 'sleep 600'
cfg_edit rt-mnt "[n.__setitem__('path', '/proc/$RT_PRIVATE/ns/mnt') for n in s['linux']['namespaces'] if n['type'] == 'mount']"
rc=0
cfg_run rt-mnt -d || rc=$?
[ ! -e "/proc/$RT_PRIVATE/root/rt-rootfs-mark" ] ||
	e2e_fail "T25 joined a host process's mount namespace: its root is now the container's rootfs (rc $rc)"
[ -e "/proc/$RT_PRIVATE/root$E2E_ROOTFS" ] || e2e_fail "T25: the host process lost the host's file system"
ctr_ c rm rt-mnt >/dev/null 2>&1 || true
e2e_expect_refused "$rc" "linux\\.namespaces\\[[0-9]+\\]\\.path '/proc/$RT_PRIVATE/ns/mnt': joining a mount namespace" "" \
	"T25 joining a host process's private mount namespace"
e2e_ok "T25 the host process still sees the host's file system"
kill "$RT_PRIVATE" 2>/dev/null || true

# A namespace path through a symlink (here one in the container's rootfs, which its root can
# swap for /proc/1/ns/pid between the gate's check and runc's open): refused outright.
e2e_start rt-nsown
pid=$(task_pid rt-nsown)
ln -s "/proc/$pid/ns/pid" "$E2E_ROOTFS/tmp/rt-nslink"
e2e_spec rt-nslink -- /bin/true
cfg_edit rt-nslink "[n.__setitem__('path', '$E2E_ROOTFS/tmp/rt-nslink') for n in s['linux']['namespaces'] if n['type'] == 'pid']"
attempt rt-nslink --rm
e2e_expect_refused "$rc" "linux\\.namespaces\\[[0-9]+\\]\\.path '$E2E_ROOTFS/tmp/rt-nslink': not /proc/<pid>/ns/pid" "" \
	"T25 a pid namespace path through a symlink the container can swap"
# Legitimate: the same container's pid namespace named /proc/<pid>/ns/pid.
e2e_spec rt-nsjoin -- /bin/sh -c 'kill -0 1 && [ -e /proc/1 ]'
cfg_edit rt-nsjoin "[n.__setitem__('path', '/proc/$pid/ns/pid') for n in s['linux']['namespaces'] if n['type'] == 'pid']"
cfg_run rt-nsjoin --rm || e2e_fail "joining another container's pid namespace: $(cat "$E2E_ERR")"
e2e_ok "a container joins another container's pid namespace by /proc/<pid>/ns/pid"

# ---------------------------------------------------------------------------------------------
# 5. A rootfs mount of the Create request (containerd's Tasks API takes them from the client)
#    binding the snapshotter's own directory: under the rootfs prefix, so it passed, and the
#    container got every container's snapshot and containerd's snapshot metadata read-write.
snaproot=$E2E_TMP/root/io.containerd.snapshotter.v1.overlayfs
sed -i "s|^\(.*mounts rootfs\)\$|\1 prefix=$E2E_TMP/root/io.containerd.snapshotter.v1.|" "$E2E_POLICY/mount"
grep -q "prefix=$E2E_TMP/root" "$E2E_POLICY/mount" || e2e_fail "could not set the rootfs prefix"
ctr_ snapshots --snapshotter overlayfs prepare rt-snap >/dev/null || e2e_fail "ctr snapshots prepare"
# A snapshot without a parent is a bind mount: "mount -t bind SOURCE /x -o rbind,rw".
snapfs=$(ctr_ snapshots --snapshotter overlayfs mounts /x rt-snap | awk '{print $4}')
[ -d "$snapfs" ] || e2e_fail "no directory for the snapshot rt-snap: '$snapfs'"
# The attacker's image: a busybox in its snapshot.
mkdir -p "$snapfs/bin" "$snapfs/proc" "$snapfs/dev" "$snapfs/sys" "$snapfs/tmp"
cp "$E2E_ROOTFS/bin/busybox" "$snapfs/bin/busybox"
rel=${snapfs#"$snaproot"}

# rt_task_create ID SOURCE ARGV...: a container whose root.path is the bundle's rootfs, and
# Tasks/Create with one bind rootfs mount of SOURCE; prints the error on refusal (status 1).
rt_task_create() {
	local id=$1 src=$2
	shift 2
	e2e_spec "$id" -- "$@"
	cfg_edit "$id" "s['root'] = {'path': 'rootfs'}"
	e2e_note_cid "$id"
	ctr_ c create --runtime "$E2E_RUNTIME" --config "$(e2e_specfile "$id")" "$id" >/dev/null ||
		e2e_fail "ctr c create --config $id"
	E2E_OUT=$E2E_TMP/out/$E2E_NS.$id.grpc.out
	E2E_ERR=$E2E_TMP/out/$E2E_NS.$id.grpc.err
	PYTHONPATH=$E2E_SRC/tests/e2e timeout "$E2E_TIMEOUT" "$E2E_PY" - "$E2E_SOCK" "$E2E_NS" "$id" "$src" \
		>"$E2E_OUT" 2>"$E2E_ERR" <<-'EOF2'
		import sys, grpc
		from pb import field
		sock, ns, cid, src = sys.argv[1:5]
		mount = field(1, b"bind") + field(2, src.encode()) + field(4, b"rbind") + field(4, b"rw")
		req = field(1, cid.encode()) + field(3, mount)
		md = (("containerd-namespace", ns),)
		with grpc.insecure_channel("unix://" + sock) as ch:
		    fn = ch.unary_unary("/containerd.services.tasks.v1.Tasks/Create",
		                        request_serializer=None, response_deserializer=None)
		    try:
		        fn(req, metadata=md, timeout=30)
		    except grpc.RpcError as e:
		        print("refused: %s" % e.details(), file=sys.stderr)
		        sys.exit(1)
		    ch.unary_unary("/containerd.services.tasks.v1.Tasks/Start", request_serializer=None,
		                   response_deserializer=None)(field(1, cid.encode()), metadata=md, timeout=30)
		print("created and started")
	EOF2
}

rc=0
rt_task_create rt-snaproot "$snaproot" "$rel/bin/busybox" sh -c "echo pwned >/rt-written" || rc=$?
[ "$rc" -ne 0 ] || e2e_poll 5 test -e "$snaproot/rt-written" || true
[ ! -e "$snaproot/rt-written" ] ||
	e2e_fail "T24 a rootfs bind of the snapshotter directory: the container wrote into containerd's snapshotter directory ($snaproot/rt-written; $(ls "$snaproot" | tr '\n' ' '))"
e2e_expect_refused "$rc" "rootfs mount 0 of the Create request .*not a snapshot" "" \
	"T24 a rootfs bind of the snapshotter directory itself"
ctr_ task rm -f rt-snaproot >/dev/null 2>&1 || true
ctr_ c rm rt-snaproot >/dev/null 2>&1 || true
# Legitimate: the snapshot's own directory as the rootfs.
rt_task_create rt-snapok "$snapfs" /bin/busybox true ||
	e2e_fail "a rootfs bind of a snapshot: $(cat "$E2E_ERR")"
e2e_ok "a rootfs bind of a snapshot directory (snapshots/<id>/fs) runs"
ctr_ task rm -f rt-snapok >/dev/null 2>&1 || true
ctr_ c rm rt-snapok >/dev/null 2>&1 || true

# ---------------------------------------------------------------------------------------------
# 6. root.path of another Docker container's layer: the shipped allow=/var/lib/docker/
#    overlay2/*/merged matched every container's root, so a create through containerd's API
#    could take, say, a privileged container's files read-write. docker_root= admits only the
#    layer dockerd's layerdb names for this container id (here a data root of the test's,
#    with the vfs driver's layout), and only while dockerd starts that container.
dkr=$E2E_TMP/dkroot
for c in victim:1a1a rt-own:2b2b; do
	mkdir -p "$dkr/image/vfs/layerdb/mounts/${c%:*}" "$dkr/vfs/dir"
	printf '%s' "${c#*:}" >"$dkr/image/vfs/layerdb/mounts/${c%:*}/mount-id"
	cp -a "$E2E_ROOTFS" "$dkr/vfs/dir/${c#*:}"
done
sed -i "s|^\(required root .*\)docker_root=[^ ]*|\1docker_root=$dkr|" "$E2E_POLICY/create"
grep -q "docker_root=$dkr" "$E2E_POLICY/create" || e2e_fail "could not set docker_root"
e2e_spec rt-thief -- /bin/sh -c 'echo planted >/bin/planted'
cfg_edit rt-thief "s['root'] = {'path': '$dkr/vfs/dir/1a1a'}"
attempt rt-thief --rm
[ ! -e "$dkr/vfs/dir/1a1a/bin/planted" ] ||
	e2e_fail "T24 root.path of another Docker container's layer: a file was planted in it"
e2e_expect_refused "$rc" "root\\.path '$dkr/vfs/dir/1a1a': below Docker's root '$dkr' but not the layer of container 'rt-thief'" "" \
	"T24 root.path of another Docker container's layer"
# The id is the client's choice too: a container named after a Docker container that dockerd
# is not starting (no libnetwork-setkey hook for it on vfs; overlay2: not mounted) does not get
# its layer. Docker's own start of a container is test_docker_residual's.
e2e_spec rt-own -- /bin/sh -c 'echo mine >/tmp/own-layer'
cfg_edit rt-own "s['root'] = {'path': '$dkr/vfs/dir/2b2b'}"
attempt rt-own --rm
[ ! -e "$dkr/vfs/dir/2b2b/tmp/own-layer" ] ||
	e2e_fail "T24 a container named after a stopped Docker container ran on its layer"
e2e_expect_refused "$rc" "root\\.path '$dkr/vfs/dir/2b2b': a vfs layer with no libnetwork-setkey prestart hook for container 'rt-own'" "" \
	"T24 a container named after a Docker container dockerd is not starting"

# ---------------------------------------------------------------------------------------------
# 7. The runtime's own files (/etc/hosts, /etc/resolv.conf, /dev/shm) are internal mounts
#    when their source lies in a sandbox directory: the sandboxes directory itself, bound at
#    /etc/hosts, gave the container every pod's resolv.conf and shm read-write.
sbx=$E2E_TMP/sbx
for pod in poda podb; do
	mkdir -p "$sbx/$pod/shm"
	echo "nameserver 10.0.0.10" >"$sbx/$pod/resolv.conf"
	echo "127.0.0.1 localhost" >"$sbx/$pod/hosts"
done
sed -i "s|^sufficient mounts internal.*|sufficient mounts internal runtime_dir=$sbx|" "$E2E_POLICY/mount"
grep -q "runtime_dir=$sbx" "$E2E_POLICY/mount" || e2e_fail "could not set runtime_dir"
e2e_spec rt-sbx -- /bin/sh -c 'echo nameserver 6.6.6.6 >/etc/hosts/podb/resolv.conf'
cfg_edit rt-sbx "s['mounts'].append({'destination': '/etc/hosts', 'type': 'bind', 'source': '$sbx', 'options': ['rbind', 'rw']})"
attempt rt-sbx --rm
! grep -q 6.6.6.6 "$sbx/podb/resolv.conf" ||
	e2e_fail "T13 the sandboxes directory bound at /etc/hosts: another pod's resolv.conf was rewritten"
e2e_expect_refused "$rc" "mount [0-9]+ \\('$sbx' on '/etc/hosts'\\)" "" \
	"T13 the sandboxes directory bound as a runtime file"
e2e_spec rt-sbxok -- /bin/sh -c 'grep -q localhost /etc/hosts'
cfg_edit rt-sbxok "s['mounts'].append({'destination': '/etc/hosts', 'type': 'bind', 'source': '$sbx/poda/hosts', 'options': ['rbind', 'rw']})"
cfg_run rt-sbxok --rm || e2e_fail "a pod's own hosts file: $(cat "$E2E_ERR")"
e2e_ok "a pod's own /etc/hosts from its sandbox directory is mounted"

# ---------------------------------------------------------------------------------------------
# 8. An exec's LSM label is not signed: an exec naming apparmorProfile "unconfined" (or none,
#    in a container that has one) would run outside the container's AppArmor profile. It must
#    be the container's (this host has no AppArmor, so only the gate's answer is checked).
e2e_start rt-lsm
e2e_process rt-lsm "$E2E_TMP/rt-lsm.json" -- /bin/touch /tmp/rt-lsm
"$E2E_PY" - "$E2E_TMP/rt-lsm.json" <<-'EOF2' || e2e_fail "editing the exec process"
	import json, sys
	p = json.load(open(sys.argv[1]))
	p["apparmorProfile"] = "unconfined"
	json.dump(p, open(sys.argv[1] + ".x", "w"))
EOF2
rc=0
e2e_grpc_exec rt-lsm l1 "$E2E_TMP/rt-lsm.json.x" || rc=$?
e2e_expect_refused "$rc" "apparmorProfile 'unconfined': not the container's \\(''\\)" rt-lsm \
	"an exec with apparmorProfile unconfined"
rc=0
e2e_grpc_exec rt-lsm l2 "$E2E_TMP/rt-lsm.json" || rc=$?
e2e_expect_refused "$rc" "\\(hmac\\): no signature" rt-lsm "the same exec with the container's label (on to hmac)"

# ---------------------------------------------------------------------------------------------
# Legitimate: an allowlisted hook named /proc/<host pid>/exe (as Docker names dockerd) runs
# that host program; ctr's default cgroupsPath.
mkdir -p "$E2E_TMP/hookbin"
cat >"$E2E_TMP/hookbin/mark" <<-EOF2
	#!/bin/sh
	touch "\$1"
EOF2
chmod 0755 "$E2E_TMP/hookbin/mark"
sed -i "s|^required hooks allow=[^ ]*|&,$E2E_TMP/hookbin/mark|" "$E2E_POLICY/create"
sleep 600 &
hostpid=$!
mark=$E2E_TMP/rt-hook-ok
e2e_spec rt-ok -- /bin/true
cfg_edit rt-ok "s['hooks'] = {'prestart': [{'path': '/proc/$hostpid/exe', 'args': ['sleep', '1']}, {'path': '$E2E_TMP/hookbin/mark', 'args': ['mark', '$mark']}]}"
sed -i "s|^required hooks allow=[^ ]*|&,$(readlink -f /proc/$hostpid/exe)@sleep|" "$E2E_POLICY/create"
rc=0
cfg_run rt-ok --rm || rc=$?
kill "$hostpid" 2>/dev/null
[ "$rc" -eq 0 ] || e2e_fail "allowlisted hooks: $(cat "$E2E_ERR")"
[ -e "$mark" ] || e2e_fail "allowlisted hooks: the hook did not run"
e2e_ok "allowlisted hooks, one named /proc/<host pid>/exe, run"

e2e_pass
