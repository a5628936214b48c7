/* SPDX-License-Identifier: Apache-2.0 */
/* root [allow=PATTERN,...] [signed_allow=PATTERN,...] [docker_root=DIR,...]: the container's
 * root filesystem is the bundle's own (THREATS T24): root.path=/usr would hand the container
 * the host's /usr, read-write.
 *
 * root.path must be "rootfs" or <bundle>/rootfs, which containerd fills from the rootfs
 * mounts the mount stack judges. An absolute path elsewhere passes only when its resolved
 * path matches an allow= pattern (fnmatch, '*' within one path component): Docker 20.10
 * hands runc its own overlay mount (/var/lib/docker/overlay2/<id>/merged), `ctr run
 * --rootfs DIR` the directory itself; signed_allow= patterns count only for a create with a
 * valid signature (which covers the process and binds, not the root). The path is resolved by
 * sg_path_walk (root-owned directories no one else may write, root-owned symlinks, no procfs)
 * and written back: nobody but root can rename a directory on the way or swap in a symlink
 * before runc mounts it. With no known bundle, an absolute path must be allowed.
 * linux.rootfsPropagation shared or rshared is refused: mounts would propagate between the
 * container and the host.
 * docker_root= names dockerd's data roots: a root.path below one must be this container's
 * own layer, <DIR>/overlay2/<m>/merged (fuse-overlayfs alike) or <DIR>/vfs/dir/<m>, where m
 * is <DIR>/image/<driver>/layerdb/mounts/<container id>/mount-id. A pattern such as
 * overlay2/(*)/merged also matched every other container's root, which a create through
 * containerd's API could then take read-write (a privileged container's binaries, say).
 * The container id is the client's choice too: a containerd API client can create a container
 * named after a stopped Docker container, or after a running one in another containerd
 * namespace. So the layer must also be one dockerd is starting now, for this namespace:
 * - no other containerd namespace has a bundle of this id (<state>/<runtime>/<ns>/<id>,
 *   there from before the shim starts until the task is deleted): a running Docker
 *   container's bundle is in Docker's namespace, and in that namespace containerd refuses a
 *   second container of the id;
 * - overlay2, fuse-overlayfs: the layer's merged directory is an overlay mount point now.
 *   dockerd mounts it when it starts the container, before it asks containerd for the task,
 *   and unmounts it when the container stops, before it deletes its containerd container;
 *   only root mounts, and a containerd API client cannot mount on the host;
 * - vfs mounts nothing: the spec must carry Docker's libnetwork-setkey prestart hook for this
 *   container (its shape pinned by the hooks module). Run before the container's process, it
 *   asks dockerd to give the container its network, and dockerd refuses it for a container it
 *   holds no network sandbox for, one it is not starting: runc then fails the create. So a
 *   Docker container on vfs with --network container:<x> or host (no such hook) is refused.
 * What is left: a client that wins the race against the owner's own `docker start` of the
 * container (between dockerd's mount and its create); dockerd then deletes that task, as it
 * deletes any stale one of the id, and retries its own. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "core/pathwalk.h"
#include "core/request.h"
#include "modules.h"
#include "specutil.h"

enum { ALLOW, SIGNED_ALLOW, DOCKER_ROOT, N_LISTS };
static const char *const list_keys[N_LISTS] = { "allow", "signed_allow", "docker_root" };

struct sg_module_state {
	struct sg_strv lists[N_LISTS];
};

static void root_fini(struct sg_module_state *s)
{
	if (s)
		sg_spec_lists_clear(s->lists, N_LISTS);
	free(s);
}

static inline void root_finip(struct sg_module_state **s)
{
	root_fini(*s);
}

static int root_init(const struct sg_module_init *init, struct sg_module_state **state,
		     struct sg_error *err)
{
	__attribute__((cleanup(root_finip))) struct sg_module_state *s = calloc(1, sizeof(*s));
	bool seen[N_LISTS] = { false };
	int r;

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	r = sg_spec_arg_lists(init, list_keys, N_LISTS, s->lists, seen, err);
	if (r < 0)
		return r;
	for (int k = 0; k < N_LISTS; k++)
		for (size_t j = 0; j < s->lists[k].n; j++)
			if (s->lists[k].v[j][0] != '/' || strcmp(s->lists[k].v[j], "/") == 0)
				return sg_error_set(err, -EINVAL, "argument '%s': '%s' is not an "
						    "absolute path below /", list_keys[k],
						    s->lists[k].v[j]);
	*state = steal_pointer(&s);
	return 0;
}

/* path is <bundle>/rootfs, with or without trailing slashes. */
static bool is_bundle_rootfs(const char *bundle, const char *path)
{
	size_t n = strlen(bundle);

	while (n > 1 && bundle[n - 1] == '/')
		n--;
	if (strncmp(path, bundle, n) != 0 || strncmp(path + n, "/rootfs", 7) != 0)
		return false;
	path += n + 7;
	return path[strspn(path, "/")] == '\0';
}

