#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# T11: several keys at once (rotation), keys limited by namespace, container pattern,
# operation and validity period, on a real gate; keys added and removed under a running gate. T12: audit-only is the one way to let a
# refusal through, and it is loud: a warning when the gate starts and an audit line for every
# call it lets through. T21: the gate opens no network socket.
. "$(dirname "$0")/lib.sh"
e2e_setup "$@"

now=$(date +%s)
keygen() { "$E2E_CLI" keygen --dir "$E2E_KEYS" --key-id "$@" >/dev/null || e2e_fail "keygen $*"; }
keygen next                                    # the rotation's new key, beside "e2e"
keygen other-ns --namespaces "$E2E_NS-other"   # signs only for another namespace
keygen web-only --containers 'web-*'           # signs only containers named web-*
keygen create-only --operations create         # may not sign an exec
keygen retired --not-after $((now - 60))       # its validity ended a minute ago
keygen future --not-before $((now + 3600))     # valid only from an hour on

# The gate loads the keyring when it starts: the keys exist before the container does.
e2e_start c1

# Signs an exec of /bin/touch MARKER in c1 with KEY and runs it; prints nothing, returns ctr's status.
exec_with_key() {
	local key=$1 eid=$2 tok
	tok=$(E2E_SIGN_KEY=$E2E_KEYS/$key e2e_sign_exec c1 "$eid" -- /bin/touch "/tmp/$eid")
	e2e_exec c1 "$eid" "$tok" /bin/touch "/tmp/$eid"
}

for key in e2e next; do
	exec_with_key "$key" "rot-$key" || e2e_fail "exec signed with key $key refused: $(cat "$E2E_ERR")"
	[ -e "$(e2e_marker "rot-$key")" ] || e2e_fail "exec signed with key $key did not run"
	e2e_ok "T11 key '$key' signs (two keys active at once)"
done

check_refused() {
	local key=$1 reason=$2 rc=0
	exec_with_key "$key" "key-$key" || rc=$?
	e2e_expect_refused "$rc" "$reason" "key-$key" "T11 exec signed with key '$key'"
}
check_refused other-ns "key 'other-ns' may not sign for namespace '$E2E_NS'"
check_refused web-only "key 'web-only' may not sign for container 'c1'"
check_refused create-only "key 'create-only' may not sign operation 'exec'"
check_refused retired "key 'retired' expired at"
check_refused future "key 'future' is not valid before"

