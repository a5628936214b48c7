/* SPDX-License-Identifier: Apache-2.0 */
/* mounts internal|rootfs|host ...: judges one mount of a create (the mount stack).
 *
 *   mounts internal [runtime_dir=P,...]
 *       success: proc at /proc, sysfs at /sys, devpts at /dev/pts, mqueue at /dev/mqueue,
 *       cgroup/cgroup2 at /sys/fs/cgroup, tmpfs anywhere; binds of /etc/hosts,
 *       /etc/hostname, /etc/resolv.conf and /dev/shm whose resolved source is that file of
 *       one sandbox or container under a runtime_dir (the CRI sandbox directories by
 *       default): <dir>/<id>/hosts, hostname, resolv.conf, shm (CRI) or mounts/shm
 *       (Docker). The runtime dir itself, or a sandbox's whole directory, would give the
 *       container every pod's files read-write. ignore: everything else.
 *   mounts rootfs [prefix=P,...]
 *       For rootfs mounts (chosen by the containerd API client): success for overlay or
 *       bind whose source, lowerdir, upperdir and workdir all resolve under a prefix
 *       (a string prefix of the resolved path); deny otherwise. ignore: other mounts.
 *   mounts host [deny=default,P,...] [allow=P[:ro],...] [force=ro,nosuid,nodev,noexec]
 *               [deny_types=T,...]
 *       deny: a rootfs mount, a type in deny_types, a mount that is neither internal nor a
 *       bind, a bind with shared propagation, whose source does not resolve, touches a
 *       denied path or lies under no allow prefix, or whose canonical path passes through
 *       a directory someone other than root can change (T29). success: an allowed bind,
 *       with its canonical source and the forced options written into it. ignore:
 *       internal mounts. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/pathwalk.h"
#include "core/request.h"
#include "modules.h"

enum mounts_mode { MODE_INTERNAL, MODE_ROOTFS, MODE_HOST };

enum force_bit { FORCE_RO = 1u << 0, FORCE_NOSUID = 1u << 1, FORCE_NODEV = 1u << 2,
		 FORCE_NOEXEC = 1u << 3 };

/* Each forced option, and the option it replaces. */
static const struct {
	unsigned bit;
	const char *set;
	const char *clear;
} force_defs[] = {
	{ FORCE_RO, "ro", "rw" },
	{ FORCE_NOSUID, "nosuid", "suid" },
	{ FORCE_NODEV, "nodev", "dev" },
	{ FORCE_NOEXEC, "noexec", "exec" },
};

/* T13: runtime sockets and state, the host's root, kernel interfaces and credentials. */
const char *const sg_mounts_default_deny[] = {
	"/", "/proc", "/sys", "/dev", "/etc", "/root", "/boot", "/home/root",
	"/run/containerd", "/var/run/containerd", "/var/lib/containerd",
	"/var/lib/kubelet", "/run/kubelet", "/etc/kubernetes",
	"/run/docker.sock", "/var/run/docker.sock", "/run/docker", "/var/run/docker",
	"/var/lib/docker", "/run/crio", "/var/run/crio", "/var/lib/containers",
	"/run/containers", "/run/runc", "/run/shimgate", "/var/lib/shimgate",
	"/run/systemd", "/var/run/dbus", "/run/dbus", "/var/log",
};
const size_t sg_mounts_default_deny_count = SG_ARRAY_SIZE(sg_mounts_default_deny);

static const char *const default_runtime_dirs[] = {
	"/var/lib/containerd/io.containerd.grpc.v1.cri/sandboxes",
	"/run/containerd/io.containerd.grpc.v1.cri/sandboxes",
};

static const char *const default_rootfs_prefixes[] = {
	"/var/lib/containerd/io.containerd.snapshotter.v1.",
};

/* Files the runtime itself provides to every container (CRI, Docker): the destination and
 * the source's path below <runtime dir>/<id>/. */
