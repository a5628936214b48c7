/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp profiles: load errors by file and syscall, resolution by caps and arch, the default
 * profile's content, and a real process that gets EPERM/ENOSYS under it. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "oci/oci.h"
#include "seccomp/cache.h"
#include "seccomp/profile.h"

#define HEAD "{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
#define X86 "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\"}],"

struct tmp {
	char *dir;
};

static int setup(void **state)
{
	struct tmp *t = calloc(1, sizeof(*t));

	t->dir = sg_test_mkdtemp();
	*state = t;
	/* The messages below name x86_64; other hosts skip the table. */
	return seccomp_arch_native() == SCMP_ARCH_X86_64 ? 0 : -1;
}

static int teardown(void **state)
{
	struct tmp *t = *state;

	sg_test_rmtree(t->dir);
	free(t->dir);
	free(t);
	return 0;
}

/* Loads text as a file and returns the error message (or "" when it loads). */
static char *load_error(struct tmp *t, const char *text, char **path_out)
{
	_cleanup_seccomp_profile_ struct sg_seccomp_profile *p = NULL;
	struct sg_error err = { 0 };
	char *path = sg_test_write(t->dir, "p.json", 0644, "%s", text);
	char *msg;
	int r = sg_seccomp_profile_load(path, &p, &err);

	assert_true(r <= 0);
	if (r == 0)
		assert_non_null(p);
	msg = strdup(r < 0 ? err.msg : "");
	*path_out = path;
	return msg;
}

static void expect_error(struct tmp *t, const char *text, const char *suffix)
{
	char *path = NULL;
	char *msg = load_error(t, text, &path);
	char *want = NULL;

	assert_true(asprintf(&want, "%s: %s", path, suffix) > 0);
	assert_string_equal(msg, want);
	free(want);
	free(msg);
	free(path);
}

static void test_errors_named(void **state)
{
	struct tmp *t = *state;

	expect_error(t, HEAD X86 "\"syscalls\":[{\"names\":[\"read\",\"foo\"],"
		     "\"action\":\"SCMP_ACT_ALLOW\"}]}", "syscall 'foo': unknown on x86_64");
	expect_error(t, HEAD X86 "\"syscalls\":[{\"names\":[\"read\"],"
		     "\"action\":\"SCMP_ACT_FOO\"}]}", "syscalls[0]: unknown action 'SCMP_ACT_FOO'");
	expect_error(t, HEAD X86 "\"syscalls\":[{\"names\":[\"read\"],"
		     "\"action\":\"SCMP_ACT_NOTIFY\"}]}",
		     "syscalls[0]: unknown action 'SCMP_ACT_NOTIFY'");
	expect_error(t, HEAD X86 "\"syscalls\":[{\"names\":[\"read\"],\"action\":"
		     "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":0,\"value\":1,\"op\":\"SCMP_CMP_XX\"}]}]}",
		     "syscalls[0]: args[0]: unknown op 'SCMP_CMP_XX'");
	expect_error(t, HEAD X86 "\"syscalls\":[{\"names\":[\"read\"],\"action\":"
		     "\"SCMP_ACT_ALLOW\",\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}",
		     "syscalls[0]: args[0].index is not 0..5");
	expect_error(t, HEAD "\"archMap\":[{\"architecture\":\"SCMP_ARCH_FOO\"}],\"syscalls\":[]}",
		     "archMap[0]: unknown architecture 'SCMP_ARCH_FOO'");
	expect_error(t, HEAD "\"archMap\":[{\"architecture\":\"SCMP_ARCH_AARCH64\"}],"
		     "\"syscalls\":[{\"names\":[\"open\"],\"action\":\"SCMP_ACT_ALLOW\"}]}",
		     "syscall 'open': does not exist on aarch64; restrict its rule with "
		     "includes.arches");
	expect_error(t, HEAD X86 "\"syscall\":[]}", "profile: unknown key 'syscall'");
	expect_error(t, HEAD X86 "\"flags\":[\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"]}",
		     "flags: unsupported flag 'SECCOMP_FILTER_FLAG_SPEC_ALLOW'");
	expect_error(t, HEAD X86 "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
		     "\"includes\":{\"caps\":[\"CAP_FLY\"]}}]}",
		     "syscalls[0]: unknown capability 'CAP_FLY'");
	expect_error(t, HEAD X86 "\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\","
		     "\"errnoRet\":1}]}", "syscalls[0]: errnoRet given for action 'SCMP_ACT_ALLOW'");
}

