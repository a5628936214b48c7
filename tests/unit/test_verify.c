/* SPDX-License-Identifier: Apache-2.0 */
/* Verification through the hmac module: every failure with its own reason, the time window
 * edges, exec-id binding, replay, mounts judged by their create, and no secret in a reason. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/context.h"
#include "core/request.h"
#include "modules/modules.h"
#include "sig/canon.h"
#include "sig/keyring.h"
#include "sig/replay.h"
#include "sig/token.h"
#include "sig/verify.h"

#define SECRET "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define NOW 1700000000
#define NONCE "0123456789abcdef0123456789abcdef"

struct fixture {
	struct sg_test_sig sig;
	unsigned nonce_seq;
};

static struct sg_module_state *mod_init(struct sg_context *ctx, int argc, const char *const *argv,
					struct sg_error *err)
{
	struct sg_module_init in = { .struct_size = sizeof(in), .op = SG_OP_EXEC,
				     .policy_file = "exec", .line = 3, .argc = argc, .argv = argv,
				     .ctx = ctx };
	struct sg_module_state *s = NULL;

	if (sg_module_hmac.init(&in, &s, err) < 0)
		return NULL;
	return s;
}

static int setup(void **state)
{
	static const char *const keys[] = {
		"k1", "",
		"scoped", "namespaces = default\ncontainers = c*\noperations = create\n",
		NULL,
	};
	struct fixture *f = calloc(1, sizeof(*f));
	struct sg_error err = { 0 };

	sg_test_sig_open(&f->sig, SECRET, keys);
	f->sig.mod = mod_init(&f->sig.ctx, 0, NULL, &err);
	assert_non_null(f->sig.mod);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sg_test_sig_close(&f->sig);
	free(f);
	return 0;
}

static struct sg_request *exec_req(const char *id, const char *arg)
{
	struct sg_request *req = NULL;

	assert_int_equal(sg_request_new(SG_OP_EXEC, "default", id, &req, NULL), 0);
	assert_int_equal(sg_request_set_exec_id(req, "e1", NULL), 0);
	assert_int_equal(sg_strv_push(&req->proc.args, "sh", 8, NULL), 0);
	assert_int_equal(sg_strv_push(&req->proc.args, arg, 8, NULL), 0);
	req->proc.cwd = strdup("/");
	req->proc.env.present = true;
	req->now = NOW;
	return req;
}

static struct sg_request *create_req(void)
{
	struct sg_request *req = NULL;

	assert_int_equal(sg_request_new(SG_OP_CREATE, "default", "c1", &req, NULL), 0);
	assert_int_equal(sg_strv_push(&req->proc.args, "sh", 8, NULL), 0);
	req->mounts = calloc(1, sizeof(*req->mounts));
	req->n_mounts = 1;
	req->mounts[0].type = strdup("bind");
	req->mounts[0].source = strdup("/srv");
	req->mounts[0].destination = strdup("/srv");
	req->now = NOW;
	return req;
}

/* Signs req as it is now with a fresh nonce and attaches the token. */
static void sign(struct fixture *f, struct sg_request *req, const char *key_id, int64_t ts,
		 bool bind)
{
	char token[SG_TOKEN_MAX + 1], nonce[SG_NONCE_HEX + 1];
	struct sg_error err = { 0 };

	snprintf(nonce, sizeof(nonce), "%032x", ++f->nonce_seq);
	if (sg_sign_request(f->sig.kr, key_id, ts, nonce, bind, req, token, sizeof(token), &err) < 0)
		fail_msg("sign: %s", err.msg);
	assert_int_equal(sg_request_set_token(req, token, NULL), 0);
}

/* Runs the module; checks the verdict and the exact reason (NULL: success), that the token
 * is gone and that no secret leaked into the reason. */
