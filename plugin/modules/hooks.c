/* SPDX-License-Identifier: Apache-2.0 */
/* hooks allow=PATH[@ARG0],... [signed_allow=PATH[@ARG0],...] [env=NAME,...]
 * [docker_exec_root=DIR,...]: OCI hooks run on the host as root, before
 * any confinement of the container applies (THREATS T22), so each hook's program must be on
 * the allowlist and safe.
 *
 * For every hook of every kind (prestart, createRuntime, createContainer, startContainer,
 * poststart, poststop) the program path is resolved to its real path. That path, or the
 * path as written, must be an allow= entry (or a signed_allow= entry when the create carries
 * a valid signature), and the program must be a root-owned regular file not writable by
 * group or others, in root-owned directories that are not either. PATH@ARG0 also pins the
 * hook's args[0], for multi-call binaries. Docker 20.10's libnetwork-setkey hook is
 * /proc/<dockerd pid>/exe with args[0] "libnetwork-setkey", which resolves to dockerd's
 * binary: allow=/usr/sbin/dockerd admits it, and allow=/usr/sbin/dockerd@libnetwork-setkey
 * admits only that use (dockerd's other re-exec names unpack tar streams as root).
 * createContainer and startContainer hooks run in the container's mount namespace, yet
 * their path is judged as a host path too: the same allowlist, failing closed.
 * A hook that runs with the host's file system (all but startContainer) gets its resolved
 * path written back: runc must run the file that was checked. A symlink on the way as written
 * (in a directory its owner can change, or a /proc/<pid>/exe whose pid is reused) could by then
 * name another program, and /proc/<pid>/exe of a container's process reads as that process's
 * own path ("/usr/sbin/dockerd", which resolves to the host's file) while the kernel opens the
 * container's binary through the link. startContainer runs after pivot_root, a path of the
 * container's. A hook's env must hold only names env= lists: the program runs as root on the
 * host, and LD_PRELOAD, LD_LIBRARY_PATH, GCONV_PATH and the like load code of the caller's
 * choosing into it.
 * A hook whose args[0] is "libnetwork-setkey" must also have the one shape Docker 20.10
 * gives it (daemon/oci_linux.go, WithLibnetwork): a prestart hook with args exactly
 * ["libnetwork-setkey", "-exec-root=<dockerd's exec root>", <this container's id>,
 * <12 hex digits: dockerd's network controller>]. Run as root, dockerd's setkey code dials
 * <exec root>/libnetwork/<controller>.sock and asks that dockerd to move the network of the
 * container named by the id into this container: another container's id would take its
 * network, another exec root a socket of the caller's choosing. The exec root must be a
 * docker_exec_root= entry (default /var/run/docker) and the controller's socket must exist
 * there: the controller of the dockerd that serves that root. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "core/request.h"
#include "core/safepath.h"
#include "modules.h"
#include "specutil.h"

static const char *const hook_kinds[] = {
	"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

enum { ALLOW, SIGNED_ALLOW, ENV, EXEC_ROOT, N_LISTS };
static const char *const list_keys[N_LISTS] = { "allow", "signed_allow", "env",
						"docker_exec_root" };
#define SETKEY "libnetwork-setkey"
#define SETKEY_CONTROLLER_LEN 12 /* stringid.TruncateID */

struct sg_module_state {
	struct sg_strv lists[N_LISTS];
};

static void hooks_fini(struct sg_module_state *s)
{
	if (s)
		sg_spec_lists_clear(s->lists, N_LISTS);
	free(s);
}

static inline void hooks_finip(struct sg_module_state **s)
{
	hooks_fini(*s);
}

static int hooks_init(const struct sg_module_init *init, struct sg_module_state **state,
		      struct sg_error *err)
{
	__attribute__((cleanup(hooks_finip))) struct sg_module_state *s = calloc(1, sizeof(*s));
	bool seen[N_LISTS] = { false };
	int r;

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	r = sg_spec_arg_lists(init, list_keys, N_LISTS, s->lists, seen, err);
	for (int k = 0; r == 0 && k < N_LISTS; k++)
		r = k == ENV ? 0 : sg_spec_arg_paths(list_keys[k], &s->lists[k], err);
	/* dockerd's default --exec-root */
	if (r == 0 && !seen[EXEC_ROOT])
		r = sg_strv_push(&s->lists[EXEC_ROOT], "/var/run/docker", SG_SPEC_ARG_ITEMS, err);
	if (r < 0)
		return r;
	*state = steal_pointer(&s);
	return 0;
}

