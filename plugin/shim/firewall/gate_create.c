/* SPDX-License-Identifier: Apache-2.0 */
/* Create: runtime options, the bundle, config.json through the create and mount stacks. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "containerd/task/v2/shim.pb-c.h"
#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "core/strutil.h"
#include "gate_call.h"
#include "gate_create.h"
#include "oci/oci.h"
#include "runcopts.h"
#include "shim/life/memtrim.h"
#include "shim/ttrpc.h"

static void create_freep(Containerd__Task__V2__CreateTaskRequest **c)
{
	if (*c)
		containerd__task__v2__create_task_request__free_unpacked(*c, NULL);
}

struct sg_rootfs {
	struct sg_mount *m;
	size_t n;
};

static void rootfs_clear(struct sg_rootfs *r)
{
	for (size_t i = 0; i < r->n; i++)
		sg_mount_clear(&r->m[i]);
	free(r->m);
}

/* The bundle must be <bundle_root>/<id>: absolute, no "..", named after the container, in
 * the directory this shim serves (compared by inode: the shim's cwd may be spelled through
 * a symlink the bundle path avoids). Then exec finds this container's config.json. */
static int bundle_check(const struct sg_call_ctx *ctx, const char *bundle, const char *id,
			struct sg_error *err)
{
	_cleanup_free_ char *norm = strdup(bundle);
	struct stat parent, root;
	char *slash;

	if (!norm)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (strlen(bundle) >= PATH_MAX || sg_path_normalize(norm) < 0)
		return sg_error_set(err, -EINVAL,
				    "bundle '%.256s' is not an absolute path without '..'", bundle);
	slash = strrchr(norm, '/');
	if (strcmp(slash + 1, id) != 0)
		return sg_error_set(err, -EINVAL, "bundle '%.256s' is not named after the container",
				    bundle);
	*slash = '\0';
	if (stat(norm[0] ? norm : "/", &parent) < 0 || stat(ctx->bundle_root, &root) < 0 ||
	    parent.st_dev != root.st_dev || parent.st_ino != root.st_ino)
		return sg_error_set(err, -EINVAL, "bundle '%.256s' is not in '%s'", bundle,
				    ctx->bundle_root);
	return 0;
}

static int rootfs_read(const Containerd__Task__V2__CreateTaskRequest *c, struct sg_rootfs *out,
		       struct sg_error *err)
{
	if (c->n_rootfs > SG_LIMIT_MOUNTS)
		return sg_error_set(err, -E2BIG, "%zu rootfs mounts exceed %u", c->n_rootfs,
				    SG_LIMIT_MOUNTS);
	if (c->n_rootfs == 0)
		return 0;
	out->m = calloc(c->n_rootfs, sizeof(*out->m));
	if (!out->m)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n_rootfs; i++) {
		const Containerd__Types__Mount *pm = c->rootfs[i];
		struct sg_mount *m = &out->m[i];

		out->n = i + 1;
		m->rootfs = true;
		m->index = i;
		m->type = strdup(pm->type);
		m->source = strdup(pm->source);
		m->destination = strdup(pm->target);
		if (!m->type || !m->source || !m->destination)
			return sg_error_set(err, -ENOMEM, "out of memory");
		m->options.present = true;
		for (size_t j = 0; j < pm->n_options; j++) {
			int r = sg_strv_push(&m->options, pm->options[j], SG_LIMIT_MOUNT_OPTS, err);

			if (r < 0)
				return sg_error_prefix(err, "rootfs mount %zu", i);
		}
	}
	return 0;
}

static void create_handle(const struct sg_call_ctx *ctx, const uint8_t *payload, size_t len,
			  struct sg_call_result *res)
{
	_cleanup_(create_freep) Containerd__Task__V2__CreateTaskRequest *c = NULL;
	_cleanup_(sg_oci_config_clear) struct sg_oci_config config = { 0 };
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_rootfs rootfs = { 0 };
	struct sg_error err = { 0 };
	char path[PATH_MAX];
	char what[SG_LIMIT_ID + 32];
	int r;

	c = containerd__task__v2__create_task_request__unpack(NULL, len, payload);
	if (!c) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT,
			       "shimgate: create request does not decode");
		return;
	}
	if (!sg_id_valid(c->id, SG_LIMIT_ID)) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT,
			       "shimgate: create refused: container id '%.128s' is not a plain name",
			       c->id);
		return;
	}
	(void)snprintf(what, sizeof(what), "create of '%s'", c->id);
	/* A restore runs whatever memory image the checkpoint holds, past every policy. */
	if (c->checkpoint[0] || c->parent_checkpoint[0]) {
		sg_call_refuse(res, SG_GRPC_PERMISSION_DENIED,
			       "shimgate: %s refused: restoring from a checkpoint is not allowed",
			       what);
		return;
	}
	r = sg_runcopts_check(ctx->runc, c->options, &err);
	if (r < 0) {
		sg_call_refuse(res,
			       r == -EPERM ? SG_GRPC_PERMISSION_DENIED : SG_GRPC_INVALID_ARGUMENT,
			       "shimgate: %s refused: %s", what, err.msg);
		return;
	}
	if (bundle_check(ctx, c->bundle, c->id, &err) < 0) {
		sg_call_refuse_input(res, err.code, what, err.msg);
		return;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/config.json", c->bundle) >= sizeof(path)) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT, "shimgate: %s refused: bundle too long",
			       what);
		return;
	}
	if (sg_oci_config_load(path, &config, &err) < 0) {
		sg_call_refuse_input(res, err.code, what, err.msg);
		return;
	}
	r = rootfs_read(c, &rootfs, &err);
	if (r == 0)
		r = sg_oci_create_request(ctx->ns, c->id, config.doc, rootfs.m, rootfs.n, &req,
					  &err);
	rootfs_clear(&rootfs);
	if (r == 0)
		r = sg_request_set_stdio(req, (const char *const[]){ c->stdin, c->stdout, c->stderr },
					 &err);
	if (r == 0 && !(req->bundle = strdup(c->bundle)))
		r = sg_error_set(&err, -ENOMEM, "out of memory");
	if (r < 0) {
		sg_call_refuse_input(res, r, what, err.msg);
		return;
	}
	if (!sg_call_decide(ctx, req, what, res))
		return;
	/* The request forwarded is the original: runc reads the spec from disk. */
	if (sg_oci_config_store(&config, req, &err) < 0) {
		sg_call_refuse(res, SG_GRPC_INTERNAL, "shimgate: %s refused: %s", what, err.msg);
		return;
	}
	/* The namespaces the spec now names as /proc/<gate pid>/fd/<N>: open until runc has
	 * opened them, i.e. until the real shim answers this Create. */
	res->n_held = sg_request_take_fds(req, res->held);
}

void sg_gate_create_handle(const struct sg_call_ctx *ctx, const uint8_t *payload, size_t len,
			   struct sg_call_result *res)
{
	create_handle(ctx, payload, len, res);
	/* A create is the gate's largest call (the spec, the resolved seccomp profile, their
	 * rewrite) and happens once per container: what it freed goes back to the system
	 * rather than staying resident in a gate that lives as long as its pod. */
	sg_mem_trim();
}