static void expect(struct fixture *f, struct sg_request *req, int verdict, const char *reason)
{
	struct sg_error why = { 0 };
	char tail[17] = "";
	int v;

	/* The last 16 characters of a token are MAC hex: they must not reappear. */
	if (req->token && strlen(req->token) >= 16)
		snprintf(tail, sizeof(tail), "%s", req->token + strlen(req->token) - 16);
	v = sg_module_hmac.check(f->sig.mod, req, &why);

	if (v != verdict)
		fail_msg("verdict %d, want %d (%s)", v, verdict, why.msg);
	/* A bad MAC's reason goes on with what the gate saw ("; gate saw ..."). */
	if (reason && strcmp(why.msg, reason) != 0 &&
	    !(strncmp(why.msg, reason, strlen(reason)) == 0 &&
	      strncmp(why.msg + strlen(reason), "; gate saw v", 12) == 0))
		fail_msg("reason '%s', want '%s'", why.msg, reason);
	assert_null(req->token);
	assert_null(strstr(why.msg, "0102030405"));
	assert_null(strstr(why.msg, "sg1."));
	if (tail[0])
		assert_null(strstr(why.msg, tail));
}

/* The replay store cannot record a nonce (full): the machinery failed, not the request. The
 * module returns the -errno (the stack's "error" verdict, not "deny"), for the create and for
 * its mounts, and nothing approves. */
static void test_machinery_failure(void **state)
{
	struct fixture *f = *state;
	_cleanup_free_ char *path = NULL;
	_cleanup_request_ struct sg_request *a = exec_req("c1", "a");
	_cleanup_request_ struct sg_request *b = exec_req("c1", "b");
	_cleanup_request_ struct sg_request *c = create_req();
	_cleanup_request_ struct sg_request *m = NULL;
	struct sg_context ctx = { .keyring = f->sig.kr };
	struct sg_module_state *mod;
	struct sg_error err = { 0 };
	struct sg_module_state *saved = f->sig.mod;

	assert_true(asprintf(&path, "%s/tiny", f->sig.dir) > 0);
	if (sg_replay_open(path, 1, &ctx.replay, &err) < 0)
		fail_msg("replay: %s", err.msg);
	mod = mod_init(&ctx, 0, NULL, &err);
	assert_non_null(mod);
	f->sig.mod = mod;
	sign(f, a, "k1", NOW, true);
	expect(f, a, SG_VERDICT_SUCCESS, NULL);
	sign(f, b, "k1", NOW, true);
	expect(f, b, -ENOSPC, "cannot record the nonce: replay store full");
	assert_int_equal(b->sig.status, SG_SIG_FAILED);
	sign(f, c, "k1", NOW, false);
	assert_int_equal(sg_request_for_mount(c, 0, &m, NULL), 0);
	expect(f, m, -ENOSPC, "cannot record the nonce: replay store full");
	expect(f, c, -ENOSPC, "cannot record the nonce: replay store full");
	f->sig.mod = saved;
	sg_module_hmac.fini(mod);
	sg_replay_free(ctx.replay);
}

static void test_valid_and_replay(void **state)
{
	struct fixture *f = *state;
	_cleanup_request_ struct sg_request *a = exec_req("c1", "id");
	_cleanup_request_ struct sg_request *b = exec_req("c1", "id");
	char token[SG_TOKEN_MAX + 1];

	sign(f, a, "k1", NOW, true);
	snprintf(token, sizeof(token), "%s", a->token);
	expect(f, a, SG_VERDICT_SUCCESS, NULL);
	assert_int_equal(a->sig.status, SG_SIG_VALID);
	assert_string_equal(sg_request_key_id(a), "k1");
	/* Cached: a second check neither re-verifies nor consumes anything. */
	expect(f, a, SG_VERDICT_SUCCESS, NULL);
	/* The same token again: replay. */
	assert_int_equal(sg_request_set_token(b, token, NULL), 0);
	expect(f, b, SG_VERDICT_DENY, "replayed signature: nonce of key 'k1' already used");
}

static void test_unsigned_malformed_unknown(void **state)
{
	struct fixture *f = *state;
	struct sg_request *r;

	r = exec_req("c1", "id");
	expect(f, r, SG_VERDICT_UNSIGNED, "no signature");
	sg_request_free(r);

	r = exec_req("c1", "id");
	assert_int_equal(sg_request_set_token(r, "", NULL), 0);
	expect(f, r, SG_VERDICT_DENY, "malformed signature token: empty");
	sg_request_free(r);

	r = exec_req("c1", "id");
	assert_int_equal(sg_request_set_token(r, "sg1.k1.1700000000." NONCE, NULL), 0);
	expect(f, r, SG_VERDICT_DENY,
	       "malformed signature token: want 5 fields separated by dots (version, key id, timestamp, nonce, mac)");
	sg_request_free(r);

	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, true);
	memcpy(r->token + 4, "k9", 2); /* sg1.k9... */
	expect(f, r, SG_VERDICT_DENY, "unknown key id 'k9'");
	sg_request_free(r);
}

