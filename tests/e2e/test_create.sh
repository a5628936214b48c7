#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Container creation through the gate: a signed create runs confined (policy capabilities,
# no_new_privs, the seccomp profile: T14-T16, with plain runc as the control); bad create
# tokens are refused and leave nothing behind (T1-T6 for create); host binds are refused even
# signed (T13), an allowed one is forced read-only and must be signed; the token does not
# reach the container (T10); a strict policy refuses unsigned creates; a broken policy stops
# the gate with file:line (T20).
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

# run_out ID [opts] -- CMD: a signed ctr run --rm that must succeed; its stdout in $E2E_OUT.
run_out() {
	local id=$1
	e2e_run "$@" || e2e_fail "signed ctr run $id failed: $(cat "$E2E_ERR")"
}
# refused_create ID REASON WHAT [opts] -- CMD: ctr run must be refused by the gate for REASON,
# the command (touch /tmp/ID) must not run, and nothing may be left behind.
refused_create() {
	local id=$1 reason=$2 what=$3 rc=0
	shift 3
	e2e_run "$id" "$@" -- /bin/touch "/tmp/$id" || rc=$?
	e2e_expect_refused "$rc" "$reason" "$id" "$what"
	# A gate that could not start has no audit trail to write to.
	[ -n "${NO_AUDIT:-}" ] || e2e_audit_has create "$id" deny || e2e_audit_has mount "$id" deny ||
		e2e_fail "$what: no audit line denying $id"
	e2e_assert_gone "$id" "$what"
	ctr_ c rm "$id" >/dev/null || e2e_fail "$what: ctr c rm $id after the refusal"
}

# A signed create: confined by policy in every respect.
run_out s1 --rm -- /bin/cat /proc/self/status
cp "$E2E_OUT" "$E2E_TMP/out/s1.status"
e2e_assert_confined "$E2E_TMP/out/s1.status" "signed container" 2

# Seccomp (T15): the profile refuses new user namespaces; plain runc (no profile) allows them.
probe='unshare -U /bin/true && echo UNSHARE-OK || echo UNSHARE-REFUSED'
run_out u1 --rm -- /bin/sh -c "$probe"
grep -qx UNSHARE-REFUSED "$E2E_OUT" || e2e_fail "unshare -U under the gate: $(cat "$E2E_OUT")"
E2E_RUN_RUNTIME=$E2E_RUNC_RUNTIME E2E_TOKEN=none e2e_run u0 --rm -- /bin/sh -c "$probe" ||
	e2e_fail "control run on plain runc: $(cat "$E2E_ERR")"
grep -qx UNSHARE-OK "$E2E_OUT" || e2e_fail "control: unshare -U on plain runc: $(cat "$E2E_OUT")"
e2e_ok "T15 unshare -U refused inside (seccomp profile); it works on plain runc"

# --cap-add CAP_SYS_ADMIN and --allow-new-privs, signed: cut back by policy; mount fails.
probe='cat /proc/self/status > /tmp/a1.status; mount -t tmpfs none /mnt && echo MOUNT-OK || echo MOUNT-REFUSED'
run_out a1 --rm --cap-add CAP_SYS_ADMIN --allow-new-privs -- /bin/sh -c "$probe"
grep -qx MOUNT-REFUSED "$E2E_OUT" || e2e_fail "mount with --cap-add CAP_SYS_ADMIN under the gate: $(cat "$E2E_OUT")"
e2e_assert_confined "$(e2e_marker a1.status)" "T14/T16 ctr run --cap-add CAP_SYS_ADMIN --allow-new-privs" 2
E2E_RUN_RUNTIME=$E2E_RUNC_RUNTIME E2E_TOKEN=none e2e_run a0 --rm --cap-add CAP_SYS_ADMIN -- /bin/sh -c "$probe" ||
	e2e_fail "control run on plain runc: $(cat "$E2E_ERR")"
grep -qx MOUNT-OK "$E2E_OUT" || e2e_fail "control: mount with CAP_SYS_ADMIN on plain runc: $(cat "$E2E_OUT")"
e2e_ok "T14 mount refused inside despite --cap-add CAP_SYS_ADMIN; it works on plain runc"

