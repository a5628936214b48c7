/* SPDX-License-Identifier: Apache-2.0 */
/* namespaces [allow_host=TYPE,...] [signed_allow_host=TYPE,...] [allow_join=TYPE,...]: the
 * container does not
 * share the host's pid, network, ipc, uts, mount or cgroup namespace (THREATS T25). A list
 * holding only "mount" would show the container every host process, to signal and kill.
 *
 * Each of those types must be the container's own (listed, no path) or another container's
 * (a path whose namespace, by device and inode, is not the gate's own /proc/self/ns/<type>:
 * pod containers join their sandbox's /proc/<pause pid>/ns/net this way). A missing type, or
 * a path to the host's namespace, is refused unless allow_host= names the type, or
 * signed_allow_host= does and the create carries a valid signature. TYPE is an OCI type
 * (pid, network, ipc, uts, mount, cgroup; net and mnt also work). Docker 20.10 and
 * containerd 1.6 leave the cgroup namespace out on cgroup v1 hosts, so the shipped line
 * allows a host cgroup namespace (cgroup mounts are forced read-only by `paths`).
 * user and time pass: a new user namespace only lowers privilege and joining the host's is
 * the default; a time namespace only offsets the container's own clocks. Any other type is
 * refused, since runc would reject it or this gate cannot tell what it grants.
 * A path must be /proc/<pid>/ns/<file> (or /proc/<pid>/task/<tid>/ns/<file>) of that type,
 * or /run/netns/<name> (/var/run/netns/<name>) for network, the namespaces CRI pins: a
 * path elsewhere may pass through a symlink or directory that the container's own root can
 * swap for /proc/1/ns/... between this check and runc's open. A path is taken only for the
 * types allow_join= lists (default pid, network, ipc, uts: what CRI and Docker join). A
 * mount namespace is never another container's (no runtime joins one): the inode test
 * passed a host service's private one (PrivateTmp=), whose root runc then pivoted to the
 * container's rootfs under the service. */
#include <errno.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/request.h"
#include "modules.h"
#include "specutil.h"

