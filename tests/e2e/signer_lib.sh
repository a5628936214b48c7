#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Test PKI and signer helpers for test_signer.sh: a CA made with the openssl CLI in the test's
# temp dir, server and client certificates (good, expired, revoked, from another CA,
# self-signed), the CRL, the signer's config, and starting/stopping shimgate-signer.

# sgn_pki DIR: everything under DIR (mode 0700).
sgn_pki() {
	local d=$1
	mkdir -p "$d/newcerts" "$d/other/newcerts"
	chmod 0700 "$d"
	sgn_ca "$d" test-signer-ca
	sgn_ca "$d/other" other-ca
	sgn_issue "$d" server server "/CN=localhost" ""
	sgn_issue "$d" server-wrong server_wrong "/CN=wrong.example" ""
	sgn_issue "$d" alice client "/CN=alice" ""
	sgn_issue "$d" bob client "/CN=bob" ""
	sgn_issue "$d" mallory client "/CN=mallory" ""
	# CN mallory, subjectAltName DNS:alice: alice only where the signer reads the SAN.
	sgn_issue "$d" mallory-san-alice client_san "/CN=mallory" ""
	sgn_issue "$d" alice-expired client "/CN=alice" "-startdate 20200101000000Z -enddate 20200102000000Z"
	sgn_issue "$d" alice-revoked client "/CN=alice" ""
	sgn_issue "$d" alice-late client "/CN=alice" ""
	sgn_revoke "$d" alice-revoked
	sgn_issue "$d/other" alice client "/CN=alice" ""
	# Self-signed, with the subject the signer trusts.
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=alice" -keyout "$d/alice-self.key" -out "$d/alice-self.crt" \
		-addext "extendedKeyUsage=clientAuth" >/dev/null 2>&1 || e2e_fail "self-signed cert"
	chmod 0600 "$d"/*.key "$d"/other/*.key
}

# sgn_ca DIR NAME: a root CA and its `openssl ca` database.
sgn_ca() {
	local d=$1 name=$2
	: >"$d/index.txt"
	echo 1000 >"$d/serial"
	echo 1000 >"$d/crlnumber"
	cat >"$d/ca.cnf" <<-CNF
		[ca]
		default_ca = tca
		[tca]
		dir = $d
		database = $d/index.txt
		new_certs_dir = $d/newcerts
		certificate = $d/ca.crt
		private_key = $d/ca.key
		serial = $d/serial
		crlnumber = $d/crlnumber
		default_md = sha256
		default_days = 2
		default_crl_days = 1
		policy = pol
		unique_subject = no
		[pol]
		commonName = supplied
	CNF
	{
		sgn_leaf client clientAuth ""
		sgn_leaf client_san clientAuth "DNS:alice"
		sgn_leaf server serverAuth "DNS:localhost,IP:127.0.0.1"
		sgn_leaf server_wrong serverAuth "DNS:wrong.example"
	} >>"$d/ca.cnf"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj "/CN=$name" -keyout "$d/ca.key" -out "$d/ca.crt" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" >/dev/null 2>&1 || e2e_fail "CA $name"
}

# sgn_leaf SECTION EKU SAN: an `openssl ca -extensions SECTION` for end-entity certificates.
sgn_leaf() {
	printf '[%s]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n' "$1"
	printf 'extendedKeyUsage = %s\nsubjectKeyIdentifier = hash\nauthorityKeyIdentifier = keyid\n' "$2"
	[ -z "$3" ] || printf 'subjectAltName = %s\n' "$3"
}

# sgn_issue DIR NAME EXT SUBJECT "EXTRA openssl ca ARGS": NAME.key, NAME.crt signed by DIR's CA.
sgn_issue() {
	local d=$1 name=$2 ext=$3 subj=$4 extra=$5
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "$subj" \
		-keyout "$d/$name.key" -out "$d/$name.csr" >/dev/null 2>&1 || e2e_fail "CSR $name"
	# shellcheck disable=SC2086  # extra is a list of options
	openssl ca -batch -notext -config "$d/ca.cnf" -extensions "$ext" $extra \
		-in "$d/$name.csr" -out "$d/$name.crt" >/dev/null 2>&1 || e2e_fail "issuing $name"
}

# sgn_revoke DIR NAME: revokes NAME's certificate and writes a new CRL.
sgn_revoke() {
	openssl ca -batch -config "$1/ca.cnf" -revoke "$1/$2.crt" >/dev/null 2>&1 ||
		e2e_fail "openssl ca -revoke $2"
	sgn_crl "$1"
}

sgn_crl() {
	openssl ca -batch -config "$1/ca.cnf" -gencrl -out "$1/crl.pem" >/dev/null 2>&1 ||
		e2e_fail "openssl ca -gencrl"
}

# A free TCP port on 127.0.0.1 (bound and released; the signer binds it right after).
sgn_free_port() {
	"$E2E_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# sgn_start CONFIG LOG: starts shimgate-signer serve, waits until it listens; sets SGN_PID.
sgn_start() {
	local conf=$1 log=$2
	"$SGN_BIN" serve --config "$conf" 2>"$log" &
	SGN_PID=$!
	SGN_LOG=$log
	echo "$SGN_PID" >>"$E2E_TMP/signer.pids"
	e2e_wait_for 10 "the signer to listen ($(cat "$log" 2>/dev/null))" \
		grep -q "listening on" "$log"
}

# Stops the signer with SIGTERM: it must free everything and exit 0 (under ASan a leak
# report makes the status non-zero).
sgn_stop() {
	local rc=0
	[ -n "${SGN_PID:-}" ] || return 0
	kill "$SGN_PID" 2>/dev/null || true
	wait "$SGN_PID" 2>/dev/null || rc=$?
	SGN_PID=
	[ "$rc" -eq 0 ] || e2e_fail "the signer exited $rc on SIGTERM: $(tail -20 "$SGN_LOG")"
}

# sgn_init KEYID: SGN_BIN, the test PKI in $E2E_TMP/pki (PKI), SGN_AUDIT, a master key KEYID
# that only the signer holds ($E2E_TMP/masters) and the host keys derived from it for node-a
# and node-b ($E2E_TMP/host-a/KEYID, $E2E_TMP/host-b/KEYID).
sgn_init() {
	local n
	SGN_KEY_ID=$1
	SGN_BIN=$(dirname "$E2E_CLI")/shimgate-signer
	[ -x "$SGN_BIN" ] || e2e_fail "no shimgate-signer next to $E2E_CLI"
	PKI=$E2E_TMP/pki
	SGN_AUDIT=$E2E_TMP/signer-audit.log
	sgn_pki "$PKI"
	mkdir -m 0700 "$E2E_TMP/masters" "$E2E_TMP/host-a" "$E2E_TMP/host-b"
	"$E2E_CLI" keygen --key-id "$SGN_KEY_ID" --dir "$E2E_TMP/masters" >/dev/null ||
		e2e_fail "keygen of the master key"
	for n in a b; do
		"$E2E_CLI" keygen --derive --master "$E2E_TMP/masters/$SGN_KEY_ID" --node "node-$n" \
			--dir "$E2E_TMP/host-$n" >/dev/null || e2e_fail "keygen --derive node-$n"
	done
	cmp -s "$E2E_TMP/host-a/$SGN_KEY_ID" "$E2E_TMP/host-b/$SGN_KEY_ID" &&
		e2e_fail "node-a and node-b got the same key"
	return 0
}

# sgn_use_host_key a|b: the gate's keys.d holds that node's host key (running gates follow
# key_dir); other keys there stay.
sgn_use_host_key() {
	rm -f "${E2E_KEYS:?}/$SGN_KEY_ID"
	cp "$E2E_TMP/host-$1/$SGN_KEY_ID" "$E2E_KEYS/$SGN_KEY_ID"
	chmod 0600 "$E2E_KEYS/$SGN_KEY_ID"
}

# sgn_exec_signer: a signer for the exec tests (test_signer_exec.sh, the Docker helper's test)
# with master key "sgn" (sgn_init), and identity alice, who may exec in this test's
# namespaces on node-a, no shell. Sets SGN_URL and SGN_PID.
sgn_exec_signer() {
	local port
	sgn_init sgn
	port=$(sgn_free_port)
	# shellcheck disable=SC2034 # for the tests
	SGN_URL=https://127.0.0.1:$port
	cat >"$E2E_TMP/signer.json" <<-JSON
		{
		  "listen": "127.0.0.1:$port",
		  "server_cert": "$PKI/server.crt", "server_key": "$PKI/server.key",
		  "client_ca": "$PKI/ca.crt", "crl": "$PKI/crl.pem",
		  "master_keys": "$E2E_TMP/masters", "key_id": "sgn", "audit": "$SGN_AUDIT",
		  "identities": {
		    "alice": {
		      "namespaces": ["$E2E_NS", "$E2E_NS-*"], "containers": ["*"], "nodes": ["node-a"],
		      "operations": ["exec"], "argv_deny": [["*sh", "..."], ["*nsenter*", "..."]],
		      "rate": {"count": 1000, "seconds": 60}
		    }
		  }
		}
	JSON
	chmod 0600 "$E2E_TMP/signer.json"
	sgn_start "$E2E_TMP/signer.json" "$E2E_TMP/signer.log"
}

# sgn_last_audit DECISION: the signer's last audit line with that decision.
sgn_last_audit() {
	grep "\"decision\":\"$1\"" "$SGN_AUDIT" | tail -1
}
