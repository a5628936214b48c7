#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Hostile config.json through the gate (THREATS T22-T28): a client that can only create
# containers writes the spec itself (`ctr run --config`). Each attack, unsigned, is refused
# with a message naming the field, or forced back, and its host effect is checked not to have
# happened: hooks that would write a host file, root.path=/usr, a namespace list holding only
# `mount`, emptied masked/read-only paths with a /proc/sys write, a read-write sysfs, a host
# block device with an allow-all device rule, host-global and host-netns sysctls, rshared
# rootfs propagation. The legitimate forms still work: ctr's default run, an allowlisted
# hook, a container joining another container's network namespace, a policy-allowed host
# network for a signed create.
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

# cfg_spec ID -- CMD...: ctr's default spec for CMD (root.path is the test's rootfs).
cfg_spec() { e2e_spec "$@"; }

# cfg_edit ID PYTHON: runs PYTHON on the spec of ID as `s` (a dict) and writes it back.
cfg_edit() {
	"$E2E_PY" - "$(e2e_specfile "$1")" "$2" <<-'EOF2' || e2e_fail "editing the spec of $1"
		import json, sys
		path, code = sys.argv[1], sys.argv[2]
		with open(path) as f:
		    s = json.load(f)
		exec(code)
		with open(path, "w") as f:
		    json.dump(s, f, indent=1)
	EOF2
}

# cfg_run ID [signed]: ctr run --rm --config with the spec of ID, unsigned or signed (the
# token in the annotation); output in $E2E_OUT/$E2E_ERR, ctr's status returned.
cfg_run() {
	local id=$1 rc=0 tok
	if [ "${2:-}" = signed ]; then
		tok=$(e2e_sign_create "$id")
		cfg_edit "$id" "s.setdefault('annotations', {})['io.shimgate.token'] = '$tok'"
	fi
	e2e_note_cid "$id"
	E2E_OUT=$E2E_TMP/out/$E2E_NS.$id.cfg.out
	E2E_ERR=$E2E_TMP/out/$E2E_NS.$id.cfg.err
	timeout "$E2E_TIMEOUT" ctr -a "$E2E_SOCK" -n "$E2E_NS" run --runtime "${E2E_RUN_RUNTIME:-$E2E_RUNTIME}" \
		--rm --config "$(e2e_specfile "$id")" "$id" </dev/null >"$E2E_OUT" 2>"$E2E_ERR" || rc=$?
	e2e_note_socket "$id"
	return "$rc"
}

# refused ID REASON WHAT [MARKER]: cfg_run (unsigned) must be refused by the gate for REASON
# (an ERE), nothing may be left, and MARKER (a host path) must not exist afterwards.
refused() {
	local id=$1 reason=$2 what=$3 marker=${4:-} rc=0
	cfg_run "$id" || rc=$?
	e2e_expect_refused "$rc" "$reason" "" "$what"
	e2e_audit_has create "$id" deny || e2e_fail "$what: no audit line denying $id"
	e2e_assert_gone "$id" "$what"
	# ctr run --rm --config removes the container record itself when the task fails.
	ctr_ c rm "$id" >/dev/null 2>&1 || true
	if [ -n "$marker" ] && [ -e "$marker" ]; then
		e2e_fail "$what: refused, yet its host effect happened ($marker exists)"
	fi
	[ -z "$marker" ] || e2e_ok "$what: host effect absent ($marker does not exist)"
}

# ---------------------------------------------------------------------------------------------
# T22 hooks: a host shell as a prestart, createRuntime or poststart hook would run on the host
# as root. Control: plain runc runs it.
for kind in prestart createRuntime poststart; do
	mark=$E2E_TMP/hook-$kind
	cfg_spec "hk-$kind" -- /bin/true
	cfg_edit "hk-$kind" "s['hooks'] = {'$kind': [{'path': '/bin/sh', 'args': ['sh', '-c', 'touch $mark']}]}"
	refused "hk-$kind" "hooks\\.$kind\\[0\\]\\.path '/bin/sh': not on the hooks allowlist" \
		"T22 unsigned $kind hook" "$mark"
