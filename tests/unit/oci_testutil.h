/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the tests of the OCI readers and the process modules (header-only: each test
 * program includes it once). */
#ifndef SG_TEST_OCI_TESTUTIL_H
#define SG_TEST_OCI_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/registry.h"
#include "core/request.h"
#include "gate/builtins.h"
#include "oci/oci.h"

static inline json_t *sg_test_json(const char *text)
{
	struct sg_error err = { 0 };
	json_t *j = NULL;

	if (sg_oci_parse(text, strlen(text), &j, &err) < 0)
		fail_msg("parse '%s': %s", text, err.msg);
	return j;
}

/* Initialises the built-in module name with args (space separated); returns init's result. */
static inline int sg_test_module_init(const char *name, enum sg_op op, const char *args,
				      const char *policy_dir, const struct sg_module **m,
				      struct sg_module_state **st, struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(args);
	struct sg_module_init init = { .struct_size = sizeof(init), .op = op,
				       .policy_file = "test", .line = 1, .policy_dir = policy_dir };
	const char *argv[16];
	char *save = NULL;
	void *handle = NULL;

	assert_int_equal(sg_module_find(name, sg_builtin_modules, NULL, m, &handle, NULL), 0);
	for (char *t = strtok_r(copy, " ", &save); t && init.argc < 16; t = strtok_r(NULL, " ", &save))
		argv[init.argc++] = t;
	init.argv = argv;
	*st = NULL;
	return (*m)->init(&init, st, err);
}

/* An exec request for process (JSON text), with an optional container config.json. */
static inline struct sg_request *sg_test_exec(const char *process, const char *container)
{
	json_auto_t *cdoc = container ? sg_test_json(container) : NULL;
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };

	if (sg_oci_exec_request("default", "c1", "e1", process, strlen(process), cdoc, &req,
				&err) < 0)
		fail_msg("exec request: %s", err.msg);
	return req;
}

/* A create request whose config.json has process (JSON text). */
static inline struct sg_request *sg_test_create(const char *process)
{
	_cleanup_free_ char *text = NULL;
	json_auto_t *config = NULL;
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	size_t n = strlen(process) + sizeof("{\"process\":}");

	text = malloc(n);
	assert_non_null(text);
	(void)snprintf(text, n, "{\"process\":%s}", process);
	config = sg_test_json(text);
	if (sg_oci_create_request("default", "c1", config, NULL, 0, &req, &err) < 0)
		fail_msg("create request: %s", err.msg);
	return req;
}

#endif