static const struct {
	const char *destination, *file;
} runtime_files[] = {
	{ "/etc/hosts", "hosts" },       { "/etc/hostname", "hostname" },
	{ "/etc/resolv.conf", "resolv.conf" }, { "/dev/shm", "shm" },
	{ "/dev/shm", "mounts/shm" },
};

static const struct {
	const char *type;
	const char *destination; /* NULL: anywhere */
} internal_defs[] = {
	{ "proc", "/proc" },   { "sysfs", "/sys" },         { "devpts", "/dev/pts" },
	{ "mqueue", "/dev/mqueue" }, { "cgroup", "/sys/fs/cgroup" },
	{ "cgroup2", "/sys/fs/cgroup" }, { "tmpfs", NULL },
};

struct prefix {
	char *path;
	bool ro;
};

struct sg_module_state {
	enum mounts_mode mode;
	struct prefix *deny, *allow, *dirs; /* dirs: runtime_dir= or prefix= */
	size_t n_deny, n_allow, n_dirs;
	struct sg_strv deny_types;
	unsigned force;
};

static void prefixes_free(struct prefix *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i].path);
	free(p);
}

static void mounts_fini(struct sg_module_state *s)
{
	if (!s)
		return;
	prefixes_free(s->deny, s->n_deny);
	prefixes_free(s->allow, s->n_allow);
	prefixes_free(s->dirs, s->n_dirs);
	sg_strv_clear(&s->deny_types);
	free(s);
}

static inline void mounts_finip(struct sg_module_state **s)
{
	mounts_fini(*s);
}

static int prefix_add(struct prefix **list, size_t *n, const char *path, bool ro,
		      struct sg_error *err)
{
	struct prefix *nl;
	size_t len = strlen(path);

	if (path[0] != '/' || len >= PATH_MAX || strstr(path, "/../") || strstr(path, "/./") ||
	    (len >= 3 && strcmp(path + len - 3, "/..") == 0))
		return sg_error_set(err, -EINVAL, "'%s' is not an absolute, normalised path",
				    path);
	if (*n >= 256)
		return sg_error_set(err, -E2BIG, "more than 256 prefixes");
	nl = realloc(*list, (*n + 1) * sizeof(*nl));
	if (!nl)
		return sg_error_set(err, -ENOMEM, "out of memory");
	*list = nl;
	nl[*n].path = strdup(path);
	if (!nl[*n].path)
		return sg_error_set(err, -ENOMEM, "out of memory");
	/* "/srv/" and "/srv" are the same prefix */
	while (len > 1 && nl[*n].path[len - 1] == '/')
		nl[*n].path[--len] = '\0';
	nl[*n].ro = ro;
	(*n)++;
	return 0;
}

static int prefixes_add_defaults(struct prefix **list, size_t *n, const char *const *defs,
				 size_t n_defs, struct sg_error *err)
{
	for (size_t i = 0; i < n_defs; i++) {
		int r = prefix_add(list, n, defs[i], false, err);

		if (r < 0)
			return r;
	}
	return 0;
}

/* Calls fn for each comma-separated item of value (empty items are errors). */
static int for_each_item(const char *arg, const char *value,
			 int (*fn)(struct sg_module_state *, const char *, struct sg_error *),
			 struct sg_module_state *s, struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;
	char *item;
	int r;

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (!*value || value[strlen(value) - 1] == ',' || value[0] == ',' || strstr(value, ",,"))
		return sg_error_set(err, -EINVAL, "argument '%s': empty list item", arg);
	for (item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		r = fn(s, item, err);
		if (r < 0)
			return sg_error_prefix(err, "argument '%s'", arg);
	}
	return 0;
}

static int add_deny(struct sg_module_state *s, const char *item, struct sg_error *err)
{
	if (strcmp(item, "default") == 0)
		return prefixes_add_defaults(&s->deny, &s->n_deny, sg_mounts_default_deny,
					     sg_mounts_default_deny_count, err);
	return prefix_add(&s->deny, &s->n_deny, item, false, err);
}

