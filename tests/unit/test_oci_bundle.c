/* SPDX-License-Identifier: Apache-2.0 */
/* A bundle's config.json through oci's one load and one store: bounded, no link or FIFO,
 * the Go key check, every error naming the file; written back only when changed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "oci/oci.h"

#define CONFIG "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/sh\"],\"cwd\":\"/\"}%s}"

static char *config_path(const struct sg_test_dir *t, const char *extra)
{
	return sg_test_write(t->dir, "config.json", 0644, CONFIG, extra);
}

/* Loads path, expecting code and, on failure, "<path>: <msg>". */
static void expect_load(const char *path, int code, const char *msg)
{
	struct sg_oci_config cfg = { 0 };
	struct sg_error err = { 0 };
	char *want = NULL;

	assert_int_equal(sg_oci_config_load(path, &cfg, &err), code);
	if (code == 0) {
		assert_string_equal(cfg.path, path);
		assert_int_equal(cfg.len, strlen(cfg.text));
		sg_oci_config_clear(&cfg);
		return;
	}
	assert_null(cfg.doc);
	assert_true(asprintf(&want, "%s: %s", path, msg) > 0);
	assert_string_equal(err.msg, want);
	free(want);
}

static void test_load(void **state)
{
	struct sg_test_dir *t = *state;
	char *path = config_path(t, "");
	char *link = NULL, *fifo = NULL, *big;

	expect_load(path, 0, NULL);
	/* The Go key check runs: a key runc would read as "mounts". */
	free(config_path(t, ",\"MOUNTS\":[]"));
	expect_load(path, -EINVAL, "key 'MOUNTS' would be read by runc as 'mounts'");
	/* Not through a symbolic link, not from a FIFO (which would hold the reader). */
	assert_true(asprintf(&link, "%s/link.json", t->dir) > 0);
	assert_int_equal(symlink(path, link), 0);
	expect_load(link, -ELOOP, "a symbolic link");
	assert_true(asprintf(&fifo, "%s/fifo.json", t->dir) > 0);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	expect_load(fifo, -EINVAL, "not a regular file");
	/* At most SG_LIMIT_JSON_MAX bytes. */
	big = calloc(1, SG_LIMIT_JSON_MAX + 1);
	memset(big, ' ', SG_LIMIT_JSON_MAX);
	free(sg_test_write(t->dir, "config.json", 0644, CONFIG, big));
	assert_int_equal(sg_oci_config_load(path, &(struct sg_oci_config){ 0 }, NULL), -EFBIG);
	free(big);
	free(fifo);
	free(link);
	free(path);
}

/* The store writes the policy's changes back, and leaves an unchanged file alone: the same
 * bytes, the same document spelled differently, the spec's own seccomp profile set again. */
static void test_store(void **state)
{
	static const struct {
		const char *extra, *seccomp;
		bool written;
	} cases[] = {
		{ "", NULL, false },
		{ ", \"hostname\" : \"h\" ", NULL, false },
		{ ",\"annotations\":{\"io.shimgate.token\":\"tok\"}", NULL, true },
		{ ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}",
		  "{\"defaultAction\":\"SCMP_ACT_ALLOW\"}", false },
		{ ",\"linux\":{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}",
		  "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}", true },
		{ "", "{\"defaultAction\":\"SCMP_ACT_ERRNO\"}", true },
	};
	struct sg_test_dir *t = *state;
	char *path = config_path(t, "");

	for (size_t i = 0; i < SG_ARRAY_SIZE(cases); i++) {
		_cleanup_request_ struct sg_request *req = NULL;
		_cleanup_free_ char *text = NULL;
		json_auto_t *back = NULL;
		struct sg_oci_config cfg = { 0 };
		struct sg_error err = { 0 };
		struct stat before, after;

		free(config_path(t, cases[i].extra));
		assert_int_equal(stat(path, &before), 0);
		assert_int_equal(sg_oci_config_load(path, &cfg, &err), 0);
		assert_int_equal(sg_oci_create_request("default", "c1", cfg.doc, NULL, 0, &req,
						       &err), 0);
		if (cases[i].seccomp)
			req->seccomp = json_loads(cases[i].seccomp, 0, NULL);
		assert_int_equal(sg_oci_config_store(&cfg, req, &err), 0);
		assert_int_equal(stat(path, &after), 0);
		if (cases[i].written)
			assert_int_not_equal(before.st_ino, after.st_ino);
		else
			assert_int_equal(before.st_ino, after.st_ino);
		text = sg_test_read(path, NULL);
		back = json_loads(text, 0, NULL);
		assert_non_null(back);
		assert_null(strstr(text, "tok"));
		if (cases[i].seccomp)
			assert_true(json_equal(json_object_get(json_object_get(back, "linux"),
							       "seccomp"),
					       req->seccomp));
		sg_oci_config_clear(&cfg);
	}
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SG_TEST_WITH_DIR(test_load),
		SG_TEST_WITH_DIR(test_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
