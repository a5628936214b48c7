#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The signer (shimgate-signer) and per-host keys, THREATS.md T21/T33: a person with a client
# certificate and no key gets a token for one node only; the gate keyed for that node runs
# it, a gate keyed for another node refuses it; rights are enforced with their reason; every
# transport attack (no/foreign/expired/revoked/self-signed certificate, TLS 1.2, plain HTTP,
# an untrusted or misnamed server) gets no token; bad input and hostile connections are
# refused and audited while other clients keep being served.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/signer_lib.sh"
e2e_setup "$@"

# The test PKI, the master key e2e (only the signer has it) and node-a's and node-b's host
# keys derived from it; the gate starts with node-b's.
sgn_init e2e
sgn_use_host_key b

PORT=$(sgn_free_port)
URL=https://127.0.0.1:$PORT
# write_config FILE PORT SERVER_CERT_NAME [MAX_CONNECTIONS [IDENTITY_FROM]]
write_config() {
	cat >"$1" <<-EOF
		{
		  "listen": "127.0.0.1:$2",
		  "server_cert": "$PKI/$3.crt", "server_key": "$PKI/$3.key",
		  "client_ca": "$PKI/ca.crt", "crl": "$PKI/crl.pem",
		  "master_keys": "$E2E_TMP/masters", "key_id": "e2e",
		  "audit": "$SGN_AUDIT", "identity_from": "${5:-cn}",
		  "limits": {"connections": ${4:-1500}, "handshake_timeout": 4, "read_timeout": 4},
		  "identities": {
		    "alice": {
		      "namespaces": ["$E2E_NS"], "containers": ["c*"], "nodes": ["node-a"],
		      "operations": ["exec"],
		      "argv_deny": [["/bin/sh", "..."], ["*nsenter*", "..."]],
		      "rate": {"count": 1000, "seconds": 60}
		    },
		    "bob": {
		      "namespaces": ["$E2E_NS"], "containers": ["c1"], "nodes": ["node-a"],
		      "operations": ["exec"], "argv_allow": [["/bin/echo", "..."]],
		      "rate": {"count": 2, "seconds": 3600}
		    }
		  }
		}
	EOF
	chmod 0600 "$1"
}
write_config "$E2E_TMP/signer.json" "$PORT" server
"$SGN_BIN" check --config "$E2E_TMP/signer.json" >/dev/null || e2e_fail "signer check refused its config"
sgn_start "$E2E_TMP/signer.json" "$E2E_TMP/signer.log"
e2e_ok "shimgate-signer listens on $URL (pid $SGN_PID)"

e2e_start c1

# sgn_sign WHO EID [sign options] -- ARGV: a token from the signer for an exec in c1, as ctr
# builds it from c1's spec. stdout: the token; stderr to $E2E_TMP/out/sign.err.
sgn_sign() {
	local who=$1 eid=$2
	shift 2
	"$E2E_CLI" sign exec --signer "$URL" --cert "$PKI/$who.crt" --key "$PKI/$who.key" \
		--cacert "$PKI/ca.crt" --namespace "$E2E_NS" --id c1 --exec-id "$eid" \
		--spec "$(e2e_specfile c1)" "$@" 2>"$E2E_TMP/out/sign.err"
}
# sgn_audit_has DECISION REGEX: a signer audit line with that decision whose reason matches.
sgn_audit_has() {
	"$E2E_PY" - "$SGN_AUDIT" "$1" "$2" <<-'PY'
		import json, re, sys
		path, decision, rx = sys.argv[1:4]
		for line in open(path):
		    a = json.loads(line)
		    if a["decision"] == decision and re.search(rx, a.get("reason") or ""):
		        sys.exit(0)
		sys.exit(1)
	PY
}

