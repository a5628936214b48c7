/* SPDX-License-Identifier: Apache-2.0 */
/* Create grants (sg3): the pod grant annotation carrier, identity and content binding, reuse
 * across restarts (no nonce), expiry, the key's not_after and pod scope, and the id marks. */
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
#include "oci/oci.h"
#include "sig/canon.h"
#include "sig/grant.h"
#include "sig/keyring.h"
#include "sig/replay.h"
#include "sig/token.h"
#include "sig/verify.h"

#define SECRET "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define NOW 1700000000
#define NOT_AFTER (NOW + 86400)
#define CID_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define CID_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SBX "5555555555555555555555555555555555555555555555555555555555555555"

/* A CRI container spec: hostNetwork (no network namespace), the sandbox's /etc/hosts. */
#define POD_SPEC                                                                                   \
	"{\"ociVersion\":\"1.0.2\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"                  \
	"\"args\":[\"/bin/agent\",\"-v\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\"},"                  \
	"\"root\":{\"path\":\"rootfs\"},\"mounts\":[{\"destination\":\"/etc/hosts\","              \
	"\"type\":\"bind\",\"source\":\"/var/lib/cri/sandboxes/" SBX "/hosts\","                   \
	"\"options\":[\"rbind\",\"ro\"]}%s],"                                                     \
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"      \
	"{\"type\":\"mount\"}]},\"annotations\":{"                                                 \
	"\"io.kubernetes.cri.container-type\":\"%s\","                                              \
	"\"io.kubernetes.cri.sandbox-namespace\":\"%s\","                                           \
	"\"io.kubernetes.cri.sandbox-name\":\"%s\","                                                \
	"\"io.kubernetes.cri.container-name\":\"%s\","                                              \
	"\"io.kubernetes.cri.sandbox-id\":\"" SBX "\"%s}}"

/* A Docker container: its hostname and /etc/hosts path hold the id; the grant in the env. */
#define DOCKER_SPEC                                                                            \
	"{\"process\":{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"                    \
	"\"env\":[\"HOSTNAME=%.12s\",\"SHIMGATE_TOKEN=%s\"],\"cwd\":\"/\"},"                   \
	"\"mounts\":[{\"destination\":\"/etc/hosts\",\"type\":\"bind\","                       \
	"\"source\":\"/var/lib/docker/containers/%s/hosts\"}]}"

static int setup(void **state)
{
	static const char *const keys[] = {
		"k1", "",
		"short", "not_after = 1700086390\n", /* NOT_AFTER - 10 */
		"mon", "pod_namespaces = monitoring\npods = node-*, cni\n",
		NULL,
	};
	struct sg_test_sig *f = calloc(1, sizeof(*f));
	struct sg_module_init in = { .struct_size = sizeof(in), .op = SG_OP_CREATE,
				     .policy_file = "create", .line = 1, .ctx = &f->ctx };
	struct sg_error err = { 0 };

	sg_test_sig_open(f, SECRET, keys);
	if (sg_module_hmac.init(&in, &f->mod, &err) < 0)
		fail_msg("init: %s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	sg_test_sig_close(*state);
	free(*state);
	return 0;
}

/* A create request of the pod spec; extra_mount and extra_ann are JSON fragments (each
 * starting with a comma) or "". */
static struct sg_request *pod_req(const char *id, const char *type, const char *ns,
				  const char *pod, const char *name, const char *extra_mount,
				  const char *extra_ann)
{
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	_cleanup_free_ char *text = NULL;
	json_error_t jerr;
	json_t *doc;

	if (asprintf(&text, POD_SPEC, extra_mount, type, ns, pod, name, extra_ann) < 0)
		fail();
	doc = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		fail_msg("spec: %s", jerr.text);
	if (sg_oci_create_request("k8s.io", id, doc, NULL, 0, &req, &err) < 0)
		fail_msg("request: %s", err.msg);
	json_decref(doc);
	req->now = NOW;
	return req;
}

static void grant_for(struct sg_test_sig *f, const struct sg_request *req, const char *key_id,
		      int64_t not_after, char token[SG_TOKEN_MAX + 1])
{
	struct sg_canon_params p = { .key_id = key_id, .timestamp = not_after, .version = 3 };
	struct sg_error err = { 0 };

	if (sg_sign_request_params(f->kr, &p, req, token, SG_TOKEN_MAX + 1, &err) < 0)
		fail_msg("sign: %s", err.msg);
	assert_int_equal(strncmp(token, "sg3.", 4), 0);
}

/* The grant as the pod annotation for container name, as containerd passes it through. */
static char *grant_ann(const char *name, const char *token)
{
	char *s = NULL;

	if (asprintf(&s, ",\"" SG_GRANT_ANNOTATION_PREFIX "%s\":\"%s\"", name, token) < 0)
		fail();
	return s;
}

static void expect(struct sg_test_sig *f, struct sg_request *req, int verdict, const char *reason)
{
	struct sg_error why = { 0 };
	int v = sg_module_hmac.check(f->mod, req, &why);

	if (v != verdict)
		fail_msg("verdict %d, want %d (%s)", v, verdict, why.msg);
	if (reason && !strstr(why.msg, reason))
		fail_msg("reason '%s', want '%s'", why.msg, reason);
	assert_null(strstr(why.msg, "sg3."));
}

/* The container's own grant is taken; every grant annotation leaves the spec. */
static void test_carrier(void **state)
{
	struct sg_test_sig *f = *state;
	_cleanup_request_ struct sg_request *plain = pod_req(CID_A, "container", "monitoring",
							      "node-agent", "agent", "", "");
	char token[SG_TOKEN_MAX + 1];
	_cleanup_free_ char *mine = NULL, *other = NULL, *both = NULL;
	struct sg_request *req;

	grant_for(f, plain, "k1", NOT_AFTER, token);
	mine = grant_ann("agent", token);
	other = grant_ann("sidecar", "sg3.k1.1.00");
	if (asprintf(&both, "%s%s,\"" SG_GRANT_ANNOTATION_PREFIX "POD\":\"x\"", mine, other) < 0)
		fail();
	req = pod_req(CID_A, "container", "monitoring", "node-agent", "agent", "", both);
	assert_non_null(req->token);
	assert_string_equal(req->token, token);
	assert_null(json_object_get(json_object_get(req->doc, "annotations"),
				    SG_GRANT_ANNOTATION_PREFIX "agent"));
	assert_null(json_object_get(json_object_get(req->doc, "annotations"),
				    SG_GRANT_ANNOTATION_PREFIX "sidecar"));
	assert_null(json_object_get(json_object_get(req->doc, "annotations"),
				    SG_GRANT_ANNOTATION_PREFIX "POD"));
	expect(f, req, SG_VERDICT_SUCCESS, NULL);
	assert_int_equal(sg_request_grant_not_after(req), NOT_AFTER);
	sg_request_free(req);
	/* Another container of the pod gets none of it: unsigned. */
	req = pod_req(CID_A, "container", "monitoring", "node-agent", "other", "", both);
	assert_null(req->token);
	expect(f, req, SG_VERDICT_UNSIGNED, "no signature");
	sg_request_free(req);
}

/* The grant of container "agent" of monitoring/node-agent (key k1) as its pod annotation;
 * token gets the grant itself. */
static char *agent_grant(struct sg_test_sig *f, char token[SG_TOKEN_MAX + 1])
{
	_cleanup_request_ struct sg_request *plain = pod_req(CID_A, "container", "monitoring",
							      "node-agent", "agent", "", "");

	grant_for(f, plain, "k1", NOT_AFTER, token);
	return grant_ann("agent", token);
}

/* A restart: a new container id, the same grant, valid again (no nonce to replay). */
static void test_restart(void **state)
{
	struct sg_test_sig *f = *state;
	char token[SG_TOKEN_MAX + 1];
	_cleanup_free_ char *ann = agent_grant(f, token);
	const char *ids[] = { CID_A, CID_A, CID_B, "short-id" };

	for (size_t i = 0; i < SG_ARRAY_SIZE(ids); i++) {
		struct sg_request *req = pod_req(ids[i], "container", "monitoring", "node-agent",
						 "agent", "", ann);

		expect(f, req, SG_VERDICT_SUCCESS, NULL);
		sg_request_free(req);
	}
}

/* Each bound field, changed, is a bad signature whose view shows what the gate saw. */
static void test_binding(void **state)
{
	struct sg_test_sig *f = *state;
	char token[SG_TOKEN_MAX + 1];
	_cleanup_free_ char *ann = agent_grant(f, token);
	struct {
		const char *ns, *pod, *name, *mount, *seen;
	} cases[] = {
		{ "default", "node-agent", "agent", "", "pod=default/node-agent container=agent" },
		{ "monitoring", "node-agent2", "agent", "", "pod=monitoring/node-agent2" },
		{ "monitoring", "node-agent", "agent",
		  ",{\"destination\":\"/h\",\"type\":\"bind\",\"source\":\"/etc\"}", "mounts=" },
	};
	struct sg_request *req;

	for (size_t i = 0; i < SG_ARRAY_SIZE(cases); i++) {
		req = pod_req(CID_A, "container", cases[i].ns, cases[i].pod, cases[i].name,
			      cases[i].mount, ann);
		expect(f, req, SG_VERDICT_DENY, "bad signature (key 'k1')");
		assert_non_null(strstr(req->sig.why.msg, cases[i].seen));
		sg_request_free(req);
	}
	/* Changed args: the args digest differs from the signer's. */
	req = pod_req(CID_A, "container", "monitoring", "node-agent", "agent", "", ann);
	free(req->proc.args.v[1]);
	req->proc.args.v[1] = strdup("-vv");
	expect(f, req, SG_VERDICT_DENY, "bad signature (key 'k1')");
	sg_request_free(req);
	/* The same content as the sandbox: the type is bound. */
	req = pod_req(CID_A, "sandbox", "monitoring", "node-agent", "agent", "",
		      ",\"" SG_GRANT_ANNOTATION_PREFIX "POD\":\"x\"");
	sg_request_drop_token(req);
	assert_int_equal(sg_request_set_token(req, token, NULL), 0);
	expect(f, req, SG_VERDICT_DENY, "type=sandbox");
	sg_request_free(req);
}

static void test_time_and_scope(void **state)
{
	struct sg_test_sig *f = *state;
	char token[SG_TOKEN_MAX + 1];
	struct {
		const char *key, *ns, *pod;
		int64_t not_after;
		int verdict;
		const char *reason;
	} cases[] = {
		{ "k1", "monitoring", "node-agent", NOW - 1, SG_VERDICT_DENY, "grant expired: not after 1699999999, 1 s ago" },
		{ "k1", "monitoring", "node-agent", NOW, SG_VERDICT_SUCCESS, NULL },
		{ "short", "monitoring", "node-agent", NOT_AFTER, SG_VERDICT_DENY, "past key 'short''s not_after" },
		{ "short", "monitoring", "node-agent", NOT_AFTER - 10, SG_VERDICT_SUCCESS, NULL },
		{ "mon", "monitoring", "node-agent", NOT_AFTER, SG_VERDICT_SUCCESS, NULL },
		{ "mon", "monitoring", "cni", NOT_AFTER, SG_VERDICT_SUCCESS, NULL },
		{ "mon", "default", "node-agent", NOT_AFTER, SG_VERDICT_DENY, "key 'mon' may not grant for pod namespace 'default'" },
		{ "mon", "monitoring", "web", NOT_AFTER, SG_VERDICT_DENY, "key 'mon' may not grant for pod 'web'" },
	};

	for (size_t i = 0; i < SG_ARRAY_SIZE(cases); i++) {
		struct sg_request *req = pod_req(CID_A, "container", cases[i].ns, cases[i].pod,
						 "agent", "", "");

		grant_for(f, req, cases[i].key, cases[i].not_after, token);
		assert_int_equal(sg_request_set_token(req, token, NULL), 0);
		expect(f, req, cases[i].verdict, cases[i].reason);
		sg_request_free(req);
	}
}

/* A content grant (Docker): no identity; a pod-scoped key refuses it; the id marks let it
 * cover Docker's per-container paths for any generated id. */
static void test_content_grant(void **state)
{
	struct sg_test_sig *f = *state;
	const char *ids[] = { CID_A, CID_B };
	char token[SG_TOKEN_MAX + 1] = "";

	for (size_t i = 0; i < 3; i++) {
		const char *id = ids[i % 2];
		struct sg_request *req = NULL;
		struct sg_error err = { 0 };
		_cleanup_free_ char *text = NULL;
		json_t *doc;

		if (asprintf(&text, DOCKER_SPEC, id, i ? token : "", id) < 0)
			fail();
		doc = json_loads(text, 0, NULL);
		assert_int_equal(sg_oci_create_request("moby", id, doc, NULL, 0, &req, &err), 0);
		json_decref(doc);
		req->now = NOW;
		if (i == 0) {
			sg_request_drop_token(req); /* signed without the carrier */
			grant_for(f, req, "k1", NOT_AFTER, token);
			assert_int_equal(sg_request_set_token(req, token, NULL), 0);
		}
		expect(f, req, SG_VERDICT_SUCCESS, NULL);
		sg_request_free(req);
	}
}

static void test_subst(void **state)
{
	char *s;

	(void)state;
	/* The full id first, then the sandbox id, then the id's first 12 characters. */
	s = sg_grant_subst("/x/" CID_A "/" SBX "/h=aaaaaaaaaaaa.", CID_A, SBX);
	assert_string_equal(s, "/x/{id}/{sandbox}/h={id12}.");
	free(s);
	/* A short id a client chose is never a mark. */
	s = sg_grant_subst("/usr/bin/web", "web", NULL);
	assert_string_equal(s, "/usr/bin/web");
	free(s);
}

/* grant_max_lifetime=: a grant valid further ahead than the policy allows is refused. */
static void test_max_lifetime(void **state)
{
	struct sg_test_sig *f = *state;
	const char *args[] = { "grant_max_lifetime=3600" }, *bad[] = { "grant_max_lifetime=-1" };
	struct sg_module_init in = { .struct_size = sizeof(in), .op = SG_OP_CREATE,
				     .policy_file = "create", .line = 2, .argc = 1, .argv = args,
				     .ctx = &f->ctx };
	struct sg_module_state *lax = f->mod, *none = NULL;
	struct sg_error err = { 0 };
	char token[SG_TOKEN_MAX + 1];
	const int64_t ends[] = { NOW + 3600, NOW + 3601 };

	assert_int_equal(sg_module_hmac.init(&in, &f->mod, &err), 0);
	for (size_t i = 0; i < SG_ARRAY_SIZE(ends); i++) {
		struct sg_request *req = pod_req(CID_A, "container", "monitoring", "node-agent",
						 "agent", "", "");

		grant_for(f, req, "k1", ends[i], token);
		assert_int_equal(sg_request_set_token(req, token, NULL), 0);
		expect(f, req, i ? SG_VERDICT_DENY : SG_VERDICT_SUCCESS,
		       i ? "grant valid for 3601 s more, the policy's grant_max_lifetime is 3600 s" : NULL);
		sg_request_free(req);
	}
	sg_module_hmac.fini(f->mod);
	f->mod = lax;
	in.argv = bad;
	assert_int_equal(sg_module_hmac.init(&in, &none, &err), -EINVAL);
	assert_null(none);
	assert_non_null(strstr(err.msg, "create:2: hmac: 'grant_max_lifetime' wants seconds"));
}

/* A grant is a create signature only. */
static void test_grant_on_exec(void **state)
{
	struct sg_test_sig *f = *state;
	struct sg_request *req = NULL;

	(void)f;
	assert_int_equal(sg_request_new(SG_OP_EXEC, "k8s.io", CID_A, &req, NULL), 0);
	assert_int_equal(sg_strv_push(&req->proc.args, "sh", 8, NULL), 0);
	req->now = NOW;
	assert_int_equal(sg_request_set_token(req, "sg3.k1.1800000000."
					      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
					      NULL),
			 0);
	expect(f, req, SG_VERDICT_DENY, "a version 3 signature is a create grant, not for 'exec'");
	sg_request_free(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_carrier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_binding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_and_scope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_content_grant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grant_on_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_lifetime, setup, teardown),
		cmocka_unit_test(test_subst),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
