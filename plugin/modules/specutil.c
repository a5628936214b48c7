/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the config.json modules: argument lists, the linux object, namespace origin. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/pathwalk.h"
#include "specutil.h"

int sg_spec_arg(const char *arg, const char *const *keys, size_t n_keys, bool *seen,
		const char **value, struct sg_error *err)
{
	const char *eq = strchr(arg, '=');

	for (size_t k = 0; eq && k < n_keys; k++) {
		if (strlen(keys[k]) != (size_t)(eq - arg) || strncmp(arg, keys[k], (size_t)(eq - arg)))
			continue;
		if (seen[k])
			return sg_error_set(err, -EINVAL, "argument '%s' given twice", keys[k]);
		seen[k] = true;
		*value = eq + 1;
		return (int)k;
	}
	return sg_error_set(err, -EINVAL, "unknown argument '%s'", arg);
}

int sg_spec_arg_list(const char *arg, const char *value, struct sg_strv *out,
		     struct sg_error *err)
{
	return sg_strv_push_list(out, arg, value, SG_SPEC_ARG_ITEMS, err);
}

int sg_spec_arg_lists(const struct sg_module_init *init, const char *const *keys, size_t n_keys,
		      struct sg_strv *lists, bool *seen, struct sg_error *err)
{
	for (int i = 0; i < init->argc; i++) {
		const char *value;
		int k = sg_spec_arg(init->argv[i], keys, n_keys, seen, &value, err);
		int r = k < 0 ? k : sg_spec_arg_list(init->argv[i], value, &lists[k], err);

		if (r < 0)
			return r;
	}
	return 0;
}

int sg_spec_arg_paths(const char *key, const struct sg_strv *list, struct sg_error *err)
{
	for (size_t i = 0; i < list->n; i++)
		if (list->v[i][0] != '/')
			return sg_error_set(err, -EINVAL, "argument '%s': '%s' is not an absolute path",
					    key, list->v[i]);
	return 0;
}

void sg_spec_lists_clear(struct sg_strv *lists, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sg_strv_clear(&lists[i]);
}

bool sg_spec_signed(const struct sg_request *req)
{
	const struct sg_request *owner = req->parent ? req->parent : req;

	return owner->sig.status == SG_SIG_VALID;
}

int sg_spec_linux(json_t *doc, bool create, json_t **out, struct sg_error *err)
{
	json_t *linux_obj = json_object_get(doc, "linux");

	if (!linux_obj && create) {
		if (json_object_set_new(doc, "linux", json_object()) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
		linux_obj = json_object_get(doc, "linux");
	}
	if (linux_obj && !json_is_object(linux_obj))
		return sg_error_set(err, -EINVAL, "linux: not an object");
	*out = linux_obj;
	return 0;
}

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *type, *file;
	int flag; /* what NS_GET_NSTYPE answers for a namespace of the type */
} ns_files[] = {
	{ "pid", "pid", CLONE_NEWPID },	       { "network", "net", CLONE_NEWNET },
	{ "ipc", "ipc", CLONE_NEWIPC },	       { "uts", "uts", CLONE_NEWUTS },
	{ "mount", "mnt", CLONE_NEWNS },       { "cgroup", "cgroup", CLONE_NEWCGROUP },
	{ "user", "user", CLONE_NEWUSER },     { "time", "time", CLONE_NEWTIME },
};

const char *sg_spec_ns_file(const char *type)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(ns_files); i++)
		if (strcmp(type, ns_files[i].type) == 0)
			return ns_files[i].file;
	return NULL;
}

/* digits without a leading zero; returns what follows them, NULL when none */
static const char *skip_pid(const char *s)
{
	if (*s < '1' || *s > '9')
		return NULL;
	while (*s >= '0' && *s <= '9')
		s++;
	return s;
}

bool sg_spec_proc_ns_path(const char *path, const char *file)
{
	const char *p;

	if (strncmp(path, "/proc/", 6) != 0)
		return false;
	p = strncmp(path + 6, "self/", 5) == 0 ? path + 10 : skip_pid(path + 6);
	if (p && strncmp(p, "/task/", 6) == 0)
		p = skip_pid(p + 6);
	return p && strncmp(p, "/ns/", 4) == 0 && strcmp(p + 4, file) == 0;
}

/* runc opens the path later, as root, so what it names then must be what was judged now
 * (THREATS T25): the kernel's /proc/PID/ns/FILE, or a path through directories only root
 * can change (/run/netns/cni-..., which CRI names through /var/run), never through procfs,
 * whose magic links lead into a container's file system (/proc/PID/root/...). */
static int ns_path_pinned(const char *path, const char *file, size_t i, struct sg_error *err)
{
	char canonical[PATH_MAX];
	struct sg_error why = { 0 };
	struct stat st;

	if (sg_spec_proc_ns_path(path, file) || sg_path_walk(path, SG_PATHWALK_NO_PROC, canonical, &st,
						     &why) == 0)
		return 0;
	return sg_error_set(err, -EPERM, "linux.namespaces[%zu].path '%.256s': neither "
			    "/proc/PID/ns/%s nor reached through root-owned directories only: %s",
			    i, path, file, why.msg);
}

