/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the config.json modules: argument lists, the linux object, namespace origin. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
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
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (!*value || value[0] == ',' || value[strlen(value) - 1] == ',' || strstr(value, ",,"))
		return sg_error_set(err, -EINVAL, "argument '%s': empty list item", arg);
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		int r = sg_strv_push(out, item, SG_SPEC_ARG_ITEMS, err);

		if (r < 0)
			return sg_error_prefix(err, "argument '%s'", arg);
	}
	return 0;
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
