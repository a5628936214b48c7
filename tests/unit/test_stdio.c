/* SPDX-License-Identifier: Apache-2.0 */
/* The stdio module (T23) and the path walk under it: FIFOs through root-owned directories,
 * root-owned symlinks only; every URI refused unless allow= lists it (exact, with a query, or
 * below a directory item); the request envelope carries stdin/stdout/stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oci_testutil.h"
#include "core/pathwalk.h"

static char *dir;

static char *in_dir(const char *rel)
{
	char *p = NULL;

	assert_true(asprintf(&p, "%s/%s", dir, rel) > 0);
	return p;
}

static int setup(void **state)
{
	_cleanup_free_ char *fifo = NULL, *file = NULL, *user = NULL, *ufifo = NULL;
	_cleanup_free_ char *link = NULL, *ulink = NULL, *open_dir = NULL, *ofifo = NULL;
	(void)state;

	dir = sg_test_mkdtemp();
	fifo = in_dir("out.fifo");
	file = in_dir("plain");
	user = in_dir("user");
	ufifo = in_dir("user/x.fifo");
	link = in_dir("link");
	ulink = in_dir("ulink");
	open_dir = in_dir("open");
	ofifo = in_dir("open/x.fifo");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	free(sg_test_write(dir, "plain", 0644, "host file\n"));
	assert_int_equal(mkdir(user, 0755), 0);
	assert_int_equal(mkfifo(ufifo, 0600), 0);
	assert_int_equal(chown(user, 65534, 65534), 0);
	assert_int_equal(mkdir(open_dir, 0777), 0);
	assert_int_equal(chmod(open_dir, 0777), 0);
	assert_int_equal(mkfifo(ofifo, 0600), 0);
	assert_int_equal(symlink("out.fifo", link), 0);
	assert_int_equal(symlink("out.fifo", ulink), 0);
	assert_int_equal(lchown(ulink, 65534, 65534), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sg_test_rmtree(dir);
	free(dir);
	return 0;
}

static int judge(const char *args, enum sg_op op, const char *out, struct sg_error *reason)
{
	_cleanup_request_ struct sg_request *req = NULL;
	const char *stdio[SG_STDIO_COUNT] = { NULL, out, "" };
	const struct sg_module *m;
	struct sg_module_state *st;
	int v;

	assert_int_equal(sg_test_module_init("stdio", op, args, NULL, &m, &st, NULL), 0);
	assert_int_equal(sg_request_new(op, "default", "c1", &req, NULL), 0);
	assert_int_equal(sg_request_set_stdio(req, stdio, NULL), 0);
	v = m->check(st, req, reason);
	m->fini(st);
	return v;
}

static void expect_ok(const char *args, const char *out)
{
	struct sg_error reason = { 0 };

	if (judge(args, SG_OP_EXEC, out, &reason) != SG_VERDICT_SUCCESS)
		fail_msg("'%s' refused: %s", out, reason.msg);
}

static void expect_refused(const char *args, const char *out, const char *why)
{
	struct sg_error reason = { 0 };
	_cleanup_free_ char *want = NULL;

	assert_int_equal(judge(args, SG_OP_CREATE, out, &reason), SG_VERDICT_DENY);
	assert_true(asprintf(&want, "stdio: stdout '%s': %s", out, why) > 0);
	assert_string_equal(reason.msg, want);
}

static void test_paths(void **state)
{
	_cleanup_free_ char *fifo = in_dir("out.fifo"), *file = in_dir("plain");
	_cleanup_free_ char *link = in_dir("link"), *ulink = in_dir("ulink");
	_cleanup_free_ char *ufifo = in_dir("user/x.fifo"), *ofifo = in_dir("open/x.fifo");
	_cleanup_free_ char *why = NULL;
	(void)state;

	expect_ok("", NULL);
	expect_ok("", "");
	expect_ok("", fifo);
	expect_ok("", link); /* a root-owned symlink in a root-owned directory */
	expect_refused("", file, "not a FIFO");
	assert_true(asprintf(&why, "'%s' is a symlink not owned by root", ulink) > 0);
	expect_refused("", ulink, why);
	free(why);
	assert_true(asprintf(&why, "directory '%s/user' is owned by uid 65534, not root", dir) > 0);
	expect_refused("", ufifo, why);
	free(why);
	assert_true(asprintf(&why, "directory '%s/open' is writable by group or others (mode 0777)",
			     dir) > 0);
	expect_refused("", ofifo, why);
	expect_refused("", "relative/fifo", "not an absolute path without '?', '#' or '%'");
	expect_refused("", "/run/x?y", "not an absolute path without '?', '#' or '%'");
	expect_refused("", "/nonexistent/fifo", "'/nonexistent': No such file or directory");
	/* Through a magic link (a container's /proc/PID/root/...): readlink says "/", so the
	 * walk judged a host path while the shim would open the container's, whose symlinks
	 * its processes swap. */
	free(why);
	assert_true(asprintf(&why, "/proc/self/root%s", fifo) > 0);
	expect_refused("", why, "'/proc' is on procfs");
}

