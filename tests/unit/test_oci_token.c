/* SPDX-License-Identifier: Apache-2.0 */
/* The token carriers (THREATS T10): every carrier found, taken out of the typed request and
 * of the document, duplicates refused, and nothing of a token left for the container. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci_testutil.h"

#include "core/cleanup.h"
#include "core/request.h"
#include "oci/oci.h"

static void assert_no_token(const json_t *doc)
{
	_cleanup_free_ char *text = json_dumps(doc, JSON_COMPACT);

	assert_non_null(text);
	if (strstr(text, "SHIMGATE_TOKEN") || strstr(text, "io.shimgate.token") ||
	    strstr(text, "tok"))
		fail_msg("token left in %s", text);
}

static void test_exec_env(void **state)
{
	_cleanup_request_ struct sg_request *req =
		sg_test_exec("{\"args\":[\"/bin/id\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\","
			"\"SHIMGATE_TOKEN=tok1\",\"B=2\"]}", NULL);
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	(void)state;

	assert_string_equal(req->token, "tok1");
	assert_int_equal(req->proc.env.n, 2);
	assert_string_equal(req->proc.env.v[0], "PATH=/bin");
	assert_string_equal(req->proc.env.v[1], "B=2");
	assert_int_equal(req->now, 0);
	assert_no_token(req->doc);
	assert_int_equal(sg_oci_exec_serialize(req, &out, &len, NULL), 0);
	assert_string_equal(out, "{\"args\":[\"/bin/id\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\",\"B=2\"]}");
	assert_int_equal(len, strlen(out));
}

static void test_exec_argv0(void **state)
{
	_cleanup_request_ struct sg_request *req =
		sg_test_exec("{\"args\":[\"SHIMGATE_TOKEN=tok2\",\"/bin/echo\",\"hi\"],\"cwd\":\"/\"}",
			     NULL);
	_cleanup_free_ char *out = NULL;
	size_t len = 0;
	(void)state;

	assert_string_equal(req->token, "tok2");
	assert_int_equal(req->proc.args.n, 2);
	assert_string_equal(req->proc.args.v[0], "/bin/echo");
	assert_false(req->proc.env.present);
	assert_int_equal(sg_oci_exec_serialize(req, &out, &len, NULL), 0);
	assert_string_equal(out, "{\"args\":[\"/bin/echo\",\"hi\"],\"cwd\":\"/\"}");
}

static void test_exec_later_arg_is_data(void **state)
{
	_cleanup_request_ struct sg_request *req =
		sg_test_exec("{\"args\":[\"/bin/echo\",\"SHIMGATE_TOKEN=x\"],\"cwd\":\"/\"}", NULL);
	(void)state;

	/* Only argv[0] carries a token: a later argument is what the signer signed. */
	assert_null(req->token);
	assert_int_equal(req->proc.args.n, 2);
	assert_string_equal(req->proc.args.v[1], "SHIMGATE_TOKEN=x");
}

static void test_exec_empty_token(void **state)
{
	_cleanup_request_ struct sg_request *req =
		sg_test_exec("{\"args\":[\"/bin/id\"],\"env\":[\"SHIMGATE_TOKEN=\"]}", NULL);
	(void)state;

	/* Moved, so that the hmac module calls it malformed instead of absent. */
	assert_non_null(req->token);
	assert_string_equal(req->token, "");
	assert_true(req->proc.env.present);
	assert_int_equal(req->proc.env.n, 0);
}

static void expect_exec_refused(const char *process, int code, const char *msg)
{
	json_auto_t *doc = sg_test_json(process);
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };

	assert_int_equal(sg_oci_exec_request_doc("default", "c1", "e1", doc, NULL, &req, &err),
			 code);
	assert_null(req);
	assert_string_equal(err.msg, msg);
	/* Refused, and still stripped: the document can no longer leak the token. */
	assert_no_token(doc);
}