# The shipped create stack lets an unsigned create without host binds through
# ([unsigned=ignore] hmac), still confined.
E2E_TOKEN=none run_out n1 --rm -- /bin/cat /proc/self/status
cp "$E2E_OUT" "$E2E_TMP/out/n1.status"
e2e_assert_confined "$E2E_TMP/out/n1.status" "unsigned create without host binds (allowed by the shipped policy)" 2

# Bad create tokens: refused, nothing left behind.
e2e_spec other -- /bin/touch /tmp/b2
E2E_TOKEN=$(e2e_sign_create other) refused_create b2 'bad signature' "T2 create token for another container"
E2E_TOKEN=$(E2E_NS=$E2E_NS-b e2e_spec b3 -- /bin/touch /tmp/b3 && E2E_NS=$E2E_NS-b e2e_sign_create b3) \
	refused_create b3 'bad signature' "T2 create token for the same id in another namespace"
e2e_spec b4 -- /bin/touch /tmp/b4
E2E_TOKEN=$(e2e_sign_exec b4 e1 -- /bin/touch /tmp/b4) refused_create b4 'signs an exec, not a create' "T3 exec token (sg2) used for a create"
E2E_TOKEN=garbage refused_create b5 'malformed signature token' "T1 garbage create token"
e2e_spec b6 -- /bin/touch /tmp/b6
E2E_TOKEN=$(e2e_sign_create b6 --timestamp $(($(date +%s) - 300))) refused_create b6 'signature expired' "T5 expired create token"
e2e_spec b7 -- /bin/touch /tmp/b7
tok=$(e2e_sign_create b7)
E2E_TOKEN=$tok run_out b7 --rm -- /bin/touch /tmp/b7
rm "$(e2e_marker b7)" || e2e_fail "the first create of b7 did not run"
E2E_TOKEN=$tok refused_create b7 'replayed signature' "T4 a create token used twice"
e2e_spec b8 -- /bin/touch /tmp/b8-signed
E2E_TOKEN=$(e2e_sign_create b8) refused_create b8 'bad signature' "T6 create args changed after signing"

# T13: host binds of system paths and runtime sockets, refused even when signed.
n=0
# The gate resolves each source before the policy looks at it; one that does not exist here
# (a runtime socket of a daemon this host lacks) is refused for that.
for src in /etc /run/containerd /run/containerd/containerd.sock /var/run/docker.sock / /proc \
	/var/lib/containerd /root; do
	why='host path denied by policy'
	[ -e "$src" ] || why='source cannot be resolved'
	refused_create h$((++n)) "'$src' on '/x'\\): $why" "T13 signed bind of $src" \
		--mount "type=bind,src=$src,dst=/x,options=rbind:ro"
done
# A mount refusal is one in the audit trail: op mount, with the mount's index (the one the
# reason names), source and destination; the create's rewrites were not applied.
line=$(e2e_audit_line mount h1 deny) || e2e_fail "no audit line with op mount denying h1"
e2e_json_check "$line" 'a["mount"]["source"] == "/etc" and a["mount"]["destination"] == "/x" and
	not a["mount"]["rootfs"] and a["reason"].startswith("mount %d (" % a["mount"]["index"]) and
	a["changes"] == [] and a["not_applied"]' "the audit line of the refused bind of /etc"
! e2e_audit_has create h1 deny || e2e_fail "the refused bind of /etc is audited as a create refusal"
e2e_ok "a refused bind is audited as op mount with its index $("$E2E_PY" -c 'import json,sys; print(json.loads(sys.argv[1])["mount"]["index"])' "$line"), source and destination"

# An allowed host bind (the test's policy allows $E2E_TMP/share): must be signed, is forced
# read-only, nosuid, nodev, and the signature covers its source.
share=$E2E_TMP/share
mkdir -p "$share/a" "$share/b"
echo from-host >"$share/a/hello"
e2e_policy_allow_binds "$share"
bind=(--mount "type=bind,src=$share/a,dst=/x,options=rbind:rw")
run_out m1 --rm "${bind[@]}" -- /bin/sh -c 'grep " /x " /proc/mounts; cat /x/hello; touch /x/new && echo WRITE-OK || echo WRITE-REFUSED'
grep -qx from-host "$E2E_OUT" || e2e_fail "allowed bind: host file not visible: $(cat "$E2E_OUT")"
mounted=$(awk '$2 == "/x" {print $4}' "$E2E_OUT")
for o in ro nosuid nodev; do
	[[ ",$mounted," == *",$o,"* ]] || e2e_fail "allowed bind mounted with '$mounted', lacks $o"
