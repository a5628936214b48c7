/* SPDX-License-Identifier: Apache-2.0 */
/* sg_oci_request_from_json: the request envelope of `policy test`, `sign --request` and the
 * test vectors, and sg_oci_create_request/apply on the mounts. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci_testutil.h"

#include "core/cleanup.h"
#include "core/request.h"
#include "oci/oci.h"

static struct sg_request *from_json_ok(const char *text)
{
	json_auto_t *env = sg_test_json(text);
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };

	if (sg_oci_request_from_json(env, &req, &err) < 0)
		fail_msg("envelope: %s", err.msg);
	return req;
}

static void test_exec(void **state)
{
	const char *text =
		"{\"op\":\"exec\",\"namespace\":\"k8s.io\",\"id\":\"c1\",\"exec_id\":\"e1\","
		"\"process\":{\"args\":[\"SHIMGATE_TOKEN=t\",\"/bin/ls\"],\"cwd\":\"/\"},"
		"\"container\":{\"process\":{\"env\":[\"PATH=/bin\"],\"capabilities\":{}}},"
		"\"now\":1700000000}";
	json_auto_t *env = sg_test_json(text);
	json_auto_t *before = json_deep_copy(env);
	_cleanup_request_ struct sg_request *req = NULL;
	(void)state;

	assert_int_equal(sg_oci_request_from_json(env, &req, NULL), 0);
	assert_int_equal(req->op, SG_OP_EXEC);
	assert_string_equal(req->ns, "k8s.io");
	assert_string_equal(req->id, "c1");
	assert_string_equal(req->exec_id, "e1");
	assert_string_equal(req->token, "t");
	assert_int_equal(req->proc.args.n, 1);
	assert_int_equal(req->now, 1700000000);
	assert_int_equal(req->base_env.n, 1);
	assert_true(req->container_caps_known);
	/* The envelope is read, never changed. */
	assert_true(json_equal(env, before));
}

static void test_exec_minimal(void **state)
{
	_cleanup_request_ struct sg_request *req =
		from_json_ok("{\"op\":\"exec\",\"namespace\":\"default\",\"id\":\"c1\",\"process\":{}}");
	(void)state;

	assert_null(req->exec_id);
	assert_null(req->token);
	assert_int_equal(req->now, 0);
	assert_false(req->container_caps_known);
	assert_null(req->container_doc);
}

static void test_create(void **state)
{
	_cleanup_request_ struct sg_request *req = from_json_ok(
		"{\"op\":\"create\",\"namespace\":\"default\",\"id\":\"c1\",\"spec\":{"
		"\"process\":{\"args\":[\"/bin/sh\"]},\"mounts\":["
		"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv\",\"options\":[\"rbind\",\"rw\"]}]},"
		"\"rootfs\":[{\"type\":\"overlay\",\"source\":\"overlay\",\"options\":[\"lowerdir=/l\"]}]}");
	struct sg_mount *m;
	(void)state;

	assert_int_equal(req->op, SG_OP_CREATE);
	assert_int_equal(req->n_mounts, 3);
	m = &req->mounts[0];
	assert_string_equal(m->destination, "/proc");
	assert_string_equal(m->type, "proc");
	assert_false(m->options.present);
	assert_false(m->rootfs);
	m = &req->mounts[1];
	assert_int_equal(m->index, 1);
	assert_int_equal(m->options.n, 2);
	assert_string_equal(m->options.v[1], "rw");
	m = &req->mounts[2];
	assert_true(m->rootfs);
	assert_int_equal(m->index, 0);
	assert_null(m->destination);
	assert_string_equal(m->type, "overlay");
	assert_string_equal(m->options.v[0], "lowerdir=/l");
}

static void test_create_apply_mounts(void **state)
{
	_cleanup_request_ struct sg_request *req = from_json_ok(
		"{\"op\":\"create\",\"namespace\":\"default\",\"id\":\"c1\",\"spec\":{"
		"\"process\":{\"args\":[\"/bin/sh\"]},\"mounts\":["
		"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv\",\"options\":[\"rbind\",\"rw\"],"
		"\"uidMappings\":[]}]},"
		"\"rootfs\":[{\"type\":\"overlay\",\"source\":\"overlay\"}]}");
	json_auto_t *want = sg_test_json(
		"{\"process\":{\"args\":[\"/bin/sh\"]},\"mounts\":["
		"{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
		"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv\",\"options\":[\"rbind\",\"ro\"],"
		"\"uidMappings\":[]}],\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\"}}}");
	struct sg_error err = { 0 };
	(void)state;

	free(req->mounts[1].options.v[1]);
	req->mounts[1].options.v[1] = strdup("ro");
	req->mounts[1].changed = true;
	req->seccomp = json_pack("{s:s}", "defaultAction", "SCMP_ACT_ERRNO");
	assert_int_equal(sg_oci_create_apply(req, &err), 0);
	assert_true(json_equal(req->doc, want));

	req->mounts[2].changed = true;
	assert_int_equal(sg_oci_create_apply(req, &err), -EINVAL);
	assert_string_equal(err.msg, "rootfs mount 0: options cannot be rewritten");
}

