#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Create grants under Docker (FORMAT.md section 8, content only): `docker run -e
# SHIMGATE_TOKEN=<grant>` with a host bind runs, and the restart policy creates it again on the
# same grant; the same grant with another bind or another command is refused (the view names the
# group that differs), and the bind without a grant is refused as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/docker_lib.sh"
dk_setup "$@"

share=$E2E_TMP/backup
other=$E2E_TMP/other
mkdir -p "$share" "$other"
echo backup-data-1 >"$share/data"
echo other-data >"$other/data"
e2e_policy_allow_binds "$E2E_TMP"
CMD=(/bin/sh -c 'cat /backup/data; sleep 600')

# --- the template: the spec dockerd writes for this run, as containerd keeps it ---------------
# Only to read the spec: the mount stack's signature line is lifted for this one run.
cp "$E2E_POLICY/mount" "$E2E_TMP/mount.shipped"
sed -i '/^required hmac$/d' "$E2E_POLICY/mount"
dk_run tmpl -v "$share:/backup" -- "${CMD[@]}" || dk_fail "docker run tmpl: $(cat "$E2E_ERR")"
tmpl_id=$(dk_id tmpl)
timeout "$E2E_TIMEOUT" ctr -a "$E2E_SOCK" -n "$DK_NS" c info --spec "$tmpl_id" >"$E2E_TMP/tmpl.json" ||
	dk_fail "ctr c info --spec $tmpl_id"
dk rm -f tmpl >/dev/null || dk_fail "docker rm tmpl"
cp "$E2E_TMP/mount.shipped" "$E2E_POLICY/mount"
e2e_policy_check
grep -q '"libnetwork-setkey"' "$E2E_TMP/tmpl.json" ||
	e2e_log "no libnetwork-setkey hook in this dockerd's spec"

grant=$("$E2E_CLI" sign create --grant --key "$E2E_KEY" --namespace "$DK_NS" --id "$tmpl_id" \
	--spec "$E2E_TMP/tmpl.json" | head -n1) || dk_fail "shimgate sign create --grant"
[[ $grant == sg3.* ]] || dk_fail "not a grant: $grant"
e2e_note_token "$grant"
signer_view=$("$E2E_CLI" explain --view --token "$grant" create --namespace "$DK_NS" \
	--id "$tmpl_id" --spec "$E2E_TMP/tmpl.json") || dk_fail "shimgate explain --view"
e2e_ok "content grant signed from the template spec ($signer_view)"

# --- unsigned, the bind is refused as before ---------------------------------------------------
rc=0
dk_run nogrant -v "$share:/backup" -- "${CMD[@]}" || rc=$?
e2e_expect_refused "$rc" "refused by mount policy.*no signature" "" "docker run -v (no grant)"
dk rm -f nogrant >/dev/null 2>&1 || true

# --- with the grant: runs, reads the host directory, restarts on the same grant -----------------
dk_run job --restart always -e "SHIMGATE_TOKEN=$grant" -v "$share:/backup" -- "${CMD[@]}" ||
	dk_fail "docker run -e SHIMGATE_TOKEN=<grant> -v: $(cat "$E2E_ERR")"
e2e_wait_for 20 "job to run" dk_running job
dk_assert_gated job "docker run with a grant and a host bind"
dk_logs_have() { dk logs "$1" 2>&1 | grep -q "$2"; }
e2e_wait_for 20 "job to print the host file" dk_logs_have job backup-data-1
! grep -q 'SHIMGATE_TOKEN' "$(dk_spec job)" || dk_fail "the grant reached job's config.json"
e2e_ok "the granted container read the bound host directory; no grant in its config.json"

pid0=$(dk inspect -f '{{.State.Pid}}' job)
kill -KILL "$pid0" || dk_fail "kill of job's PID 1"
dk_restarted() {
	local s
	s=$(dk inspect -f '{{.State.Running}} {{.State.Pid}}' "$1") && [[ $s == "true "* ]] && [ "$s" != "true $2" ]
}
e2e_poll 30 dk_restarted job "$pid0" ||
	dk_fail "--restart always did not create job again on its grant ($(dk inspect -f '{{.State.Status}} {{.State.Error}}' job))"
dk_assert_gated job "restarted by Docker's restart policy"
E2E_NS=$DK_NS e2e_audit_has create "$(dk_id job)" allow || dk_fail "no audit line allowing job's create"
e2e_ok "Docker's restart policy created job again on the same grant"

# --- the same grant on other content -------------------------------------------------------------
# The start was refused for the grant: the gate's view and the signer's differ only in GROUP.
expect_differs() {
	local rc=$1 group=$2 what=$3 seen g a b
	e2e_expect_refused "$rc" "bad signature \(key 'e2e'\): the request is not what was signed; gate saw v3 identity=content" "" "$what"
	seen=$(sed -n 's/.*gate saw \(v3 .*\)/\1/p' "$E2E_ERR" | head -n1)
	for g in target args cwd user env mounts hostns devices caps hooks; do
		a=$(grep -o " $g=[0-9a-f?]*" <<<"${seen#*sha256/8:}" | head -n1)
		b=$(grep -o " $g=[0-9a-f?]*" <<<"${signer_view#*sha256/8:}" | head -n1)
		if [ "$g" = "$group" ]; then
			[ "$a" != "$b" ] || dk_fail "$what: the $g digest is the signer's"
		else
			[ "$a" = "$b" ] || dk_fail "$what: the $g digest differs too ($seen vs $signer_view)"
		fi
	done
	e2e_ok "$what: only the '$group' group differs from the signer's view"
}
rc=0
dk_run otherbind -e "SHIMGATE_TOKEN=$grant" -v "$other:/backup" -- "${CMD[@]}" || rc=$?
expect_differs "$rc" mounts "the grant with another host directory"
dk rm -f otherbind >/dev/null 2>&1 || true
rc=0
dk_run othercmd -e "SHIMGATE_TOKEN=$grant" -v "$share:/backup" -- /bin/sh -c 'cat /backup/data; sleep 601' || rc=$?
expect_differs "$rc" args "the grant with another command"
dk rm -f othercmd >/dev/null 2>&1 || true

e2e_assert_no_secrets
e2e_pass