done
mark=$E2E_TMP/hook-control
cfg_spec hk-control -- /bin/true
cfg_edit hk-control "s['hooks'] = {'prestart': [{'path': '/bin/sh', 'args': ['sh', '-c', 'touch $mark']}]}"
E2E_RUN_RUNTIME=$E2E_RUNC_RUNTIME cfg_run hk-control || e2e_fail "control hook on plain runc: $(cat "$E2E_ERR")"
[ -e "$mark" ] || e2e_fail "control: the prestart hook did not run on plain runc"
e2e_ok "control: on plain runc the same prestart hook wrote $mark on the host"

# An allowlisted hook (root-owned, 0755, in root-owned directories) runs.
mkdir -p "$E2E_TMP/hookbin"
mark=$E2E_TMP/hook-allowed
printf '#!/bin/sh\ntouch %s\n' "$mark" >"$E2E_TMP/hookbin/mark"
chmod 0755 "$E2E_TMP/hookbin" "$E2E_TMP/hookbin/mark"
sed -i "s|^required hooks allow=[^ ]*|&,$E2E_TMP/hookbin/mark|" "$E2E_POLICY/create"
grep -q "^required hooks allow=.*,$E2E_TMP/hookbin/mark" "$E2E_POLICY/create" ||
	e2e_fail "could not allow the hook in the create policy"
e2e_policy_check
cfg_spec hk-ok -- /bin/true
cfg_edit hk-ok "s['hooks'] = {'prestart': [{'path': '$E2E_TMP/hookbin/mark'}]}"
cfg_run hk-ok || e2e_fail "an allowlisted hook: $(cat "$E2E_ERR")"
[ -e "$mark" ] || e2e_fail "the allowlisted prestart hook did not run"
e2e_ok "an allowlisted prestart hook ran ($mark written)"
# The allowlisted program made writable by others is refused.
chmod 0777 "$E2E_TMP/hookbin/mark"
rm -f "$mark"
cfg_spec hk-gw -- /bin/true
cfg_edit hk-gw "s['hooks'] = {'prestart': [{'path': '$E2E_TMP/hookbin/mark'}]}"
refused hk-gw "hooks\\.prestart\\[0\\]\\.path '.*': .*writable by group or others" \
	"T22 an allowlisted hook made writable by others" "$mark"

# ---------------------------------------------------------------------------------------------
# T24 root.path=/usr: the container would get the host's /usr read-write.
cfg_spec rt-usr -- /bin/sh -c 'touch /hostile-root-marker'
cfg_edit rt-usr "s['root'] = {'path': '/usr'}"
refused rt-usr "root\\.path '/usr': not the bundle's rootfs" "T24 root.path=/usr" /usr/hostile-root-marker
cfg_spec rt-prop -- /bin/true
cfg_edit rt-prop "s['linux']['rootfsPropagation'] = 'rshared'"
refused rt-prop "linux\\.rootfsPropagation 'rshared'" "T24 rshared rootfs propagation"

# ---------------------------------------------------------------------------------------------
# T25 namespaces: a list holding only mount shares the host's pid, network, ipc and uts.
cfg_spec ns-mnt -- /bin/sh -c 'ls /proc > /tmp/ns-mnt.pids'
cfg_edit ns-mnt "s['linux']['namespaces'] = [{'type': 'mount'}]"
refused ns-mnt "linux\\.namespaces: no 'pid' namespace: the container would share the host's" \
	"T25 a namespace list holding only mount" "$(e2e_marker ns-mnt.pids)"
cfg_spec ns-path -- /bin/true
cfg_edit ns-path "s['linux']['namespaces'] = [n if n['type'] != 'pid' else {'type': 'pid', 'path': '/proc/$$/ns/pid'} for n in s['linux']['namespaces']]"
refused ns-path "linux\\.namespaces\\[0\\]\\.path '/proc/$$/ns/pid': the host's pid namespace" \
	"T25 a path to the host's pid namespace"

# The legitimate form: ctr's default run, unsigned; no host process is visible inside.
E2E_TOKEN=none e2e_run ok1 --rm -- /bin/ls /proc || e2e_fail "ctr's default run: $(cat "$E2E_ERR")"
! grep -qx "$E2E_CD_PID" "$E2E_OUT" && ! grep -qx "$$" "$E2E_OUT" ||
	e2e_fail "host pids visible in the container: $(tr '\n' ' ' <"$E2E_OUT")"
e2e_ok "ctr's default run, unsigned: runs, and neither containerd ($E2E_CD_PID) nor this test ($$) is visible"