static void test_malformed_json(void **state)
{
	struct tmp *t = *state;
	char *path = NULL;
	char *msg = load_error(t, "{\"defaultAction\": ", &path);
	char *want = NULL;

	assert_true(asprintf(&want, "%s:1: invalid JSON: ", path) > 0);
	assert_memory_equal(msg, want, strlen(want));
	free(msg);
	free(want);
	free(path);
	msg = load_error(t, HEAD "\"defaultAction\":\"SCMP_ACT_ALLOW\"}", &path);
	assert_non_null(strstr(msg, "duplicate object key"));
	free(msg);
	free(path);
}

/* Whether a resolved rule with this action (and errno, when >= 0) names syscall. */
static bool resolved_has(const json_t *oci, const char *syscall, const char *action, int errno_ret)
{
	size_t i, k;
	json_t *r, *n;

	json_array_foreach(json_object_get(oci, "syscalls"), i, r) {
		if (strcmp(json_string_value(json_object_get(r, "action")), action) != 0)
			continue;
		if (errno_ret >= 0 &&
		    json_integer_value(json_object_get(r, "errnoRet")) != errno_ret)
			continue;
		json_array_foreach(json_object_get(r, "names"), k, n)
			if (strcmp(json_string_value(n), syscall) == 0)
				return true;
	}
	return false;
}

static json_t *resolve(const char *path, uint64_t caps)
{
	_cleanup_seccomp_profile_ struct sg_seccomp_profile *p = NULL;
	struct sg_error err = { 0 };
	json_t *out = NULL;

	if (sg_seccomp_profile_load(path, &p, &err) < 0)
		fail_msg("%s", err.msg);
	assert_int_equal(sg_seccomp_profile_resolve(p, caps, &out, &err), 0);
	return out;
}