static void test_tamper(void **state)
{
	struct fixture *f = *state;
	const char *bad = "bad signature (key 'k1'): the request is not what was signed";
	struct sg_request *r;

	/* argv changed after signing */
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, true);
	free(r->proc.args.v[1]);
	r->proc.args.v[1] = strdup("ls");
	expect(f, r, SG_VERDICT_DENY, bad);
	sg_request_free(r);
	/* env added (LD_PRELOAD) */
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, true);
	assert_int_equal(sg_strv_push(&r->proc.env, "LD_PRELOAD=/x.so", 8, NULL), 0);
	expect(f, r, SG_VERDICT_DENY, bad);
	sg_request_free(r);
	/* user changed */
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, true);
	r->proc.user.uid = 0xffff;
	expect(f, r, SG_VERDICT_DENY, bad);
	sg_request_free(r);
	/* other container */
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, true);
	free(r->id);
	r->id = strdup("c2");
	expect(f, r, SG_VERDICT_DENY, bad);
	sg_request_free(r);
	/* other operation */
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, true);
	r->op = SG_OP_CREATE;
	expect(f, r, SG_VERDICT_DENY, bad);
	sg_request_free(r);
	/* a flipped MAC digit */
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, true);
	r->token[strlen(r->token) - 1] = r->token[strlen(r->token) - 1] == '0' ? '1' : '0';
	expect(f, r, SG_VERDICT_DENY, bad);
	sg_request_free(r);
}

/* T9: a MAC wrong in its first digit and one wrong in its last get the same answer, word for
 * word: nothing tells how much of it matched (the compare itself is CRYPTO_memcmp). */
static void test_mac_mismatch_position_says_nothing(void **state)
{
	struct fixture *f = *state;
	const char *bad = "bad signature (key 'k1'): the request is not what was signed";

	for (int where = 0; where < 2; where++) {
		struct sg_request *r = exec_req("c1", "id");
		char *mac;

		sign(f, r, "k1", NOW, true);
		mac = strrchr(r->token, '.') + 1;
		mac += where ? strlen(mac) - 1 : 0;
		*mac = *mac == '0' ? '1' : '0';
		expect(f, r, SG_VERDICT_DENY, bad);
		sg_request_free(r);
	}
}

static void test_time_window(void **state)
{
	struct fixture *f = *state;
	struct sg_request *r;

	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW - 120, true);
	expect(f, r, SG_VERDICT_SUCCESS, NULL);
	sg_request_free(r);
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW - 121, true);
	expect(f, r, SG_VERDICT_DENY,
	       "signature expired: signed at 1699999879, 121 s ago, max_age is 120 s");
	sg_request_free(r);
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW + 5, true);
	expect(f, r, SG_VERDICT_SUCCESS, NULL);
	sg_request_free(r);
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW + 6, true);
	expect(f, r, SG_VERDICT_DENY,
	       "signature from the future: signed at 1700000006, 6 s ahead, max_future is 5 s");
	sg_request_free(r);
}

static void test_exec_id_binding(void **state)
{
	struct fixture *f = *state;
	const char *req_args[] = { "exec_id=required", "max_age=10" };
	struct sg_error err = { 0 };
	struct sg_module_state *strict = mod_init(&f->sig.ctx, 2, req_args, &err);
	struct sg_module_state *lax = f->sig.mod;
	struct sg_request *r;

	assert_non_null(strict);
	/* Unbound token: fine when optional, whatever the exec id. */
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, false);
	assert_int_equal(sg_request_set_exec_id(r, "random-cri-id", NULL), 0);
	expect(f, r, SG_VERDICT_SUCCESS, NULL);
	sg_request_free(r);
	/* Unbound token with exec_id=required: refused. */
	f->sig.mod = strict;
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, false);
	expect(f, r, SG_VERDICT_DENY,
	       "bad signature (key 'k1'): the request is not what was signed, or the exec id is not bound");
	sg_request_free(r);
	/* Bound token, exec id swapped: refused in both modes. */
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, true);
	assert_int_equal(sg_request_set_exec_id(r, "e2", NULL), 0);
	expect(f, r, SG_VERDICT_DENY, NULL);
	sg_request_free(r);
	f->sig.mod = lax;
	r = exec_req("c1", "id");
	sign(f, r, "k1", NOW, true);
	assert_int_equal(sg_request_set_exec_id(r, "e2", NULL), 0);
	expect(f, r, SG_VERDICT_DENY, "bad signature (key 'k1'): the request is not what was signed");
	sg_request_free(r);
	sg_module_hmac.fini(strict);
}