/* An allowed root: written back resolved, so a symlink swapped in later does not move it. */
static int rewrite_root(struct sg_request *req, json_t *root, const char *path,
			const char *real, struct sg_error *reason)
{
	if (strcmp(real, path) == 0)
		return SG_VERDICT_SUCCESS;
	/* noted first: path belongs to the string the write replaces */
	(void)sg_request_note(req, "root: root.path '%.100s' resolved to '%.100s'", path, real);
	if (json_object_set_new(root, "path", json_string(real)) < 0) {
		sg_error_set(reason, -ENOMEM, "out of memory");
		return SG_VERDICT_ERROR;
	}
	return SG_VERDICT_SUCCESS;
}

/* The layer dockerd mounted for container id below its data root dir, by graph driver:
 * the path is written to out and the driver's name to *driver (0), or -ENOENT when no driver
 * has a mount-id for id. */
static int docker_layer(const char *dir, const char *id, char *out, size_t len,
			const char **driver)
{
	static const struct {
		const char *driver, *before, *after; /* <dir>/<driver><before><m><after> */
	} drivers[] = {
		{ "overlay2", "/", "/merged" },
		{ "fuse-overlayfs", "/", "/merged" },
		{ "vfs", "/dir/", "" },
	};

	for (size_t i = 0; i < SG_ARRAY_SIZE(drivers); i++) {
		_cleanup_fclose_ FILE *f = NULL;
		_cleanup_free_ char *idfile = NULL;
		char m[128];
		size_t n;

		if (asprintf(&idfile, "%s/image/%s/layerdb/mounts/%s/mount-id", dir,
			     drivers[i].driver, id) < 0)
			return -ENOMEM;
		f = fopen(idfile, "re");
		if (!f)
			continue;
		n = fread(m, 1, sizeof(m) - 1, f);
		m[n] = '\0';
		m[strcspn(m, "\n")] = '\0';
		if (!m[0] || strspn(m, "0123456789abcdefABCDEF-_") != strlen(m))
			return -EINVAL;
		if (snprintf(out, len, "%s/%s%s%s%s", dir, drivers[i].driver, drivers[i].before, m,
			     drivers[i].after) >= (int)len)
			return -ENAMETOOLONG;
		*driver = drivers[i].driver;
		return 0;
	}
	return -ENOENT;
}

/* path is a mount point of one of fstypes now (the gate's mount namespace is the host's). */
static bool mounted_as(const char *path, const char *const *fstypes, size_t n)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	while (f && getline(&line, &cap, f) > 0) {
		char mnt[PATH_MAX], *o = mnt;
		const char *p = line, *type;
		/* fields: id parent major:minor root mount-point ... " - " fstype ... */
		for (int field = 0; field < 4 && p; field++)
			p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
		type = p ? strstr(p, " - ") : NULL;
		if (!type)
			continue;
		/* the kernel writes ' ', '\t', '\n', '\\' as \ooo */
		for (; *p && *p != ' ' && o < mnt + sizeof(mnt) - 1; p++)
			if (p[0] == '\\' && p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
			    p[3] >= '0' && p[3] <= '7') {
				*o++ = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
				p += 3;
			} else {
				*o++ = *p;
			}
		*o = '\0';
		if (strcmp(mnt, path) != 0)
			continue;
		type += 3;
		for (size_t i = 0; i < n; i++)
			if (strncmp(type, fstypes[i], strlen(fstypes[i])) == 0 &&
			    type[strlen(fstypes[i])] == ' ')
				return true;
	}
	return false;
}