# --- The product: a token for node-a only.
tok=$(sgn_sign alice sg-a --node node-a -- /bin/touch /tmp/sg-a) || e2e_fail "alice got no token: $(cat "$E2E_TMP/out/sign.err")"
e2e_note_token "$tok"
sgn_audit_has issue '^$' || e2e_fail "no audit line for the issued token"
grep -qF "${tok##*.}" "$SGN_AUDIT" && e2e_fail "the signer's audit holds the token's MAC"
e2e_ok "alice (client certificate, no key) got a token for node-a"
rc=0
e2e_exec c1 sg-a "$tok" /bin/touch /tmp/sg-a || rc=$?
e2e_expect_refused "$rc" 'bad signature' sg-a "node-a's token on the gate keyed for node-b"
sgn_use_host_key a
e2e_exec c1 sg-a "$tok" /bin/touch /tmp/sg-a || e2e_fail "node-a's token refused by node-a's gate: $(cat "$E2E_ERR")"
[ -e "$(e2e_marker sg-a)" ] || e2e_fail "the exec signed for node-a did not run"
e2e_audit_has exec c1 allow sg-a || e2e_fail "the gate did not audit the allowed exec"
e2e_ok "the same token runs on the gate keyed for node-a"
tok=$(sgn_sign alice sg-a2 --node node-a -- /bin/echo from-signer) || e2e_fail "second token"
e2e_note_token "$tok"
e2e_exec c1 sg-a2 "$tok" /bin/echo from-signer || e2e_fail "exec sg-a2: $(cat "$E2E_ERR")"
grep -qx from-signer "$E2E_OUT" || e2e_fail "exec sg-a2 printed '$(cat "$E2E_OUT")'"
e2e_ok "a second signer token runs and prints its output"

# --- Rights: each refused with its reason, and audited.
# rights_refused WHO REASON WHAT [sign args]
rights_refused() {
	local who=$1 reason=$2 what=$3 t
	shift 3
	if t=$(sgn_sign "$who" sg-r "$@"); then e2e_fail "$what: got a token $t"; fi
	grep -Eq -- "$reason" "$E2E_TMP/out/sign.err" ||
		e2e_fail "$what: refused, but not with /$reason/: $(cat "$E2E_TMP/out/sign.err")"
	sgn_audit_has refuse "$reason" || e2e_fail "$what: no audit line with /$reason/"
	e2e_ok "$what: refused ($(cat "$E2E_TMP/out/sign.err"))"
}
rights_refused alice "may not ask for node 'node-b'" "alice asks for node-b" --node node-b -- /bin/true
rights_refused alice "argv_deny\\[0\\] matches" "alice asks for /bin/sh -c" --node node-a -- /bin/sh -c id
rights_refused alice "may not ask for namespace" "alice asks for another namespace" --node node-a \
	--namespace other-ns -- /bin/true
rights_refused bob "no argv_allow pattern matches" "bob asks for /bin/touch" --node node-a -- /bin/touch /tmp/x
rights_refused mallory "identity 'mallory' has no rights" "mallory (valid cert, no rights)" --node node-a -- /bin/true
for i in 1 2; do
	sgn_sign bob "sg-bob$i" --node node-a -- /bin/echo hi >/dev/null || e2e_fail "bob token $i: $(cat "$E2E_TMP/out/sign.err")"
done
rights_refused bob "over its rate limit" "bob's third token within the hour" --node node-a -- /bin/echo hi

# --- Transport attacks: no token, and the refusal audited with its cause.
body='{"op":"exec","namespace":"'"$E2E_NS"'","container":"c1","node":"node-a","argv":["/bin/true"]}'
# attack WHAT AUDIT_REGEX CMD...: CMD must not print a token.
attack() {
	local what=$1 rx=$2 out
	shift 2
	out=$("$@" 2>&1) || true
	if grep -q '"token"' <<<"$out"; then e2e_fail "$what: got a token"; fi
	e2e_wait_for 5 "an audit line for: $what (/$rx/)" sgn_audit_has refuse "$rx"
	e2e_ok "$what: no token ($(tr -d '\n' <<<"$out" | cut -c1-100))"
}
# shellcheck disable=SC2317 # called through attack
curl_as() {
	local cert=$1
	shift
	curl -sS --max-time 10 --cacert "$PKI/ca.crt" ${cert:+--cert "$PKI/$cert.crt" --key "$PKI/$cert.key"} \
		"$@" "$URL/v1/sign" -d "${SGN_BODY:-$body}"
}
attack "no client certificate" "certificate required" curl_as ""
attack "a certificate from another CA" "unable to get local issuer" curl_as other/alice
attack "an expired certificate" "certificate has expired" curl_as alice-expired
attack "a revoked certificate (CRL)" "certificate revoked" curl_as alice-revoked
attack "a self-signed certificate with subject alice" "self-signed certificate" curl_as alice-self
attack "TLS 1.2 (openssl s_client -tls1_2)" "protocol version" \
	sh -c "printf 'POST /v1/sign HTTP/1.1\r\nHost: x\r\nContent-Length: ${#body}\r\n\r\n%s' '$body' |
		timeout 10 openssl s_client -quiet -connect 127.0.0.1:$PORT -tls1_2 \
		-cert $PKI/alice.crt -key $PKI/alice.key -CAfile $PKI/ca.crt"
