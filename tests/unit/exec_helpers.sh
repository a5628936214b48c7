#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# The exec helpers up to their client: `shimgate exec kubectl|docker|ctr` against stand-in
# clients (no API server or daemon here). Checks the exact argv each would run (--print),
# that the token is elided unless asked, that it verifies for the request the client's
# runtime would send, that the client's exit status passes through, and the CLI plugin
# entry points.
# Usage: exec_helpers.sh path/to/shimgate
set -u
SG=$1
BIN=$(dirname "$SG")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
chmod 700 "$T"
mkdir -m 700 "$T/keys"
failures=0
CID=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

fail() {
	echo "FAIL: $*"
	failures=$((failures + 1))
}

# same WHAT GOT WANT
same() {
	if [ "$2" = "$3" ]; then echo "ok: $1"; else fail "$1: got '$2', want '$3'"; fi
}

"$SG" keygen --key-id k1 --dir "$T/keys" >/dev/null || fail keygen
export SHIMGATE_KEY="$T/keys/k1"

# A stand-in kubectl: answers the two `get pod` questions, logs every call, and for `exec`
# records its argv and exits 7.
cat >"$T/kubectl" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$T/kubectl.log"
case "\$*" in
*"{.spec.containers[0].name}"*) echo app ;;
*'containerStatuses[?(@.name=="app")]'*) echo "containerd://$CID" ;;
*'containerStatuses[?(@.name=="side")]'*) echo "cri-o://$CID" ;;
exec*) exit 7 ;;
*) exit 3 ;;
esac
EOF
chmod +x "$T/kubectl"

K="$SG exec kubectl --client $T/kubectl"
out=$($K --print -it -n prod web-0 -- sh -c 'echo "a b"') || fail "kubectl --print failed"
same "kubectl --print: the exact argv, token elided" "$out" \
	"$T/kubectl exec -i -t --namespace=prod --container=app web-0 -- SHIMGATE_TOKEN=<token> sh -c 'echo \"a b\"'"
same "kubectl: container name, then its id from the pod status" "$(cat "$T/kubectl.log")" \
"get pod web-0 --namespace=prod --output=jsonpath={.spec.containers[0].name}
get pod web-0 --namespace=prod --output=jsonpath={.status.containerStatuses[?(@.name==\"app\")].containerID}"

# The token verifies for what the CRI plugin sends for `kubectl exec -t`: the container's
# process with these args, terminal, TERM=xterm added, a random exec id.
tok=$($K --show-token -t -c app web-0 -- sh -c id | sed -n 's/.*SHIMGATE_TOKEN=\(sg2[^ ]*\) .*/\1/p')
case $tok in sg2.ugsw.k1.*) echo "ok: kubectl token is container-relative" ;;
*) fail "kubectl --show-token gave '$tok'" ;; esac
printf '%s\n' '{"ociVersion":"1.0.2","process":{"user":{"uid":65534,"gid":65534},"args":["/pause"],"env":["PATH=/bin"],"cwd":"/work"},"root":{"path":"rootfs"}}' >"$T/config.json"
out=$("$SG" verify --key-dir "$T/keys" exec --namespace k8s.io --id "$CID" \
	--exec-id 5d0c2a3b --spec "$T/config.json" --terminal --env TERM=xterm --token "$tok" \
	-- sh -c id 2>&1) || fail "kubectl token does not verify: $out"
same "kubectl token verifies for the CRI exec" "$out" "ok (key 'k1')"

# The exit status passes through, and a run never shows the token.
: >"$T/kubectl.log"
$K web-0 -- true >"$T/out" 2>&1
same "kubectl exit status passes through" "$?" 7
grep -q 'SHIMGATE_TOKEN=sg2' "$T/kubectl.log" || fail "kubectl exec got no token in argv"
grep -q 'sg2\.' "$T/out" && fail "the run printed the token: $(cat "$T/out")"

out=$($K -c side web-0 -- id 2>&1)
same "kubectl: not containerd is refused" "$?" 2
case $out in *"is not containerd://ID"*) echo "ok: says why" ;; *) fail "cri-o: '$out'" ;; esac

# The kubectl plugin is the same helper.
out=$("$BIN/kubectl-shimgate" exec --client "$T/kubectl" --print web-0 -- id)
same "kubectl-shimgate exec" "$out" \
	"$T/kubectl exec --container=app web-0 -- SHIMGATE_TOKEN=<token> id"

# A stand-in docker: inspect answers the id and the config env; exec checks that the token
# came through the environment (not argv) and exits 5.
cat >"$T/docker" <<EOF
#!/bin/sh
case "\$1" in
inspect) printf '%s\nPATH=/bin\nMODE=prod\n' "$CID" ;;
exec) case "\$*" in *sg2.*) exit 9 ;; esac
      case "\$SHIMGATE_TOKEN" in sg2.*) exit 5 ;; esac
      exit 8 ;;
*) exit 3 ;;
esac
EOF
chmod +x "$T/docker"
D="$SG exec docker --client $T/docker"
out=$($D --print -it -u 1000:1000 -w /tmp -e FOO=1 -e MODE=prod web -- id)
same "docker --print: the exact argv, token in the environment" "$out" \
	"SHIMGATE_TOKEN=<token> $T/docker exec -e SHIMGATE_TOKEN -i -t -u 1000:1000 -w /tmp -e FOO=1 -e MODE=prod $CID id"
