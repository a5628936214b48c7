/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the config.json modules: argument lists, the linux object, namespace origin. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static const struct {
	const char *type, *file;
} ns_files[] = {
	{ "pid", "pid" }, { "network", "net" }, { "ipc", "ipc" }, { "uts", "uts" },
	{ "mount", "mnt" }, { "cgroup", "cgroup" }, { "user", "user" }, { "time", "time" },
};

const char *sg_spec_ns_file(const char *type)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(ns_files); i++)
		if (strcmp(type, ns_files[i].type) == 0)
			return ns_files[i].file;
	return NULL;
}

/* /proc/PID/ns/FILE (or /proc/self/ns/FILE) exactly: the kernel's entry for a process. */
static bool proc_ns_path(const char *path, const char *file)
{
	const char *p = path + strlen("/proc/");
	size_t digits;

	if (strncmp(path, "/proc/", 6) != 0)
		return false;
	digits = strspn(p, "0123456789");
	if (strncmp(p, "self/", 5) == 0)
		p += 4;
	else if (digits == 0 || p[0] == '0')
		return false;
	else
		p += digits;
	return strncmp(p, "/ns/", 4) == 0 && strcmp(p + 4, file) == 0;
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

	if (proc_ns_path(path, file) || sg_path_walk(path, SG_PATHWALK_NO_PROC, canonical, &st,
						     &why) == 0)
		return 0;
	return sg_error_set(err, -EPERM, "linux.namespaces[%zu].path '%.256s': neither "
			    "/proc/PID/ns/%s nor reached through root-owned directories only: %s",
			    i, path, file, why.msg);
}

int sg_spec_ns_state(const json_t *doc, const char *type, enum sg_ns_state *state, long *index,
		     struct sg_error *err)
{
	const json_t *list = json_object_get(json_object_get(doc, "linux"), "namespaces");
	const char *file = sg_spec_ns_file(type);
	const json_t *ns;
	struct stat host, st;
	char self[64];
	size_t i;

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
		if (ns_path_pinned(json_string_value(p), file, i, err) < 0)
			return err->code;
		(void)snprintf(self, sizeof(self), "/proc/self/ns/%s", file);
		if (stat(self, &host) < 0)
			return sg_error_set(err, -errno, "%s: %s", self, strerror(errno));
		if (stat(json_string_value(p), &st) < 0)
			return sg_error_set(err, -errno, "linux.namespaces[%zu].path '%.256s': %s", i,
					    json_string_value(p), strerror(errno));
		*state = st.st_dev == host.st_dev && st.st_ino == host.st_ino ? SG_NS_HOST
									       : SG_NS_JOINED;
		return 0;
	}
	return 0;
}
