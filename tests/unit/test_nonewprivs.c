/* SPDX-License-Identifier: Apache-2.0 */
/* The nonewprivs module (T16): forced on create and exec, no arguments. */
#include <errno.h>

#include "oci_testutil.h"

static void test_nonewprivs(void **state)
{
	_cleanup_request_ struct sg_request *exec =
		sg_test_exec("{\"args\":[\"/bin/id\"],\"noNewPrivileges\":false}", NULL);
	_cleanup_request_ struct sg_request *create =
		sg_test_create("{\"args\":[\"/bin/id\"],\"noNewPrivileges\":true}");
	const struct sg_module *m;
	struct sg_module_state *st;
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_test_module_init("nonewprivs", SG_OP_EXEC, "always", NULL, &m, &st,
					     &err), -EINVAL);
	assert_string_equal(err.msg, "unknown argument 'always' (nonewprivs takes none)");
	assert_int_equal(sg_test_module_init("nonewprivs", SG_OP_EXEC, "", NULL, &m, &st, &err), 0);
	assert_int_equal(m->check(st, exec, &err), SG_VERDICT_SUCCESS);
	assert_true(exec->proc.no_new_privileges);
	assert_int_equal(exec->notes.n, 1);
	assert_string_equal(exec->notes.v[0], "nonewprivs: forced noNewPrivileges");
	/* Already set: nothing to record. */
	assert_int_equal(m->check(st, create, &err), SG_VERDICT_SUCCESS);
	assert_true(create->proc.no_new_privileges);
	assert_int_equal(create->notes.n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nonewprivs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