static int add_allow(struct sg_module_state *s, const char *item, struct sg_error *err)
{
	size_t len = strlen(item);
	_cleanup_free_ char *path = strdup(item);
	bool ro = len > 3 && strcmp(item + len - 3, ":ro") == 0;

	if (!path)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (ro)
		path[len - 3] = '\0';
	return prefix_add(&s->allow, &s->n_allow, path, ro, err);
}

static int add_dir(struct sg_module_state *s, const char *item, struct sg_error *err)
{
	return prefix_add(&s->dirs, &s->n_dirs, item, false, err);
}

static int add_force(struct sg_module_state *s, const char *item, struct sg_error *err)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(force_defs); i++)
		if (strcmp(item, force_defs[i].set) == 0) {
			s->force |= force_defs[i].bit;
			return 0;
		}
	return sg_error_set(err, -EINVAL, "cannot force '%s' (want ro, nosuid, nodev, noexec)",
			    item);
}

static int add_deny_type(struct sg_module_state *s, const char *item, struct sg_error *err)
{
	return sg_strv_push(&s->deny_types, item, 64, err);
}

struct arg_def {
	const char *key;
	unsigned modes; /* bit per enum mounts_mode */
	int (*add)(struct sg_module_state *, const char *, struct sg_error *);
};

#define M(x) (1u << (x))
static const struct arg_def arg_defs[] = {
	{ "runtime_dir", M(MODE_INTERNAL), add_dir },
	{ "prefix", M(MODE_ROOTFS), add_dir },
	{ "deny", M(MODE_HOST), add_deny },
	{ "allow", M(MODE_HOST), add_allow },
	{ "force", M(MODE_HOST), add_force },
	{ "deny_types", M(MODE_HOST), add_deny_type },
};

static int mounts_init(const struct sg_module_init *init, struct sg_module_state **state,
		       struct sg_error *err)
{
	__attribute__((cleanup(mounts_finip))) struct sg_module_state *s = NULL;
	static const char *const mode_names[] = { "internal", "rootfs", "host" };
	bool seen[SG_ARRAY_SIZE(arg_defs)] = { false };
	int r;

	if (init->argc < 1)
		return sg_error_set(err, -EINVAL, "missing mode (want internal, rootfs or host)");
	s = calloc(1, sizeof(*s));
	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (r = 0; r < (int)SG_ARRAY_SIZE(mode_names); r++)
		if (strcmp(init->argv[0], mode_names[r]) == 0)
			break;
	if (r == (int)SG_ARRAY_SIZE(mode_names))
		return sg_error_set(err, -EINVAL, "unknown mode '%s' (want internal, rootfs or "
				    "host)", init->argv[0]);
	s->mode = (enum mounts_mode)r;
	for (int i = 1; i < init->argc; i++) {
		const char *a = init->argv[i];
		const char *eq = strchr(a, '=');
		size_t k;

		for (k = 0; k < SG_ARRAY_SIZE(arg_defs); k++)
			if (eq && strlen(arg_defs[k].key) == (size_t)(eq - a) &&
			    strncmp(a, arg_defs[k].key, (size_t)(eq - a)) == 0 &&
			    (arg_defs[k].modes & M(s->mode)))
				break;
		if (k == SG_ARRAY_SIZE(arg_defs))
			return sg_error_set(err, -EINVAL, "unknown argument '%s' for mode %s", a,
					    mode_names[s->mode]);
		if (seen[k])
			return sg_error_set(err, -EINVAL, "argument '%s' given twice",
					    arg_defs[k].key);
		seen[k] = true;
		r = for_each_item(a, eq + 1, arg_defs[k].add, s, err);
		if (r < 0)
			return r;
	}
	/* Absent lists take their defaults; deny= written out replaces the default set, which
	 * the operator then names explicitly as "default" to keep it. */
	if (s->mode == MODE_HOST && !seen[2])
		r = add_deny(s, "default", err);
	else if (s->mode == MODE_INTERNAL && !seen[0])
		r = prefixes_add_defaults(&s->dirs, &s->n_dirs, default_runtime_dirs,
					  SG_ARRAY_SIZE(default_runtime_dirs), err);
	else if (s->mode == MODE_ROOTFS && !seen[1])
		r = prefixes_add_defaults(&s->dirs, &s->n_dirs, default_rootfs_prefixes,
					  SG_ARRAY_SIZE(default_rootfs_prefixes), err);
	if (r < 0)
		return r;
	*state = steal_pointer(&s);
	return 0;
}

