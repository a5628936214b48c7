/* SPDX-License-Identifier: Apache-2.0 */
/* The replay store: first use, replay, expiry, across processes and reopen, full, bad files. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/limits.h"
#include "sig/replay.h"

#define N1 "0123456789abcdef0123456789abcdef"
#define N2 "1123456789abcdef0123456789abcdef"

struct fixture {
	char *dir;
	char *path;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = sg_test_mkdtemp();
	if (asprintf(&f->path, "%s/state/replay.db", f->dir) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sg_test_rmtree(f->dir);
	free(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static struct sg_replay *open_ok(const char *path, uint32_t cap)
{
	struct sg_replay *r = NULL;
	struct sg_error err = { 0 };

	if (sg_replay_open(path, cap, &r, &err) < 0)
		fail_msg("open: %s", err.msg);
	return r;
}

static void test_first_then_replay(void **state)
{
	struct fixture *f = *state;
	struct sg_replay *r = open_ok(f->path, 1024);
	struct sg_error err = { 0 };
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 64 + 1024 * 24);
	_cleanup_free_ char *dir = strndup(f->path, strrchr(f->path, '/') - f->path);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);

	assert_int_equal(sg_replay_record(r, "k1", N1, 200, 100, &err), 0);
	assert_int_equal(sg_replay_record(r, "k1", N1, 200, 150, &err), -EALREADY);
	assert_string_equal(err.msg, "nonce already used (replay)");
	/* Same nonce under another key is another entry. */
	assert_int_equal(sg_replay_record(r, "k2", N1, 200, 150, &err), 0);
	assert_int_equal(sg_replay_record(r, "k1", N2, 200, 150, &err), 0);
	/* Once expired, the slot may be reused (the token is stale by then anyway). */
	assert_int_equal(sg_replay_record(r, "k1", N1, 400, 200, &err), 0);
	sg_replay_free(r);
}

static void test_across_processes_and_reopen(void **state)
{
	struct fixture *f = *state;
	struct sg_replay *r = open_ok(f->path, 4096);
	struct sg_error err = { 0 };
	int status = 0;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sg_replay *c = NULL;
		int rc;

		if (sg_replay_open(f->path, 4096, &c, NULL) < 0)
			_exit(2);
		rc = sg_replay_record(c, "k1", N1, 1000, 100, NULL) == 0 ? 0 : 1;
		/* Its own store and its copy of the parent's, freed: valgrind follows a fork and
		 * checks the child for leaks at _exit too. */
		sg_replay_free(c);
		sg_replay_free(r);
		_exit(rc);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* The parent's own mapping sees the child's record. */
	assert_int_equal(sg_replay_record(r, "k1", N1, 1000, 101, &err), -EALREADY);
	assert_int_equal(sg_replay_record(r, "k1", N2, 1000, 101, &err), 0);
	sg_replay_free(r);
	/* And so does a fresh open (a restarted shim), also one taking the file's capacity. */
	r = open_ok(f->path, 4096);
	assert_int_equal(sg_replay_record(r, "k1", N1, 1000, 102, &err), -EALREADY);
	assert_int_equal(sg_replay_record(r, "k1", N2, 1000, 102, &err), -EALREADY);
	sg_replay_free(r);
	r = open_ok(f->path, 0);
	assert_int_equal(sg_replay_record(r, "k1", N1, 1000, 103, &err), -EALREADY);
	sg_replay_free(r);
}

static void test_full(void **state)
{
	struct fixture *f = *state;
	struct sg_replay *r = open_ok(f->path, 8);
	struct sg_error err = { 0 };
	char nonce[33];

	for (int i = 0; i < 8; i++) {
		snprintf(nonce, sizeof(nonce), "%032x", i);
		assert_int_equal(sg_replay_record(r, "k1", nonce, 1000, 100, &err), 0);
	}
	snprintf(nonce, sizeof(nonce), "%032x", 99);
	assert_int_equal(sg_replay_record(r, "k1", nonce, 1000, 100, &err), -ENOSPC);
	assert_string_equal(err.msg, "replay store full");
	/* When the entries expire there is room again. */
	assert_int_equal(sg_replay_record(r, "k1", nonce, 2000, 1000, &err), 0);
	sg_replay_free(r);
}

static void test_bad_files(void **state)
{
	struct fixture *f = *state;
	struct sg_replay *r = open_ok(f->path, 16);
	struct sg_error err = { 0 };
	FILE *fp;

	sg_replay_free(r);
	r = NULL;
	assert_int_equal(sg_replay_open(f->path, 32, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "does not match capacity 32"));
	/* A corrupted header. */
	fp = fopen(f->path, "r+");
	assert_non_null(fp);
	fputs("XXXX", fp);
	fclose(fp);
	assert_int_equal(sg_replay_open(f->path, 16, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "bad header"));
	/* Wrong mode. */
	assert_int_equal(chmod(f->path, 0644), 0);
	assert_int_equal(sg_replay_open(f->path, 16, &r, &err), -EPERM);
	assert_non_null(strstr(err.msg, "mode 0600"));
	assert_int_equal(sg_replay_open(f->path, SG_LIMIT_REPLAY_CAPACITY + 1, &r, &err), -EINVAL);
	assert_null(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_first_then_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_across_processes_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