/* real (resolved) is an entry of list, as written or as the entry resolves now. An entry
 * PATH@ARG0 also wants the hook's args[0] to be ARG0 (argv0 NULL: no args). */
static bool on_list(const struct sg_strv *list, const char *written, const char *real,
		    const char *argv0)
{
	for (size_t i = 0; i < list->n; i++) {
		_cleanup_free_ char *entry = strdup(list->v[i]);
		char *at = entry ? strchr(entry, '@') : NULL;
		char entry_real[PATH_MAX];

		if (!entry)
			return false;
		if (at) {
			*at++ = '\0';
			if (!argv0 || strcmp(at, argv0) != 0)
				continue;
		}
		if (strcmp(entry, real) == 0 || strcmp(entry, written) == 0 ||
		    (realpath(entry, entry_real) && strcmp(entry_real, real) == 0))
			return true;
	}
	return false;
}

/* Every entry of a hook's env must name a variable env= lists. */
static int judge_env(const struct sg_module_state *s, const char *kind, size_t i,
		     const json_t *env, struct sg_error *reason)
{
	const json_t *e;
	size_t j;

	if (!env || json_is_null(env))
		return 0;
	if (!json_is_array(env))
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].env: not an array", kind, i);
	json_array_foreach(env, j, e) {
		const char *kv = json_string_value(e);
		size_t n = kv ? strcspn(kv, "=") : 0;
		size_t l = 0;

		while (kv && l < s->lists[ENV].n &&
		       !(strlen(s->lists[ENV].v[l]) == n && strncmp(s->lists[ENV].v[l], kv, n) == 0))
			l++;
		if (!kv || kv[n] != '=' || l == s->lists[ENV].n)
			return sg_error_set(reason, -EPERM, "hooks.%s[%zu].env[%zu] '%.*s': not on the "
					    "hooks env allowlist (a hook runs as root on the host: "
					    "LD_PRELOAD and the like load code into it)", kind, i,
					    j, (int)(kv ? (n > 64 ? 64 : n) : 0), kv ? kv : "");
	}
	return 0;
}

/* The docker_exec_root= entry value names (as written, or resolved alike): its resolved
 * path goes to out. */
static bool exec_root_listed(const struct sg_module_state *s, const char *value, char *out)
{
	char real[PATH_MAX];
	bool resolved = realpath(value, real) != NULL;

	for (size_t i = 0; i < s->lists[EXEC_ROOT].n; i++) {
		const char *entry = s->lists[EXEC_ROOT].v[i];

		if (!realpath(entry, out))
			continue;
		if (strcmp(entry, value) == 0 || (resolved && strcmp(real, out) == 0))
			return true;
	}
	return false;
}

static bool lower_hex(const char *v, size_t len)
{
	return strlen(v) == len && strspn(v, "0123456789abcdef") == len;
}

/* A libnetwork-setkey hook: Docker's shape for this container (see the top of the file). */
static int judge_setkey(const struct sg_module_state *s, const struct sg_request *req,
			const char *kind, size_t i, const json_t *args, struct sg_error *reason)
{
	const char *v[4] = { NULL };
	char root[PATH_MAX];
	_cleanup_free_ char *sock = NULL;
	struct stat st;

	if (strcmp(kind, "prestart") != 0)
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu]: a " SETKEY " hook is a "
				    "prestart hook in Docker", kind, i);
	if (json_array_size(args) != 4)
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].args: %zu entries, Docker's "
				    SETKEY " hook has 4", kind, i, json_array_size(args));
	for (size_t j = 0; j < 4; j++)
		if (!(v[j] = json_string_value(json_array_get(args, j))))
			return sg_error_set(reason, -EPERM, "hooks.%s[%zu].args[%zu]: not a string",
					    kind, i, j);
	if (strncmp(v[1], "-exec-root=", 11) != 0 || !exec_root_listed(s, v[1] + 11, root))
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].args[1] '%.256s': not "
				    "-exec-root= of a docker_exec_root= directory", kind, i, v[1]);
	if (strcmp(v[2], req->id) != 0)
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].args[2] '%.128s': not this "
				    "container's id ('%s'): it would take that container's network",
				    kind, i, v[2], req->id);
	if (!lower_hex(v[3], SETKEY_CONTROLLER_LEN))
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].args[3] '%.64s': not a network "
				    "controller id (%d hex digits)", kind, i, v[3],
				    SETKEY_CONTROLLER_LEN);
	if (asprintf(&sock, "%s/libnetwork/%s.sock", root, v[3]) < 0)
		return sg_error_set(reason, -ENOMEM, "out of memory");
	if (lstat(sock, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != 0)
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].args[3] '%s': no controller "
				    "socket %s of the dockerd serving '%s'", kind, i, v[3], sock, root);
	return 0;
}

