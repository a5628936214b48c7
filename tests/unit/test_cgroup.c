/* SPDX-License-Identifier: Apache-2.0 */
/* sg_cgroup_in_use (T25): where runc puts linux.cgroupsPath under each cgroup mount of a
 * fixture mountinfo, and whether a cgroup there already holds a process or a child cgroup
 * (cgroupfs absolute and relative paths, systemd slices, a mount showing a sub-tree, an
 * escaped mount point). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>

#include "testutil.h"
#include "oci/cgroup.h"

static char *dir;
static char mountinfo[PATH_MAX], self[PATH_MAX];

static void put(const char *rel, const char *text)
{
	char p[PATH_MAX], *slash;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	for (slash = strchr(p + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		(void)mkdir(p, 0755);
		*slash = '/';
	}
	if (!text)
		return;
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char text[4096];

	(void)state;
	dir = sg_test_mkdtemp();
	assert_non_null(dir);
	snprintf(mountinfo, sizeof(mountinfo), "%s/mountinfo", dir);
	snprintf(self, sizeof(self), "%s/self", dir);
	snprintf(text, sizeof(text),
		 "20 1 0:5 / /proc rw - proc proc rw\n"
		 "30 1 0:26 / %s/devices rw,relatime - cgroup cgroup rw,devices\n"
		 "31 1 0:27 / %s/cpu\\040acct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
		 "32 1 0:28 /sub %s/pids rw,relatime - cgroup cgroup rw,pids\n"
		 "33 1 0:29 / %s/unified rw - cgroup2 cgroup2 rw\n",
		 dir, dir, dir, dir);
	put("mountinfo", text);
	put("self", "5:devices:/runc\n3:cpu,cpuacct:/\n2:pids:/sub\n0::/\n");
	/* the host: a service with a process, an empty leftover, a slice with a child */
	put("devices/svc/cgroup.procs", "123\n");
	put("devices/empty/cgroup.procs", "");
	put("cpu acct/system.slice/a.scope/cgroup.procs", "7\n");
	put("cpu acct/system.slice/cgroup.procs", "");
	put("pids/team/cgroup.procs", "9\n");
	put("devices/runc/mine/cgroup.procs", "44\n");
	put("unified/user.slice/user-1.slice/session-1.scope/cgroup.procs", "1000\n");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sg_test_rmtree(dir);
	free(dir);
	return 0;
}

static void expect(const char *path, int want, const char *where)
{
	struct sg_error err = { 0 };
	char found[PATH_MAX] = "";
	int r = sg_cgroup_in_use(mountinfo, self, path, found, sizeof(found), &err);

	if (r != want)
		fail_msg("%s: %d, want %d (%s)", path, r, want, err.msg);
	if (where && (!strstr(found, where) || strncmp(found, dir, strlen(dir)) != 0))
		fail_msg("%s: found '%s', want .../%s", path, found, where);
}

static void test_in_use(void **state)
{
	(void)state;
	/* the container's own, new cgroup */
	expect("/default/c1", 0, NULL);
	expect("system.slice:docker:c1", 0, NULL);
	expect("/empty", 0, NULL);
	/* a host service's cgroup, with a process */
	expect("/svc", 1, "devices/svc");
	/* a parent with a child cgroup (its processes sit below) */
	expect("/system.slice", 1, "cpu acct/system.slice");
	/* the pids mount shows the hierarchy from /sub: /sub/team is its team */
	expect("/sub/team", 1, "pids/team");
	/* relative: below the process's own cgroup of each hierarchy (runc's is the gate's) */
	expect("mine", 1, "devices/runc/mine");
	/* systemd: user-1.slice expands to /user.slice/user-1.slice; session-1.scope */
	expect("user-1.slice:session:1", 1, "unified/user.slice/user-1.slice/session-1.scope");
	expect("system.slice:a:c1", 0, NULL);
	expect(":a:x", 0, NULL);
	/* not a path runc takes */
	expect("a:b", -EINVAL, NULL);
	expect("bad:x:y", -EINVAL, NULL);
	expect("a--b.slice:x:y", -EINVAL, NULL);
}

static void test_unreadable(void **state)
{
	struct sg_error err = { 0 };
	char found[64];

	(void)state;
	assert_int_equal(sg_cgroup_in_use("/nonexistent/mountinfo", self, "/x", found,
					  sizeof(found), &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent/mountinfo"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_use),
		cmocka_unit_test(test_unreadable),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