/* The spec carries Docker's libnetwork-setkey prestart hook for container id. */
static bool has_setkey(const json_t *doc, const char *id)
{
	const json_t *hook;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(doc, "hooks"), "prestart"), i, hook) {
		const json_t *args = json_object_get(hook, "args");
		const char *a0 = json_string_value(json_array_get(args, 0));
		const char *a2 = json_string_value(json_array_get(args, 2));

		if (a0 && a2 && strcmp(a0, "libnetwork-setkey") == 0 && strcmp(a2, id) == 0)
			return true;
	}
	return false;
}

/* A containerd namespace other than req's holding a bundle of req's id: its name goes to
 * other (0), or -ENOENT. Bundles are <state>/<runtime>/<ns>/<id>. */
static int id_elsewhere(const struct sg_request *req, char *other, size_t len)
{
	_cleanup_free_ char *dir = req->bundle ? strdup(req->bundle) : NULL;
	DIR *d;
	struct dirent *e;
	char *slash;
	int r = -ENOENT;

	if (!dir || !(slash = strrchr(dir, '/')))
		return -EINVAL;
	*slash = '\0';
	if (!(slash = strrchr(dir, '/')))
		return -EINVAL;
	*slash = '\0';
	d = opendir(dir[0] ? dir : "/");
	if (!d)
		return -errno;
	while (r == -ENOENT && (e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.' || strcmp(e->d_name, req->ns) == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode)) {
			_cleanup_free_ char *b = NULL;

			if (asprintf(&b, "%s/%s", e->d_name, req->id) < 0)
				r = -ENOMEM;
			else if (fstatat(dirfd(d), b, &st, AT_SYMLINK_NOFOLLOW) == 0) {
				(void)snprintf(other, len, "%s", e->d_name);
				r = 0;
			}
		}
	}
	closedir(d);
	return r;
}

/* The layer own of driver belongs to a container dockerd is starting now (see the top of the
 * file): 0, or -EPERM with the reason set. */
static int judge_docker_start(const struct sg_request *req, const char *driver, const char *own,
			      struct sg_error *reason)
{
	static const char *const overlays[] = { "overlay", "fuse.fuse-overlayfs" };
	char other[256];
	int r = id_elsewhere(req, other, sizeof(other));

	if (r == 0)
		return sg_error_set(reason, -EPERM, "root.path '%.256s': container id '%s' is in use "
				    "in containerd namespace '%s' too: the layer is that "
				    "container's", own, req->id, other);
	if (r != -ENOENT)
		return sg_error_set(reason, -EPERM, "root.path '%.256s': cannot tell whether "
				    "container id '%s' is in use elsewhere (bundle '%.256s'): %s", own,
				    req->id, req->bundle ? req->bundle : "unknown", strerror(-r));
	if (strcmp(driver, "vfs") == 0) {
		if (has_setkey(req->doc, req->id))
			return 0;
		return sg_error_set(reason, -EPERM, "root.path '%.256s': a vfs layer with no "
				    "libnetwork-setkey prestart hook for container '%s': nothing "
				    "shows dockerd is starting it", own, req->id);
	}
	if (mounted_as(own, overlays, SG_ARRAY_SIZE(overlays)))
		return 0;
	return sg_error_set(reason, -EPERM, "root.path '%.256s': the layer of container '%s' is "
			    "not mounted: dockerd is not starting that container", own, req->id);
}

/* real lies below a docker_root= directory: it must be the container's own layer. Returns
 * 1 (it is), 0 (no docker root holds it), -EPERM with the reason set. */