static void test_includes_excludes(void **state)
{
	struct tmp *t = *state;
	_cleanup_free_ char *path = sg_test_write(t->dir, "inc.json", 0644, "%s",
		HEAD "\"archMap\":[{\"architecture\":\"SCMP_ARCH_X86_64\",\"subArchitectures\":"
		"[\"SCMP_ARCH_X86\"]},{\"architecture\":\"SCMP_ARCH_AARCH64\"}],\"syscalls\":["
		"{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"caps\":"
		"[\"CAP_SYS_CHROOT\",\"CAP_CHOWN\"]}},"
		"{\"names\":[\"chroot\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,"
		"\"excludes\":{\"caps\":[\"CAP_SYS_CHROOT\"]}},"
		"{\"names\":[\"open\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"amd64\"]}},"
		"{\"names\":[\"_llseek\"],\"action\":\"SCMP_ACT_ALLOW\",\"excludes\":{\"arches\":[\"arm64\"]}},"
		"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"arches\":[\"arm64\"]}},"
		"{\"names\":[\"gettid\"],\"action\":\"SCMP_ACT_ALLOW\",\"includes\":{\"minKernel\":\"99.0\"}}]}");
	int chroot = sg_cap_from_name("CAP_SYS_CHROOT"), chown = sg_cap_from_name("CAP_CHOWN");
	json_auto_t *none = resolve(path, 0);
	json_auto_t *one = resolve(path, UINT64_C(1) << chroot);
	json_auto_t *both = resolve(path, (UINT64_C(1) << chroot) | (UINT64_C(1) << chown));
	json_auto_t *arches = json_pack("[ss]", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86");

	assert_true(json_equal(json_object_get(none, "architectures"), arches));
	assert_true(resolved_has(none, "read", "SCMP_ACT_ALLOW", -1));
	assert_false(resolved_has(none, "chroot", "SCMP_ACT_ALLOW", -1));
	assert_true(resolved_has(none, "chroot", "SCMP_ACT_ERRNO", 1));
	/* includes.caps needs every listed cap; excludes.caps is cut by any */
	assert_false(resolved_has(one, "chroot", "SCMP_ACT_ALLOW", -1));
	assert_false(resolved_has(one, "chroot", "SCMP_ACT_ERRNO", -1));
	assert_true(resolved_has(both, "chroot", "SCMP_ACT_ALLOW", -1));
	assert_true(resolved_has(none, "open", "SCMP_ACT_ALLOW", -1));
	assert_true(resolved_has(none, "_llseek", "SCMP_ACT_ALLOW", -1));
	assert_false(resolved_has(none, "getpid", "SCMP_ACT_ALLOW", -1));
	assert_false(resolved_has(none, "gettid", "SCMP_ACT_ALLOW", -1));
	assert_int_equal(json_integer_value(json_object_get(none, "defaultErrnoRet")), 38);
}

static char *default_profile(void)
{
	return sg_test_src("policies/seccomp/default.json");
}

static void test_default_profile_content(void **state)
{
	_cleanup_free_ char *path = default_profile();
	json_auto_t *oci = resolve(path, 0);
	json_auto_t *chroot = resolve(path, UINT64_C(1) << sg_cap_from_name("CAP_SYS_CHROOT"));
	static const char *const allowed[] = { "read", "write", "openat", "execve", "clone",
					       "wait4", "exit_group", "nanosleep", "open", "stat",
					       "getdents64", "rt_sigaction", "futex" };
	static const char *const refused[] = {
		"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
		"bpf", "perf_event_open", "ptrace", "mount", "umount2", "pivot_root", "move_mount",
		"fsopen", "fsmount", "open_tree", "setns", "keyctl", "add_key", "request_key",
		"open_by_handle_at", "name_to_handle_at", "userfaultfd", "reboot", "swapon",
		"swapoff", "acct", "settimeofday", "clock_settime", "iopl", "ioperm", "quotactl",
		"lookup_dcookie", "nfsservctl", "syslog", "process_vm_readv", "process_vm_writev",
		"kcmp", "io_uring_setup"
	};
	(void)state;

	assert_string_equal(json_string_value(json_object_get(oci, "defaultAction")),
			    "SCMP_ACT_ERRNO");
	assert_int_equal(json_integer_value(json_object_get(oci, "defaultErrnoRet")), 38);
	for (size_t i = 0; i < SG_ARRAY_SIZE(allowed); i++)
		if (!resolved_has(oci, allowed[i], "SCMP_ACT_ALLOW", -1))
			fail_msg("'%s' is not allowed", allowed[i]);
	for (size_t i = 0; i < SG_ARRAY_SIZE(refused); i++) {
		if (resolved_has(oci, refused[i], "SCMP_ACT_ALLOW", -1))
			fail_msg("'%s' is allowed", refused[i]);
		if (!resolved_has(oci, refused[i], "SCMP_ACT_ERRNO", 1))
			fail_msg("'%s' is not refused with EPERM", refused[i]);
	}
	assert_true(resolved_has(oci, "clone3", "SCMP_ACT_ERRNO", 38));
	assert_false(resolved_has(oci, "chroot", "SCMP_ACT_ALLOW", -1));
	assert_true(resolved_has(chroot, "chroot", "SCMP_ACT_ALLOW", -1));
	assert_true(resolved_has(oci, "unshare", "SCMP_ACT_ALLOW", -1));
}

/* The default profile, resolved and built, in a child: refused calls fail as designed. */
static void test_default_profile_enforced(void **state)
{
	_cleanup_free_ char *path = default_profile();
	json_auto_t *oci = resolve(path, 0);
	pid_t pid;
	int status = 0;
	(void)state;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		scmp_filter_ctx ctx = NULL;
		struct sg_error err = { 0 };
		int bad = 0;

		if (sg_seccomp_filter_build(oci, &ctx, &err) < 0)
			_exit(100);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_load(ctx) < 0)
			_exit(101);
		if (!(unshare(CLONE_NEWUSER) < 0 && errno == EPERM))
			bad |= 1;
		if (!(syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 && errno == EPERM))
			bad |= 2;
		if (!(syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS))
			bad |= 4;
		if (!(syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, NULL) < 0 && errno == EPERM))
			bad |= 8;
		if (getppid() <= 0 || unshare(CLONE_FILES) < 0)
			bad |= 16;
		/* valgrind follows a fork and checks the child for leaks at _exit too. */
		seccomp_release(ctx);
		json_decref(oci);
		free(path);
		_exit(bad);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_filter_build_export(void **state)
{
	_cleanup_free_ char *path = default_profile();
	json_auto_t *oci = resolve(path, 0);
	_cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_seccomp_filter_build(oci, &ctx, &err), 0);
	assert_non_null(ctx);
	json_object_set_new(oci, "defaultAction", json_string("SCMP_ACT_NOPE"));
	assert_int_equal(sg_seccomp_filter_build(oci, &ctx, &err), -EINVAL);
	assert_string_equal(err.msg, "linux.seccomp: defaultAction: unknown action "
			    "'SCMP_ACT_NOPE'");
}

