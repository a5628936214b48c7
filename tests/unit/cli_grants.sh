#!/bin/sh
# shellcheck disable=SC2086 # $POD is a list of options, split on purpose
# SPDX-License-Identifier: Apache-2.0
# The CLI round trip of create grants (FORMAT.md section 8): sign --pod/--pod-json/--grant ->
# verify, each refusal with its own reason (another pod, another container, expired, past the
# key's not_after, outside the key's pod scope), explain's listing, and the usage errors.
# Usage: cli_grants.sh path/to/shimgate
SG=$1
# shellcheck source=tests/unit/cli_lib.sh
. "$(dirname "$0")/cli_lib.sh"

NOW=$(date +%s)
SBX=5555555555555555555555555555555555555555555555555555555555555555
cat >"$T/spec.json" <<JSON
{"ociVersion":"1.0.2","process":{"user":{"uid":1000,"gid":1000},"args":["/bin/agent","-v"],
 "env":["PATH=/bin","MODE=prod"],"cwd":"/"},"root":{"path":"rootfs"},
 "mounts":[{"destination":"/host","type":"bind","source":"/srv/data","options":["rbind","ro"]},
  {"destination":"/etc/hosts","type":"bind","source":"/var/lib/cri/sandboxes/$SBX/hosts","options":["rbind"]}],
 "linux":{"namespaces":[{"type":"pid"},{"type":"ipc"},{"type":"uts"},{"type":"mount"}]},
 "annotations":{"io.kubernetes.cri.sandbox-id":"$SBX"}}
JSON
cat >"$T/pod.json" <<'JSON'
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"agent-x","namespace":"monitoring"},
 "spec":{"hostNetwork":true,"securityContext":{"runAsUser":1000},
  "containers":[{"name":"agent","command":["/bin/agent"],"args":["-v"],
   "env":[{"name":"MODE","value":"prod"}],"volumeMounts":[{"name":"d","mountPath":"/host"}]}],
  "volumes":[{"name":"d","hostPath":{"path":"/srv/data"}}]}}
JSON
"$SG" keygen --key-id any --dir "$T/keys" >/dev/null || fail keygen any
"$SG" keygen --key-id end --dir "$T/keys" --not-after $((NOW + 100)) >/dev/null || fail keygen end
"$SG" keygen --key-id scoped --dir "$T/keys" --pod-namespaces monitoring --pods 'agent-*' >/dev/null ||
	fail keygen scoped
expect 0 'pods = agent-*' -- cat "$T/keys/scoped"
POD="--spec $T/spec.json --pod monitoring/agent-x --container agent"

out=$("$SG" sign create --key "$T/keys/any" $POD --not-after +3600) || fail "sign --pod: $out"
G=$(printf '%s\n' "$out" | head -n1)
case $G in sg3.any.*) echo "ok: a grant" ;; *) fail "not a grant: $G" ;; esac
if printf '%s\n' "$out" | grep -qF "# pod annotation: io.shimgate.grant.agent: \"$G\""; then
	echo "ok: the annotation line"
else
	fail "no annotation line: $out"
fi

expect 0 "ok (key 'any')" -- "$SG" verify create --key-dir "$T/keys" --token "$G" $POD
expect 1 "gate saw v3 pod=monitoring/agent-y container=agent" -- "$SG" verify create --key-dir "$T/keys" --token "$G" \
	--spec "$T/spec.json" --pod monitoring/agent-y --container agent
expect 1 "gate saw v3 pod=monitoring/agent-x container=sidecar" -- "$SG" verify create --key-dir "$T/keys" --token "$G" \
	--spec "$T/spec.json" --pod monitoring/agent-x --container sidecar
expect 1 "gate saw v3 identity=content" -- "$SG" verify create --key-dir "$T/keys" --token "$G" --grant --spec "$T/spec.json"
expect 1 "grant expired: not after" -- "$SG" verify create --key-dir "$T/keys" --token "$G" $POD --now $((NOW + 7200))
expect 0 "ok (key 'any')" -- "$SG" verify create --key-dir "$T/keys" --token "$G" $POD --id 7777777777777777777777777777777777777777777777777777777777777777