attack "TLS 1.2 and below (curl --tls-max 1.2)" "protocol version" curl_as alice --tls-max 1.2
attack "plain HTTP to the TLS port" "http request" \
	curl -sS --max-time 10 "http://127.0.0.1:$PORT/v1/sign" -d "$body"
# The client side: a signer whose certificate the client does not trust, or of another name.
if "$E2E_CLI" sign exec --signer "$URL" --cert "$PKI/alice.crt" --key "$PKI/alice.key" \
	--cacert "$PKI/other/ca.crt" --node node-a --namespace "$E2E_NS" --id c1 -- /bin/true \
	>"$E2E_TMP/out/untrusted" 2>&1; then
	e2e_fail "shimgate sign accepted a signer certificate from a CA it was not given"
fi
grep -q "certificate" "$E2E_TMP/out/untrusted" || e2e_fail "untrusted signer: $(cat "$E2E_TMP/out/untrusted")"
e2e_ok "a server certificate the client does not trust: $(cat "$E2E_TMP/out/untrusted")"
PORT2=$(sgn_free_port)
write_config "$E2E_TMP/signer-wrong.json" "$PORT2" server-wrong 5
SGN_MAIN=$SGN_PID
SGN_MAIN_LOG=$SGN_LOG
sgn_start "$E2E_TMP/signer-wrong.json" "$E2E_TMP/signer-wrong.log"
if "$E2E_CLI" sign exec --signer "https://127.0.0.1:$PORT2" --cert "$PKI/alice.crt" \
	--key "$PKI/alice.key" --cacert "$PKI/ca.crt" --node node-a --namespace "$E2E_NS" --id c1 \
	-- /bin/true >"$E2E_TMP/out/wrongname" 2>&1; then
	e2e_fail "shimgate sign accepted a signer certificate for another name"
fi
grep -Eqi "name|match" "$E2E_TMP/out/wrongname" || e2e_fail "misnamed signer: $(cat "$E2E_TMP/out/wrongname")"
e2e_ok "a server certificate for another name (wrong.example at 127.0.0.1): $(cat "$E2E_TMP/out/wrongname")"
# The connection cap (5 on this second signer): 8 idle connections, 3 closed at once, audited.
"$E2E_PY" "$E2E_SRC/tests/e2e/slowclients.py" idle "$PORT2" 8 1 >"$E2E_TMP/out/cap" ||
	e2e_fail "the idle client failed"
grep -qx "closed 3" "$E2E_TMP/out/cap" || e2e_fail "connection cap 5, 8 connections: $(cat "$E2E_TMP/out/cap")"
sgn_audit_has refuse 'too many connections \(limit 5\)' || e2e_fail "connections over the cap not audited"
e2e_ok "past the connection cap (5) new connections are closed at once and audited"
sgn_stop
# The identity from the subjectAltName: CN mallory with SAN alice is alice there (and the CN
# is not looked at); a certificate without a SAN has no identity.
write_config "$E2E_TMP/signer-san.json" "$PORT2" server 1500 san
sgn_start "$E2E_TMP/signer-san.json" "$E2E_TMP/signer-san.log"
san_sign() {
	"$E2E_CLI" sign exec --signer "https://127.0.0.1:$PORT2" --cert "$PKI/$1.crt" --key "$PKI/$1.key" \
		--cacert "$PKI/ca.crt" --node node-a --namespace "$E2E_NS" --id c1 -- /bin/true 2>&1
}
n=$(wc -l <"$SGN_AUDIT")
out=$(san_sign mallory-san-alice) || e2e_fail "identity_from san: SAN alice got no token: $out"
tail -n +"$((n + 1))" "$SGN_AUDIT" | grep -q '"identity":"alice".*"decision":"issue"' ||
	e2e_fail "the SAN identity is not in the audit"