/* The host's record of checked profiles: a passing profile is recorded under its key; a
 * record is honoured only as a root-owned 0600 file (proved with a planted record for a
 * profile that fails the check); a failing profile is never recorded. */
static void test_check_cache(void **state)
{
	static const char bad[] = HEAD X86 "\"syscalls\":[{\"names\":[\"foo\"],"
				  "\"action\":\"SCMP_ACT_ALLOW\"}]}";
	struct tmp *t = *state;
	_cleanup_free_ char *good_path = default_profile(), *bad_path = NULL, *cache = NULL;
	_cleanup_free_ char *good = NULL, *entry = NULL;
	struct sg_seccomp_profile *p = NULL;
	struct sg_error err = { 0 };
	char key[65], bad_key[65];
	size_t len = 0;

	if (geteuid() != 0)
		skip();
	assert_true(asprintf(&cache, "%s/cache", t->dir) > 0);
	good = sg_test_read(good_path, &len);
	assert_int_equal(sg_seccomp_cache_key(good, len, key, &err), 0);
	assert_false(sg_seccomp_cache_hit(cache, key));
	assert_int_equal(sg_seccomp_profile_load_cached(good_path, cache, &p, &err), 0);
	sg_seccomp_profile_free(p);
	assert_true(sg_seccomp_cache_hit(cache, key));

	bad_path = sg_test_write(t->dir, "bad.json", 0644, "%s", bad);
	assert_int_equal(sg_seccomp_profile_load_cached(bad_path, cache, &p, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "syscall 'foo': unknown on x86_64"));
	assert_int_equal(sg_seccomp_cache_key(bad, strlen(bad), bad_key, &err), 0);
	assert_false(sg_seccomp_cache_hit(cache, bad_key));
	assert_string_not_equal(key, bad_key);

	entry = sg_test_write(cache, bad_key, 0644, "%s", bad_key);
	assert_int_equal(sg_seccomp_profile_load_cached(bad_path, cache, &p, &err), -EINVAL);
	assert_int_equal(chmod(entry, 0600), 0);
	assert_int_equal(sg_seccomp_profile_load_cached(bad_path, cache, &p, &err), 0);
	sg_seccomp_profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_errors_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_includes_excludes, setup, teardown),
		cmocka_unit_test(test_default_profile_content),
		cmocka_unit_test(test_default_profile_enforced),
		cmocka_unit_test(test_filter_build_export),
		cmocka_unit_test_setup_teardown(test_check_cache, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
