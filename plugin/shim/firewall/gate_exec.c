/* SPDX-License-Identifier: Apache-2.0 */
/* Exec: the process spec through the exec stack, rewritten before runc sees it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <jansson.h>

#include "containerd/task/v2/shim.pb-c.h"
#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "core/strutil.h"
#include "gate_call.h"
#include "gate_exec.h"
#include "oci/fields.h"
#include "oci/oci.h"
#include "oci/procread.h"
#include "shim/life/memtrim.h"
#include "shim/ttrpc.h"

#define SG_PROCESS_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Process"
/* One shim serves one container, or the containers of one pod. */
#define SG_EXEC_CACHE_SLOTS 32u

struct sg_exec_cache_entry {
	char *id; /* NULL: free slot */
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	off_t size;
	struct sg_exec_container c; /* the config.json and its process, read once */
	uint64_t used; /* for eviction of the least recently used entry */
};

/* Unlocked: the relay judges every frame, of every connection, on its one epoll thread. */
struct sg_exec_cache {
	struct sg_exec_cache_entry e[SG_EXEC_CACHE_SLOTS];
	uint64_t clock;
};

struct sg_exec_cache *sg_exec_cache_new(void)
{
	return calloc(1, sizeof(struct sg_exec_cache));
}

static void entry_clear(struct sg_exec_cache_entry *e)
{
	free(e->id);
	sg_oci_exec_container_clear(&e->c);
	*e = (struct sg_exec_cache_entry){ 0 };
}