/* The walk looks at each component by its canonical prefix: a symlink in the middle is
 * followed from its own directory (relative) or from "/" (absolute), and what it leads to
 * is judged; in a root-owned sticky directory only root's entries pass. */
static void test_walk_prefixes(void **state)
{
	_cleanup_free_ char *sticky = in_dir("sticky"), *sfifo = in_dir("sticky/root.fifo");
	_cleanup_free_ char *ufifo = in_dir("sticky/user.fifo"), *mid = in_dir("mid");
	_cleanup_free_ char *abs = in_dir("abs"), *why = NULL, *path = NULL;
	(void)state;

	assert_int_equal(mkdir(sticky, 01777), 0);
	assert_int_equal(chmod(sticky, 01777), 0);
	assert_int_equal(mkfifo(sfifo, 0600), 0);
	assert_int_equal(mkfifo(ufifo, 0600), 0);
	assert_int_equal(chown(ufifo, 65534, 65534), 0);
	expect_ok("", sfifo);
	assert_true(asprintf(&why, "'%s' is owned by uid 65534 in a sticky directory", ufifo) > 0);
	expect_refused("", ufifo, why);
	free(why);

	/* mid -> user (a directory uid 65534 owns): judged as what it names. */
	assert_int_equal(symlink("user", mid), 0);
	assert_true(asprintf(&path, "%s/x.fifo", mid) > 0);
	assert_true(asprintf(&why, "directory '%s/user' is owned by uid 65534, not root", dir) > 0);
	expect_refused("", path, why);
	free(path);
	free(why);
	/* abs -> the test directory, by its absolute path: walked again from "/". */
	assert_int_equal(symlink(dir, abs), 0);
	assert_true(asprintf(&path, "%s/out.fifo", abs) > 0);
	expect_ok("", path);
	free(path);
	assert_true(asprintf(&path, "%s/open/x.fifo", abs) > 0);
	assert_true(asprintf(&why, "directory '%s/open' is writable by group or others (mode 0777)",
			     dir) > 0);
	expect_refused("", path, why);
	free(path);
	free(why);
	path = NULL;
	why = NULL;
}

/* stdin, stdout, stderr as given (op exec); the verdict, the reason in *reason. */
static int judge3(const char *in, const char *out, const char *err, struct sg_error *reason)
{
	_cleanup_request_ struct sg_request *req = NULL;
	const char *stdio[SG_STDIO_COUNT] = { in, out, err };
	const struct sg_module *m;
	struct sg_module_state *st;
	int v;

	assert_int_equal(sg_test_module_init("stdio", SG_OP_EXEC, "", NULL, &m, &st, NULL), 0);
	assert_int_equal(sg_request_new(SG_OP_EXEC, "default", "c1", &req, NULL), 0);
	assert_int_equal(sg_request_set_stdio(req, stdio, NULL), 0);
	v = m->check(st, req, reason);
	m->fini(st);
	return v;
}

/* After one FIFO walked, the next in its directory is checked by one lstat: a symlink there,
 * a file that is no FIFO, a walk through another directory still get the whole walk's
 * answer. */