static void test_scope(void **state)
{
	struct fixture *f = *state;
	struct sg_request *r;

	r = exec_req("c1", "id");
	sign(f, r, "scoped", NOW, true);
	expect(f, r, SG_VERDICT_DENY, "key 'scoped' may not sign operation 'exec'");
	sg_request_free(r);
}

static void test_mounts_follow_create(void **state)
{
	struct fixture *f = *state;
	_cleanup_request_ struct sg_request *c = create_req();
	_cleanup_request_ struct sg_request *c2 = create_req();
	_cleanup_request_ struct sg_request *c3 = create_req();
	struct sg_request *m = NULL;

	/* Signed create: the mount (checked first) verifies the create once. */
	sign(f, c, "k1", NOW, false);
	assert_int_equal(sg_request_for_mount(c, 0, &m, NULL), 0);
	expect(f, m, SG_VERDICT_SUCCESS, NULL);
	sg_request_free(m);
	assert_int_equal(c->sig.status, SG_SIG_VALID);
	assert_null(c->token);
	expect(f, c, SG_VERDICT_SUCCESS, NULL);

	/* A key scoped to create only: the create passes, its mounts do not. */
	sign(f, c2, "scoped", NOW, false);
	expect(f, c2, SG_VERDICT_SUCCESS, NULL);
	assert_int_equal(sg_request_for_mount(c2, 0, &m, NULL), 0);
	expect(f, m, SG_VERDICT_DENY, "key 'scoped' may not sign operation 'mount'");
	sg_request_free(m);

	/* Unsigned create: unsigned mount. Tampered create: the mount gets its reason. */
	assert_int_equal(sg_request_for_mount(c3, 0, &m, NULL), 0);
	expect(f, m, SG_VERDICT_UNSIGNED, "no signature");
	sg_request_free(m);
	sg_request_free(c3);
	c3 = create_req();
	sign(f, c3, "k1", NOW, false);
	free(c3->mounts[0].source);
	c3->mounts[0].source = strdup("/");
	assert_int_equal(sg_request_for_mount(c3, 0, &m, NULL), 0);
	expect(f, m, SG_VERDICT_DENY, "bad signature (key 'k1'): the request is not what was signed");
	sg_request_free(m);
}

/* A version 2 token: relative fields are checked against the container before the nonce is
 * spent; a create cannot carry one; an unknown container fails closed. */
static void sign_v2(struct fixture *f, struct sg_request *req, unsigned rel)
{
	char token[SG_TOKEN_MAX + 1], nonce[SG_NONCE_HEX + 1];
	struct sg_canon_params p = { .key_id = "k1", .timestamp = NOW, .nonce = nonce,
				     .bind_exec_id = true, .version = 2, .rel = rel };
	struct sg_error err = { 0 };

	snprintf(nonce, sizeof(nonce), "%032x", ++f->nonce_seq);
	if (sg_sign_request_params(f->sig.kr, &p, req, token, sizeof(token), &err) < 0)
		fail_msg("sign: %s", err.msg);
	assert_int_equal(sg_request_set_token(req, token, NULL), 0);
}

static struct sg_request *rel_req(uint32_t uid)
{
	struct sg_request *r = exec_req("c1", "id");

	r->proc.user.uid = uid;
	r->container_cwd = strdup("/");
	r->container_proc_known = true;
	return r;
}

