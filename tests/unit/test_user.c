/* SPDX-License-Identifier: Apache-2.0 */
/* The user module (T16, T17): nonroot, uid= and gid= ranges (strict), the denial names the
 * field and the value. */
#include <errno.h>

#include "oci_testutil.h"

static void expect_init_error(const char *args, const char *msg)
{
	const struct sg_module *m;
	struct sg_module_state *st;
	struct sg_error err = { 0 };

	assert_int_equal(sg_test_module_init("user", SG_OP_EXEC, args, NULL, &m, &st, &err),
			 -EINVAL);
	assert_null(st);
	assert_string_equal(err.msg, msg);
}

static void test_init_errors(void **state)
{
	const char *want = "(decimal, 0..4294967295, MIN <= MAX)";
	char msg[160];
	(void)state;

	expect_init_error("", "user needs nonroot, uid= or gid=");
	expect_init_error("root", "unknown argument 'root' (want nonroot, uid=, gid=)");
	(void)snprintf(msg, sizeof(msg), "argument 'uid=10-5': want N or MIN-MAX %s", want);
	expect_init_error("uid=10-5", msg);
	(void)snprintf(msg, sizeof(msg), "argument 'uid=-5': want N or MIN-MAX %s", want);
	expect_init_error("uid=-5", msg);
	(void)snprintf(msg, sizeof(msg), "argument 'gid=01': want N or MIN-MAX %s", want);
	expect_init_error("gid=01", msg);
	(void)snprintf(msg, sizeof(msg), "argument 'gid=1-4294967296': want N or MIN-MAX %s", want);
	expect_init_error("gid=1-4294967296", msg);
	(void)snprintf(msg, sizeof(msg), "argument 'uid=1-2-3': want N or MIN-MAX %s", want);
	expect_init_error("uid=1-2-3", msg);
	expect_init_error("uid=+5", "argument 'uid=+5': want N or MIN-MAX (decimal, 0..4294967295, "
				    "MIN <= MAX)");
	expect_init_error("uid=1 uid=2", "argument 'uid' given twice");
}

static int check(const char *args, const char *process, struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = sg_test_exec(process, NULL);
	const struct sg_module *m;
	struct sg_module_state *st;
	int v;

	assert_int_equal(sg_test_module_init("user", SG_OP_EXEC, args, NULL, &m, &st, NULL), 0);
	v = m->check(st, req, err);
	m->fini(st);
	return v;
}

static void test_checks(void **state)
{
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(check("nonroot", "{\"user\":{\"uid\":0,\"gid\":1000}}", &err),
			 SG_VERDICT_DENY);
	assert_string_equal(err.msg, "user: process.user.uid 0 is root (policy: nonroot)");
	/* No user object means uid 0 to runc. */
	assert_int_equal(check("nonroot", "{\"args\":[\"/bin/id\"]}", &err), SG_VERDICT_DENY);
	assert_int_equal(check("nonroot", "{\"user\":{\"uid\":1,\"gid\":0}}", &err),
			 SG_VERDICT_SUCCESS);
	assert_int_equal(check("uid=1000-1999", "{\"user\":{\"uid\":2000,\"gid\":0}}", &err),
			 SG_VERDICT_DENY);
	assert_string_equal(err.msg, "user: process.user.uid 2000 is outside 1000-1999");
	assert_int_equal(check("uid=1000-1999", "{\"user\":{\"uid\":1999,\"gid\":0}}", &err),
			 SG_VERDICT_SUCCESS);
	assert_int_equal(check("uid=1000", "{\"user\":{\"uid\":1000}}", &err), SG_VERDICT_SUCCESS);
	assert_int_equal(check("uid=1000 gid=100-200", "{\"user\":{\"uid\":1000,\"gid\":99}}", &err),
			 SG_VERDICT_DENY);
	assert_string_equal(err.msg, "user: process.user.gid 99 is outside 100-200");
	assert_int_equal(check("gid=100-200",
			       "{\"user\":{\"uid\":5,\"gid\":150,\"additionalGids\":[100,0]}}", &err),
			 SG_VERDICT_DENY);
	assert_string_equal(err.msg, "user: process.user.additionalGids[1] 0 is outside 100-200");
	assert_int_equal(check("gid=100-200 nonroot",
			       "{\"user\":{\"uid\":5,\"gid\":150,\"additionalGids\":[100,200]}}", &err),
			 SG_VERDICT_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
