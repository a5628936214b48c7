#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The CLI round trip: keygen -> sign exec -> verify, and each attack failing with its own
# reason (tampered argv, other container, other operation, old timestamp, second use).
# Usage: cli_roundtrip.sh path/to/shimgate
SG=$1
# shellcheck source=tests/unit/cli_lib.sh
. "$(dirname "$0")/cli_lib.sh"

NOW=$(date +%s)
REQ="--namespace default --id c1 --exec-id e1"
# The container's config.json: the verifier's side of fields signed as the container's own.
printf '%s\n' '{"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"args":["sh"],"env":["PATH=/bin"],"cwd":"/"},"root":{"path":"rootfs"}}' >"$T/config.json"
C="--spec $T/config.json"

expect 0 "wrote key 'k1'" -- "$SG" keygen --key-id k1 --dir "$T/keys"
expect 2 "refusing to overwrite" -- "$SG" keygen --key-id k1 --dir "$T/keys"
[ "$(stat -c %a "$T/keys/k1")" = 600 ] || fail "key file mode $(stat -c %a "$T/keys/k1")"
grep -q '^secret = [0-9a-f]\{64\}$' "$T/keys/k1" || fail "key file has no 32-byte secret"
expect 0 "wrote key 'ro'" -- "$SG" keygen --key-id ro --dir "$T/keys" --operations create \
	--namespaces default

# shellcheck disable=SC2086
TOKEN=$("$SG" sign exec --key "$T/keys/k1" $REQ --timestamp "$NOW" -- sh -c id) ||
	fail "sign failed"
case $TOKEN in
sg2.ugsw.k1.$NOW.*) ;;
*) fail "token '$TOKEN' has not the sg2.ugsw.k1.$NOW. prefix" ;;
esac

V="$SG verify --key-dir $T/keys --now $NOW"
# shellcheck disable=SC2086
{
expect 0 "ok (key 'k1')" -- $V exec $REQ $C --token "$TOKEN" -- sh -c id
expect 1 "bad signature (key 'k1')" -- $V exec $REQ $C --token "$TOKEN" -- sh -c 'id; reboot'
expect 1 "bad signature (key 'k1')" -- $V exec $C --namespace default --id c2 --exec-id e1 \
	--token "$TOKEN" -- sh -c id
expect 1 "bad signature (key 'k1')" -- $V exec $REQ $C --env LD_PRELOAD=/x.so --token "$TOKEN" \
	-- sh -c id
expect 1 "signs an exec, not a create" -- $V create --namespace default --id c1 \
	--token "$TOKEN" -- sh -c id
# Signed as the container's own: another user or cwd is refused, naming the field.
expect 1 "not what was signed: user: uid 1000 is not the container's own 0" -- $V exec $REQ $C --user 1000 \
	--token "$TOKEN" -- sh -c id
expect 1 "not what was signed: cwd: '/tmp' is not the container's own '/'" -- $V exec $REQ $C --cwd /tmp \
	--token "$TOKEN" -- sh -c id
expect 1 "the fields signed as the container's own cannot be checked" -- $V exec $REQ \
	--token "$TOKEN" -- sh -c id
# A bad MAC says what the gate saw: the added env's name, never its value.
expect 1 "gate saw v2 uid=@0 gid=@0 groups=@[] cwd=@/ terminal=false env+=[LD_PRELOAD] argc=3" \
	-- $V exec $REQ $C --env LD_PRELOAD=/x.so --token "$TOKEN" -- sh -c id
# A version 1 token (absolute values) keeps verifying, without the container.
V1=$("$SG" sign exec --key "$T/keys/k1" $REQ --timestamp "$NOW" --token-version 1 -- sh -c id)
case $V1 in sg1.k1.$NOW.*) ;; *) fail "--token-version 1 gave '$V1'" ;; esac
expect 0 "ok (key 'k1')" -- $V exec $REQ --token "$V1" -- sh -c id
expect 1 "malformed signature token" -- $V exec $REQ $C --token "${TOKEN%?}" -- sh -c id
expect 1 "no signature" -- $V exec $REQ $C -- sh -c id

OLD=$("$SG" sign exec --key "$T/keys/k1" $REQ --timestamp $((NOW - 121)) -- sh -c id)
expect 1 "signature expired" -- $V exec $REQ $C --token "$OLD" -- sh -c id
FUT=$("$SG" sign exec --key "$T/keys/k1" $REQ --timestamp $((NOW + 6)) -- sh -c id)
expect 1 "signature from the future" -- $V exec $REQ $C --token "$FUT" -- sh -c id

SCOPED=$("$SG" sign exec --key "$T/keys/ro" $REQ --timestamp "$NOW" -- sh -c id)
expect 1 "key 'ro' may not sign operation 'exec'" -- $V exec $REQ $C --token "$SCOPED" -- sh -c id

UNKNOWN=$(printf '%s' "$TOKEN" | sed 's/^sg2\.ugsw\.k1\./sg2.ugsw.k9./')
expect 1 "unknown key id 'k9'" -- $V exec $REQ $C --token "$UNKNOWN" -- sh -c id

