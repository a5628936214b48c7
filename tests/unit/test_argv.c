/* SPDX-License-Identifier: Apache-2.0 */
/* The argv module (T17): deny by basename, through sh -c, busybox applets and wrappers; allow
 * lists; exact_file (success on an exact match, ignore otherwise); argument errors. */
#include <errno.h>
#include <sys/stat.h>

#include "oci_testutil.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = sg_test_mkdtemp();
	free(sg_test_write(dir, "probes", 0644,
			   "# health probes\n/bin/cat\t/tmp/healthy\n\n/bin/sh\t-c\tpgrep nginx\n"
			   "/bin/true\n"));
	free(sg_test_write(dir, "empty", 0644, "# nothing\n"));
	free(sg_test_write(dir, "writable", 0666, "/bin/true\n"));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sg_test_rmtree(dir);
	free(dir);
	return 0;
}

/* The verdict of "argv ARGS" on an exec running argv (a JSON array). */
static int check(const char *args, const char *argv_json, struct sg_error *err)
{
	_cleanup_free_ char *process = NULL;
	struct sg_request *req;
	const struct sg_module *m;
	struct sg_module_state *st;
	struct sg_error ierr = { 0 };
	size_t n = strlen(argv_json) + 32;
	int v;

	process = malloc(n);
	assert_non_null(process);
	(void)snprintf(process, n, "{\"args\":%s}", argv_json);
	req = sg_test_exec(process, NULL);
	if (sg_test_module_init("argv", SG_OP_EXEC, args, dir, &m, &st, &ierr) < 0)
		fail_msg("init '%s': %s", args, ierr.msg);
	v = m->check(st, req, err);
	m->fini(st);
	sg_request_free(req);
	return v;
}

static void expect_denied(const char *args, const char *argv_json, const char *msg)
{
	struct sg_error err = { 0 };

	if (check(args, argv_json, &err) != SG_VERDICT_DENY)
		fail_msg("'%s' on %s: not denied", args, argv_json);
	assert_string_equal(err.msg, msg);
}

static void expect_verdict(const char *args, const char *argv_json, int want)
{
	struct sg_error err = { 0 };
	int v = check(args, argv_json, &err);

	if (v != want)
		fail_msg("'%s' on %s: %s, want %s (%s)", args, argv_json, sg_verdict_name(v),
			 sg_verdict_name(want), err.msg);
}

static void test_default_deny(void **state)
{
	(void)state;
	expect_denied("", "[\"/usr/bin/nsenter\",\"-t\",\"1\",\"-m\"]",
		      "argv: program 'nsenter' is denied");
	expect_denied("", "[\"chroot\",\"/host\"]", "argv: program 'chroot' is denied");
	expect_denied("", "[\"/sbin/modprobe\",\"x\"]", "argv: program 'modprobe' is denied");
	expect_verdict("", "[\"/bin/ls\",\"nsenter\"]", SG_VERDICT_SUCCESS);
	expect_denied("", "[]", "argv: process.args is empty");
}

static void test_deny_forms(void **state)
{
	(void)state;
	/* sh -c: every word in command position. */
	expect_denied("deny=nsenter", "[\"/bin/sh\",\"-c\",\"nsenter -t 1 -m sh\"]",
		      "argv: program 'nsenter' is denied");
	expect_denied("deny=nsenter", "[\"sh\",\"-ec\",\"echo hi; FOO=1 /usr/bin/nsenter -t 1\"]",
		      "argv: program 'nsenter' is denied");
	expect_denied("deny=nsenter", "[\"bash\",\"-o\",\"pipefail\",\"-c\",\"true && (nsenter -t 1)\"]",
		      "argv: program 'nsenter' is denied");
	expect_denied("deny=nsenter", "[\"sh\",\"-c\",\"sh -c 'nsenter -t 1'\"]",
		      "argv: program 'nsenter' is denied");
	expect_verdict("deny=nsenter", "[\"sh\",\"-c\",\"echo nsenter\"]", SG_VERDICT_SUCCESS);
	expect_verdict("deny=nsenter", "[\"sh\",\"/scripts/nsenter\"]", SG_VERDICT_SUCCESS);
	/* busybox APPLET, and busybox sh -c. */
	expect_denied("deny=mount", "[\"/bin/busybox\",\"mount\",\"-t\",\"proc\"]",
		      "argv: program 'mount' is denied");
	expect_denied("deny=mount", "[\"busybox\",\"sh\",\"-c\",\"busybox mount /dev/sda1 /mnt\"]",
		      "argv: program 'mount' is denied");
	/* Wrappers run the next program. */
	expect_denied("deny=unshare", "[\"/usr/bin/env\",\"-i\",\"A=1\",\"unshare\",\"-r\"]",
		      "argv: program 'unshare' is denied");
	expect_denied("deny=unshare", "[\"timeout\",\"5\",\"nice\",\"-n\",\"5\",\"unshare\"]",
		      "argv: program 'unshare' is denied");
	expect_denied("deny=unshare", "[\"sh\",\"-c\",\"exec env X=1 unshare -r\"]",
		      "argv: program 'unshare' is denied");
	/* @default adds the documented list. */
	expect_denied("deny=curl,@default", "[\"capsh\",\"--print\"]", "argv: program 'capsh' is denied");
	expect_denied("deny=curl,@default", "[\"curl\",\"x\"]", "argv: program 'curl' is denied");
	expect_verdict("deny=curl", "[\"capsh\",\"--print\"]", SG_VERDICT_SUCCESS);
}

