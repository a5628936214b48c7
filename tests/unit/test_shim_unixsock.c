/* SPDX-License-Identifier: Apache-2.0 */
/* The gate's unix sockets: one live listener per path, and the pid that made a socket listen,
 * which names a gate and is all it relays to. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shim/life/unixsock.h"
#include "testutil.h"

static void test_listener_pid(void **state)
{
	const struct sg_test_dir *t = *state;
	struct sg_error err = { 0 };
	char *path = NULL;
	pid_t pid = 0;
	ino_t ino = 0;
	int fd, c;

	assert_true(asprintf(&path, "%s/gate", t->dir) > 0);
	assert_int_equal(sg_unix_listener_pid(path, &pid), -ENOENT);
	fd = sg_unix_listen(path, &ino, &err);
	assert_true(fd >= 0);
	assert_true(sg_unix_alive(path));
	/* A second gate for the same path reuses the live one. */
	assert_int_equal(sg_unix_listen(path, &ino, &err), -EADDRINUSE);
	assert_int_equal(sg_unix_listener_pid(path, &pid), 0);
	assert_int_equal(pid, getpid());
	c = sg_unix_connect(path);
	assert_true(c >= 0);
	pid = 0;
	assert_int_equal(sg_unix_peer_pid(c, &pid), 0);
	assert_int_equal(pid, getpid());
	close(c);
	/* Nobody accepts there any more: the stale file is no listener. */
	close(fd);
	assert_false(sg_unix_alive(path));
	assert_int_equal(sg_unix_listener_pid(path, &pid), -ECONNREFUSED);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SG_TEST_WITH_DIR(test_listener_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