static void test_v2_relative(void **state)
{
	struct fixture *f = *state;
	struct sg_request *r, *again;
	char *tok;

	r = rel_req(0);
	sign_v2(f, r, SG_REL_ALL);
	tok = strdup(r->token);
	r->proc.user.uid = 1000; /* after signing: the MAC still matches, the user does not */
	expect(f, r, SG_VERDICT_DENY,
	       "bad signature (key 'k1'): the request is not what was signed: user: uid 1000 is not "
	       "the container's own 0 (signed as the container's own)");
	sg_request_free(r);
	/* The refusal did not spend the nonce: the same token passes for the container's user. */
	again = rel_req(0);
	assert_int_equal(sg_request_set_token(again, tok, NULL), 0);
	expect(f, again, SG_VERDICT_SUCCESS, NULL);
	sg_request_free(again);
	again = rel_req(0);
	assert_int_equal(sg_request_set_token(again, tok, NULL), 0);
	expect(f, again, SG_VERDICT_DENY, "replayed signature: nonce of key 'k1' already used");
	sg_request_free(again);
	free(tok);

	r = rel_req(0);
	r->container_proc_known = false;
	sign_v2(f, r, SG_REL_CWD);
	expect(f, r, SG_VERDICT_DENY,
	       "bad signature (key 'k1'): the request is not what was signed: the container's "
	       "config.json is unknown, so the fields signed as the container's own cannot be checked");
	sg_request_free(r);

	/* Explicit fields of a version 2 token are plain values: another uid is a bad MAC, and
	 * the refusal shows what the gate saw. */
	r = rel_req(0);
	sign_v2(f, r, SG_REL_CWD);
	r->proc.user.uid = 7;
	expect(f, r, SG_VERDICT_DENY, "bad signature (key 'k1'): the request is not what was signed");
	assert_non_null(r->sig_view);
	assert_non_null(strstr(r->sig_view, "v2 binding=w ns=default id=c1 exec-id=e1 uid=7 gid=0 groups=[] cwd=@/"));
	sg_request_free(r);
}

static void test_v2_on_create(void **state)
{
	struct fixture *f = *state;
	struct sg_request *r = create_req();

	assert_int_equal(sg_request_set_token(r, "sg2.-.k1.1700000000.0123456789abcdef0123456789abcdef."
						 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
					      NULL), 0);
	expect(f, r, SG_VERDICT_DENY,
	       "a version 2 (container-relative) signature signs an exec, not a create");
	sg_request_free(r);
}

static void test_reasons_distinct(void **state)
{
	static const char *const reasons[] = {
		"no signature",
		"malformed signature token: empty",
		"unknown key id 'k9'",
		"key 'scoped' may not sign operation 'exec'",
		"signature expired: signed at 1699999879, 121 s ago, max_age is 120 s",
		"signature from the future: signed at 1700000006, 6 s ahead, max_future is 5 s",
		"bad signature (key 'k1'): the request is not what was signed",
		"replayed signature: nonce of key 'k1' already used",
	};

	(void)state;
	/* Each is asserted exactly above; here only that no two coincide. */
	for (size_t i = 0; i < SG_ARRAY_SIZE(reasons); i++)
		for (size_t j = i + 1; j < SG_ARRAY_SIZE(reasons); j++)
			assert_string_not_equal(reasons[i], reasons[j]);
}

static void test_init_errors(void **state)
{
	struct fixture *f = *state;
	struct sg_context empty = { 0 }, no_replay = { .keyring = f->sig.kr };
	const char *bad[] = { "max_age=abc" }, *unknown[] = { "strict" }, *lead[] = { "max_age=010" };
	struct sg_error err = { 0 };

	assert_null(mod_init(&f->sig.ctx, 1, bad, &err));
	assert_string_equal(err.msg, "exec:3: hmac: 'max_age' wants seconds in 0..86400");
	assert_null(mod_init(&f->sig.ctx, 1, lead, &err));
	assert_null(mod_init(&f->sig.ctx, 1, unknown, &err));
	assert_string_equal(err.msg, "exec:3: hmac: unknown argument 'strict'");
	assert_null(mod_init(&empty, 0, NULL, &err));
	assert_string_equal(err.msg, "exec:3: hmac: no keyring loaded (keys directory)");
	assert_null(mod_init(&no_replay, 0, NULL, &err));
	assert_string_equal(err.msg, "exec:3: hmac: no replay store opened");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_and_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_machinery_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsigned_malformed_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mac_mismatch_position_says_nothing, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_time_window, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_id_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mounts_follow_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_relative, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_on_create, setup, teardown),
		cmocka_unit_test(test_reasons_distinct),
		cmocka_unit_test_setup_teardown(test_init_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