if out=$(san_sign alice); then e2e_fail "identity_from san: a certificate without a SAN got a token"; fi
grep -q "0 DNS/email/URI subjectAltNames" <<<"$out" || e2e_fail "no-SAN refusal: $out"
e2e_ok "identity_from san: CN mallory + SAN alice is alice; CN alice without a SAN is refused ($out)"
sgn_stop
SGN_PID=$SGN_MAIN
SGN_LOG=$SGN_MAIN_LOG

# --- Bad input: refused, audited, no token.
big=$E2E_TMP/big.json
"$E2E_PY" -c 'import json,sys; print(json.dumps({"op":"exec","namespace":"n","container":"c1","node":"node-a","argv":["x"*70000]}))' >"$big"
SGN_BODY=@$big attack "an oversized request (70 kB)" "no request answered" curl_as alice
attack "malformed JSON" "JSON line" curl -sS --max-time 10 --cacert "$PKI/ca.crt" --cert "$PKI/alice.crt" \
	--key "$PKI/alice.key" "$URL/v1/sign" -d '{"op":"exec",'
attack "an unknown field" "unknown field 'exec_as_root'" curl -sS --max-time 10 --cacert "$PKI/ca.crt" \
	--cert "$PKI/alice.crt" --key "$PKI/alice.key" "$URL/v1/sign" \
	-d '{"op":"exec","namespace":"'"$E2E_NS"'","container":"c1","node":"node-a","argv":["/bin/true"],"exec_as_root":true}'
SGN_BODY='{"op":"exec","namespace":"'"$E2E_NS"'","container":"c1","node":"node-a","argv":["/bin/true"],"env":["SHIMGATE_TOKEN=x"]}' \
	attack "a token carrier in env" "SHIMGATE_TOKEN is a token carrier" curl_as alice

hdrs=()
for i in $(seq 40); do hdrs+=(-H "X-Pad-$i: $i"); done
attack "40 header lines (limit 32)" "too many header lines" curl_as alice "${hdrs[@]}"
health=$(curl -sS --max-time 10 --cacert "$PKI/ca.crt" --cert "$PKI/alice.crt" --key "$PKI/alice.key" "$URL/v1/health")
[ "$health" = '{"status":"ok"}' ] || e2e_fail "health: $health"
attack "the health endpoint without a client certificate" "certificate required" \
	curl -sS --max-time 10 --cacert "$PKI/ca.crt" "$URL/v1/health"
e2e_ok "GET /v1/health answers $health over mutual TLS only"

# --- 1,000 idle connections: others are still served; the idle ones are cut and audited.
before=$(grep -c 'timed out in the TLS handshake' "$SGN_AUDIT" || true)
"$E2E_PY" "$E2E_SRC/tests/e2e/slowclients.py" idle "$PORT" 1000 7 >"$E2E_TMP/out/idle" &
idle_pid=$!
e2e_wait_for 20 "1000 idle connections" grep -q "open 1000" "$E2E_TMP/out/idle"
t0=$(date +%s%N)
tok=$(sgn_sign alice sg-idle --node node-a -- /bin/echo idle-ok) || e2e_fail "no token while 1000 connections idle: $(cat "$E2E_TMP/out/sign.err")"
ms=$((($(date +%s%N) - t0) / 1000000))
e2e_note_token "$tok"
e2e_ok "with 1000 idle connections open, alice still got a token in $ms ms"
wait "$idle_pid" || e2e_fail "the idle client failed"
grep -q "closed 1000" "$E2E_TMP/out/idle" || e2e_fail "the signer did not cut every idle connection: $(cat "$E2E_TMP/out/idle")"
after=$(grep -c 'timed out in the TLS handshake' "$SGN_AUDIT" || true)
[ $((after - before)) -ge 1000 ] || e2e_fail "only $((after - before)) idle connections audited"
e2e_ok "all 1000 idle connections were cut at the handshake deadline and audited ($((after - before)) lines)"