/* path lies at or below dir (both canonical; dir "/" holds everything). */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

static bool under_any(const char *path, const struct prefix *list, size_t n,
		      const struct prefix **which)
{
	for (size_t i = 0; i < n; i++)
		if (path_under(path, list[i].path)) {
			if (which)
				*which = &list[i];
			return true;
		}
	return false;
}

/* A denied prefix "/" is the root itself; any other covers itself and what is below. A
 * source that holds a denied path (/var holds /var/lib/containerd) is denied too, since the
 * bind exposes it. Both the prefix as written and as resolved now are compared, so a
 * symlinked /var/lib/containerd is still found. */
static const char *denied_by(const char *path, const struct prefix *deny, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char real[PATH_MAX];
		const char *cand[2] = { deny[i].path, realpath(deny[i].path, real) };

		for (size_t k = 0; k < 2 && cand[k]; k++) {
			bool hit = strcmp(cand[k], "/") == 0 ? strcmp(path, "/") == 0
							     : path_under(path, cand[k]);

			if (hit || path_under(cand[k], path))
				return deny[i].path;
		}
	}
	return NULL;
}

static bool mount_has_opt(const struct sg_mount *m, const char *opt)
{
	return sg_strv_contains(&m->options, opt);
}

static bool mount_is_bind(const struct sg_mount *m)
{
	return (m->type && (strcmp(m->type, "bind") == 0 || strcmp(m->type, "rbind") == 0)) ||
	       mount_has_opt(m, "bind") || mount_has_opt(m, "rbind");
}

static bool mount_is_internal_type(const struct sg_mount *m)
{
	if (!m->type || !m->destination || mount_is_bind(m))
		return false;
	for (size_t i = 0; i < SG_ARRAY_SIZE(internal_defs); i++)
		if (strcmp(m->type, internal_defs[i].type) == 0)
			return !internal_defs[i].destination ||
			       strcmp(m->destination, internal_defs[i].destination) == 0;
	return false;
}

static const char *shared_propagation(const struct sg_mount *m)
{
	if (mount_has_opt(m, "shared"))
		return "shared";
	return mount_has_opt(m, "rshared") ? "rshared" : NULL;
}

