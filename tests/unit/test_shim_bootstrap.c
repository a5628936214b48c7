/* SPDX-License-Identifier: Apache-2.0 */
/* The shim's command line and start output, as containerd 1.6, 1.7 and 2.x write and read
 * them (PROTOCOL 1.2, 1.5, 4.1). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim/args.h"
#include "shim/life/bootstrap.h"
#include "testutil.h"

static void test_args_start_16(void **state)
{
	const char *argv[] = { "containerd-shim-shimgate-v2", "-namespace", "default", "-address",
			 "/run/containerd/containerd.sock", "-publish-binary", "/usr/bin/containerd",
			 "-id", "p1", "-debug", "start", NULL };
	struct sg_shim_args a;

	(void)state;
	assert_int_equal(sg_shim_args_parse(11, argv, &a, NULL), 0);
	assert_string_equal(a.ns, "default");
	assert_string_equal(a.id, "p1");
	assert_string_equal(a.address, "/run/containerd/containerd.sock");
	assert_true(a.debug);
	assert_string_equal(a.action, "start");
}

static void test_args_delete_forms(void **state)
{
	const char *argv[] = { "x", "--namespace=k8s.io", "-id=c1", "-bundle", "/b", "-debug=false",
			 "-debug-socket", "/d", "delete", NULL };
	const char *info[] = { "x", "-info", NULL };
	struct sg_shim_args a;

	(void)state;
	assert_int_equal(sg_shim_args_parse(9, argv, &a, NULL), 0);
	assert_string_equal(a.ns, "k8s.io");
	assert_string_equal(a.id, "c1");
	assert_string_equal(a.bundle, "/b");
	assert_false(a.debug);
	assert_string_equal(a.action, "delete");
	assert_int_equal(sg_shim_args_parse(2, info, &a, NULL), 0);
	assert_true(a.info);
	assert_null(a.action);
}

static void test_args_refused(void **state)
{
	const char *unknown[] = { "x", "-frobnicate", "start", NULL };
	const char *novalue[] = { "x", "-id", NULL };
	const char *extra[] = { "x", "start", "now", NULL };
	const char *badbool[] = { "x", "-debug=maybe", "start", NULL };
	struct sg_shim_args a;
	struct sg_error err = { 0 };

	(void)state;
	assert_true(sg_shim_args_parse(3, unknown, &a, &err) < 0);
	assert_non_null(strstr(err.msg, "frobnicate"));
	assert_true(sg_shim_args_parse(2, novalue, &a, &err) < 0);
	assert_true(sg_shim_args_parse(3, extra, &a, &err) < 0);
	assert_true(sg_shim_args_parse(3, badbool, &a, &err) < 0);
}

static void test_bootstrap_plain(void **state)
{
	struct sg_bootstrap b;
	char *out;

	(void)state;
	assert_int_equal(sg_bootstrap_parse("unix:///run/containerd/s/abc\n", &b, NULL), 0);
	assert_int_equal(b.version, 0);
	assert_string_equal(b.path, "/run/containerd/s/abc");
	out = sg_bootstrap_format(&b, "/run/shimgate/def");
	assert_string_equal(out, "unix:///run/shimgate/def");
	free(out);
}

static void test_bootstrap_json_v3_passes_through(void **state)
{
	struct sg_bootstrap b;
	char *out;

	(void)state;
	assert_int_equal(sg_bootstrap_parse(" {\"version\":3,\"address\":\"unix:///run/containerd/s/"
					    "x\",\"protocol\":\"ttrpc\"} ",
					    &b, NULL),
			 0);
	assert_int_equal(b.version, 3);
	assert_string_equal(b.path, "/run/containerd/s/x");
	out = sg_bootstrap_format(&b, "/run/shimgate/y");
	assert_string_equal(out, "{\"version\":3,\"address\":\"unix:///run/shimgate/y\","
				 "\"protocol\":\"ttrpc\"}");
	free(out);
}

static void test_bootstrap_refused(void **state)
{
	static const char *const bad[] = {
		"",
		"   \n",
		"/run/containerd/s/abc",                     /* abstract socket in Go's parser */
		"vsock://3:1024",
		"unix://relative/path",
		"{\"version\":4,\"address\":\"unix:///a\"}", /* containerd refuses > 3 too */
		"{\"version\":2,\"address\":\"unix:///a\",\"protocol\":\"grpc\"}",
		"{\"version\":2,\"address\":\"unix:///a\",\"address\":\"unix:///b\"}",
		"{\"version\":2}",
		"{not json",
	};
	struct sg_bootstrap b;
	struct sg_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(sg_bootstrap_parse(bad[i], &b, &err) < 0);
}

static void test_gate_socket_path(void **state)
{
	char p1[SG_SOCKET_PATH_MAX], p2[SG_SOCKET_PATH_MAX], p3[SG_SOCKET_PATH_MAX];
	char p4[SG_SOCKET_PATH_MAX], longdir[200];

	(void)state;
	assert_int_equal(sg_gate_socket_path("/run/shimgate", "/run/containerd/s/a", 10, p1, NULL), 0);
	assert_int_equal(sg_gate_socket_path("/run/shimgate", "/run/containerd/s/a", 10, p2, NULL), 0);
	assert_int_equal(sg_gate_socket_path("/run/shimgate", "/run/containerd/s/b", 10, p3, NULL), 0);
	assert_int_equal(sg_gate_socket_path("/run/shimgate", "/run/containerd/s/a", 11, p4, NULL), 0);
	/* One real shim, one gate (grouped containers share it); another shim, another gate,
	 * also a later shim on the same socket path (the same namespace and id again). */
	assert_string_equal(p1, p2);
	assert_string_not_equal(p1, p3);
	assert_string_not_equal(p1, p4);
	assert_int_equal(strlen(p1), strlen("/run/shimgate/") + 64);
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	assert_true(sg_gate_socket_path(longdir, "/x", 10, p1, NULL) < 0);
}

static void test_bundle_address_no_newline(void **state)
{
	char dir[] = "/tmp/sg-bundle-XXXXXX", path[64], buf[128];
	ssize_t n;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sg_bundle_address_write(dir, "/run/shimgate/abc", NULL), 0);
	snprintf(path, sizeof(path), "%s/address", dir);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	/* containerd 1.6 does not trim this file: a newline breaks its reconnect. */
	assert_int_equal(n, (ssize_t)strlen("unix:///run/shimgate/abc"));
	assert_memory_equal(buf, "unix:///run/shimgate/abc", (size_t)n);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_args_start_16),
		cmocka_unit_test(test_args_delete_forms),
		cmocka_unit_test(test_args_refused),
		cmocka_unit_test(test_bootstrap_plain),
		cmocka_unit_test(test_bootstrap_json_v3_passes_through),
		cmocka_unit_test(test_bootstrap_refused),
		cmocka_unit_test(test_gate_socket_path),
		cmocka_unit_test(test_bundle_address_no_newline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