expect 2 "is past key 'end''s not_after" -- "$SG" sign create --key "$T/keys/end" $POD --not-after +3600
out=$("$SG" sign create --key "$T/keys/end" $POD | head -n1)
expect 0 "not-after 10:$((NOW + 100))" -- "$SG" explain --token "$out" create $POD

G2=$("$SG" sign create --key "$T/keys/scoped" $POD | head -n1)
expect 0 "ok (key 'scoped')" -- "$SG" verify create --key-dir "$T/keys" --token "$G2" $POD
G3=$("$SG" sign create --key "$T/keys/scoped" --spec "$T/spec.json" --pod default/agent-x --container agent | head -n1)
expect 1 "key 'scoped' may not grant for pod namespace 'default'" -- "$SG" verify create --key-dir "$T/keys" --token "$G3" \
	--spec "$T/spec.json" --pod default/agent-x --container agent
G4=$("$SG" sign create --key "$T/keys/scoped" --spec "$T/spec.json" --pod monitoring/web --container agent | head -n1)
expect 1 "key 'scoped' may not grant for pod 'web'" -- "$SG" verify create --key-dir "$T/keys" --token "$G4" \
	--spec "$T/spec.json" --pod monitoring/web --container agent

# explain lists what the grant covers: identity, host binds ({sandbox}), host namespaces.
expect 0 "pod-name 7:agent-x" -- "$SG" explain --token "$G" create $POD
expect 0 "source 38:/var/lib/cri/sandboxes/{sandbox}/hosts" -- "$SG" explain --token "$G" create $POD
expect 0 "7:network" -- "$SG" explain --token "$G" create $POD

# --pod-json: the identity from the manifest; the template must agree with its container.
out=$("$SG" sign create --key "$T/keys/any" --spec "$T/spec.json" --pod-json "$T/pod.json" --container agent --not-after +3600 | head -n1)
expect 0 "ok (key 'any')" -- "$SG" verify create --key-dir "$T/keys" --token "$out" $POD
# pod_mismatch SED_EXPR REASON: the manifest edited by SED_EXPR no longer fits the template.
pod_mismatch() {
	sed "$1" "$T/pod.json" >"$T/pod-edited.json"
	expect 2 "$2" -- "$SG" sign create --key "$T/keys/any" --spec "$T/spec.json" \
		--pod-json "$T/pod-edited.json" --container agent
}
pod_mismatch 's/"-v"/"-vv"/' "container 'agent': args: args[0] differs from the template spec"
pod_mismatch 's/"hostNetwork":true/"hostNetwork":false/' "hostNetwork is false, the template spec shares the host's network"
pod_mismatch 's|"/srv/data"|"/srv/other"|' "hostPath '/srv/other' on '/host' is not a bind of the template spec"
pod_mismatch 's/"runAsUser":1000/"runAsUser":0/' "runAsUser differs from the template spec's 1000"
pod_mismatch 's/"value":"prod"/"value":"dev"/' "env 'MODE' is not in the template spec"
expect 2 "no container 'web' in the pod" -- "$SG" sign create --key "$T/keys/any" \
	--spec "$T/spec.json" --pod-json "$T/pod.json" --container web

# Usage errors.
expect 2 "--pod wants --container NAME or --sandbox" -- "$SG" sign create --key "$T/keys/any" --spec "$T/spec.json" --pod a/b
expect 2 "--pod wants NAMESPACE/NAME" -- "$SG" sign create --key "$T/keys/any" --spec "$T/spec.json" --pod ab --sandbox
expect 2 "want create --spec FILE" -- "$SG" sign create --key "$T/keys/any" --pod a/b --sandbox
expect 2 "a grant signs a create" -- "$SG" sign exec --key "$T/keys/any" --spec "$T/spec.json" --grant -- /bin/ls

[ "$failures" -eq 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all passed"