static void test_mount(void **state)
{
	_cleanup_request_ struct sg_request *req = from_json_ok(
		"{\"op\":\"mount\",\"namespace\":\"default\",\"id\":\"c1\",\"spec\":{"
		"\"process\":{\"args\":[\"/bin/sh\"],\"user\":{\"uid\":7,\"gid\":7}},\"mounts\":["
		"{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"/srv\"}]},"
		"\"rootfs\":[{\"type\":\"overlay\",\"source\":\"overlay\"}],\"mount\":1,\"now\":5}");
	(void)state;

	assert_int_equal(req->op, SG_OP_MOUNT);
	assert_true(req->mount == &req->mounts[1]);
	assert_null(req->parent);
	assert_string_equal(sg_request_mount_type(req), "overlay");
	assert_int_equal(sg_request_uid(req), 7);
	assert_int_equal(req->now, 5);
}

/* The bundle the root module compares root.path with: optional, absolute. */
static void test_bundle(void **state)
{
	_cleanup_request_ struct sg_request *with = from_json_ok(
		"{\"op\":\"create\",\"namespace\":\"default\",\"id\":\"c1\",\"bundle\":\"/run/b/c1\","
		"\"spec\":{\"process\":{\"args\":[\"/bin/sh\"]}}}");
	_cleanup_request_ struct sg_request *without = from_json_ok(
		"{\"op\":\"create\",\"namespace\":\"default\",\"id\":\"c1\","
		"\"spec\":{\"process\":{\"args\":[\"/bin/sh\"]}}}");
	(void)state;

	assert_string_equal(with->bundle, "/run/b/c1");
	assert_null(without->bundle);
}

static void expect_error(const char *text, const char *msg)
{
	json_auto_t *env = sg_test_json(text);
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };

	assert_true(sg_oci_request_from_json(env, &req, &err) < 0);
	assert_null(req);
	assert_string_equal(err.msg, msg);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("[]", "request: not a JSON object");
	expect_error("{\"op\":\"create\",\"namespace\":\"d\",\"id\":\"c\",\"bundle\":\"b/c\","
		     "\"spec\":{\"process\":{}}}", "\"bundle\": not an absolute path");
	expect_error("{\"op\":\"exec\",\"namespace\":\"d\",\"id\":\"c\",\"bundle\":\"/b\","
		     "\"process\":{}}", "exec request: unknown key 'bundle'");
	expect_error("{\"namespace\":\"d\",\"id\":\"c\"}", "\"op\": missing");
	expect_error("{\"op\":\"run\",\"namespace\":\"d\",\"id\":\"c\"}",
		     "\"op\": 'run' is not exec, create or mount");
	expect_error("{\"op\":\"exec\",\"namespace\":\"d\",\"id\":7}", "\"id\": not a string");
	expect_error("{\"op\":\"exec\",\"namespace\":\"d\",\"id\":\"c\",\"process\":{},\"spec\":{}}",
		     "exec request: unknown key 'spec'");
	expect_error("{\"op\":\"exec\",\"namespace\":\"d\",\"id\":\"c\"}", "\"process\": missing");
	expect_error("{\"op\":\"exec\",\"namespace\":\"d\",\"id\":\"c\",\"process\":[]}",
		     "\"process\": not an object");
	expect_error("{\"op\":\"exec\",\"namespace\":\"d\",\"id\":\"c\",\"process\":{},\"now\":-1}",
		     "\"now\": not a non-negative integer");
	expect_error("{\"op\":\"exec\",\"namespace\":\"d\",\"id\":\"a/b\",\"process\":{}}",
		     "container id is empty, too long or not a plain name");
	expect_error("{\"op\":\"create\",\"namespace\":\"d\",\"id\":\"c\",\"spec\":{\"process\":{}},"
		     "\"mount\":0}",
		     "create request: unknown key 'mount'");
	expect_error("{\"op\":\"create\",\"namespace\":\"d\",\"id\":\"c\",\"spec\":{\"process\":{}},"
		     "\"rootfs\":[{\"type\":\"overlay\",\"flags\":1}]}",
		     "\"rootfs\" entry: unknown key 'flags'");
	expect_error("{\"op\":\"create\",\"namespace\":\"d\",\"id\":\"c\",\"spec\":{\"process\":{},"
		     "\"mounts\":[{\"type\":\"bind\"}]}}",
		     "mounts[0].destination: missing");
	expect_error("{\"op\":\"create\",\"namespace\":\"d\",\"id\":\"c\",\"spec\":{\"process\":{},"
		     "\"mounts\":[{\"destination\":\"/x\",\"options\":[1]}]}}",
		     "mounts[0].options[0]: not a string");
	expect_error("{\"op\":\"mount\",\"namespace\":\"d\",\"id\":\"c\",\"spec\":{\"process\":{},"
		     "\"mounts\":[{\"destination\":\"/x\"}]},\"mount\":1}",
		     "\"mount\": not an integer in 0..0");
	expect_error("{\"op\":\"mount\",\"namespace\":\"d\",\"id\":\"c\",\"spec\":{\"process\":{}}}",
		     "\"mount\": the create has no mounts");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec),   cmocka_unit_test(test_exec_minimal),
		cmocka_unit_test(test_create), cmocka_unit_test(test_create_apply_mounts),
		cmocka_unit_test(test_mount),  cmocka_unit_test(test_errors),
		cmocka_unit_test(test_bundle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
