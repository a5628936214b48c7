/* SPDX-License-Identifier: Apache-2.0 */
/* Golden cases of the process rewriters: golden/process/<case>/in.json is a request envelope,
 * policy one module line, out.json the verdict, the reason (a substring), the notes and the
 * document the runtime would get (the exec's process JSON, or the create's config.json). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/registry.h"
#include "core/request.h"
#include "gate/builtins.h"
#include "oci/oci.h"

static json_t *read_json(const char *dir, const char *name)
{
	size_t len = 0;
	_cleanup_free_ char *text = sg_test_read_in(dir, name, &len);
	struct sg_error err = { 0 };
	json_t *j = NULL;

	if (sg_oci_parse(text, len, &j, &err) < 0)
		fail_msg("%s/%s: %s", dir, name, err.msg);
	return j;
}

/* Initialises the module the policy line names, with the line's arguments. */
static const struct sg_module *init_module(const char *dir, enum sg_op op,
					   struct sg_module_state **st)
{
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *line = NULL;
	const struct sg_module *m = NULL;
	struct sg_module_init init = { .struct_size = sizeof(init), .op = op,
				       .policy_file = "policy", .line = 1, .policy_dir = dir };
	struct sg_error err = { 0 };
	const char *argv[16];
	char *save = NULL, *name;
	void *handle = NULL;

	assert_true(asprintf(&path, "%s/policy", dir) > 0);
	line = sg_test_read(path, NULL);
	assert_non_null(line);
	name = strtok_r(line, " \n", &save);
	assert_non_null(name);
	for (char *t = strtok_r(NULL, " \n", &save); t && init.argc < 16;
	     t = strtok_r(NULL, " \n", &save))
		argv[init.argc++] = t;
	init.argv = argv;
	if (sg_module_find(name, sg_builtin_modules, NULL, &m, &handle, &err) < 0)
		fail_msg("%s: %s", dir, err.msg);
	if (m->init(&init, st, &err) < 0)
		fail_msg("%s: init: %s", dir, err.msg);
	return m;
}

static json_t *result_doc(struct sg_request *req)
{
	_cleanup_free_ char *text = NULL;
	struct sg_error err = { 0 };
	json_t *j = NULL;
	size_t len = 0;

	if (req->op == SG_OP_CREATE) {
		if (sg_oci_create_apply(req, &err) < 0)
			fail_msg("create apply: %s", err.msg);
		return json_incref(req->doc);
	}
	if (sg_oci_exec_serialize(req, &text, &len, &err) < 0)
		fail_msg("exec serialize: %s", err.msg);
	if (strstr(text, "SHIMGATE_TOKEN"))
		fail_msg("token left in %s", text);
	assert_int_equal(sg_oci_parse(text, len, &j, NULL), 0);
	return j;
}

static void run_case(const char *root, const char *dir)
{
	json_auto_t *in = read_json(dir, "in.json");
	json_auto_t *out = read_json(dir, "out.json");
	json_auto_t *got = NULL;
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_module_state *st = NULL;
	const struct sg_module *m;
	struct sg_error err = { 0 };
	const json_t *notes = json_object_get(out, "notes");
	const char *want_reason = json_string_value(json_object_get(out, "reason"));
	enum sg_verdict want;
	int verdict;
	(void)root;

	if (sg_oci_request_from_json(in, &req, &err) < 0)
		fail_msg("%s: in.json: %s", dir, err.msg);
	m = init_module(dir, req->op, &st);
	verdict = m->check(st, req, &err);
	assert_int_equal(sg_verdict_parse(json_string_value(json_object_get(out, "verdict")), &want),
			 0);
	if (verdict != (int)want)
		fail_msg("%s: verdict %s, want %s (%s)", dir, sg_verdict_name(verdict),
			 sg_verdict_name(want), err.msg);
	if (want_reason && strcmp(err.msg, want_reason) != 0)
		fail_msg("%s: reason '%s', want '%s'", dir, err.msg, want_reason);
	assert_int_equal(req->notes.n, json_array_size(notes));
	for (size_t i = 0; i < req->notes.n; i++)
		if (strcmp(req->notes.v[i], json_string_value(json_array_get(notes, i))) != 0)
			fail_msg("%s: note %zu '%s', want '%s'", dir, i, req->notes.v[i],
				 json_string_value(json_array_get(notes, i)));
	got = result_doc(req);
	if (!json_equal(got, json_object_get(out, "doc"))) {
		_cleanup_free_ char *g = json_dumps(got, JSON_COMPACT);

		fail_msg("%s: document %s", dir, g);
	}
	if (m->fini)
		m->fini(st);
}

static void test_golden(void **state)
{
	_cleanup_free_ char *root = sg_test_src("tests/unit/golden/process");
	(void)state;

	assert_true(sg_test_each_case(root, run_case) >= 13);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
