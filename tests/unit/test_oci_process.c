/* SPDX-License-Identifier: Apache-2.0 */
/* sg_oci_parse bounds and sg_oci_process_read/apply: strict types with field names, absent
 * versus empty, unknown keys kept on apply, the capability name table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci_testutil.h"

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "oci/oci.h"

static void expect_parse_error(const char *text, size_t len, int code, const char *msg)
{
	struct sg_error err = { 0 };
	json_t *j = NULL;

	assert_int_equal(sg_oci_parse(text, len, &j, &err), code);
	assert_null(j);
	if (!strstr(err.msg, msg))
		fail_msg("message '%s' lacks '%s'", err.msg, msg);
}

static void test_parse_bounds(void **state)
{
	char deep[2 * (SG_LIMIT_JSON_DEPTH + 1) + 1];
	_cleanup_free_ char *big = NULL;
	json_t *j;
	size_t n = SG_LIMIT_JSON_DEPTH;
	(void)state;

	expect_parse_error("{\"a\":1,\"a\":2}", 13, -EINVAL, "JSON line 1 column 10: duplicate object key");
	expect_parse_error("{\"a\":\"x\\u0000y\"}", 16, -EINVAL, "\\u0000 is not allowed");
	expect_parse_error("{\n \"a\": }", 9, -EINVAL, "JSON line 2 column 7: unexpected token");
	expect_parse_error("not json", 8, -EINVAL, "JSON line 1");

	/* Exactly the limit parses; one more level is refused before jansson builds it. */
	memset(deep, '[', n);
	memset(deep + n, ']', n);
	deep[2 * n] = '\0';
	j = sg_test_json(deep);
	json_decref(j);
	memset(deep, '[', n + 1);
	memset(deep + n + 1, ']', n + 1);
	deep[2 * n + 2] = '\0';
	expect_parse_error(deep, strlen(deep), -E2BIG,
			   "JSON line 1 column 33: nested deeper than 32 levels");
	/* Brackets inside strings do not count. */
	j = sg_test_json("{\"a\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"[[[[\"}");
	json_decref(j);

	big = malloc(SG_LIMIT_JSON_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', SG_LIMIT_JSON_MAX + 1);
	big[0] = '{';
	big[SG_LIMIT_JSON_MAX] = '}';
	big[SG_LIMIT_JSON_MAX + 1] = '\0';
	expect_parse_error(big, SG_LIMIT_JSON_MAX + 1, -E2BIG,
			   "JSON document of 1048577 bytes (limit 1048576)");
	big[SG_LIMIT_JSON_MAX - 1] = '}';
	big[SG_LIMIT_JSON_MAX] = '\0';
	j = sg_test_json(big);
	json_decref(j);
}

static void expect_read_error(const char *text, const char *msg)
{
	json_auto_t *j = sg_test_json(text);
	struct sg_process p = { 0 };
	struct sg_error err = { 0 };

	assert_true(sg_oci_process_read(j, &p, &err) < 0);
	assert_string_equal(err.msg, msg);
	assert_false(p.args.present);
	assert_null(p.args.v);
}

static void test_read_errors(void **state)
{
	(void)state;
	expect_read_error("[]", "process: not an object");
	expect_read_error("{\"args\":\"/bin/sh\"}", "process.args: not an array");
	expect_read_error("{\"args\":[\"a\",1]}", "process.args[1]: not a string");
	expect_read_error("{\"env\":[\"A=1\",\"NOEQUALS\"]}", "process.env[1]: not of the form KEY=VALUE");
	expect_read_error("{\"env\":[\"=x\"]}", "process.env[0]: not of the form KEY=VALUE");
	expect_read_error("{\"env\":null}", "process.env: not an array");
	expect_read_error("{\"cwd\":5}", "process.cwd: not a string");
	expect_read_error("{\"terminal\":\"yes\"}", "process.terminal: not a boolean");
	expect_read_error("{\"noNewPrivileges\":1}", "process.noNewPrivileges: not a boolean");
	expect_read_error("{\"user\":[]}", "process.user: not an object");
	expect_read_error("{\"user\":{\"uid\":\"0\"}}", "process.user.uid: not an integer");
	expect_read_error("{\"user\":{\"uid\":1.0}}", "process.user.uid: not an integer");
	expect_read_error("{\"user\":{\"uid\":-1}}", "process.user.uid: -1 is outside 0..4294967295");
	expect_read_error("{\"user\":{\"gid\":4294967296}}",
			  "process.user.gid: 4294967296 is outside 0..4294967295");
	expect_read_error("{\"user\":{\"umask\":true}}", "process.user.umask: not an integer");
	expect_read_error("{\"user\":{\"additionalGids\":[1,\"2\"]}}",
			  "process.user.additionalGids[1]: not an integer");
	expect_read_error("{\"user\":{\"username\":7}}", "process.user.username: not a string");
	expect_read_error("{\"user\":{\"uid\":0,\"home\":\"/\"}}", "process.user: unknown key 'home'");
	expect_read_error("{\"capabilities\":[]}", "process.capabilities: not an object");
	expect_read_error("{\"capabilities\":{\"effective\":[\"CAP_FLY\"]}}",
			  "process.capabilities.effective: unknown capability 'CAP_FLY'");
	expect_read_error("{\"capabilities\":{\"ambient\":[\"cap_chown\"]}}",
			  "process.capabilities.ambient: unknown capability 'cap_chown'");
	expect_read_error("{\"capabilities\":{\"bounding\":[3]}}",
			  "process.capabilities.bounding[0]: not a string");
	expect_read_error("{\"capabilities\":{\"extra\":[]}}",
			  "process.capabilities: unknown set 'extra'");
}

static void test_read_bounds(void **state)
{
	json_auto_t *args = json_array();
	json_auto_t *proc = json_object();
	struct sg_process p = { 0 };
	struct sg_error err = { 0 };
	(void)state;

	for (unsigned i = 0; i <= SG_LIMIT_ARGC; i++)
		json_array_append_new(args, json_string("x"));
	json_object_set(proc, "args", args);
	assert_int_equal(sg_oci_process_read(proc, &p, &err), -E2BIG);
	assert_string_equal(err.msg, "process.args: more than 1024 entries");
	json_array_remove(args, 0);
	assert_int_equal(sg_oci_process_read(proc, &p, &err), 0);
	assert_int_equal(p.args.n, SG_LIMIT_ARGC);
	sg_process_clear(&p);
}

static void test_read_full(void **state)
{
	json_auto_t *j = sg_test_json(
		"{\"terminal\":true,\"user\":{\"uid\":1000,\"gid\":4294967295,\"umask\":18,"
		"\"additionalGids\":[5,6],\"username\":\"u\"},\"args\":[\"/bin/sh\",\"-c\",\"a b\"],"
		"\"env\":[\"PATH=/bin\",\"E=\"],\"cwd\":\"/w\",\"capabilities\":{\"bounding\":"
		"[\"CAP_SYS_ADMIN\",\"CAP_CHOWN\",\"CAP_CHOWN\"],\"ambient\":[]},"
		"\"noNewPrivileges\":true,\"rlimits\":[]}");
	struct sg_process p = { 0 };
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_oci_process_read(j, &p, &err), 0);
	assert_true(p.terminal);
	assert_true(p.no_new_privileges);
	assert_int_equal(p.user.uid, 1000);
	assert_int_equal(p.user.gid, UINT32_MAX);
	assert_true(p.user.additional_gids_present);
	assert_int_equal(p.user.n_additional_gids, 2);
	assert_int_equal(p.user.additional_gids[1], 6);
	assert_string_equal(p.user.username, "u");
	assert_int_equal(p.args.n, 3);
	assert_string_equal(p.args.v[2], "a b");
	assert_int_equal(p.env.n, 2);
	assert_string_equal(p.env.v[1], "E=");
	assert_string_equal(p.cwd, "/w");
	assert_true(p.capabilities_present);
	assert_true(p.caps_present[SG_CAPSET_BOUNDING]);
	assert_true(p.caps_present[SG_CAPSET_AMBIENT]);
	assert_false(p.caps_present[SG_CAPSET_EFFECTIVE]);
	assert_int_equal(p.caps[SG_CAPSET_BOUNDING], (UINT64_C(1) << 21) | 1);
	assert_int_equal(p.caps[SG_CAPSET_AMBIENT], 0);
	sg_process_clear(&p);
}

static void test_absent_vs_empty(void **state)
{
	json_auto_t *absent = sg_test_json("{\"cwd\":\"/\"}");
	json_auto_t *empty = sg_test_json("{\"args\":[],\"env\":[],\"capabilities\":{},"
				      "\"user\":{\"additionalGids\":[]}}");
	struct sg_process p = { 0 };
	(void)state;

	assert_int_equal(sg_oci_process_read(absent, &p, NULL), 0);
	assert_false(p.args.present);
	assert_false(p.env.present);
	assert_false(p.capabilities_present);
	assert_false(p.user.additional_gids_present);
	assert_null(p.user.username);
	assert_int_equal(sg_oci_process_read(empty, &p, NULL), 0);
	assert_true(p.args.present);
	assert_int_equal(p.args.n, 0);
	assert_true(p.env.present);
	assert_true(p.capabilities_present);
	for (int s = 0; s < SG_CAPSET_COUNT; s++)
		assert_false(p.caps_present[s]);
	assert_true(p.user.additional_gids_present);
	assert_int_equal(p.user.n_additional_gids, 0);
	sg_process_clear(&p);
}

static void test_apply(void **state)
{
	json_auto_t *j = sg_test_json(
		"{\"user\":{\"uid\":0,\"gid\":0,\"umask\":18},\"args\":[\"a\"],\"cwd\":\"/\","
		"\"capabilities\":{\"bounding\":[\"CAP_SYS_ADMIN\",\"CAP_CHOWN\"],\"effective\":"
		"[\"CAP_KILL\"]},\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
		"\"apparmorProfile\":\"p\",\"oomScoreAdj\":5}");
	json_auto_t *want = sg_test_json(
		"{\"user\":{\"uid\":0,\"gid\":0,\"umask\":18},\"args\":[\"b\",\"c\"],\"cwd\":\"/\","
		"\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_NET_RAW\"],\"effective\":[],"
		"\"ambient\":[\"CAP_NET_RAW\"]},"
		"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"
		"\"apparmorProfile\":\"p\",\"oomScoreAdj\":5,\"env\":[\"A=1\"],"
		"\"noNewPrivileges\":true}");
	struct sg_process p = { 0 };
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_oci_process_read(j, &p, &err), 0);
	sg_strv_clear(&p.args);
	assert_int_equal(sg_strv_push(&p.args, "b", 8, NULL), 0);
	assert_int_equal(sg_strv_push(&p.args, "c", 8, NULL), 0);
	assert_int_equal(sg_strv_push(&p.env, "A=1", 8, NULL), 0);
	p.caps[SG_CAPSET_BOUNDING] = (UINT64_C(1) << 13) | 1;
	p.caps[SG_CAPSET_EFFECTIVE] = 0;
	p.caps[SG_CAPSET_AMBIENT] = UINT64_C(1) << 13; /* made non-empty: written */
	p.no_new_privileges = true;
	assert_int_equal(sg_oci_process_apply(&p, j, &err), 0);
	if (!json_equal(j, want)) {
		_cleanup_free_ char *got = json_dumps(j, JSON_COMPACT);

		fail_msg("apply gave %s", got);
	}
	/* Canonical order, whatever the input order was. */
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(j, "capabilities"), "bounding"), 0)),
			    "CAP_CHOWN");
	sg_process_clear(&p);
}

