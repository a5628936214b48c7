/* SPDX-License-Identifier: Apache-2.0 */
/* config.json as a create writes it: the seccomp module's kept profile (object and text,
 * spliced by the writer) against the profile resolved afresh and written in full, for the
 * bench fixture and the golden specs of ctr, Docker and CRI, and for more bounding sets than
 * the module keeps. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/request.h"
#include "modules/modules.h"
#include "oci/oci.h"
#include "seccomp/profile.h"

struct fixture {
	struct sg_module_state *st;
	struct sg_seccomp_profile *profile;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	_cleanup_free_ char *path = sg_test_src("policies/seccomp/default.json");
	_cleanup_free_ char *arg = NULL;
	struct sg_error err = { 0 };
	const char *argv[2];
	struct sg_module_init init = { .struct_size = sizeof(init), .op = SG_OP_CREATE,
				       .policy_file = "test", .line = 1, .argv = argv, .argc = 2 };

	assert_non_null(f);
	assert_true(asprintf(&arg, "profile=%s", path) > 0);
	argv[0] = arg;
	argv[1] = "mode=replace";
	if (sg_module_seccomp.init(&init, &f->st, &err) < 0 ||
	    sg_seccomp_profile_load(path, &f->profile, &err) < 0)
		fail_msg("%s: %s", path, err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sg_module_seccomp.fini(f->st);
	sg_seccomp_profile_free(f->profile);
	free(f);
	return 0;
}

/* A create request of its own copy of spec (the request takes its own reference). */
static struct sg_request *new_request(const json_t *spec)
{
	json_auto_t *copy = json_deep_copy(spec);
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };

	if (sg_oci_create_request("default", "c1", copy, NULL, 0, &req, &err) < 0)
		fail_msg("create request: %s", err.msg);
	return req;
}

static struct sg_request *request_for(const json_t *spec, uint64_t caps)
{
	struct sg_request *req = new_request(spec);

	req->proc.caps_present[SG_CAPSET_BOUNDING] = true;
	req->proc.caps[SG_CAPSET_BOUNDING] = caps;
	return req;
}

/* The document text the gate writes now (module, apply, spliced writer) against the one it
 * wrote before (a fresh resolve, apply, the writer walking the whole object). */
static void compare(struct fixture *f, const char *name, const json_t *spec, uint64_t caps)
{
	_cleanup_request_ struct sg_request *now = request_for(spec, caps);
	_cleanup_request_ struct sg_request *was = request_for(spec, caps);
	_cleanup_free_ char *text_now = NULL, *text_was = NULL;
	json_auto_t *doc_now = NULL, *doc_was = NULL;
	struct sg_error err = { 0 };
	size_t len_now, len_was;

	assert_int_equal(sg_module_seccomp.check(f->st, now, &err), SG_VERDICT_SUCCESS);
	assert_non_null(now->seccomp_text);
	assert_int_equal(sg_seccomp_profile_resolve(f->profile, caps, &was->seccomp, &err), 0);
	assert_int_equal(sg_oci_create_apply(now, &err), 0);
	assert_int_equal(sg_oci_create_apply(was, &err), 0);
	assert_int_equal(sg_oci_dump_spliced(now->doc, now->seccomp, now->seccomp_text,
					     now->seccomp_text_len, &text_now, &len_now, &err), 0);
	assert_int_equal(sg_oci_dump(was->doc, &text_was, &len_was, &err), 0);
	if (len_now != len_was || memcmp(text_now, text_was, len_now) != 0)
		fail_msg("%s, caps %#llx: written differently", name, (unsigned long long)caps);
	assert_int_equal(sg_oci_parse(text_now, len_now, &doc_now, &err), 0);
	assert_int_equal(sg_oci_parse(text_was, len_was, &doc_was, &err), 0);
	if (!json_equal(doc_now, doc_was))
		fail_msg("%s, caps %#llx: documents differ", name, (unsigned long long)caps);
	/* The spliced profile is the very one resolved afresh. */
	assert_true(json_equal(json_object_get(json_object_get(doc_now, "linux"), "seccomp"),
			       was->seccomp));
}

static json_t *load_spec(const char *path)
{
	json_error_t jerr;
	json_t *j = json_load_file(path, 0, &jerr);

	if (!j)
		fail_msg("%s: %s", path, jerr.text);
	return j;
}

static uint64_t spec_caps(const json_t *spec)
{
	_cleanup_request_ struct sg_request *req = new_request(spec);

	return req->proc.caps[SG_CAPSET_BOUNDING];
}

/* Each spec twice: the second create takes the kept profile. */
static void check_spec(struct fixture *f, const char *path)
{
	json_auto_t *spec = load_spec(path);
	uint64_t caps = spec_caps(spec);

	compare(f, path, spec, caps);
	compare(f, path, spec, caps);
	compare(f, path, spec, 0);
}

static void test_bench_fixture(void **state)
{
	_cleanup_free_ char *path = sg_test_src("tests/bench/fixtures/config.json");

	check_spec(*state, path);
}

static void test_golden_specs(void **state)
{
	_cleanup_free_ char *dir = sg_test_src("tests/unit/golden/specs");
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		_cleanup_free_ char *path = NULL;

		if (!strstr(e->d_name, ".json"))
			continue;
		assert_true(asprintf(&path, "%s/%s", dir, e->d_name) > 0);
		check_spec(*state, path);
		n++;
	}
	closedir(d);
	assert_true(n >= 3); /* ctr, Docker, CRI */
}

/* More bounding sets than the module keeps, twice round: every one, kept or replaced, is
 * still the profile for that set. */
static void test_many_bounding_sets(void **state)
{
	_cleanup_free_ char *path = sg_test_src("tests/bench/fixtures/config.json");
	json_auto_t *spec = load_spec(path);

	/* The shipped profile's rules depend on CAP_SYS_CHROOT (18): every other set has it. */
	for (int round = 0; round < 2; round++)
		for (uint64_t bit = 0; bit < 12; bit++)
			compare(*state, path, spec,
				(UINT64_C(1) << bit) | (bit % 2 ? UINT64_C(1) << 18 : 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench_fixture),
		cmocka_unit_test(test_golden_specs),
		cmocka_unit_test(test_many_bounding_sets),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