static void test_exec_refused(void **state)
{
	char long_token[600];
	char process[700];
	(void)state;

	expect_exec_refused("{\"args\":[\"SHIMGATE_TOKEN=tokA\",\"/bin/id\"],"
			    "\"env\":[\"SHIMGATE_TOKEN=tokB\"]}",
			    -EINVAL,
			    "ambiguous request: 2 signature tokens (env[0], argv[0]); a request carries one");
	/* Each place is named as the client wrote it, also after the first was taken out. */
	expect_exec_refused("{\"args\":[\"/bin/id\"],\"env\":[\"SHIMGATE_TOKEN=tokA\","
			    "\"X=1\",\"SHIMGATE_TOKEN=tokA\"]}",
			    -EINVAL,
			    "ambiguous request: 2 signature tokens (env[0], env[2]); a request carries one");
	expect_exec_refused("{\"args\":[\"SHIMGATE_TOKEN=tokA\",\"SHIMGATE_TOKEN=tokB\",\"/bin/id\"]}",
			    -EINVAL,
			    "ambiguous request: 2 signature tokens (argv[0], argv[1]); a request carries one");
	expect_exec_refused("{\"args\":[\"SHIMGATE_TOKEN=tokA\"],\"user\":{\"uid\":\"0\"},"
			    "\"env\":[\"SHIMGATE_TOKEN=tokB\"]}",
			    -EINVAL, "process.user.uid: not an integer");
	memset(long_token, 'k', sizeof(long_token) - 1);
	long_token[sizeof(long_token) - 1] = '\0';
	memcpy(long_token, "tok", 3);
	(void)snprintf(process, sizeof(process), "{\"args\":[\"/bin/id\"],\"env\":[\"SHIMGATE_TOKEN=%s\"]}",
		       long_token);
	expect_exec_refused(process, -E2BIG, "signature token longer than 512 bytes");
}

static void test_exec_container(void **state)
{
	json_auto_t *container = sg_test_json(
		"{\"process\":{\"args\":[\"/bin/sh\"],\"env\":[\"PATH=/bin\",\"HOME=/root\"],"
		"\"apparmorProfile\":\"ctr-default\",\"selinuxLabel\":7,"
		"\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"]}}}");
	const char *process = "{\"args\":[\"/bin/id\"],\"env\":[\"PATH=/bin\",\"LD_PRELOAD=/x.so\"]}";
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_oci_exec_request("default", "c1", NULL, process, strlen(process),
					     container, &req, &err), 0);
	assert_null(req->exec_id);
	/* Only the labels are kept of the container's document, and only as strings. */
	assert_string_equal(json_string_value(json_object_get(json_object_get(req->container_doc,
		"process"), "apparmorProfile")), "ctr-default");
	assert_int_equal(json_object_size(json_object_get(req->container_doc, "process")), 1);
	assert_int_equal(json_object_size(req->container_doc), 1);
	assert_int_equal(req->base_env.n, 2);
	assert_string_equal(req->base_env.v[1], "HOME=/root");
	assert_true(req->container_caps_known);
	assert_int_equal(req->container_caps[SG_CAPSET_BOUNDING], (UINT64_C(1) << 5) | 1);
	assert_int_equal(req->container_caps[SG_CAPSET_EFFECTIVE], UINT64_C(1) << 5);
	assert_int_equal(req->container_caps[SG_CAPSET_AMBIENT], 0);
}

static void test_exec_bad_container(void **state)
{
	json_auto_t *container = sg_test_json("{\"process\":{\"capabilities\":{\"bounding\":[\"X\"]}}}");
	const char *process = "{\"args\":[\"/bin/id\"]}";
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_oci_exec_request("default", "c1", "e1", process, strlen(process),
					     container, &req, &err), -EINVAL);
	assert_string_equal(err.msg, "the container's config.json: process.capabilities.bounding: "
				     "unknown capability 'X'");
	assert_int_equal(sg_oci_exec_request("default", "c1", "e1", "{\"args\":", 8, NULL, &req,
					     &err), -EINVAL);
	assert_string_equal(err.msg, "process spec: JSON line 1 column 8: unexpected token near end of file");
}

static struct sg_request *create_ok(json_t *config)
{
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };

	if (sg_oci_create_request("default", "c1", config, NULL, 0, &req, &err) < 0)
		fail_msg("create request: %s", err.msg);
	return req;
}

static void test_create_annotation(void **state)
{
	json_auto_t *config = sg_test_json(
		"{\"process\":{\"args\":[\"/bin/sh\"],\"env\":[\"A=1\"]},"
		"\"annotations\":{\"io.shimgate.token\":\"tok3\",\"other\":\"kept\"}}");
	json_auto_t *want = sg_test_json(
		"{\"process\":{\"args\":[\"/bin/sh\"],\"env\":[\"A=1\"]},"
		"\"annotations\":{\"other\":\"kept\"}}");
	_cleanup_request_ struct sg_request *req = create_ok(config);
	(void)state;

	assert_string_equal(req->token, "tok3");
	assert_true(req->doc == config);
	assert_true(json_equal(config, want));
	assert_int_equal(sg_oci_create_apply(req, NULL), 0);
	assert_true(json_equal(config, want));
}

