/* SPDX-License-Identifier: Apache-2.0 */
/* The module loader: a .so built at test time, loaded through a policy; every refusal. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/context.h"
#include "core/loader.h"
#include "core/registry.h"
#include "core/request.h"
#include "core/stack.h"
#include "gate/builtins.h"
#include "modules/modules.h"
#include "testutil.h"

struct fixture {
	char *dir;     /* policy files */
	char *modules; /* the module directory (root-owned, 0755) */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = sg_test_mkdtemp();
	assert_true(asprintf(&f->modules, "%s/modules", f->dir) > 0);
	assert_int_equal(mkdir(f->modules, 0755), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sg_test_rmtree(f->dir);
	free(f->dir);
	free(f->modules);
	free(f);
	return 0;
}

/* Compiles tests/unit/modules/test_module.c into <modules>/<file>.so with extra -D flags,
 * hiding every symbol the module does not mark (SG_MODULE_EXPORT) as modules should. */
static void build(const struct fixture *f, const char *file, const char *defines)
{
	char *cmd = NULL;

	assert_true(asprintf(&cmd,
			     "%s -shared -fPIC -fvisibility=hidden -Wall -Werror -I%s/plugin/include %s "
			     "-o %s/%s.so %s/tests/unit/modules/test_module.c",
			     SG_TEST_CC, SG_TEST_SRCDIR, defines, f->modules, file,
			     SG_TEST_SRCDIR) > 0);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

static int load(const struct fixture *f, enum sg_op op, const char *text, struct sg_stack **s,
		struct sg_error *err)
{
	/* A context as the gate has one: the loaded module must get NULL all the same. */
	struct sg_context ctx = { 0 };
	char *path = sg_test_write(f->dir, sg_op_name(op), 0644, "%s", text);
	int r = sg_stack_load(&ctx, op, path, sg_builtin_modules, f->modules, s, err);

	free(path);
	return r;
}

static void decide(const struct sg_stack *s, const char *id, bool allowed, const char *reason)
{
	struct sg_decision d = { 0 };
	struct sg_request *req = NULL;

	assert_int_equal(sg_request_new(SG_OP_EXEC, "default", id, &req, NULL), 0);
	assert_int_equal(sg_stack_eval(s, req, &d, NULL), 0);
	assert_int_equal(d.allowed, allowed);
	assert_string_equal(d.reason, reason);
	if (allowed) {
		assert_int_equal(req->notes.n, 1);
		assert_string_equal(req->notes.v[0], "tmod: looked at good");
	}
	sg_decision_clear(&d);
	sg_request_free(req);
}

static void test_load_and_run(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	struct sg_stack *s = NULL;

	build(f, "tmod", "");
	assert_int_equal(load(f, SG_OP_EXEC, "required tmod\n", &s, &err), 0);
	decide(s, "good", true, "");
	decide(s, "bad", false, "container 'bad' is not 'good'");
	sg_stack_free(s);

	/* Its init sees its arguments. */
	s = NULL;
	assert_int_equal(load(f, SG_OP_EXEC, "required tmod x\n", &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "/exec:1: tmod: unknown argument 'x'"));
}

static void expect_refused(const struct fixture *f, int code, const char *tail)
{
	struct sg_error err = { 0 };
	struct sg_stack *s = NULL;
	char *path = NULL, *want = NULL;

	assert_true(asprintf(&path, "%s/exec", f->dir) > 0);
	assert_int_equal(load(f, SG_OP_EXEC, "required tmod\n", &s, &err), code);
	assert_null(s);
	assert_true(asprintf(&want, "%s:1: module 'tmod': %s", path, tail) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	free(path);
}

static void test_wrong_abi(void **state)
{
	struct fixture *f = *state;
	char *tail = NULL;

	build(f, "tmod", "-DTEST_ABI=99");
	assert_true(asprintf(&tail, "%s/tmod.so: module ABI version 99, want 1", f->modules) > 0);
	expect_refused(f, -EPROTO, tail);
	free(tail);
}

static void test_missing_symbol(void **state)
{
	struct fixture *f = *state;
	char *tail = NULL;

	build(f, "tmod", "-DTEST_SYMBOL=other_name");
	assert_true(asprintf(&tail, "%s/tmod.so: undefined symbol: sg_module_descriptor",
			     f->modules) > 0);
	expect_refused(f, -ENOEXEC, tail);
	free(tail);
}

static void test_name_mismatch(void **state)
{
	struct fixture *f = *state;
	char *tail = NULL;

	build(f, "tmod", "-DTEST_NAME='\"other\"'");
	assert_true(asprintf(&tail, "%s/tmod.so calls itself 'other'", f->modules) > 0);
	expect_refused(f, -EINVAL, tail);
	free(tail);
}

static void test_world_writable(void **state)
{
	struct fixture *f = *state;
	char *tail = NULL, *so = NULL;

	build(f, "tmod", "");
	assert_true(asprintf(&so, "%s/tmod.so", f->modules) > 0);
	assert_int_equal(chmod(so, 0757), 0);
	assert_true(asprintf(&tail, "%s: writable by group or others (mode 0757)", so) > 0);
	expect_refused(f, -EPERM, tail);
	free(tail);

	assert_int_equal(chmod(so, 0755), 0);
	assert_int_equal(chmod(f->modules, 0777), 0);
	assert_true(asprintf(&tail, "%s: writable by group or others (mode 0777)", f->modules) > 0);
	expect_refused(f, -EPERM, tail);
	free(tail);
	free(so);
}

static void test_not_owned_by_root(void **state)
{
	struct fixture *f = *state;
	char *tail = NULL, *so = NULL;

	build(f, "tmod", "");
	assert_true(asprintf(&so, "%s/tmod.so", f->modules) > 0);
	assert_int_equal(chown(so, 1234, 1234), 0);
	assert_true(asprintf(&tail, "%s: not owned by root (uid 1234)", so) > 0);
	expect_refused(f, -EPERM, tail);
	free(tail);
	free(so);
}

static void test_ops(void **state)
{
	struct fixture *f = *state;
	struct sg_error err = { 0 };
	struct sg_stack *s = NULL;

	build(f, "tmod", "-DTEST_OPS='SG_OP_BIT(SG_OP_EXEC)'");
	assert_int_equal(load(f, SG_OP_MOUNT, "required tmod\n", &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "/mount:1: module 'tmod' is not allowed in the mount stack"));
	assert_int_equal(load(f, SG_OP_EXEC, "required tmod\n", &s, &err), 0);
	sg_stack_free(s);
}

static void test_unknown_and_paths(void **state)
{
	struct fixture *f = *state;
	const struct sg_module *m = NULL;
	struct sg_error err = { 0 };
	void *h = NULL;
	char *want = NULL;

	assert_int_equal(sg_module_find("nosuch", sg_builtin_modules, f->modules, &m, &h, &err), -ENOENT);
	assert_true(asprintf(&want, "unknown module 'nosuch' (not built in, no %s/nosuch.so)",
			     f->modules) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	assert_int_equal(sg_module_find("../tmod", sg_builtin_modules, f->modules, &m, &h, &err), -EINVAL);
	assert_int_equal(sg_module_find("/tmp/x", sg_builtin_modules, f->modules, &m, &h, &err), -EINVAL);
	assert_int_equal(sg_module_find("", sg_builtin_modules, f->modules, &m, &h, &err), -EINVAL);
	assert_int_equal(sg_module_find("Permit", sg_builtin_modules, f->modules, &m, &h, &err), -EINVAL);
	/* Built-ins come first and have no handle. */
	assert_int_equal(sg_module_find("permit", sg_builtin_modules, f->modules, &m, &h, &err), 0);
	assert_ptr_equal(m, &sg_module_permit);
	assert_null(h);
}

static int noop_init(const struct sg_module_init *i, struct sg_module_state **s,
		     struct sg_error *e)
{
	return 0;
}

static int noop_check(struct sg_module_state *s, struct sg_request *r, struct sg_error *e)
{
	return 0;
}

static void test_validate(void **state)
{
	struct sg_module m = { SG_MODULE_HEADER, .name = "ok", .ops = SG_OP_ALL,
			       .init = noop_init, .check = noop_check };
	struct sg_error err = { 0 };
	struct sg_module bad;

	assert_int_equal(sg_module_validate(&m, "t", &err), 0);
	bad = m;
	bad.struct_size = 8;
	assert_int_equal(sg_module_validate(&bad, "t", &err), -EPROTO);
	assert_string_equal(err.msg, "t: module descriptor of 8 bytes, want 56");
	bad = m;
	bad.name = "Bad.Name";
	assert_int_equal(sg_module_validate(&bad, "t", &err), -EINVAL);
	bad = m;
	bad.name = NULL;
	assert_int_equal(sg_module_validate(&bad, "t", &err), -EINVAL);
	bad = m;
	bad.check = NULL;
	assert_int_equal(sg_module_validate(&bad, "t", &err), -EINVAL);
	assert_string_equal(err.msg, "t: module 'ok' lacks init or check");
	bad = m;
	bad.init = NULL;
	assert_int_equal(sg_module_validate(&bad, "t", &err), -EINVAL);
	bad = m;
	bad.ops = 0;
	assert_int_equal(sg_module_validate(&bad, "t", &err), -EINVAL);
	bad.ops = 1u << 7;
	assert_int_equal(sg_module_validate(&bad, "t", &err), -EINVAL);
	/* Every built-in passes. */
	for (size_t i = 0; sg_builtin_modules[i]; i++)
		assert_int_equal(sg_module_validate(sg_builtin_modules[i], "built-in", &err), 0);
}

/* The registry knows only the table it is given: a test injects its own module the way the
 * gate passes the built-ins, and a built-in left out of the table is unknown. */
static void test_injected_table(void **state)
{
	static const struct sg_module inj = { SG_MODULE_HEADER, .name = "inj", .ops = SG_OP_EXEC,
					      .init = noop_init, .check = noop_check };
	static const struct sg_module *const table[] = { &inj, NULL };
	const struct sg_module *m = NULL;
	struct sg_error err = { 0 };
	void *h = NULL;

	(void)state;
	assert_int_equal(sg_module_find("inj", table, NULL, &m, &h, &err), 0);
	assert_ptr_equal(m, &inj);
	assert_null(h);
	assert_int_equal(sg_module_find("permit", table, NULL, &m, &h, &err), -ENOENT);
	assert_string_equal(err.msg, "unknown module 'permit'");
	assert_int_equal(sg_module_find("inj", NULL, NULL, &m, &h, &err), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_and_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_abi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_symbol, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_world_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_owned_by_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_and_paths, setup, teardown),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_injected_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