static int judge_hook(const struct sg_module_state *s, struct sg_request *req,
		      const char *kind, size_t i, json_t *hook, struct sg_error *reason)
{
	const json_t *p = json_object_get(hook, "path");
	const char *argv0 = json_string_value(json_array_get(json_object_get(hook, "args"), 0));
	char real[PATH_MAX];
	struct sg_error why = { 0 };
	const char *path;
	int r;

	if (!json_is_object(hook) || !json_is_string(p))
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].path: missing or not a string",
				    kind, i);
	path = json_string_value(p);
	if (path[0] != '/')
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].path '%.256s': not an absolute "
				    "path", kind, i, path);
	if (!realpath(path, real))
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].path '%.256s': cannot be "
				    "resolved: %s", kind, i, path, strerror(errno));
	if (!on_list(&s->lists[ALLOW], path, real, argv0) &&
	    !(sg_spec_signed(req) && on_list(&s->lists[SIGNED_ALLOW], path, real, argv0)))
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].path '%.256s': not on the hooks "
				    "allowlist%s%.256s%s", kind, i, path,
				    strcmp(path, real) ? " (it is '" : "",
				    strcmp(path, real) ? real : "", strcmp(path, real) ? "')" : "");
	if (sg_safepath_check(real, 0, &why) < 0)
		return sg_error_set(reason, -EPERM, "hooks.%s[%zu].path '%.256s': %s", kind, i,
				    path, why.msg);
	r = judge_env(s, kind, i, json_object_get(hook, "env"), reason);
	if (r == 0 && argv0 && strcmp(argv0, SETKEY) == 0)
		r = judge_setkey(s, req, kind, i, json_object_get(hook, "args"), reason);
	if (r < 0 || strcmp(path, real) == 0 || strcmp(kind, "startContainer") == 0)
		return r;
	/* noted first: path belongs to the string the write replaces */
	(void)sg_request_note(req, "hooks: hooks.%s[%zu].path '%.100s' resolved to '%.100s'", kind,
			      i, path, real);
	if (json_object_set_new(hook, "path", json_string(real)) < 0)
		return sg_error_set(reason, -ENOMEM, "out of memory");
	return 0;
}

static int hooks_check(struct sg_module_state *s, struct sg_request *req,
		       struct sg_error *reason)
{
	json_t *hooks = json_object_get(req->doc, "hooks");
	const char *kind;
	json_t *list;

	if (req->op != SG_OP_CREATE)
		return SG_VERDICT_IGNORE;
	if (!hooks || json_is_null(hooks))
		return SG_VERDICT_SUCCESS;
	if (!json_is_object(hooks)) {
		sg_error_set(reason, -EPERM, "hooks: not an object");
		return SG_VERDICT_DENY;
	}
	json_object_foreach(hooks, kind, list) {
		json_t *hook;
		size_t k = 0, i;

		while (k < SG_ARRAY_SIZE(hook_kinds) && strcmp(kind, hook_kinds[k]) != 0)
			k++;
		if (k == SG_ARRAY_SIZE(hook_kinds)) {
			sg_error_set(reason, -EPERM, "hooks.%.64s: not a hook kind this gate knows",
				     kind);
			return SG_VERDICT_DENY;
		}
		if (json_is_null(list))
			continue;
		if (!json_is_array(list)) {
			sg_error_set(reason, -EPERM, "hooks.%s: not an array", kind);
			return SG_VERDICT_DENY;
		}
		json_array_foreach(list, i, hook)
			if (judge_hook(s, req, kind, i, hook, reason) < 0)
				return SG_VERDICT_DENY;
	}
	return SG_VERDICT_SUCCESS;
}

const struct sg_module sg_module_hooks = {
	SG_MODULE_HEADER,
	.name = "hooks",
	.summary = "OCI hooks: allowlisted root-owned programs, run by real path; env as listed; "
		   "Docker's libnetwork-setkey only for this container",
	.ops = SG_OP_BIT(SG_OP_CREATE),
	.init = hooks_init,
	.check = hooks_check,
	.fini = hooks_fini,
};