# Unbound exec id (kubectl exec): valid for any exec id.
UNB=$("$SG" sign exec --key "$T/keys/k1" --namespace default --id c1 --timestamp "$NOW" -- ls)
expect 0 "ok (key 'k1')" -- $V exec $C --namespace default --id c1 --exec-id random1 \
	--token "$UNB" -- ls

# Second use through the replay store, also from a second process.
expect 0 "ok (key 'k1')" -- $V --replay-store "$T/state/replay.db" exec $REQ $C --token "$TOKEN" \
	-- sh -c id
expect 1 "replayed signature" -- $V --replay-store "$T/state/replay.db" exec $REQ $C \
	--token "$TOKEN" -- sh -c id
}

# The explain output is the documented signing input.
# shellcheck disable=SC2086
"$SG" explain exec $REQ --token "$TOKEN" -- sh -c id >"$T/explain" || fail "explain failed"
printf 'shimgate-signature-v2\nop 4:exec\nnamespace 7:default\ncontainer 2:c1\nkey-id 2:k1\n' >"$T/want"
head -5 "$T/explain" | cmp -s - "$T/want" || fail "explain output: $(cat "$T/explain")"
grep -qx 'args \*3' "$T/explain" || fail "explain has no 'args *3'"
grep -qx 'uid =container' "$T/explain" || fail "explain has no 'uid =container'"
# explain --view prints the view a refusal shows, for the token's own form.
# shellcheck disable=SC2086
expect 0 "v2 uid=@ gid=@ groups=@ cwd=@ terminal=false env+=[] argc=3; sha256/8: target=" -- \
	"$SG" explain exec $REQ --view --token "$TOKEN" -- sh -c id

# A key readable by others is refused with a clear error.
chmod 0644 "$T/keys/k1"
# shellcheck disable=SC2086
expect 2 "accessible by group or others (mode 0644)" -- "$SG" verify --key-dir "$T/keys" \
	exec $REQ --token "$TOKEN" -- sh -c id

# seccomp dump --caps reads a list as the caps module does (oci/caps_names.c): "CAP_" and case
# optional, ALL, and an empty item refused.
cat >"$T/profile.json" <<'EOF'
{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW"},
 {"names":["chroot"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_CHROOT"]}}]}
EOF
for caps in CAP_SYS_CHROOT sys_chroot Cap_Sys_Chroot CAP_KILL,sys_chroot ALL all; do
	expect 0 '"chroot"' -- "$SG" seccomp dump "$T/profile.json" --caps "$caps" --oci
done
out=$("$SG" seccomp dump "$T/profile.json" --caps CAP_KILL --oci)
! printf '%s\n' "$out" | grep -q chroot || fail "seccomp dump --caps CAP_KILL allows chroot: $out"
expect 2 "--caps: empty capability in 'CAP_KILL,,CAP_CHOWN'" -- "$SG" seccomp dump \
	"$T/profile.json" --caps CAP_KILL,,CAP_CHOWN
expect 2 "--caps: empty capability in 'CAP_KILL,'" -- "$SG" seccomp dump "$T/profile.json" \
	--caps CAP_KILL,
expect 2 "--caps: unknown capability 'CAP_NOPE'" -- "$SG" seccomp dump "$T/profile.json" \
	--caps CAP_NOPE

# Host keys (FORMAT.md section 7): the documented vector, a token for node-a failing under
# node-b's key, and the usage errors of --derive.
mkdir -m 700 "$T/master" "$T/node-a" "$T/node-b"
printf 'secret = 8f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff\n' >"$T/master/k1"
chmod 600 "$T/master/k1"
expect 0 "wrote key 'k1'" -- "$SG" keygen --derive --master "$T/master/k1" --node node-a --dir "$T/node-a"
expect 0 "wrote key 'k1'" -- "$SG" keygen --derive --master "$T/master/k1" --node node-b --dir "$T/node-b"
grep -qx 'secret = 4b6d305f6b7740d8f0a5e041abf850c54b641b01400547d0b751bf130d95b74e' "$T/node-a/k1" ||
	fail "node-a's host key is not FORMAT.md's vector: $(grep secret "$T/node-a/k1" | cut -c1-20)..."
# shellcheck disable=SC2086
HTOKEN=$("$SG" sign --key "$T/node-a/k1" --token-version 1 exec $REQ -- /bin/true)
# shellcheck disable=SC2086
expect 0 "ok (key 'k1')" -- "$SG" verify --key "$T/node-a/k1" --token "$HTOKEN" exec $REQ -- /bin/true
# shellcheck disable=SC2086
expect 1 "bad signature" -- "$SG" verify --key "$T/node-b/k1" --token "$HTOKEN" exec $REQ -- /bin/true
expect 2 "Usage: shimgate keygen" -- "$SG" keygen --derive --master "$T/master/k1"
expect 2 "node name '../x'" -- "$SG" keygen --derive --master "$T/master/k1" --node ../x --dir "$T"
expect 2 "differs from the master" -- "$SG" keygen --derive --master "$T/master/k1" --key-id k2 \
	--node node-c --dir "$T/node-a"

expect 0 "Usage: shimgate sign" -- "$SG" sign --help
expect 0 "Usage: shimgate verify" -- "$SG" verify --help
expect 0 "Usage: shimgate explain" -- "$SG" explain --help
expect 0 "Usage: shimgate keygen" -- "$SG" keygen --help

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "all passed"
