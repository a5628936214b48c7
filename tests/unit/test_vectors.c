/* SPDX-License-Identifier: Apache-2.0 */
/* The signature test vectors, recomputed with the C implementation: signing input, token,
 * and verification of the recorded token. */
#define _GNU_SOURCE
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/request.h"
#include "oci/oci.h"
#include "sig/canon.h"
#include "sig/keyring.h"
#include "sig/token.h"
#include "sig/verify.h"

static const char *str(const json_t *v, const char *key)
{
	const char *s = json_string_value(json_object_get(v, key));

	if (!s)
		fail_msg("vector has no string '%s'", key);
	return s;
}

static void check_one(const char *path, const char *tmp)
{
	json_error_t jerr;
	json_t *v = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	struct sg_error err = { 0 };
	struct sg_keyring *kr = NULL;
	struct sg_request *req = NULL;
	struct sg_canon_params p = { 0 };
	const char *rel;
	_cleanup_free_ char *keyfile = NULL;
	char *input = NULL;
	char token[SG_TOKEN_MAX + 1];
	size_t len = 0;

	if (!v)
		fail_msg("%s: %s", path, jerr.text);
	p.key_id = str(v, "key_id");
	p.nonce = str(v, "nonce");
	p.timestamp = json_integer_value(json_object_get(v, "timestamp"));
	p.bind_exec_id = json_is_true(json_object_get(v, "bind_exec_id"));
	p.version = (unsigned)json_integer_value(json_object_get(v, "version"));
	rel = str(v, "relative");
	assert_int_equal(sg_rel_parse(rel, strlen(rel), &p.rel), 0);
	keyfile = sg_test_write(tmp, p.key_id, 0600, "secret = %s\n", str(v, "key_hex"));
	if (sg_keyring_load_file(keyfile, &kr, &err) < 0)
		fail_msg("%s: key: %s", path, err.msg);
	if (sg_oci_request_from_json(json_object_get(v, "request"), &req, &err) < 0)
		fail_msg("%s: request: %s", path, err.msg);
	if (sg_canon_build(req, &p, &input, &len, &err) < 0)
		fail_msg("%s: canon: %s", path, err.msg);
	if (strcmp(input, str(v, "signing_input")) != 0)
		fail_msg("%s: signing input\n--- computed\n%s--- recorded\n%s", path, input,
			 str(v, "signing_input"));
	assert_int_equal(len, strlen(str(v, "signing_input")));
	if (sg_sign_request_params(kr, &p, req, token, sizeof(token), &err) < 0)
		fail_msg("%s: sign: %s", path, err.msg);
	assert_string_equal(token, str(v, "token"));
	/* The "what differs" view shows the same digests on both sides. */
	{
		char view[768];

		sg_canon_view(req, &p, false, view, sizeof(view));
		if (strcmp(view, str(v, "view")) != 0)
			fail_msg("%s: view\n  computed %s\n  recorded %s", path, view, str(v, "view"));
	}

	/* The recorded token verifies against the request at its own time. */
	{
		struct sg_verify_opts o = { .keyring = kr, .max_age = 120, .max_future = 5 };

		sg_request_drop_token(req);
		assert_int_equal(sg_request_set_token(req, str(v, "token"), NULL), 0);
		req->now = p.timestamp;
		if (sg_verify_request(&o, req) != SG_SIG_VALID)
			fail_msg("%s: verify: %s", path, req->sig.why.msg);
	}
	sg_canon_free(input, len);
	sg_request_free(req);
	sg_keyring_free(kr);
	json_decref(v);
	unlink(keyfile);
}

static void test_vectors(void **state)
{
	_cleanup_free_ char *pattern = sg_test_src("tests/vectors/*.json");
	char *tmp = sg_test_mkdtemp();
	glob_t g;

	(void)state;
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 6);
	for (size_t i = 0; i < g.gl_pathc; i++)
		check_one(g.gl_pathv[i], tmp);
	globfree(&g);
	sg_test_rmtree(tmp);
	free(tmp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
