/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a sign request body as a client posts it to shimgate-signer. A request that
 * parses must build the gate's request and the signing input of its token form (version 2,
 * container-relative, by default for an exec), be judged by an identity's rights (allowed
 * or refused with a reason), and give one audit line of valid JSON without a newline; a
 * refusal names why. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "sig/canon.h"
#include "signer/audit.h"
#include "signer/signer.h"

static const char rights_json[] =
	"{\"listen\": \"127.0.0.1:1\", \"server_cert\": \"/s\", \"server_key\": \"/k\","
	" \"client_ca\": \"/c\", \"crl\": \"/r\", \"master_keys\": \"/m\", \"key_id\": \"k\","
	" \"audit\": \"stderr\", \"identities\": {\"alice\": {\"namespaces\": [\"default\", \"p*\"],"
	" \"containers\": [\"c*\"], \"nodes\": [\"node-[ab]\"], \"operations\": [\"exec\"],"
	" \"argv_allow\": [[\"/bin/*\", \"...\"]], \"argv_deny\": [[\"*sh\", \"-c\", \"...\"]],"
	" \"rate\": {\"count\": 10000, \"seconds\": 1}}}}";

static struct sg_signer_config *cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sg_signer_event ev = { .identity = "alice", .peer = "127.0.0.1:1" };
	struct sg_error err = { 0 };
	struct sg_request *req = NULL;
	struct sg_canon_params p = { .key_id = "k", .timestamp = 1700000000,
				     .nonce = "0123456789abcdef0123456789abcdef" };
	struct sg_sign_req r;
	char *line, *canon = NULL;
	size_t canon_len = 0;
	json_t *back;

	if (!cfg && sg_signer_config_parse(rights_json, strlen(rights_json), "fuzz", &cfg, &err) < 0)
		sg_fuzz_die("rights: %s", err.msg);
	if (sg_sign_req_parse((const char *)data, size, &r, &err) < 0) {
		if (!err.msg[0])
			sg_fuzz_die("refused without a reason");
		sg_fuzz_refused(&err);
		return 0;
	}
	if (sg_sign_req_build(&r, &req, &err) < 0)
		sg_fuzz_die("a parsed request does not build: %s", err.msg);
	/* Its token form must have a signing input (a version 2 create, or a binding on a
	 * version 1 token, would not). */
	sg_sign_req_params(&r, &p);
	if (sg_canon_build(req, &p, &canon, &canon_len, &err) < 0)
		sg_fuzz_die("a parsed request has no signing input: %s", err.msg);
	sg_canon_free(canon, canon_len);
	sg_request_free(req);
	ev.req = &r;
	if (sg_rights_check(sg_signer_config_find(cfg, "alice"), &r, &err) < 0) {
		if (!err.msg[0])
			sg_fuzz_die("rights refused without a reason");
		ev.decision = "refuse";
		ev.reason = err.msg;
	} else {
		ev.decision = "issue";
	}
	line = sg_signer_audit_format(&ev);
	if (!line)
		sg_fuzz_die("no audit line");
	if (strchr(line, '\n'))
		sg_fuzz_die("audit line with a newline: %s", line);
	back = json_loads(line, 0, NULL);
	if (!json_is_object(back))
		sg_fuzz_die("audit line is not a JSON object: %s", line);
	json_decref(back);
	free(line);
	sg_sign_req_clear(&r);
	return 0;
}
