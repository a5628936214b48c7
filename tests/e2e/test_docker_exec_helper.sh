#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `shimgate exec docker` (and `docker shimgate exec`, the CLI plugin) on a real dockerd through
# the gate: -it, -u 1000:1000, -u 0, -w /tmp, -e FOO=1 each succeed the first time, without any
# --spec; the exit status passes through; a token used for a docker exec with another user,
# cwd, env or argv is refused and the refusal names what differs. With --signer the token
# comes from shimgate-signer (alice's client certificate, the gate keyed for node-a), no key.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
. "$(dirname "$0")/signer_lib.sh"
dk_setup "$@"

dk_start web

# The helper against this dockerd; its stdout/stderr in $E2E_OUT/$E2E_ERR.
helper() {
	local rc=0
	E2E_OUT=$E2E_TMP/out/helper.out
	E2E_ERR=$E2E_TMP/out/helper.err
	DOCKER_HOST=unix://$DK_SOCK timeout "$E2E_TIMEOUT" "$E2E_CLI" exec docker \
		--containerd-namespace "$DK_NS" --key "$E2E_KEY" "$@" </dev/null >"$E2E_OUT" 2>"$E2E_ERR" ||
		rc=$?
	return "$rc"
}
# ok WANT HELPER-ARGS...: the helper's exec succeeds the first time and prints WANT.
ok() {
	local want=$1
	shift
	helper "$@" || dk_fail "shimgate exec docker $*: exit $? ($(cat "$E2E_ERR" "$E2E_OUT"))"
	[ "$(tr -d '\r' <"$E2E_OUT" | tr '\n' ' ' | sed 's/ $//')" = "$want" ] ||
		dk_fail "shimgate exec docker $*: printed '$(cat "$E2E_OUT")', want '$want'"
	e2e_ok "shimgate exec docker $*: first time, printed '$want'"
}

ok "0 0 /" web -- /bin/sh -c 'id -u; id -g; pwd'
ok "1000 1000" -u 1000:1000 web -- /bin/sh -c 'id -u; id -g'
ok "0" -u 0 web -- /bin/sh -c 'id -u'
ok "/tmp" -w /tmp web -- /bin/pwd
ok "1" -e FOO=1 web -- /bin/sh -c 'echo $FOO'
ok "1000 /tmp 1" -u 1000:1000 -w /tmp -e FOO=1 web /bin/sh -c 'id -u; pwd; echo $FOO'

# -it needs a terminal on the client side: script(1) gives one.
E2E_OUT=$E2E_TMP/out/helper-it.out
DOCKER_HOST=unix://$DK_SOCK timeout "$E2E_TIMEOUT" script -qec \
	"$(printf '%q ' "$E2E_CLI" exec docker --containerd-namespace "$DK_NS" --key "$E2E_KEY" \
		-it web -- /bin/sh -c 'echo term=$TERM; [ -t 0 ] && echo tty')" /dev/null \
	</dev/null >"$E2E_OUT" 2>&1 || dk_fail "shimgate exec docker -it: $(cat "$E2E_OUT")"
# (a terminal's output may carry CRs, NULs and control sequences around the lines)
tr -d '\r\000' <"$E2E_OUT" >"$E2E_OUT.clean"
grep -q 'term=xterm$' "$E2E_OUT.clean" && grep -Eq '(^|[^a-z])tty$' "$E2E_OUT.clean" ||
	dk_fail "shimgate exec docker -it printed '$(cat "$E2E_OUT")'"
e2e_ok "shimgate exec docker -it: first time, with a terminal and TERM=xterm (signed --terminal alone)"
ok "tty-only" -t web -- /bin/sh -c 'echo tty-only'

# The exit status of the command passes through docker and the helper.
rc=0
helper web -- /bin/sh -c 'exit 42' || rc=$?
[ "$rc" = 42 ] || dk_fail "exit status $rc, want 42 ($(cat "$E2E_ERR"))"
e2e_ok "shimgate exec docker passes the exit status through (42)"
! grep -q 'sg2\.' "$E2E_OUT" "$E2E_ERR" || dk_fail "a run printed the token"

# The Docker CLI plugin: docker finds docker-shimgate in $DOCKER_CONFIG/cli-plugins.
mkdir -p "$E2E_TMP/dockercfg/cli-plugins"
ln -s "$(dirname "$E2E_CLI")/docker-shimgate" "$E2E_TMP/dockercfg/cli-plugins/docker-shimgate"
out=$(DOCKER_CONFIG=$E2E_TMP/dockercfg dk shimgate exec --containerd-namespace "$DK_NS" \
	--key "$E2E_KEY" -u 1000:1000 web -- /bin/sh -c 'echo plugin-$(id -u)' </dev/null 2>&1) ||
	dk_fail "docker shimgate exec: $out"
