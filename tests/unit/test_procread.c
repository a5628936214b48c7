/* SPDX-License-Identifier: Apache-2.0 */
/* The exec fast path (oci/procread.h): the process specs ctr, Docker and CRI send are read
 * without jansson and written back exactly as the jansson path writes them; every other spec
 * is left to the jansson path, never refused by the reader. (tests/fuzz/fuzz_exec_fast.c
 * holds the two paths to each other on any input.) */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "oci_testutil.h"

#include "core/cleanup.h"
#include "oci/fields.h"
#include "oci/procread.h"

static int fast_read(const char *text, struct sg_proc_doc *pd, struct sg_process *p)
{
	struct sg_error err = { 0 };

	return sg_proc_doc_read(text, strlen(text), false, pd, p, &err);
}

/* text read both ways into an exec request, written back both ways: the same bytes. */
static void expect_same_output(const char *text)
{
	_cleanup_request_ struct sg_request *a = NULL;
	_cleanup_request_ struct sg_request *b = NULL;
	_cleanup_free_ char *oa = NULL;
	_cleanup_free_ char *ob = NULL;
	struct sg_error err = { 0 };
	struct sg_process p;
	struct sg_proc_doc pd;
	json_t *doc = NULL;
	size_t la, lb;

	assert_int_equal(fast_read(text, &pd, &p), 1);
	assert_int_equal(sg_oci_exec_request_fast("ns", "c1", "e1", &p, &pd, NULL, &b, &err), 0);
	assert_int_equal(sg_oci_parse_doc(text, strlen(text), SG_FIELDS_ROOT_PROCESS, &doc, &err), 0);
	assert_int_equal(json_object_set_new(doc, "terminal", json_false()), 0);
	assert_int_equal(sg_oci_exec_request_doc("ns", "c1", "e1", doc, NULL, &a, &err), 0);
	json_decref(doc);
	/* What the modules do to an exec: capabilities cut, no_new_privileges forced. */
	a->proc.caps[SG_CAPSET_BOUNDING] = b->proc.caps[SG_CAPSET_BOUNDING] = 0x4fb;
	a->proc.no_new_privileges = b->proc.no_new_privileges = true;
	assert_int_equal(sg_oci_exec_serialize(a, &oa, &la, &err), 0);
	assert_int_equal(sg_oci_exec_serialize(b, &ob, &lb, &err), 0);
	assert_string_equal(oa, ob);
	assert_int_equal(la, lb);
}

/* The process of each golden client spec, as its client sends it for an exec. */
static void test_client_specs_taken(void **state)
{
	static const char *const specs[] = {
		"tests/unit/golden/specs/docker-20.10.json",
		"tests/unit/golden/specs/cri-1.6-container.json",
		"tests/unit/golden/specs/cri-1.6-sandbox.json",
		"tests/unit/golden/specs/ctr-1.6-rootfs.json",
	};
	(void)state;

	for (size_t i = 0; i < SG_ARRAY_SIZE(specs); i++) {
		_cleanup_free_ char *src = NULL;
		_cleanup_free_ char *text = NULL;
		_cleanup_free_ char *proc = NULL;
		json_t *spec;
		size_t len;

		src = sg_test_src(specs[i]);
		text = sg_test_read(src, &len);
		assert_non_null(text);
		spec = sg_test_json(text);
		proc = json_dumps(json_object_get(spec, "process"), JSON_COMPACT);
		json_decref(spec);
		expect_same_output(proc);
	}
	expect_same_output("{}");
	expect_same_output(" {\n \"args\" : [ \"a\" , \"b\" ] ,\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
			   "\"hard\":18446744073709551615,\"soft\":0}],\"oomScoreAdj\":-998,"
			   "\"user\":{\"umask\":18,\"uid\":1,\"additionalGids\":[]}} ");
}

/* Each is valid JSON or not, accepted by the jansson path or not: never the reader's. */
static void test_left_to_jansson(void **state)
{
	static const char *const texts[] = {
		"",
		"[]",
		"{\"args\":[\"\\/bin/sh\"]}",              /* an escape */
		"{\"args\":[\"caf\xc3\xa9\"]}",             /* not ASCII */
		"{\"Args\":[\"/bin/sh\"]}",                 /* Go would read it as args */
		"{\"args\":[\"a\"],\"args\":[\"b\"]}",      /* twice */
		"{\"args\":[\"a\"]} x",                     /* trailing text */
		"{\"args\":null}",
		"{\"args\":[1]}",
		"{\"env\":[\"NOEQUALS\"]}",
		"{\"env\":[\"=x\"]}",
		"{\"cwd\":1}",
		"{\"terminal\":\"yes\"}",
		"{\"oomScoreAdj\":-0}",
		"{\"oomScoreAdj\":1e3}",
		"{\"oomScoreAdj\":1.5}",
		"{\"oomScoreAdj\":01}",
		"{\"oomScoreAdj\":9223372036854775808}",
		"{\"rlimits\":[{\"type\":\"RLIMIT_RTPRIO\",\"hard\":1,\"soft\":1}]}",
		"{\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":18446744073709551616}]}",
		"{\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"hard\":-1}]}",
		"{\"user\":{\"uid\":4294967296}}",
		"{\"user\":{\"username\":\"x\"}}",
		"{\"capabilities\":{\"bounding\":[\"CAP_NOPE\"]}}",
		"{\"capabilities\":{\"Bounding\":[]}}",
		"{\"scheduler\":{\"policy\":\"SCHED_FIFO\"}}",
		"{\"ioPriority\":{\"class\":\"IOPRIO_CLASS_RT\"}}",
		"{\"consoleSize\":{\"height\":1,\"depth\":2}}",
		"{\"args\":[\"a\"]",
	};
	(void)state;

	for (size_t i = 0; i < SG_ARRAY_SIZE(texts); i++) {
		struct sg_process p = { 0 };
		struct sg_proc_doc pd;

		if (fast_read(texts[i], &pd, &p) != 0)
			fail_msg("the fast reader took '%s'", texts[i]);
		assert_null(p.args.v);
		assert_null(p.cwd);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_specs_taken),
		cmocka_unit_test(test_left_to_jansson),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