tok=$($D --show-token -t -u 1000:1000 -w /tmp -e FOO=1 -e MODE=prod web -- id | sed 's/^SHIMGATE_TOKEN=\([^ ]*\) .*/\1/')
case $tok in sg2.-.k1.*) echo "ok: docker -u U:G -w binds user, groups (none besides GID) and cwd explicitly" ;;
*) fail "docker --show-token gave '$tok'" ;; esac
# What dockerd sends for that exec: gid also a supplementary group, TERM=xterm, the
# container's env with FOO added (MODE=prod is the container's own: not signed).
printf '%s\n' '{"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"args":["sh"],"env":["PATH=/bin","HOSTNAME=x","MODE=prod"],"cwd":"/"},"root":{"path":"rootfs"}}' >"$T/docker.json"
out=$("$SG" verify --key-dir "$T/keys" exec --namespace moby --id "$CID" --exec-id "$CID" \
	--spec "$T/docker.json" --user 1000:1000:1000 --cwd /tmp --terminal \
	--env TERM=xterm --env FOO=1 --token "$tok" -- id 2>&1)
same "docker token verifies for dockerd's exec" "$out" "ok (key 'k1')"
$D web -- id >"$T/out" 2>&1
same "docker exit status passes through (token via env)" "$?" 5
out=$($D --print -u 1000:1000 --groups 20,10 web -- id)
same "docker --groups is signed only" "$out" \
	"SHIMGATE_TOKEN=<token> $T/docker exec -e SHIMGATE_TOKEN -u 1000:1000 $CID id"
tok=$($D --show-token -u 1000:1000 --groups 20,10 web -- id | sed 's/^SHIMGATE_TOKEN=\([^ ]*\) .*/\1/')
out=$("$SG" verify --key-dir "$T/keys" exec --namespace moby --id "$CID" --exec-id "$CID" \
	--spec "$T/docker.json" --user 1000:1000:10,1000,20 --cwd / --token "$tok" -- id 2>&1)
same "docker --groups token verifies for Docker's groups" "$out" "ok (key 'k1')"
out=$($D -u nobody web -- id 2>&1)
case $out in *"want a numeric"*) echo "ok: docker -u NAME refused" ;; *) fail "-u nobody: '$out'" ;; esac

# The Docker CLI plugin protocol.
out=$("$BIN/docker-shimgate" docker-cli-plugin-metadata)
case $out in '{"SchemaVersion":"0.1.0","Vendor":"shimgate"'*) echo "ok: plugin metadata" ;;
*) fail "metadata '$out'" ;; esac
out=$("$BIN/docker-shimgate" shimgate exec --client "$T/docker" --print web -- id)
same "docker-shimgate shimgate exec" "$out" \
	"SHIMGATE_TOKEN=<token> $T/docker exec -e SHIMGATE_TOKEN $CID id"

# ctr: exec id bound, token as argv[0].
out=$("$SG" exec ctr --print -a /run/c.sock -n ns1 --exec-id e1 -t -u 1000:1000 --cwd /tmp c1 -- id)
same "ctr --print" "$out" \
	"ctr --address /run/c.sock --namespace ns1 task exec --exec-id e1 --tty --user 1000:1000 --cwd /tmp c1 SHIMGATE_TOKEN=<token> id"

# --signer: the five options or a usage error; an unreachable signer fails closed (exit 2,
# the client never runs) and never falls back to $SHIMGATE_KEY. (A real signer: e2e
# test_signer_exec.sh and test_docker_exec_helper.sh.)
SGN="--signer https://127.0.0.1:1 --cert $T/c.crt --key $T/c.key --cacert $T/ca.crt"
# shellcheck disable=SC2086 # SGN is a list of options
out=$($SG exec ctr $SGN c1 -- id 2>&1)
same "ctr --signer without --node: usage error" "$?" 2
case $out in *"--signer needs --cert, --key (the certificate's key), --cacert and --node"*)
	echo "ok: says which options" ;; *) fail "--signer without --node: '$out'" ;; esac
# shellcheck disable=SC2086
out=$($SG exec docker --client "$T/docker" $SGN --node node-a --key-dir "$T/keys" web -- id 2>&1)
case $out in *"no --key-dir or --key-id"*) echo "ok: --signer with --key-dir refused" ;;
*) fail "--signer --key-dir: '$out'" ;; esac
: >"$T/kubectl.log"
# shellcheck disable=SC2086
out=$($K $SGN --node node-a web-0 -- id 2>&1)
same "kubectl --signer, signer unreachable: exit 2" "$?" 2
case $out in *"signer https://127.0.0.1:1: "*) echo "ok: names the signer" ;; *) fail "unreachable: '$out'" ;; esac
grep -q '^exec' "$T/kubectl.log" && fail "kubectl exec ran without the signer's token"
$SG exec ctr --help | grep -q -- "--signer URL --cert FILE --key FILE --cacert FILE --node NAME" ||
	fail "exec ctr --help does not show --signer"

if [ "$failures" -ne 0 ]; then
	echo "$failures failure(s)"
	exit 1
fi
echo "all passed"