static const char *const judged[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
#define N_JUDGED SG_ARRAY_SIZE(judged)

struct sg_module_state {
	bool allow_host[N_JUDGED];
	bool signed_allow_host[N_JUDGED];
	bool allow_join[N_JUDGED];
};

static int parse_types(const char *arg, const char *value, bool *out, struct sg_error *err)
{
	struct sg_strv list = { 0 };
	int r = sg_spec_arg_list(arg, value, &list, err);

	for (size_t i = 0; r == 0 && i < list.n; i++) {
		const char *t = list.v[i];
		size_t k;

		if (strcmp(t, "net") == 0)
			t = "network";
		else if (strcmp(t, "mnt") == 0)
			t = "mount";
		for (k = 0; k < N_JUDGED && strcmp(t, judged[k]) != 0; k++)
			;
		if (k == N_JUDGED)
			r = sg_error_set(err, -EINVAL, "argument '%s': unknown namespace type '%s' "
					 "(want pid, network, ipc, uts, mount, cgroup)", arg, list.v[i]);
		else
			out[k] = true;
	}
	sg_strv_clear(&list);
	return r;
}

static void namespaces_fini(struct sg_module_state *s)
{
	free(s);
}

static int namespaces_init(const struct sg_module_init *init, struct sg_module_state **state,
			   struct sg_error *err)
{
	static const char *const keys[] = { "allow_host", "signed_allow_host", "allow_join" };
	_cleanup_free_ struct sg_module_state *s = calloc(1, sizeof(*s));
	bool seen[SG_ARRAY_SIZE(keys)] = { false };

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (size_t k = 0; k < N_JUDGED; k++)
		s->allow_join[k] = strcmp(judged[k], "mount") != 0 && strcmp(judged[k], "cgroup") != 0;
	for (int i = 0; i < init->argc; i++) {
		const char *value;
		int k = sg_spec_arg(init->argv[i], keys, SG_ARRAY_SIZE(keys), seen, &value, err);

		if (k < 0)
			return k;
		if (k == 2)
			memset(s->allow_join, 0, sizeof(s->allow_join));
		k = parse_types(init->argv[i], value,
				k == 0 ? s->allow_host : k == 1 ? s->signed_allow_host : s->allow_join,
				err);
		if (k < 0)
			return k;
	}
	*state = steal_pointer(&s);
	return 0;
}

/* Every entry names a known type once (the first entry of a type is the one judged): user
 * and time pass, anything else is refused. */
static int check_types(const json_t *doc, struct sg_error *reason)
{
	const json_t *list = json_object_get(json_object_get(doc, "linux"), "namespaces");
	const json_t *ns;
	size_t i;

	json_array_foreach(list, i, ns) {
		const char *type = json_string_value(json_object_get(ns, "type"));

		if (!json_is_object(ns) || !type)
			return sg_error_set(reason, -EPERM, "linux.namespaces[%zu].type: missing or "
					    "not a string", i);
		if (!sg_spec_ns_file(type))
			return sg_error_set(reason, -EPERM, "linux.namespaces[%zu].type '%.64s': not "
					    "a namespace type this gate knows", i, type);
		for (size_t j = 0; j < i; j++)
			if (strcmp(type, json_string_value(json_object_get(json_array_get(list, j),
									      "type"))) == 0)
				return sg_error_set(reason, -EPERM, "linux.namespaces[%zu]: a second "
						    "'%s' entry", i, type);
	}
	return 0;
}

/* path names a namespace of type the way runtimes do, with nothing the container could
 * swap on the way (see the top of the file). */
static bool path_form_ok(const char *type, const char *path)
{
	const char *file = sg_spec_ns_file(type), *p;
	struct stat st;

	if (strncmp(path, "/proc/", 6) == 0)
		return sg_spec_proc_ns_path(path, file) && strncmp(path, "/proc/self/", 11) != 0;
	if (strcmp(type, "network") != 0)
		return false;
	p = strncmp(path, "/var/run/netns/", 15) == 0 ? path + 15
	    : strncmp(path, "/run/netns/", 11) == 0  ? path + 11
						     : NULL;
	return p && *p && *p != '.' && !strchr(p, '/') && lstat(path, &st) == 0 &&
	       !S_ISLNK(st.st_mode);
}

/* Every entry with a path: of a type allow_join= lists, in the form runtimes use; then
 * opened and pinned (sg_spec_ns_pin), so runc joins what is judged below, even when the pid
 * in the path dies and a host process gets its number. orig[k] gets the path as written of
 * judged[k]'s entry, for messages. */
static int check_paths(const struct sg_module_state *s, struct sg_request *req,
		       char *orig[N_JUDGED], struct sg_error *reason)
{
	const json_t *list = json_object_get(json_object_get(req->doc, "linux"), "namespaces");
	json_t *ns;
	size_t i, k;

	json_array_foreach(list, i, ns) {
		const char *type = json_string_value(json_object_get(ns, "type"));
		const char *path = json_string_value(json_object_get(ns, "path"));

		if (!path || !*path)
			continue;
		for (k = 0; k < N_JUDGED && strcmp(type, judged[k]) != 0; k++)
			;
		if (k == N_JUDGED)
			continue;
		if (!s->allow_join[k])
			return sg_error_set(reason, -EPERM, "linux.namespaces[%zu].path '%.256s': "
					    "joining a %s namespace is not allowed (allow_join=)%s",
					    i, path, type, strcmp(type, "mount") == 0
					    ? ": no runtime shares one, and runc would pivot its root "
					      "under the processes in it" : "");
		if (!path_form_ok(type, path))
			return sg_error_set(reason, -EPERM, "linux.namespaces[%zu].path '%.256s': "
					    "not /proc/<pid>/ns/%s%s", i, path, sg_spec_ns_file(type),
					    strcmp(type, "network") == 0 ? " or /run/netns/<name>" : "");
		orig[k] = strdup(path);
		if (!orig[k])
			return sg_error_set(reason, -ENOMEM, "out of memory");
		if (sg_spec_ns_pin(req, ns, i, reason) < 0)
			return reason->code;
	}
	return 0;
}

static void orig_clear(char *(*orig)[N_JUDGED])
{
	for (size_t k = 0; k < N_JUDGED; k++)
		free((*orig)[k]);
}

static int namespaces_check(struct sg_module_state *s, struct sg_request *req,
			    struct sg_error *reason)
{
	_cleanup_(orig_clear) char *orig[N_JUDGED] = { NULL };

	if (req->op != SG_OP_CREATE)
		return SG_VERDICT_IGNORE;
	if (check_types(req->doc, reason) < 0 || check_paths(s, req, orig, reason) < 0)
		return SG_VERDICT_DENY;
	for (size_t k = 0; k < N_JUDGED; k++) {
		enum sg_ns_state st;
		long index;

		if (sg_spec_ns_state(req, judged[k], &st, &index, reason) < 0)
			return SG_VERDICT_DENY;
		if (st != SG_NS_HOST || s->allow_host[k] ||
		    (s->signed_allow_host[k] && sg_spec_signed(req)))
			continue;
		if (index < 0)
			sg_error_set(reason, -EPERM, "linux.namespaces: no '%s' namespace: the "
				     "container would share the host's", judged[k]);
		else
			sg_error_set(reason, -EPERM, "linux.namespaces[%ld].path '%.256s': the "
				     "host's %s namespace", index, orig[k] ? orig[k] : "", judged[k]);
		return SG_VERDICT_DENY;
	}
	return SG_VERDICT_SUCCESS;
}

const struct sg_module sg_module_namespaces = {
	SG_MODULE_HEADER,
	.name = "namespaces",
	.summary = "pid, network, ipc, uts, mount, cgroup: the container's own or another container's",
	.ops = SG_OP_BIT(SG_OP_CREATE),
	.init = namespaces_init,
	.check = namespaces_check,
	.fini = namespaces_fini,
};
