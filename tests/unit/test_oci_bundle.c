/* SPDX-License-Identifier: Apache-2.0 */
/* A bundle's config.json through oci's one load and one store: bounded, no link or FIFO,
 * the Go key check, every error naming the file; written back only when changed. */
#define _GNU_SOURCE
#include <errno.h>
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
		assert_true(json_equal(cfg.doc, cfg.before));
		assert_ptr_not_equal(cfg.doc, cfg.before);
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

/* The store writes the policy's changes back, and leaves an unchanged file alone. */
static void test_store(void **state)
{
	struct sg_test_dir *t = *state;
	char *path = config_path(t, "");
	_cleanup_free_ char *text = NULL;
	struct stat before, after;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		_cleanup_request_ struct sg_request *req = NULL;
		struct sg_oci_config cfg = { 0 };
		struct sg_error err = { 0 };

		/* Pass 1: a token annotation, which the store must take off the disk. */
		free(config_path(t, pass ? ",\"annotations\":{\"io.shimgate.token\":\"tok\"}" : ""));
		assert_int_equal(stat(path, &before), 0);
		assert_int_equal(sg_oci_config_load(path, &cfg, &err), 0);
		assert_int_equal(sg_oci_create_request("default", "c1", cfg.doc, NULL, 0, &req,
						       &err), 0);
		assert_int_equal(sg_oci_config_store(&cfg, req, &err), 0);
		assert_int_equal(stat(path, &after), 0);
		if (pass)
			assert_int_not_equal(before.st_ino, after.st_ino);
		else
			assert_int_equal(before.st_ino, after.st_ino);
		sg_oci_config_clear(&cfg);
	}
	text = sg_test_read(path, NULL);
	assert_null(strstr(text, "tok"));
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