static void test_allow(void **state)
{
	(void)state;
	expect_verdict("allow=ls,cat", "[\"/bin/ls\",\"-la\"]", SG_VERDICT_SUCCESS);
	expect_denied("allow=ls,cat", "[\"/bin/sh\"]", "argv: program 'sh' is not allowed");
	expect_denied("allow=sh,ls", "[\"/bin/sh\",\"-c\",\"ls; rm -rf /\"]",
		      "argv: program 'rm' is not allowed");
	expect_verdict("allow=sh,ls", "[\"/bin/sh\",\"-c\",\"ls /\"]", SG_VERDICT_SUCCESS);
	expect_verdict("allow=ls", "[\"busybox\",\"ls\"]", SG_VERDICT_SUCCESS);
	expect_denied("allow=ls,nsenter deny=nsenter", "[\"nsenter\"]",
		      "argv: program 'nsenter' is denied");
}

static void test_exact_file(void **state)
{
	(void)state;
	expect_verdict("exact_file=probes", "[\"/bin/cat\",\"/tmp/healthy\"]", SG_VERDICT_SUCCESS);
	expect_verdict("exact_file=probes", "[\"/bin/sh\",\"-c\",\"pgrep nginx\"]",
		       SG_VERDICT_SUCCESS);
	expect_verdict("exact_file=probes", "[\"/bin/true\"]", SG_VERDICT_SUCCESS);
	/* Anything else: no opinion, so the rest of the stack (the signature) decides. */
	expect_verdict("exact_file=probes", "[\"/bin/cat\",\"/tmp/healthy\",\"/etc/shadow\"]",
		       SG_VERDICT_IGNORE);
	expect_verdict("exact_file=probes", "[\"/bin/cat\"]", SG_VERDICT_IGNORE);
	expect_verdict("exact_file=probes", "[\"/bin/sh\",\"-c\",\"pgrep nginx; id\"]",
		       SG_VERDICT_IGNORE);
	expect_verdict("exact_file=probes", "[\"cat\",\"/tmp/healthy\"]", SG_VERDICT_IGNORE);
	expect_verdict("exact_file=probes", "[]", SG_VERDICT_IGNORE);
}

static void expect_init_error(const char *args, const char *msg)
{
	const struct sg_module *m;
	struct sg_module_state *st;
	struct sg_error err = { 0 };

	assert_true(sg_test_module_init("argv", SG_OP_EXEC, args, dir, &m, &st, &err) < 0);
	assert_null(st);
	if (!strstr(err.msg, msg))
		fail_msg("'%s': message '%s' lacks '%s'", args, err.msg, msg);
}

static void test_init_errors(void **state)
{
	(void)state;
	expect_init_error("deny=a deny=b", "argument 'deny=' given twice");
	expect_init_error("deny=a,,b", "argument 'deny=a,,b': '' is not a program name");
	expect_init_error("allow=/bin/ls", "argument 'allow=/bin/ls': '/bin/ls' is not a program name");
	expect_init_error("allow=@default", "argument 'allow=@default'");
	expect_init_error("programs=ls", "unknown argument 'programs=ls' (want deny=, allow=, exact_file=)");
	expect_init_error("exact_file=probes deny=sh",
			  "exact_file= cannot be combined with deny= or allow= (use two lines)");
	expect_init_error("exact_file=probes exact_file=probes", "argument 'exact_file' given twice or empty");
	expect_init_error("exact_file=", "argument 'exact_file' given twice or empty");
	expect_init_error("exact_file=missing", "/missing: No such file or directory");
	expect_init_error("exact_file=empty", "empty: no command in the file");
	expect_init_error("exact_file=writable", "/writable: writable by group or others (mode 0666)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_deny), cmocka_unit_test(test_deny_forms),
		cmocka_unit_test(test_allow),        cmocka_unit_test(test_exact_file),
		cmocka_unit_test(test_init_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