static int deny(struct sg_error *reason, const struct sg_mount *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Sets the reason ("<the mount, as sg_mount_describe names it>: why") and returns
 * SG_VERDICT_DENY. */
static int deny(struct sg_error *reason, const struct sg_mount *m, const char *fmt, ...)
{
	char what[256], name[SG_ERROR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	sg_mount_describe(m, name, sizeof(name));
	sg_error_set(reason, -EPERM, "%s: %s", name, what);
	return SG_VERDICT_DENY;
}

static int check_internal(const struct sg_module_state *s, const struct sg_mount *m)
{
	char real[PATH_MAX];

	if (m->rootfs)
		return SG_VERDICT_IGNORE;
	if (mount_is_internal_type(m))
		return SG_VERDICT_SUCCESS;
	if (!mount_is_bind(m) || !m->source || !m->destination || shared_propagation(m))
		return SG_VERDICT_IGNORE;
	if (!realpath(m->source, real))
		return SG_VERDICT_IGNORE;
	for (size_t i = 0; i < SG_ARRAY_SIZE(runtime_files); i++)
		for (size_t d = 0; strcmp(m->destination, runtime_files[i].destination) == 0 &&
				   d < s->n_dirs; d++) {
			size_t n = strlen(s->dirs[d].path);
			const char *id = real + n + 1, *slash;

			if (!path_under(real, s->dirs[d].path) || real[n] != '/')
				continue;
			slash = strchr(id, '/');
			if (slash && slash != id && strcmp(slash + 1, runtime_files[i].file) == 0)
				return SG_VERDICT_SUCCESS;
		}
	return SG_VERDICT_IGNORE;
}

/* After a snapshotter's directory: "snapshots/<id>" (native, btrfs "active/<id>"), with
 * "/fs" or "/work" (overlayfs and its kin), and nothing else. The snapshotter's directory
 * itself, or its metadata.db, would hand the container every other container's snapshot
 * and containerd's own records. */
static bool snapshot_dir(const char *rest)
{
	const char *p = strchr(rest, '/');

	if (!p || p == rest)
		return false;
	p++;
	if (strncmp(p, "snapshots/", 10) == 0)
		p += 10;
	else if (strncmp(p, "active/", 7) == 0)
		p += 7;
	else
		return false;
	if (*p < '1' || *p > '9')
		return false;
	while (*p >= '0' && *p <= '9')
		p++;
	return *p == '\0' || strcmp(p, "/fs") == 0 || strcmp(p, "/work") == 0;
}

/* A rootfs path: resolved, then a string prefix match ("...snapshotter.v1." names the
 * directory of every snapshotter) followed by a snapshot's directory. */
static bool rootfs_path_ok(const struct sg_module_state *s, const char *path)
{
	char real[PATH_MAX];

	if (!realpath(path, real))
		return false;
	for (size_t i = 0; i < s->n_dirs; i++) {
		size_t n = strlen(s->dirs[i].path);

		if (strncmp(real, s->dirs[i].path, n) == 0 && real[n] != '\0' &&
		    snapshot_dir(real + n))
			return true;
	}
	return false;
}

static int check_rootfs(const struct sg_module_state *s, const struct sg_mount *m,
			struct sg_error *reason)
{
	static const char *const path_keys[] = { "lowerdir=", "upperdir=", "workdir=" };
	bool overlay;

	if (!m->rootfs)
		return SG_VERDICT_IGNORE;
	overlay = m->type && strcmp(m->type, "overlay") == 0;
	if (!overlay && !mount_is_bind(m))
		return deny(reason, m, "rootfs type '%s' is neither overlay nor bind",
			    m->type ? m->type : "");
	if (!overlay && (!m->source || !rootfs_path_ok(s, m->source)))
		return deny(reason, m, "rootfs source '%s' is not under a snapshotter prefix, or "
			    "not a snapshot there (NAME/snapshots/<id>[/fs])",
			    m->source ? m->source : "");
	for (size_t i = 0; i < m->options.n; i++) {
		const char *o = m->options.v[i];
		bool is_path = false;

		for (size_t k = 0; k < SG_ARRAY_SIZE(path_keys); k++) {
			size_t kl = strlen(path_keys[k]);
			_cleanup_free_ char *list = NULL;
			char *save = NULL;

			if (strncmp(o, path_keys[k], kl) != 0)
				continue;
			is_path = true;
			list = strdup(o + kl);
			if (!list)
				return deny(reason, m, "out of memory");
			/* lowerdir is a ':'-separated stack; every layer must pass */
			for (char *p = strtok_r(list, ":", &save); p; p = strtok_r(NULL, ":", &save))
				if (!rootfs_path_ok(s, p))
					return deny(reason, m, "rootfs option '%s' leaves the "
						    "snapshotter prefix or its snapshots", o);
		}
		/* Options that name paths we do not know (lowerdir+=, datadir+=...) could point
		 * anywhere: refused rather than guessed at. */
		if (!is_path && strchr(o, '/'))
			return deny(reason, m, "rootfs option '%s' is not understood", o);
	}
	return SG_VERDICT_SUCCESS;
}

static bool force_one(struct sg_mount *m, const char *set, const char *clear, int *err)
{
	bool changed = false;

	for (size_t i = m->options.n; i-- > 0;)
		if (strcmp(m->options.v[i], clear) == 0) {
			sg_strv_remove(&m->options, i);
			changed = true;
		}
	if (!mount_has_opt(m, set)) {
		*err = sg_strv_push(&m->options, set, SG_LIMIT_MOUNT_OPTS, NULL);
		changed = true;
	}
	return changed;
}

static int force_options(struct sg_request *req, struct sg_mount *m, unsigned force,
			 struct sg_error *reason)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(force_defs); i++) {
		int r = 0;

		if (!(force & force_defs[i].bit) ||
		    !force_one(m, force_defs[i].set, force_defs[i].clear, &r))
			continue;
		if (r < 0)
			return deny(reason, m, "too many options to force the policy's");
		m->changed = true;
		sg_request_note(req, "mounts: %s: forced %s", m->destination, force_defs[i].set);
	}
	return SG_VERDICT_SUCCESS;
}