# A key id that names a path is refused by the parser, before any file is looked up. Both
# forms: the key id is the fourth field from the end (sg1.<key-id>.<ts>.<nonce>.<mac>,
# sg2.<binding>.<key-id>.<ts>.<nonce>.<mac>).
for v in 1 2; do
	eid=kid-path$v
	tok=$(e2e_sign_exec c1 "$eid" --token-version "$v" -- /bin/touch "/tmp/$eid")
	IFS=. read -ra f <<<"$tok"
	k=$((${#f[@]} - 4))
	[ "${f[0]}" = "sg$v" ] && [ "$k" -ge 1 ] || e2e_fail "sign --token-version $v gave '$tok'"
	f[k]=keys/${f[k]}
	rc=0
	e2e_exec c1 "$eid" "$(IFS=.; echo "${f[*]}")" /bin/touch "/tmp/$eid" || rc=$?
	e2e_expect_refused "$rc" "malformed signature token: key id" "$eid" \
		"T11 an sg$v token whose key id is a path (${f[k]})"
done

# Rotation and revocation reach a gate that is already running: a key added after the
# container started signs, a removed one no longer does, and a key directory that no longer
# loads refuses every call until it is fixed (closed, not the old keys).
keygen late
exec_with_key late rot-late || e2e_fail "a key added to a running gate's key_dir was refused: $(cat "$E2E_ERR")"
[ -e "$(e2e_marker rot-late)" ] || e2e_fail "the exec signed with the added key did not run"
e2e_ok "T11 a key added while the gate runs signs at once"
tok=$(E2E_SIGN_KEY=$E2E_KEYS/next e2e_sign_exec c1 key-next -- /bin/touch /tmp/key-next)
rm "$E2E_KEYS/next"
rc=0
e2e_exec c1 key-next "$tok" /bin/touch /tmp/key-next || rc=$?
e2e_expect_refused "$rc" "unknown key id 'next'" key-next \
	"T11 a token of a key removed from a running gate's key_dir"
install -m 0644 /dev/null "$E2E_KEYS/loose"
rc=0
exec_with_key e2e key-loose || rc=$?
e2e_expect_refused "$rc" "keys changed and do not load: .*loose" key-loose \
	"T10 a group/other-readable key file dropped into a running gate's key_dir"
rm "$E2E_KEYS/loose"
exec_with_key e2e rot-fixed || e2e_fail "the fixed key_dir was still refused: $(cat "$E2E_ERR")"
[ -e "$(e2e_marker rot-fixed)" ] || e2e_fail "the exec after fixing key_dir did not run"
e2e_ok "T11 once key_dir loads again, signed execs run"

# A mode change alone (no file added or removed) reaches the running gate too: key_dir or a
# key file made group-writable refuses every signed call, with the reason, until it is fixed.
for target in "$E2E_KEYS" "$E2E_KEY"; do
	# Signed before the change: the CLI itself refuses an unsafe key file.
	eid=mode-${target##*/}
	tok=$(e2e_sign_exec c1 "$eid" -- /bin/touch "/tmp/$eid")
	chmod g+w "$target"
	rc=0
	e2e_exec c1 "$eid" "$tok" /bin/touch "/tmp/$eid" || rc=$?
	e2e_expect_refused "$rc" "keys changed and do not load: .*${target##*/}.*writable" \
		"mode-${target##*/}" "T10 a signed exec after chmod g+w $target under a running gate"
	chmod g-w "$target"
	exec_with_key e2e "mode-fixed-${target##*/}" ||
		e2e_fail "signed exec after chmod g-w $target still refused: $(cat "$E2E_ERR")"
	[ -e "$(e2e_marker "mode-fixed-${target##*/}")" ] || e2e_fail "the exec after the fix did not run"
	e2e_ok "T10 once $target is not group-writable again, signed execs run"
done

# T21: everything the gate holds is a unix socket or a file: no TCP, UDP or raw socket.
gate=$(e2e_socket_owner "$(e2e_address c1)") || e2e_fail "no gate listens for c1"
inet=$(ss -tuwapH | grep -c "pid=$gate," || true)
[ "$inet" -eq 0 ] || e2e_fail "T21 the gate (pid $gate) holds $inet network sockets: $(ss -tuwapH | grep "pid=$gate,")"
for fd in /proc/"$gate"/fd/*; do
	target=$(readlink "$fd") || continue
	[[ "$target" == socket:* ]] || continue
	ino=${target#socket:[}
	ino=${ino%]}
	awk -v i="$ino" '$7 == i {f=1} END {exit !f}' /proc/net/unix ||
		e2e_fail "T21 the gate's socket $target (fd $fd) is not a unix socket"
done
e2e_ok "T21 the gate (pid $gate) has no network socket, only unix ones"

# T12: audit-only, for the gates started from now on. It is announced at start...
sed -i 's/^mode = enforce$/mode = audit-only/' "$E2E_CONF"
grep -qx 'mode = audit-only' "$E2E_CONF" || e2e_fail "could not switch the config to audit-only"
e2e_start c2
grep -q 'mode audit-only: refusals are recorded in the audit trail and NOT enforced' \
	"$E2E_TMP/containerd.log" || e2e_fail "T12 the audit-only gate did not announce itself at start"
e2e_ok "T12 an audit-only gate announces it at start (containerd's log)"
# ... an unsigned exec runs, and the audit trail records that it was let through unsigned.
rc=0
e2e_exec c2 audit-unsigned none /bin/touch /tmp/audit-unsigned || rc=$?
[ "$rc" -eq 0 ] && [ -e "$(e2e_marker audit-unsigned)" ] ||
	e2e_fail "T12 audit-only refused an unsigned exec: $(cat "$E2E_ERR")"
e2e_audit_has exec c2 allow-audit-only audit-unsigned ||
	e2e_fail "T12 no allow-audit-only audit line for the unsigned exec"
grep '"exec_id":"audit-unsigned"' "$E2E_AUDIT" | grep -q '"reason":"[^"]*no signature' ||
	e2e_fail "T12 the audit line does not say why the exec would have been refused"
e2e_ok "T12 audit-only let the unsigned exec through and audited it with its reason"
# The enforcing gate of c1, started before the switch, still refuses.
rc=0
e2e_exec c1 still-enforced none /bin/touch /tmp/still-enforced || rc=$?
e2e_expect_refused "$rc" 'no signature' still-enforced "T12 unsigned exec on the enforcing gate"

e2e_pass