static int judge_docker(const struct sg_module_state *s, const struct sg_request *req,
			const char *real, struct sg_error *reason)
{
	for (size_t i = 0; i < s->lists[DOCKER_ROOT].n; i++) {
		char dir[PATH_MAX], own[PATH_MAX];
		const char *driver = NULL;
		size_t n;
		int r;

		if (!realpath(s->lists[DOCKER_ROOT].v[i], dir))
			continue;
		n = strlen(dir);
		if (strncmp(real, dir, n) != 0 || real[n] != '/')
			continue;
		r = docker_layer(dir, req->id, own, sizeof(own), &driver);
		if (r == 0 && strcmp(own, real) == 0)
			return judge_docker_start(req, driver, own, reason) < 0 ? -EPERM : 1;
		return sg_error_set(reason, -EPERM, "root.path '%.256s': below Docker's root '%s' "
				    "but not the layer of container '%s'%s%.256s%s", real, dir,
				    req->id, r == 0 ? " ('" : " (no mount-id for it)",
				    r == 0 ? own : "", r == 0 ? "')" : "");
	}
	return 0;
}

static int judge_path(const struct sg_module_state *s, struct sg_request *req, json_t *root,
		      const char *path, struct sg_error *reason)
{
	char real[PATH_MAX];
	struct sg_error why = { 0 };
	struct stat st;
	bool walked;
	int r;

	if (strcmp(path, "rootfs") == 0 || (req->bundle && is_bundle_rootfs(req->bundle, path)))
		return SG_VERDICT_SUCCESS;
	walked = path[0] == '/' && sg_path_walk(path, SG_PATHWALK_NO_PROC, real, &st, &why) == 0;
	r = walked ? judge_docker(s, req, real, reason) : 0;
	if (r < 0)
		return SG_VERDICT_DENY;
	if (r > 0)
		return rewrite_root(req, root, path, real, reason);
	for (int k = 0; walked && k < DOCKER_ROOT; k++) {
		const struct sg_strv *allow = &s->lists[k];

		if (k == SIGNED_ALLOW && !sg_spec_signed(req))
			break;
		for (size_t i = 0; i < allow->n; i++) {
			if (fnmatch(allow->v[i], real, FNM_PATHNAME) == 0)
				return rewrite_root(req, root, path, real, reason);
		}
	}
	sg_error_set(reason, -EPERM, "root.path '%.256s': not the bundle's rootfs%s%s%s", path,
		     path[0] != '/' ? "" : req->bundle ? " and not an allowed root"
						      : " (no bundle known) and not an allowed root",
		     why.msg[0] ? ": " : "", why.msg);
	return SG_VERDICT_DENY;
}

static int root_check(struct sg_module_state *s, struct sg_request *req,
		      struct sg_error *reason)
{
	json_t *root = json_object_get(req->doc, "root");
	const json_t *path = json_object_get(root, "path");
	const json_t *prop = json_object_get(json_object_get(req->doc, "linux"),
					     "rootfsPropagation");

	if (req->op != SG_OP_CREATE)
		return SG_VERDICT_IGNORE;
	if (prop && !json_is_string(prop)) {
		sg_error_set(reason, -EPERM, "linux.rootfsPropagation: not a string");
		return SG_VERDICT_DENY;
	}
	if (prop && (strcmp(json_string_value(prop), "shared") == 0 ||
		     strcmp(json_string_value(prop), "rshared") == 0)) {
		sg_error_set(reason, -EPERM, "linux.rootfsPropagation '%s': mounts would propagate "
			     "between the container and the host", json_string_value(prop));
		return SG_VERDICT_DENY;
	}
	if (!json_is_object(root) || !json_is_string(path) ||
	    strlen(json_string_value(path)) != json_string_length(path)) {
		sg_error_set(reason, -EPERM, "root.path: missing or not a string");
		return SG_VERDICT_DENY;
	}
	return judge_path(s, req, root, json_string_value(path), reason);
}

const struct sg_module sg_module_root = {
	SG_MODULE_HEADER,
	.name = "root",
	.summary = "root.path is the bundle's rootfs (or an allow= root, or Docker's layer of the "
		   "container); no shared rootfs propagation",
	.ops = SG_OP_BIT(SG_OP_CREATE),
	.init = root_init,
	.check = root_check,
	.fini = root_fini,
};