# A container joining another container's network namespace (as pod containers join their
# sandbox's) works.
e2e_start net1
pid=$(ctr_ task ls | awk '$1 == "net1" {print $2}')
[ -n "$pid" ] || e2e_fail "no pid for net1"
E2E_TOKEN=none e2e_run net2 --rm --with-ns "network:/proc/$pid/ns/net" --with-ns "ipc:/proc/$pid/ns/ipc" \
	--with-ns "uts:/proc/$pid/ns/uts" -- /bin/sh -c 'for n in net ipc uts; do readlink /proc/self/ns/$n; done' ||
	e2e_fail "joining net1's namespaces: $(cat "$E2E_ERR")"
[ "$(cat "$E2E_OUT")" = "$(for n in net ipc uts; do readlink "/proc/$pid/ns/$n"; done)" ] ||
	e2e_fail "net2 is in $(cat "$E2E_OUT"), not net1's namespaces"
e2e_ok "an unsigned container joined another container's network, ipc and uts namespaces, as a pod's containers join the sandbox's ($(tr '\n' ' ' <"$E2E_OUT"))"

# Host network (the spec without a network namespace, as `--net-host` makes it; ctr's flag
# also binds the host's /etc/hosts, which the mount stack refuses): refused unsigned; allowed
# for a signed create by signed_allow_host=network.
hostnet() {
	cfg_spec "$1" -- /bin/readlink /proc/self/ns/net
	cfg_edit "$1" "s['linux']['namespaces'] = [n for n in s['linux']['namespaces'] if n['type'] != 'network']"
}
hostnet hn1
refused hn1 "linux\\.namespaces: no 'network' namespace" "T25 unsigned host network"
sed -i 's|^required namespaces allow_host=cgroup$|& signed_allow_host=network|' "$E2E_POLICY/create"
grep -q 'signed_allow_host=network' "$E2E_POLICY/create" || e2e_fail "could not allow a signed host network"
e2e_policy_check
hostnet hn2
cfg_run hn2 signed || e2e_fail "signed host network: $(cat "$E2E_ERR")"
[ "$(cat "$E2E_OUT")" = "$(readlink /proc/self/ns/net)" ] ||
	e2e_fail "the signed host-network container runs in $(cat "$E2E_OUT"), not the host's network namespace"
e2e_ok "a signed host-network container runs in the host's network namespace under signed_allow_host=network"
hostnet hn3
refused hn3 "no 'network' namespace" "T25 unsigned host network under signed_allow_host=network"

# ---------------------------------------------------------------------------------------------
# T26 /proc and /sys: emptied masked and read-only paths, then a write to a host-global
# sysctl through /proc/sys; a read-write sysfs. Both are forced back, so the container runs.
before=$(cat /proc/sys/vm/stat_interval)
probe="echo $((before + 6)) > /proc/sys/vm/stat_interval && echo PROCSYS-WRITTEN || echo PROCSYS-REFUSED; echo timer_list=\$(head -c 100 /proc/timer_list | wc -c); grep ' /sys ' /proc/mounts"
cfg_spec pa1 -- /bin/sh -c "$probe"
cfg_edit pa1 "s['linux']['maskedPaths'] = []; s['linux']['readonlyPaths'] = []
for m in s['mounts']:
    if m['type'] == 'sysfs': m['options'] = [o for o in m['options'] if o != 'ro'] + ['rw']"
rc=0
cfg_run pa1 || rc=$?
after=$(cat /proc/sys/vm/stat_interval)
if [ "$after" != "$before" ]; then
	echo "$before" >/proc/sys/vm/stat_interval
	e2e_fail "T26 the container changed the host's vm.stat_interval from $before to $after"
fi
[ "$rc" -eq 0 ] || e2e_fail "pa1: $(cat "$E2E_ERR")"
grep -qx PROCSYS-REFUSED "$E2E_OUT" || e2e_fail "T26 /proc/sys was writable: $(cat "$E2E_OUT")"
grep -qx timer_list=0 "$E2E_OUT" || e2e_fail "T26 /proc/timer_list not masked: $(cat "$E2E_OUT")"
grep -Eq '^sysfs /sys sysfs ro[, ]' "$E2E_OUT" || e2e_fail "T26 sysfs not read-only: $(cat "$E2E_OUT")"
"$E2E_PY" - "$E2E_AUDIT" "$E2E_NS" <<-'EOF2' || e2e_fail "T26 the audit line of pa1 lacks the forced paths"
	import json, sys
	for line in open(sys.argv[1]):
	    a = json.loads(line)
	    if a.get("namespace") == sys.argv[2] and a.get("container") == "pa1" and a.get("op") == "create":
	        c = " ".join(a.get("changes") or [])
	        sys.exit(0 if "linux.maskedPaths: added 11" in c and "linux.readonlyPaths: added 5" in c
	                 and "forced ro" in c else 1)
	sys.exit(1)