[ "$out" = plugin-1000 ] || dk_fail "docker shimgate exec printed '$out'"
e2e_ok "docker shimgate exec (the CLI plugin) runs a signed exec"

# token HELPER-ARGS...: the token the helper would use (--show-token prints it).
token() {
	local tok
	helper --show-token "$@" || dk_fail "--show-token $*: $(cat "$E2E_ERR")"
	tok=$(sed -n 's/^SHIMGATE_TOKEN=\([^ ]*\) .*/\1/p' "$E2E_OUT")
	[ -n "$tok" ] || dk_fail "no token in '$(cat "$E2E_OUT")'"
	e2e_note_token "$tok"
	echo "$tok"
}
# refused WHAT REASON TOKEN DOCKER-EXEC-OPTIONS -- ARGV: a docker exec with TOKEN is refused.
refused() {
	local what=$1 reason=$2 tok=$3 rc=0
	shift 3
	dk_exec web "$tok" "$@" || rc=$?
	e2e_expect_refused "$rc" "$reason" "" "$what"
}
M=/tmp/must-not-exist
refused "signed as the container's user, run with -u 1000" \
	"not what was signed: user: uid 1000 is not the container's own 0" \
	"$(token web -- /bin/touch $M)" -u 1000 -- /bin/touch $M
refused "signed -u 1000:1000, run with -u 2000:2000" "bad signature .*gate saw v2 uid=2000 gid=2000 groups=\[\]" \
	"$(token -u 1000:1000 web -- /bin/touch $M)" -u 2000:2000 -- /bin/touch $M
refused "signed with the container's cwd, run with -w /tmp" \
	"not what was signed: cwd: '/tmp' is not the container's own '/'" \
	"$(token web -- /bin/touch $M)" -w /tmp -- /bin/touch $M
refused "signed without env, run with -e FOO=1" "bad signature .*env\+=\[FOO\]" \
	"$(token web -- /bin/touch $M)" -e FOO=1 -- /bin/touch $M
refused "signed -e FOO=1, run with -e FOO=2 BAR=3" "bad signature .*env\+=\[FOO,BAR\]" \
	"$(token -e FOO=1 web -- /bin/touch $M)" -e FOO=2 -e BAR=3 -- /bin/touch $M
refused "signed one argv, run with another" "bad signature .*argc=3" \
	"$(token web -- /bin/touch $M)" -- /bin/touch $M /tmp/x
out=$(DOCKER_HOST=unix://$DK_SOCK "$E2E_CLI" exec docker --containerd-namespace "$DK_NS" \
	--key "$E2E_KEY" web -- /bin/sh -c "[ -e $M ] && echo ran || echo clean" 2>&1 </dev/null)
[ "$out" = clean ] || dk_fail "a refused exec ran: $out"
e2e_ok "no refused exec created $M"

# --signer: alice's certificate, no key file; the gate also holds node-a's host key "sgn".
sgn_exec_signer
sgn_use_host_key a
# signer_run WANT HELPER-ARGS...: shimgate exec docker --signer, first time, prints WANT.
signer_run() {
	local want=$1 out
	shift
	out=$(DOCKER_HOST=unix://$DK_SOCK timeout "$E2E_TIMEOUT" "$E2E_CLI" exec docker \
		--containerd-namespace "$DK_NS" --signer "$SGN_URL" --cert "$PKI/alice.crt" \
		--key "$PKI/alice.key" --cacert "$PKI/ca.crt" --node node-a "$@" </dev/null 2>&1) ||
		dk_fail "shimgate exec docker --signer $*: $out"
	grep -qx -- "$want" <<<"$(tr -d '\r' <<<"$out")" ||
		dk_fail "shimgate exec docker --signer $*: printed '$out', want a line '$want'"
	sgn_last_audit issue | grep -q '"identity":"alice"' ||
		dk_fail "shimgate exec docker --signer $*: no issuance in the signer's audit"
	e2e_ok "shimgate exec docker --signer $*: first time, printed '$want' ($(sgn_last_audit issue |
		grep -o '"binding":"[a-z-]*"'))"
}
signer_run 1000 -u 1000:1000 web -- /usr/bin/id -u
signer_run FOO=1 -e FOO=1 -w /tmp web -- /usr/bin/env
sgn_stop

e2e_assert_no_secrets
e2e_pass
