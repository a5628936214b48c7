/* SPDX-License-Identifier: Apache-2.0 */
/* The caps module (T14): argument errors, every set limited, exec bounded by its container,
 * mode=refuse. The JSON round trip is in the golden cases (test_golden_process.c). */
#include <errno.h>

#include "oci_testutil.h"

#define BIT(c) (UINT64_C(1) << (c))

static void expect_init_error(const char *args, const char *msg)
{
	const struct sg_module *m;
	struct sg_module_state *st;
	struct sg_error err = { 0 };

	assert_int_equal(sg_test_module_init("caps", SG_OP_EXEC, args, NULL, &m, &st, &err),
			 -EINVAL);
	assert_null(st);
	assert_string_equal(err.msg, msg);
}

static void test_init_errors(void **state)
{
	(void)state;
	expect_init_error("", "caps needs keep= or drop=");
	expect_init_error("mode=refuse", "caps needs keep= or drop=");
	expect_init_error("keep=CHOWN keep=KILL", "argument 'keep' given twice");
	expect_init_error("keep=FLY", "argument 'keep': unknown capability 'FLY'");
	expect_init_error("drop=", "argument 'drop': empty capability in ''");
	expect_init_error("mode=maybe keep=ALL", "mode 'maybe': want force or refuse");
	expect_init_error("add=SYS_ADMIN", "unknown argument 'add=SYS_ADMIN' (want keep=, drop=, mode=)");
}

static void test_all_sets_create(void **state)
{
	_cleanup_request_ struct sg_request *req = sg_test_create(
		"{\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_CHOWN\"],"
		"\"effective\":[\"CAP_SYS_ADMIN\"],\"inheritable\":[\"CAP_SYS_ADMIN\"],"
		"\"permitted\":[\"CAP_SYS_ADMIN\"],\"ambient\":[\"CAP_SYS_ADMIN\",\"CAP_KILL\"]}}");
	const struct sg_module *m;
	struct sg_module_state *st;
	(void)state;

	assert_int_equal(sg_test_module_init("caps", SG_OP_CREATE, "keep=all drop=sys_admin", NULL,
					     &m, &st, NULL), 0);
	assert_int_equal(m->check(st, req, NULL), SG_VERDICT_SUCCESS);
	assert_int_equal(req->proc.caps[SG_CAPSET_BOUNDING], BIT(0));
	assert_int_equal(req->proc.caps[SG_CAPSET_EFFECTIVE], 0);
	assert_int_equal(req->proc.caps[SG_CAPSET_INHERITABLE], 0);
	assert_int_equal(req->proc.caps[SG_CAPSET_PERMITTED], 0);
	assert_int_equal(req->proc.caps[SG_CAPSET_AMBIENT], BIT(5));
	assert_int_equal(req->notes.n, 5);
	assert_string_equal(req->notes.v[4], "caps: ambient: dropped CAP_SYS_ADMIN");
	m->fini(st);
}

static const char *const attack =
	"{\"args\":[\"/bin/sh\"],\"capabilities\":{\"bounding\":[\"CAP_SYS_PTRACE\",\"CAP_NET_ADMIN\","
	"\"CAP_SYS_MODULE\",\"CAP_KILL\"],\"effective\":[\"CAP_SYS_PTRACE\",\"CAP_NET_ADMIN\","
	"\"CAP_SYS_MODULE\",\"CAP_KILL\"],\"permitted\":[\"CAP_SYS_PTRACE\",\"CAP_NET_ADMIN\","
	"\"CAP_SYS_MODULE\",\"CAP_KILL\"]},\"noNewPrivileges\":false}";
static const char *const container =
	"{\"process\":{\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"],"
	"\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"]}}}";

static void test_exec_above_container(void **state)
{
	_cleanup_request_ struct sg_request *req = sg_test_exec(attack, container);
	const struct sg_module *m;
	struct sg_module_state *st;
	(void)state;

	/* The policy alone allows everything but SYS_ADMIN: the container is the real bound. */
	assert_int_equal(sg_test_module_init("caps", SG_OP_EXEC, "drop=SYS_ADMIN", NULL, &m, &st,
					     NULL), 0);
	assert_int_equal(m->check(st, req, NULL), SG_VERDICT_SUCCESS);
	for (int s = 0; s < SG_CAPSET_COUNT; s++)
		assert_int_equal(req->proc.caps[s] & ~req->container_caps[s], 0);
	assert_int_equal(req->proc.caps[SG_CAPSET_EFFECTIVE], BIT(5));
	assert_int_equal(req->proc.caps[SG_CAPSET_BOUNDING], BIT(5));
	m->fini(st);
}

static void test_exec_unknown_container(void **state)
{
	_cleanup_request_ struct sg_request *req = sg_test_exec(attack, NULL);
	_cleanup_request_ struct sg_request *req2 = sg_test_exec(attack, NULL);
	const struct sg_module *m;
	struct sg_module_state *st;
	(void)state;

	/* Without the container only the policy bounds an exec: keep= is what protects. */
	assert_int_equal(sg_test_module_init("caps", SG_OP_EXEC, "drop=SYS_MODULE", NULL, &m, &st,
					     NULL), 0);
	assert_int_equal(m->check(st, req, NULL), SG_VERDICT_SUCCESS);
	assert_int_equal(req->proc.caps[SG_CAPSET_EFFECTIVE], BIT(19) | BIT(12) | BIT(5));
	m->fini(st);
	assert_int_equal(sg_test_module_init("caps", SG_OP_EXEC, "keep=KILL,CHOWN", NULL, &m, &st,
					     NULL), 0);
	assert_int_equal(m->check(st, req2, NULL), SG_VERDICT_SUCCESS);
	assert_int_equal(req2->proc.caps[SG_CAPSET_EFFECTIVE], BIT(5));
	m->fini(st);
}

static void test_refuse(void **state)
{
	_cleanup_request_ struct sg_request *req = sg_test_exec(attack, container);
	_cleanup_request_ struct sg_request *ok = sg_test_exec(
		"{\"args\":[\"/bin/sh\"],\"capabilities\":{\"effective\":[\"CAP_KILL\"]}}", container);
	const struct sg_module *m;
	struct sg_module_state *st;
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_test_module_init("caps", SG_OP_EXEC, "keep=ALL mode=refuse", NULL, &m,
					     &st, NULL), 0);
	assert_int_equal(m->check(st, req, &err), SG_VERDICT_DENY);
	assert_string_equal(err.msg, "caps: process.capabilities.bounding asks for CAP_NET_ADMIN,"
				     "CAP_SYS_MODULE,CAP_SYS_PTRACE beyond the policy or the container");
	assert_int_equal(req->proc.caps[SG_CAPSET_EFFECTIVE], BIT(19) | BIT(12) | BIT(16) | BIT(5));
	assert_int_equal(req->notes.n, 0);
	assert_int_equal(m->check(st, ok, &err), SG_VERDICT_SUCCESS);
	m->fini(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_all_sets_create),
		cmocka_unit_test(test_exec_above_container),
		cmocka_unit_test(test_exec_unknown_container),
		cmocka_unit_test(test_refuse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