# --- Slow loris: a verified client that trickles its request is cut at the read deadline.
"$E2E_PY" "$E2E_SRC/tests/e2e/slowclients.py" slowloris "$PORT" "$PKI/ca.crt" "$PKI/alice.crt" \
	"$PKI/alice.key" 30 >"$E2E_TMP/out/loris" &
loris_pid=$!
sleep 1
tok=$(sgn_sign alice sg-loris --node node-a -- /bin/echo loris-ok) || e2e_fail "no token during a slow loris: $(cat "$E2E_TMP/out/sign.err")"
e2e_note_token "$tok"
e2e_ok "a token was issued while a slow-loris client trickled its request"
wait "$loris_pid" || e2e_fail "the slow-loris client failed"
grep -q "cut after" "$E2E_TMP/out/loris" || e2e_fail "the slow-loris connection was not cut: $(cat "$E2E_TMP/out/loris")"
sgn_audit_has refuse "timed out reading the request" || e2e_fail "the slow loris was not audited"
e2e_ok "the slow-loris connection was $(cat "$E2E_TMP/out/loris") and audited"
# --- Revocation without a restart: a CRL that does not load is not taken (the old one stays),
# then the CRL revoking alice-late is, on SIGHUP.
late_sign() {
	"$E2E_CLI" sign exec --signer "$URL" --cert "$PKI/$1.crt" --key "$PKI/$1.key" \
		--cacert "$PKI/ca.crt" --node node-a --namespace "$E2E_NS" --id c1 -- /bin/true 2>&1
}
out=$(late_sign alice-late) || e2e_fail "alice-late (not revoked yet) got no token: $out"
cp "$PKI/crl.pem" "$PKI/crl.good"
echo "not a CRL" >"$PKI/crl.pem"
kill -HUP "$SGN_PID"
e2e_wait_for 10 "the signer to refuse the broken CRL" grep -q "kept the TLS files in force" "$SGN_LOG"
out=$(late_sign alice-late) || e2e_fail "a broken CRL on SIGHUP stopped the signer serving: $out"
e2e_ok "a CRL that does not load on SIGHUP is refused ($(grep 'kept the TLS' "$SGN_LOG" | tail -1)); the old one stays"
cp "$PKI/crl.good" "$PKI/crl.pem"
sgn_revoke "$PKI" alice-late
kill -HUP "$SGN_PID"
e2e_wait_for 10 "the signer to reload its TLS files" grep -q "reloaded the certificate" "$SGN_LOG"
n=$(wc -l <"$SGN_AUDIT")
if out=$(late_sign alice-late); then e2e_fail "alice-late got a token after her revocation and SIGHUP"; fi
e2e_wait_for 5 "an audit line for the revoked alice-late" \
	eval "tail -n +$((n + 1)) \"\$SGN_AUDIT\" | grep -q 'certificate revoked'"
e2e_ok "revoked while the signer runs, SIGHUP: alice-late is refused ($out)"
"$E2E_CLI" sign exec --signer "$URL" --cert "$PKI/alice.crt" --key "$PKI/alice.key" --cacert "$PKI/ca.crt" \
	--node node-a --namespace "$E2E_NS" --id c1 -- /bin/true >/dev/null || e2e_fail "the signer stopped serving"
kill -0 "$SGN_PID" || e2e_fail "the signer died"
e2e_ok "the signer still serves after the attacks"

# Every line of the signer's audit is JSON with a decision; no MAC of any token in it.
"$E2E_PY" - "$SGN_AUDIT" <<-'PY' || e2e_fail "a malformed signer audit line"
	import json, sys
	for line in open(sys.argv[1]):
	    a = json.loads(line)
	    assert a["decision"] in ("issue", "refuse"), a
	    assert a["decision"] == "issue" or a["reason"], a
	PY
while read -r t; do
	! grep -qF -- "${t##*.}" "$SGN_AUDIT" || e2e_fail "a token's MAC is in the signer's audit"
done <"$E2E_TMP/tokens"
e2e_ok "$(wc -l <"$SGN_AUDIT") signer audit lines, each JSON with a decision, none with a MAC"

for m in "$E2E_ROOTFS"/tmp/*; do
	case ${m##*/} in sg-a) ;; *) e2e_fail "a refused command ran: ${m##*/} exists" ;; esac
done
e2e_assert_no_secrets
sgn_stop
e2e_pass