void sg_exec_cache_free(struct sg_exec_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < SG_EXEC_CACHE_SLOTS; i++)
		entry_clear(&cache->e[i]);
	free(cache);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static bool entry_matches(const struct sg_exec_cache_entry *e, const char *id,
			  const struct stat *st)
{
	return e->id && strcmp(e->id, id) == 0 && e->dev == st->st_dev && e->ino == st->st_ino &&
	       e->size == st->st_size && e->mtime.tv_sec == st->st_mtim.tv_sec &&
	       e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* The cached container, or NULL. */
static const struct sg_exec_container *cache_get(struct sg_exec_cache *c, const char *id,
						 const struct stat *st)
{
	for (size_t i = 0; i < SG_EXEC_CACHE_SLOTS; i++) {
		if (entry_matches(&c->e[i], id, st)) {
			c->e[i].used = ++c->clock;
			return &c->e[i].c;
		}
	}
	return NULL;
}

/* Moves *ec into the cache for id, replacing that id's old entry or the least recently used
 * one; returns the cached copy, or NULL (a failed copy of the id only means no caching: *ec
 * is then left to the caller). */
static const struct sg_exec_container *cache_put(struct sg_exec_cache *c, const char *id,
						 const struct stat *st,
						 struct sg_exec_container *ec)
{
	struct sg_exec_cache_entry *slot = &c->e[0];
	char *copy = strdup(id);

	if (!copy)
		return NULL;
	for (size_t i = 0; i < SG_EXEC_CACHE_SLOTS; i++) {
		struct sg_exec_cache_entry *e = &c->e[i];

		if (e->id && strcmp(e->id, id) == 0) {
			slot = e;
			break;
		}
		if (!e->id || e->used < slot->used)
			slot = e;
		if (!e->id)
			break;
	}
	entry_clear(slot);
	*slot = (struct sg_exec_cache_entry){
		.id = copy,
		.dev = st->st_dev,
		.ino = st->st_ino,
		.mtime = st->st_mtim,
		.size = st->st_size,
		.c = *ec,
		.used = ++c->clock,
	};
	*ec = (struct sg_exec_container){ 0 };
	return &slot->c;
}

/* The container's config.json (<bundle_root>/<id>/config.json) and what an exec takes from
 * its process, from the cache when the file is unchanged, else read into *local (which the
 * caller clears). The exec is refused without it: it gives the container's environment and
 * capabilities, which bound what an exec may get. *out stays valid for the call: only
 * another exec's lookup changes the cache. */
static __attribute__((noinline)) int container_get(const struct sg_call_ctx *ctx, const char *id,
			 struct sg_exec_container *local, const struct sg_exec_container **out,
			 struct sg_error *err)
{
	_cleanup_(sg_oci_config_clear) struct sg_oci_config cfg = { 0 };
	struct stat st, st2;
	char path[PATH_MAX];
	int r;

	r = sg_call_config_path(ctx, id, path, err);
	if (r < 0)
		return r;
	if (stat(path, &st) < 0)
		return sg_error_set(err, -errno, "cannot stat '%s': %s", path, strerror(errno));
	*out = cache_get(ctx->exec_cache, id, &st);
	if (*out)
		return 0;
	r = sg_oci_config_load(path, &cfg, err);
	if (r < 0)
		return r;
	sg_oci_exec_container_read(cfg.doc, local);
	/* Cached only when the file did not change while it was read. */
	if (stat(path, &st2) == 0 && same_file(&st, &st2))
		*out = cache_put(ctx->exec_cache, id, &st, local);
	if (!*out)
		*out = local;
	/* The document (its resolved seccomp profile alone is hundreds of strings) is freed
	 * here and read once per container: its pages go back to the system rather than
	 * staying resident in a gate that lives as long as its pod. */
	sg_oci_config_clear(&cfg);
	sg_mem_trim();
	return 0;
}

static void container_clearp(struct sg_exec_container *c)
{
	sg_oci_exec_container_clear(c);
}

static void exec_freep(Containerd__Task__V2__ExecProcessRequest **e)
{
	if (*e)
		containerd__task__v2__exec_process_request__free_unpacked(*e, NULL);
}

/* The process JSON, parsed once, with "terminal" set to the request's field: runc obeys the
 * field, so the field is what gets signed and judged. */
static int process_doc(const ProtobufCBinaryData *value, bool terminal, json_t **out,
		       struct sg_error *err)
{
	json_auto_t *proc = NULL;
	int r;

	r = sg_oci_parse_doc(value->data ? (const char *)value->data : "", value->len,
			     SG_FIELDS_ROOT_PROCESS, &proc, err);
	if (r < 0)
		return r;
	if (!json_is_object(proc))
		return sg_error_set(err, -EINVAL, "process spec is not a JSON object");
	if (json_object_set_new(proc, "terminal", json_boolean(terminal)) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	*out = steal_pointer(&proc);
	return 0;
}

/* The ExecProcessRequest with its spec value replaced by json (type_url and every other
 * field, known or unknown, kept). */
static int exec_repack(Containerd__Task__V2__ExecProcessRequest *e, char *json, size_t json_len,
		       struct sg_call_result *res)
{
	ProtobufCBinaryData saved = e->spec->value;
	size_t n;

	e->spec->value.data = (uint8_t *)json;
	e->spec->value.len = json_len;
	n = containerd__task__v2__exec_process_request__get_packed_size(e);
	res->payload = n ? malloc(n) : malloc(1);
	if (res->payload)
		res->payload_len = containerd__task__v2__exec_process_request__pack(e, res->payload);
	e->spec->value = saved;
	return res->payload ? 0 : -ENOMEM;
}

void sg_gate_exec_handle(const struct sg_call_ctx *ctx, const uint8_t *payload, size_t len,
			 struct sg_call_result *res)
{
	_cleanup_(exec_freep) Containerd__Task__V2__ExecProcessRequest *e = NULL;
	__attribute__((cleanup(container_clearp))) struct sg_exec_container local = { 0 };
	const struct sg_exec_container *container = NULL;
	_cleanup_request_ struct sg_request *req = NULL;
	json_auto_t *proc = NULL;
	_cleanup_free_ char *out = NULL;
	struct sg_error err = { 0 };
	struct sg_proc_doc pd; /* borrowed by req, which this scope frees */
	struct sg_process fast = { 0 };
	const char *value;
	char what[2 * SG_LIMIT_ID + 32];
	size_t out_len = 0;
	int r;

	e = containerd__task__v2__exec_process_request__unpack(NULL, len, payload);
	if (!e) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT, "shimgate: exec request does not decode");
		return;
	}
	if (!sg_id_valid(e->id, SG_LIMIT_ID) || !sg_id_valid(e->exec_id, SG_LIMIT_ID)) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT,
			       "shimgate: exec refused: container id '%.128s' or exec id '%.128s' "
			       "is not a plain name",
			       e->id, e->exec_id);
		return;
	}
	(void)snprintf(what, sizeof(what), "exec '%s' in '%s'", e->exec_id, e->id);
	if (!e->spec || strcmp(e->spec->type_url, SG_PROCESS_TYPE_URL) != 0) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT,
			       "shimgate: %s refused: the spec is not an OCI Process (type '%.128s')",
			       what, e->spec ? e->spec->type_url : "");
		return;
	}
	value = e->spec->value.data ? (const char *)e->spec->value.data : "";
	r = container_get(ctx, e->id, &local, &container, &err);
	if (r < 0) {
		sg_call_refuse(res, r == -ENOENT ? SG_GRPC_FAILED_PRECONDITION : SG_GRPC_INTERNAL,
			       "shimgate: %s refused: the container's config.json: %s", what,
			       err.msg);
		return;
	}
	/* The plain specs clients send are read without a jansson document; the reader leaves
	 * every other one to the jansson path, which accepts or refuses it (oci/procread.h). */
	r = sg_proc_doc_read(value, e->spec->value.len, e->terminal, &pd, &fast, &err);
	if (r > 0)
		r = sg_oci_exec_request_fast(ctx->ns, e->id, e->exec_id, &fast, &pd, container,
					     &req, &err);
	else if (r == 0 && (r = process_doc(&e->spec->value, e->terminal, &proc, &err)) == 0)
		r = sg_oci_exec_request_kept(ctx->ns, e->id, e->exec_id, proc, container, &req,
					     &err);
	sg_process_clear(&fast);
	if (r == 0)
		r = sg_request_set_stdio(req, (const char *const[]){ e->stdin, e->stdout, e->stderr },
					 &err);
	if (r < 0) {
		sg_call_refuse_input(res, r, what, err.msg);
		return;
	}
	if (!sg_call_decide(ctx, req, what, res))
		return;
	if (sg_oci_exec_serialize(req, &out, &out_len, &err) < 0) {
		sg_call_refuse(res, SG_GRPC_INTERNAL, "shimgate: %s refused: %s", what, err.msg);
		return;
	}
	if (exec_repack(e, out, out_len, res) < 0)
		sg_call_refuse(res, SG_GRPC_INTERNAL, "shimgate: %s refused: out of memory", what);
}