static int check_host(const struct sg_module_state *s, struct sg_request *req,
		      struct sg_error *reason)
{
	struct sg_mount *m = req->mount;
	const struct prefix *allow = NULL;
	char real[PATH_MAX], resolved[PATH_MAX];
	struct sg_error why = { 0 };
	struct stat st;
	const char *hit;

	if (m->rootfs)
		return deny(reason, m, "a rootfs mount not approved by 'mounts rootfs'");
	if (m->type && sg_strv_contains(&s->deny_types, m->type))
		return deny(reason, m, "type '%s' is refused by policy", m->type);
	if (mount_is_internal_type(m))
		return SG_VERDICT_IGNORE;
	if (!mount_is_bind(m))
		return deny(reason, m, "type '%s' is neither container-internal nor a bind",
			    m->type ? m->type : "");
	hit = shared_propagation(m);
	if (hit)
		return deny(reason, m, "propagation '%s' would leak mounts to the host", hit);
	if (!m->source || m->source[0] != '/')
		return deny(reason, m, "a bind source must be an absolute host path");
	if (!realpath(m->source, resolved))
		return deny(reason, m, "source cannot be resolved: %s", strerror(errno));
	/* T29: runc mounts by path, later. The canonical path is walked again without following
	 * any symlink, through directories only root can change, and written into config.json:
	 * what runc mounts is what was checked here. */
	if (sg_path_walk(resolved, SG_PATHWALK_NO_SYMLINKS, real, &st, &why) < 0)
		return deny(reason, m, "%s", why.msg);
	hit = denied_by(real, s->deny, s->n_deny);
	if (hit)
		return deny(reason, m, "host path denied by policy (prefix '%s')", hit);
	if (!under_any(real, s->allow, s->n_allow, &allow))
		return deny(reason, m, "host path '%s' is under no allowed prefix", real);
	if (strcmp(m->source, real) != 0) {
		char *canonical = strdup(real);

		if (!canonical)
			return deny(reason, m, "out of memory");
		sg_request_note(req, "mounts: %s: source '%s' written as '%s'", m->destination,
				m->source, canonical);
		free(m->source);
		m->source = canonical;
		m->changed = true;
	}
	return force_options(req, m, s->force | (allow->ro ? FORCE_RO : 0), reason);
}

static int mounts_check(struct sg_module_state *s, struct sg_request *req,
			struct sg_error *reason)
{
	if (req->op != SG_OP_MOUNT || !req->mount) {
		sg_error_set(reason, -EINVAL, "mounts applies to the mount stack only");
		return SG_VERDICT_ERROR;
	}
	switch (s->mode) {
	case MODE_INTERNAL:
		return check_internal(s, req->mount);
	case MODE_ROOTFS:
		return check_rootfs(s, req->mount, reason);
	case MODE_HOST:
		return check_host(s, req, reason);
	}
	sg_error_set(reason, -EINVAL, "mounts: bad mode");
	return SG_VERDICT_ERROR;
}

const struct sg_module sg_module_mounts = {
	SG_MODULE_HEADER,
	.name = "mounts",
	.summary = "judges a create's mounts: internal, rootfs, host binds (deny, allow, force)",
	.ops = SG_OP_BIT(SG_OP_MOUNT),
	.init = mounts_init,
	.check = mounts_check,
	.fini = mounts_fini,
};
