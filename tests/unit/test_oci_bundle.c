/* SPDX-License-Identifier: Apache-2.0 */
/* A bundle's config.json through oci's one load and one store: bounded, no link or FIFO,
 * the Go key check, every error naming the file; written back only when changed. */
#define _GNU_SOURCE
#include <dirent.h>
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
#include "core/strutil.h"
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

/* The names in dir, but for "." and "..", as one space-separated string. */
static char *dir_names(const char *dir)
{
	char *names = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&names, &len);
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(f);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			fprintf(f, "%s ", e->d_name);
	closedir(d);
	fclose(f);
	return names;
}

/* The replace leaves the new file and nothing else: over an existing file (exchanged, the old
 * one removed) and where there was none (renamed). */
static void test_replace(void **state)
{
	struct sg_test_dir *t = *state;
	_cleanup_free_ char *path = NULL, *names = NULL, *text = NULL;
	struct sg_error err = { 0 };

	assert_true(asprintf(&path, "%s/f", t->dir) > 0);
	for (int pass = 0; pass < 2; pass++) {
		const char *want = pass ? "second" : "first";

		assert_int_equal(sg_write_file_replace(path, want, strlen(want), 0640, &err), 0);
		free(text);
		text = sg_test_read(path, NULL);
		assert_string_equal(text, want);
		free(names);
		names = dir_names(t->dir);
		assert_string_equal(names, "f ");
	}
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
		_cleanup_free_ char *text = NULL, *names = NULL;
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
		names = dir_names(t->dir);
		assert_string_equal(names, "config.json ");
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
		SG_TEST_WITH_DIR(test_replace),
		SG_TEST_WITH_DIR(test_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
