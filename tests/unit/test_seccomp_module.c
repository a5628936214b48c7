/* SPDX-License-Identifier: Apache-2.0 */
/* The seccomp module: golden cases (golden/seccomp/<case>/{in.json,policy,out.json}) for
 * replace and default modes and capability-dependent rules, and argument errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/request.h"
#include "modules/modules.h"
#include "oci/oci.h"

static char *golden_dir(void)
{
	return sg_test_src("tests/unit/golden/seccomp");
}

static int init_module(const char *args, struct sg_module_state **st, struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(args);
	_cleanup_free_ char *dir = golden_dir();
	const char *argv[16];
	struct sg_module_init init = { .struct_size = sizeof(init), .op = SG_OP_CREATE,
				       .policy_file = "test", .line = 1, .argv = argv,
				       .policy_dir = dir };
	char *save = NULL;

	for (char *t = strtok_r(copy, " \n", &save); t && init.argc < 16;
	     t = strtok_r(NULL, " \n", &save))
		argv[init.argc++] = t;
	return sg_module_seccomp.init(&init, st, err);
}

static json_t *load_json(const char *dir, const char *name)
{
	_cleanup_free_ char *path = NULL;
	json_error_t jerr;
	json_t *j;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	j = json_load_file(path, 0, &jerr);
	if (!j)
		fail_msg("%s: %s", path, jerr.text);
	return j;
}

static void run_case(const char *root, const char *dir)
{
	json_auto_t *in = load_json(dir, "in.json");
	json_auto_t *out = load_json(dir, "out.json");
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *policy = NULL;
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_module_state *st = NULL;
	struct sg_error err = { 0 };
	const json_t *notes = json_object_get(out, "notes");
	const json_t *want_seccomp;
	size_t i;
	json_t *c;

	assert_true(asprintf(&path, "%s/policy", dir) > 0);
	policy = sg_test_read(path, NULL);
	assert_non_null(policy);
	if (init_module(policy, &st, &err) < 0)
		fail_msg("%s: init: %s", dir, err.msg);
	assert_int_equal(sg_request_new(SG_OP_CREATE, "default", "c1", &req, NULL), 0);
	req->doc = json_incref(in);
	json_array_foreach(json_object_get(json_object_get(json_object_get(in, "process"),
							   "capabilities"), "bounding"), i, c) {
		req->proc.caps[SG_CAPSET_BOUNDING] |= UINT64_C(1)
						      << sg_cap_from_name(json_string_value(c));
		req->proc.caps_present[SG_CAPSET_BOUNDING] = true;
	}
	assert_int_equal(sg_module_seccomp.check(st, req, &err), SG_VERDICT_SUCCESS);
	want_seccomp = json_object_get(out, "seccomp");
	if (json_is_null(want_seccomp) ? req->seccomp != NULL
					 : !json_equal(req->seccomp, want_seccomp)) {
		_cleanup_free_ char *got = req->seccomp ? json_dumps(req->seccomp, 0) : NULL;

		fail_msg("%s: got %s", dir, got ? got : "null");
	}
	assert_int_equal(req->notes.n, json_array_size(notes));
	for (i = 0; i < req->notes.n; i++) {
		_cleanup_free_ char *want = NULL;
		const char *tmpl = json_string_value(json_array_get(notes, i));
		const char *at = strstr(tmpl, "@DIR@");

		assert_non_null(at);
		assert_true(asprintf(&want, "%.*s%s%s", (int)(at - tmpl), tmpl, root, at + 5) > 0);
		assert_string_equal(req->notes.v[i], want);
	}
	sg_module_seccomp.fini(st);
}

static void test_golden(void **state)
{
	_cleanup_free_ char *root = golden_dir();
	(void)state;

	assert_int_equal(sg_test_each_case(root, run_case), 6);
}

static void expect_init_error(const char *args, const char *msg)
{
	struct sg_module_state *st = NULL;
	struct sg_error err = { 0 };

	assert_true(init_module(args, &st, &err) < 0);
	assert_null(st);
	assert_string_equal(err.msg, msg);
}

static void test_init_errors(void **state)
{
	_cleanup_free_ char *dir = golden_dir();
	_cleanup_free_ char *missing = NULL;
	(void)state;

	expect_init_error("", "missing profile=PATH");
	expect_init_error("profile=profile.json mode=sometimes",
			  "unknown mode 'sometimes' (want replace or default)");
	expect_init_error("profile=profile.json strict",
			  "unknown or repeated argument 'strict' (want profile=PATH "
			  "mode=replace|default)");
	assert_true(asprintf(&missing, "%s/nope.json: No such file or directory", dir) > 0);
	expect_init_error("profile=nope.json", missing);
}

static void test_exec_is_an_error(void **state)
{
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_module_state *st = NULL;
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(init_module("profile=profile.json", &st, &err), 0);
	assert_int_equal(sg_request_new(SG_OP_EXEC, "default", "c1", &req, NULL), 0);
	assert_int_equal(sg_module_seccomp.check(st, req, &err), SG_VERDICT_ERROR);
	assert_string_equal(err.msg, "seccomp applies to create only");
	assert_null(req->seccomp);
	sg_module_seccomp.fini(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_exec_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