done
grep -qx WRITE-REFUSED "$E2E_OUT" && [ ! -e "$share/a/new" ] || e2e_fail "allowed bind is writable"
e2e_ok "T13 allowed signed bind is mounted $mounted and cannot be written"
E2E_TOKEN=none refused_create m2 'no signature' "unsigned create with an (allowed) host bind" "${bind[@]}"
# A symlink inside the allowed directory does not lead out of it: the resolved path is judged.
ln -s /etc "$share/a/etc-link"
refused_create m4 "etc-link' on '/x'\\): host path denied by policy \\(prefix '/etc'\\)" "T13 signed bind through a symlink to /etc" \
	--mount "type=bind,src=$share/a/etc-link,dst=/x,options=rbind:ro"
e2e_spec m3 "${bind[@]}" -- /bin/touch /tmp/m3
E2E_TOKEN=$(e2e_sign_create m3) refused_create m3 'bad signature' "T6 bind source changed after signing" \
	--mount "type=bind,src=$share/b,dst=/x,options=rbind:rw"

# T10: the token, in the annotation or in the env, reaches neither the container's
# environment nor the bundle's config.json (world-readable on the host).
e2e_start c1
! grep -q 'io.shimgate.token\|SHIMGATE_TOKEN' "$(e2e_bundle c1)/config.json" ||
	e2e_fail "T10 the create token is in the bundle's config.json"
e2e_ok "T10 the annotation token is not in the bundle's config.json"
# An env carrier: the signer sees the spec as sent, carrier included (and drops it).
e2e_spec e1 --env SHIMGATE_TOKEN=PENDING -- /bin/sh -c 'cat /proc/$$/environ > /tmp/e1.env; exit 0'
tok=$(e2e_sign_create e1)
E2E_TOKEN=none run_out e1 --rm --env "SHIMGATE_TOKEN=$tok" -- /bin/sh -c 'cat /proc/$$/environ > /tmp/e1.env; exit 0'
grep -qa HOME= "$(e2e_marker e1.env)" || e2e_fail "e1 saved no environment"
! grep -qa -e SHIMGATE_TOKEN -e "${tok##*.}" "$(e2e_marker e1.env)" ||
	e2e_fail "T10 the env-carried create token reached the container: $(tr '\0' ' ' <"$(e2e_marker e1.env)")"
e2e_ok "T10 an env-carried create token is accepted and stripped from the container's env"

# A strict create stack (hmac required): unsigned creates are refused.
sed -i 's/^\[success=ok unsigned=ignore default=die\] hmac$/required hmac/' "$E2E_POLICY/create"
grep -qx 'required hmac' "$E2E_POLICY/create" || e2e_fail "could not make the create stack strict"
e2e_policy_check
E2E_TOKEN=none refused_create n2 'no signature' "unsigned create under a strict create stack"
run_out n3 --rm -- /bin/echo signed-still-runs
grep -qx signed-still-runs "$E2E_OUT" || e2e_fail "signed run under the strict stack: $(cat "$E2E_OUT")"
e2e_ok "a signed create runs under the strict create stack"

# T20: a policy that does not parse stops the gate, which names the file and the line.
echo "required no_such_module" >>"$E2E_POLICY/exec"
lineno=$(wc -l <"$E2E_POLICY/exec")
NO_AUDIT=1 refused_create p1 "cannot load the gate: $E2E_POLICY/exec:$lineno: unknown module" "a broken exec policy"

for m in b2 b3 b4 b5 b6 b7 b8-signed m2 m3 m4 n2 p1; do
	[ ! -e "$(e2e_marker $m)" ] || e2e_fail "the refused container $m ran"
done
e2e_ok "no refused container ran"
e2e_assert_no_secrets
e2e_pass