EOF2
e2e_ok "T26 emptied maskedPaths/readonlyPaths and a rw sysfs: forced back (audited), /proc/sys write failed, host vm.stat_interval still $after, /proc/timer_list masked (empty), sysfs ro"

# ---------------------------------------------------------------------------------------------
# T27 devices: a host block device with an allow-all rule (docker run --privileged), and a
# host block device with its own rule.
read -r dmaj dmin dname < <(awk 'NR > 2 && NF == 4 {print $1, $2, $4; exit}' /proc/partitions)
[ -n "$dname" ] && [ -b "/dev/$dname" ] || e2e_fail "no host block device found in /proc/partitions"
node="{'path': '/dev/$dname', 'type': 'b', 'major': $dmaj, 'minor': $dmin, 'fileMode': 0o660, 'uid': 0, 'gid': 0}"
cfg_spec dv1 -- /bin/sh -c "ls -l /dev/$dname > /tmp/dv1.ls"
cfg_edit dv1 "s['linux']['devices'] = [$node]; s['linux']['resources']['devices'] = [{'allow': True, 'type': 'a', 'access': 'rwm'}]"
refused dv1 "privileged container: linux\\.resources\\.devices\\[0\\] allows every device \\('a \\*:\\* rwm'\\)" \
	"T27 a host block device and 'a *:* rwm'" "$(e2e_marker dv1.ls)"
cfg_spec dv2 -- /bin/sh -c "ls -l /dev/$dname > /tmp/dv2.ls"
cfg_edit dv2 "s['linux']['devices'] = [$node]; s['linux']['resources']['devices'].append({'allow': True, 'type': 'b', 'major': $dmaj, 'minor': $dmin, 'access': 'rwm'})"
refused dv2 "linux\\.devices\\[0\\] '/dev/$dname' \\(b $dmaj:$dmin\\): not on the devices allowlist" \
	"T27 a host block device node" "$(e2e_marker dv2.ls)"
# The same through ctr's own flags: --privileged and --device.
rc=0
E2E_TOKEN=none e2e_run dv4 --rm --privileged -- /bin/sh -c "ls -l /dev/$dname > /tmp/dv4.ls" || rc=$?
e2e_expect_refused "$rc" "privileged container: linux\\.resources\\.devices\\[0\\] allows every device" dv4.ls \
	"T27 unsigned ctr run --privileged"
rc=0
E2E_TOKEN=none e2e_run dv5 --rm --device "/dev/$dname" -- /bin/sh -c "ls -l /dev/$dname > /tmp/dv5.ls" || rc=$?
e2e_expect_refused "$rc" "linux\\.devices\\[0\\] '/dev/$dname' \\(b $dmaj:$dmin\\): not on the devices allowlist" dv5.ls \
	"T27 unsigned ctr run --device /dev/$dname"
ctr_ c rm dv4 dv5 >/dev/null 2>&1 || true
# The legitimate form: a device the line allows (by path: the host's node) is given, with its
# grant, and ctr's default rules stay.
if [ -c /dev/fuse ]; then
	sed -i 's|^required devices$|required devices allow=/dev/fuse|' "$E2E_POLICY/create"
	grep -qx 'required devices allow=/dev/fuse' "$E2E_POLICY/create" || e2e_fail "could not allow /dev/fuse"
	e2e_policy_check
	E2E_TOKEN=none e2e_run dv6 --rm --device /dev/fuse -- /bin/sh -c 'ls -l /dev/fuse; head -c 0 /dev/fuse && echo FUSE-OPENED' ||
		e2e_fail "an allowlisted --device /dev/fuse: $(cat "$E2E_ERR")"
	grep -q '^c.* 10, *229 ' "$E2E_OUT" && grep -qx FUSE-OPENED "$E2E_OUT" ||
		e2e_fail "the allowlisted /dev/fuse is not usable inside: $(cat "$E2E_OUT")"
	e2e_ok "an allowlisted device (--device /dev/fuse, allow=/dev/fuse) is present and opens inside"