/* path is /proc/<this process>/fd/<N> for a descriptor req holds (sg_spec_ns_pin wrote it):
 * returns N, else -1. */
static int pinned_fd(const struct sg_request *req, const char *path)
{
	char want[64];

	for (size_t i = 0; i < req->n_held_fds; i++) {
		(void)snprintf(want, sizeof(want), "/proc/%ld/fd/%d", (long)getpid(),
			       req->held_fds[i]);
		if (strcmp(path, want) == 0)
			return req->held_fds[i];
	}
	return -1;
}

int sg_spec_ns_pin(struct sg_request *req, json_t *entry, size_t i, struct sg_error *err)
{
	const char *type = json_string_value(json_object_get(entry, "type"));
	const char *path = json_string_value(json_object_get(entry, "path"));
	_cleanup_close_ int fd = -1;
	char pinned[64];
	struct statfs sfs;
	size_t k;
	int nstype;

	for (k = 0; type && k < SG_ARRAY_SIZE(ns_files) && strcmp(type, ns_files[k].type); k++)
		;
	if (!type || k == SG_ARRAY_SIZE(ns_files) || !path)
		return sg_error_set(err, -EINVAL, "linux.namespaces[%zu]: no type or path", i);
	if (pinned_fd(req, path) >= 0)
		return 0;
	/* /proc/PID/ns/FILE is a magic link and must be followed; /run/netns/<name> is a
	 * file bind-mounted over by `ip netns`, never a symlink. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK |
			    (strncmp(path, "/proc/", 6) == 0 ? 0 : O_NOFOLLOW));
	if (fd < 0)
		return sg_error_set(err, -EPERM, "linux.namespaces[%zu].path '%.256s': %s", i, path,
				    strerror(errno));
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != NSFS_MAGIC)
		return sg_error_set(err, -EPERM, "linux.namespaces[%zu].path '%.256s': not a "
				    "namespace", i, path);
	nstype = ioctl(fd, NS_GET_NSTYPE);
	if (nstype != ns_files[k].flag)
		return sg_error_set(err, -EPERM, "linux.namespaces[%zu].path '%.256s': not a %s "
				    "namespace", i, path, type);
	(void)snprintf(pinned, sizeof(pinned), "/proc/%ld/fd/%d", (long)getpid(), fd);
	/* noted first: path belongs to the string the write replaces */
	(void)sg_request_note(req, "namespaces: linux.namespaces[%zu].path '%.100s' pinned as "
			      "'%s'", i, path, pinned);
	if (json_object_set_new(entry, "path", json_string(pinned)) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return sg_request_hold_fd(req, steal_fd(&fd), err);
}

int sg_spec_ns_state(const struct sg_request *req, const char *type, enum sg_ns_state *state,
		     long *index, struct sg_error *err)
{
	const json_t *list = json_object_get(json_object_get(req->doc, "linux"), "namespaces");
	const char *file = sg_spec_ns_file(type);
	const json_t *ns;
	struct stat host, st;
	char self[64];
	size_t i;
	int fd;

	*state = SG_NS_HOST;
	*index = -1;
	if (!file)
		return sg_error_set(err, -EINVAL, "unknown namespace type '%s'", type);
	if (list && !json_is_array(list))
		return sg_error_set(err, -EINVAL, "linux.namespaces: not an array");
	json_array_foreach(list, i, ns) {
		const json_t *t = json_object_get(ns, "type");
		const json_t *p = json_object_get(ns, "path");

		if (!json_is_string(t) || strcmp(json_string_value(t), type) != 0)
			continue;
		*index = (long)i;
		if (!p || (json_is_string(p) && json_string_length(p) == 0)) {
			*state = SG_NS_OWN;
			return 0;
		}
		if (!json_is_string(p))
			return sg_error_set(err, -EINVAL, "linux.namespaces[%zu].path: not a string", i);
		fd = pinned_fd(req, json_string_value(p));
		if (fd < 0 && ns_path_pinned(json_string_value(p), file, i, err) < 0)
			return err->code;
		(void)snprintf(self, sizeof(self), "/proc/self/ns/%s", file);
		if (stat(self, &host) < 0)
			return sg_error_set(err, -errno, "%s: %s", self, strerror(errno));
		if ((fd >= 0 ? fstat(fd, &st) : stat(json_string_value(p), &st)) < 0)
			return sg_error_set(err, -errno, "linux.namespaces[%zu].path '%.256s': %s", i,
					    json_string_value(p), strerror(errno));
		*state = st.st_dev == host.st_dev && st.st_ino == host.st_ino ? SG_NS_HOST
									       : SG_NS_JOINED;
		return 0;
	}
	return 0;
}