static void test_create_env(void **state)
{
	json_auto_t *config = sg_test_json(
		"{\"process\":{\"args\":[\"/bin/sh\"],\"env\":[\"SHIMGATE_TOKEN=tok4\",\"A=1\"]}}");
	_cleanup_request_ struct sg_request *req = create_ok(config);
	(void)state;

	assert_string_equal(req->token, "tok4");
	assert_int_equal(req->proc.env.n, 1);
	assert_int_equal(sg_oci_create_apply(req, NULL), 0);
	assert_no_token(config);
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(config, "process"), "env"), 0)),
			    "A=1");
}

static void expect_create_refused(const char *text, const char *msg)
{
	json_auto_t *config = sg_test_json(text);
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };

	assert_int_equal(sg_oci_create_request("default", "c1", config, NULL, 0, &req, &err),
			 -EINVAL);
	assert_null(req);
	assert_string_equal(err.msg, msg);
	assert_no_token(config);
}

static void test_create_refused(void **state)
{
	(void)state;
	expect_create_refused("{\"process\":{\"args\":[\"/bin/sh\"],\"env\":[\"SHIMGATE_TOKEN=tokA\"]},"
			      "\"annotations\":{\"io.shimgate.token\":\"tokB\"}}",
			      "ambiguous request: 2 signature tokens (annotation, env[0]); a request "
			      "carries one");
	expect_create_refused("{\"process\":{\"args\":[\"/bin/sh\"]},"
			      "\"annotations\":{\"io.shimgate.token\":7}}",
			      "annotations.io.shimgate.token: not a string");
	expect_create_refused("{\"process\":{\"args\":[\"/bin/sh\"],\"terminal\":1,"
			      "\"env\":[\"SHIMGATE_TOKEN=tokA\"]},"
			      "\"annotations\":{\"io.shimgate.token\":\"tokB\"}}",
			      "process.terminal: not a boolean");
	expect_create_refused("{\"annotations\":{\"io.shimgate.token\":\"tokB\"}}",
			      "process: missing or not an object");
}

/* A container kept once (the gate's exec cache) gives a document-path exec the same as the
 * fast path: its env, user and capabilities from what was read, not from the kept doc,
 * which holds only the labels. */
static void test_exec_container_kept(void **state)
{
	json_auto_t *container = sg_test_json(
		"{\"process\":{\"args\":[\"/bin/sh\"],\"env\":[\"PATH=/bin\",\"HOSTNAME=c\"],"
		"\"user\":{\"uid\":7,\"gid\":8},\"cwd\":\"/srv\",\"selinuxLabel\":\"s0\","
		"\"capabilities\":{\"bounding\":[\"CAP_KILL\"]}},\"linux\":{\"seccomp\":"
		"{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],"
		"\"action\":\"SCMP_ACT_ALLOW\"}]}}}");
	json_auto_t *process = sg_test_json(
		"{\"args\":[\"/bin/id\"],\"env\":[\"PATH=/bin\",\"FOO=1\"],\"cwd\":\"/\"}");
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_exec_container kept;
	struct sg_error err = { 0 };
	(void)state;

	sg_oci_exec_container_read(container, &kept);
	/* The kept doc is the labels only: nothing else of config.json stays resident. */
	assert_int_equal(json_object_size(kept.doc), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(kept.doc,
		"process"), "selinuxLabel")), "s0");
	assert_int_equal(sg_oci_exec_request_kept("default", "c1", "e1", process, &kept, &req,
						  &err), 0);
	sg_oci_exec_container_clear(&kept);
	assert_true(req->container_proc_known);
	assert_int_equal(req->base_env.n, 2);
	assert_string_equal(req->base_env.v[1], "HOSTNAME=c");
	assert_int_equal(req->container_user.uid, 7);
	assert_string_equal(req->container_cwd, "/srv");
	assert_true(req->container_caps_known);
	assert_int_equal(req->container_caps[SG_CAPSET_BOUNDING], UINT64_C(1) << 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_env),
		cmocka_unit_test(test_exec_argv0),
		cmocka_unit_test(test_exec_later_arg_is_data),
		cmocka_unit_test(test_exec_empty_token),
		cmocka_unit_test(test_exec_refused),
		cmocka_unit_test(test_exec_container),
		cmocka_unit_test(test_exec_container_kept),
		cmocka_unit_test(test_exec_bad_container),
		cmocka_unit_test(test_create_annotation),
		cmocka_unit_test(test_create_env),
		cmocka_unit_test(test_create_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