static void test_memo(void **state)
{
	_cleanup_free_ char *fifo = in_dir("out.fifo"), *file = in_dir("plain");
	_cleanup_free_ char *ulink = in_dir("ulink"), *ofifo = in_dir("open/x.fifo");
	_cleanup_free_ char *want = NULL;
	struct sg_error reason = { 0 };
	(void)state;

	assert_int_equal(judge3(fifo, fifo, fifo, &reason), SG_VERDICT_SUCCESS);
	assert_int_equal(judge3(fifo, ulink, "", &reason), SG_VERDICT_DENY);
	assert_true(asprintf(&want, "stdio: stdout '%s': '%s' is a symlink not owned by root",
			     ulink, ulink) > 0);
	assert_string_equal(reason.msg, want);
	free(want);
	assert_int_equal(judge3(fifo, fifo, file, &reason), SG_VERDICT_DENY);
	assert_true(asprintf(&want, "stdio: stderr '%s': not a FIFO", file) > 0);
	assert_string_equal(reason.msg, want);
	free(want);
	assert_int_equal(judge3(fifo, ofifo, "", &reason), SG_VERDICT_DENY);
	assert_true(asprintf(&want, "stdio: stdout '%s': directory '%s/open' is writable by group "
			     "or others (mode 0777)", ofifo, dir) > 0);
	assert_string_equal(reason.msg, want);
	free(want);
	want = NULL;
}

static void test_uris(void **state)
{
	static const char allow[] = "allow=binary:///usr/bin/log-driver,file:///var/log/ctr/";
	(void)state;

	expect_refused("", "binary:///bin/sh?-c=touch+/tmp/pwned",
		       "a URI the policy does not allow (stdio allow=)");
	expect_refused("", "file:///tmp/x", "a URI the policy does not allow (stdio allow=)");
	expect_refused("", "fifo:///run/x", "a URI the policy does not allow (stdio allow=)");
	expect_refused("", "BINARY:///bin/sh", "a URI the policy does not allow (stdio allow=)");
	expect_ok(allow, "binary:///usr/bin/log-driver");
	expect_ok(allow, "binary:///usr/bin/log-driver?id=1&x=2");
	expect_refused(allow, "binary:///usr/bin/log-driverX",
		       "a URI the policy does not allow (stdio allow=)");
	expect_ok(allow, "file:///var/log/ctr/c1.log");
	expect_refused(allow, "file:///var/log/ctr/../../../etc/passwd",
		       "a URI the policy does not allow (stdio allow=)");
	expect_refused(allow, "file:///var/log/ctr/%2e%2e/x",
		       "a URI the policy does not allow (stdio allow=)");
}

static void test_init_errors(void **state)
{
	const struct sg_module *m;
	struct sg_module_state *st;
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_test_module_init("stdio", SG_OP_EXEC, "allow=/usr/bin/x", NULL, &m, &st,
					     &err), -EINVAL);
	assert_string_equal(err.msg, "allow '/usr/bin/x': not a URI (scheme://...)");
	assert_int_equal(sg_test_module_init("stdio", SG_OP_EXEC, "deny=x", NULL, &m, &st, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "unknown argument 'deny=x' (want allow=)");
}

static void test_envelope(void **state)
{
	json_auto_t *env = sg_test_json(
		"{\"op\":\"exec\",\"namespace\":\"default\",\"id\":\"c1\",\"exec_id\":\"e1\","
		"\"process\":{\"args\":[\"/bin/id\"],\"cwd\":\"/\"},\"stdout\":\"file:///tmp/x\","
		"\"stderr\":\"\"}");
	_cleanup_request_ struct sg_request *req = NULL;
	(void)state;

	assert_int_equal(sg_oci_request_from_json(env, &req, NULL), 0);
	assert_null(req->stdio[0]);
	assert_string_equal(req->stdio[1], "file:///tmp/x");
	assert_null(req->stdio[2]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_memo),
		cmocka_unit_test(test_walk_prefixes),
		cmocka_unit_test(test_uris),
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_envelope),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