fi
# A grant without a node is dropped (noted): the container's device cgroup, read on the host
# while it runs, does not hold it, and does hold the defaults.
cfg_spec dv3 -- /bin/sleep 600
cfg_edit dv3 "s['linux']['resources']['devices'].append({'allow': True, 'type': 'b', 'major': $dmaj, 'minor': $dmin, 'access': 'rwm'})"
cfg_run dv3 &
e2e_wait_for 20 "task dv3 to run" e2e_task_running dv3
list=/sys/fs/cgroup/devices/$E2E_NS/dv3/devices.list
[ -r "$list" ] || e2e_fail "no device cgroup list at $list"
grep -qx 'c 1:3 rwm' "$list" || e2e_fail "dv3's device cgroup lacks /dev/null: $(tr '\n' ' ' <"$list")"
! grep -q "^[ab] $dmaj:$dmin \|^a \*:\* rw" "$list" ||
	e2e_fail "T27 dv3's device cgroup grants /dev/$dname: $(tr '\n' ' ' <"$list")"
e2e_audit_has create dv3 allow || e2e_fail "no audit line allowing dv3"
grep '"container":"dv3"' "$E2E_AUDIT" | grep -q 'dropped 1 allow rule' ||
	e2e_fail "T27 the audit line of dv3 does not note the dropped grant"
ctr_ task kill -s SIGKILL dv3 || e2e_fail "ctr task kill dv3"
wait || true
e2e_ok "T27 an extra device-cgroup grant for /dev/$dname ($dmaj:$dmin) is dropped (audited): the running container's devices.list lacks it"

# ---------------------------------------------------------------------------------------------
# T28 sysctls: a host-global key, and a net.* key with the host's network namespace.
before=$(cat /proc/sys/kernel/core_pattern)
cfg_spec sy1 -- /bin/true
cfg_edit sy1 "s['linux']['sysctl'] = {'kernel.core_pattern': '|/bin/sh -c true'}"
refused sy1 "linux\\.sysctl 'kernel\\.core_pattern': not on the sysctl allowlist" "T28 a host-global sysctl"
[ "$(cat /proc/sys/kernel/core_pattern)" = "$before" ] || e2e_fail "T28 the host's core_pattern changed"
e2e_ok "T28 the host's kernel.core_pattern is unchanged ($before)"
# With host networks allowed by the line, a net.* key would set the host's value.
sed -i 's|^required namespaces allow_host=cgroup|required namespaces allow_host=cgroup,network|' "$E2E_POLICY/create"
e2e_policy_check
before=$(cat /proc/sys/net/ipv4/tcp_syncookies)
cfg_spec sy2 -- /bin/true
cfg_edit sy2 "s['linux']['namespaces'] = [n for n in s['linux']['namespaces'] if n['type'] != 'network']
s['linux']['sysctl'] = {'net.ipv4.tcp_syncookies': '$((1 - before))'}"
refused sy2 "linux\\.sysctl 'net\\.ipv4\\.tcp_syncookies': the container shares the host's network namespace" \
	"T28 a net.* sysctl with the host's network namespace"
[ "$(cat /proc/sys/net/ipv4/tcp_syncookies)" = "$before" ] || e2e_fail "T28 the host's tcp_syncookies changed"
e2e_ok "T28 the host's net.ipv4.tcp_syncookies is unchanged ($before)"
# The same key in the container's own network namespace is set there.
cfg_spec sy3 -- /bin/cat /proc/sys/net/ipv4/tcp_syncookies
cfg_edit sy3 "s['linux']['sysctl'] = {'net.ipv4.tcp_syncookies': '$((1 - before))'}"
cfg_run sy3 || e2e_fail "a safe sysctl in the container's own netns: $(cat "$E2E_ERR")"
grep -qx "$((1 - before))" "$E2E_OUT" || e2e_fail "sy3 sees tcp_syncookies $(cat "$E2E_OUT")"
[ "$(cat /proc/sys/net/ipv4/tcp_syncookies)" = "$before" ] || e2e_fail "sy3 changed the host's tcp_syncookies"
e2e_ok "an allowlisted net.* sysctl applies in the container's own network namespace only"

e2e_assert_no_secrets
e2e_pass