static void test_apply_leaves_absent(void **state)
{
	json_auto_t *j = sg_test_json("{\"args\":[\"a\"],\"cwd\":\"/\"}");
	json_auto_t *want = sg_test_json("{\"args\":[\"a\"],\"cwd\":\"/\"}");
	struct sg_process p = { 0 };
	(void)state;

	assert_int_equal(sg_oci_process_read(j, &p, NULL), 0);
	assert_int_equal(sg_oci_process_apply(&p, j, NULL), 0);
	assert_true(json_equal(j, want));
	sg_process_clear(&p);
}

static void test_cap_names(void **state)
{
	char buf[64];
	uint64_t m = 0;
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_cap_from_name("CAP_CHOWN"), 0);
	assert_int_equal(sg_cap_from_name("CAP_SYS_ADMIN"), 21);
	assert_int_equal(sg_cap_from_name("CAP_CHECKPOINT_RESTORE"), 40);
	assert_int_equal(sg_cap_from_name("CAP_BPF"), 39);
	assert_int_equal(sg_cap_from_name("SYS_ADMIN"), -1);
	assert_int_equal(sg_cap_from_name("cap_sys_admin"), -1);
	assert_string_equal(sg_cap_name(19), "CAP_SYS_PTRACE");
	assert_string_equal(sg_cap_name(40), "CAP_CHECKPOINT_RESTORE");
	assert_null(sg_cap_name(41));
	assert_null(sg_cap_name(-1));
	for (int c = 0; c <= SG_CAP_LAST; c++)
		assert_int_equal(sg_cap_from_name(sg_cap_name(c)), c);

	assert_int_equal(sg_cap_parse_list("net_raw,CAP_CHOWN,Sys_Admin", &m, &err), 0);
	assert_int_equal(m, (UINT64_C(1) << 13) | 1 | (UINT64_C(1) << 21));
	assert_int_equal(sg_cap_parse_list("all", &m, &err), 0);
	assert_int_equal(m, SG_CAP_MASK_ALL);
	assert_int_equal(sg_cap_parse_list("CHOWN,FLY", &m, &err), -EINVAL);
	assert_string_equal(err.msg, "unknown capability 'FLY'");
	assert_int_equal(sg_cap_parse_list("CHOWN,", &m, &err), -EINVAL);
	assert_string_equal(err.msg, "empty capability in 'CHOWN,'");
	sg_cap_format((UINT64_C(1) << 19) | (UINT64_C(1) << 12), buf, sizeof(buf));
	assert_string_equal(buf, "CAP_NET_ADMIN,CAP_SYS_PTRACE");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bounds),   cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_read_bounds),    cmocka_unit_test(test_read_full),
		cmocka_unit_test(test_absent_vs_empty), cmocka_unit_test(test_apply),
		cmocka_unit_test(test_apply_leaves_absent), cmocka_unit_test(test_cap_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
