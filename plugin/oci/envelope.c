/* SPDX-License-Identifier: Apache-2.0 */
/* sg_oci_request_from_json: a whole request described as one JSON object (policy test, sign,
 * test vectors). Strict: unknown keys and wrong types are errors naming the key. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "oci/gokeys.h"
#include "oci/oci.h"

static const char *const exec_keys[] = { "op", "namespace", "id", "exec_id", "process",
					 "container", "now", "stdin", "stdout", "stderr", NULL };
static const char *const create_keys[] = { "op", "namespace", "id", "spec", "rootfs", "now",
					   "bundle", "stdin", "stdout", "stderr", NULL };
static const char *const mount_keys[] = { "op", "namespace", "id", "spec", "rootfs", "now",
					  "mount", "bundle", "stdin", "stdout", "stderr", NULL };
static const char *const rootfs_keys[] = { "type", "source", "target", "options", NULL };

static int check_keys(const json_t *obj, const char *const *allowed, const char *what,
		      struct sg_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		size_t i = 0;

		while (allowed[i] && strcmp(allowed[i], key) != 0)
			i++;
		if (!allowed[i])
			return sg_error_set(err, -EINVAL, "%s: unknown key '%.64s'", what, key);
	}
	return 0;
}

/* A string member: required, or optional (NULL when absent). */
static int get_str(const json_t *obj, const char *key, bool required, const char **out,
		   struct sg_error *err)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return required ? sg_error_set(err, -EINVAL, "\"%s\": missing", key) : 0;
	if (!json_is_string(v))
		return sg_error_set(err, -EINVAL, "\"%s\": not a string", key);
	*out = json_string_value(v);
	return 0;
}

static int get_object_copy(const json_t *obj, const char *key, bool required, json_t **out,
			   struct sg_error *err)
{
	const json_t *v = json_object_get(obj, key);

	*out = NULL;
	if (!v)
		return required ? sg_error_set(err, -EINVAL, "\"%s\": missing", key) : 0;
	if (!json_is_object(v))
		return sg_error_set(err, -EINVAL, "\"%s\": not an object", key);
	/* The request owns and rewrites its documents; the envelope stays as it was. */
	*out = json_deep_copy(v);
	return *out ? 0 : sg_error_set(err, -ENOMEM, "out of memory");
}

static int get_index(const json_t *obj, const char *key, json_int_t max, json_int_t *out,
		     struct sg_error *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return sg_error_set(err, -EINVAL, "\"%s\": not an integer in 0..%lld", key,
				    (long long)max);
	*out = json_integer_value(v);
	return 0;
}

struct rootfs_list {
	struct sg_mount *m;
	size_t n;
};

static void rootfs_list_clear(struct rootfs_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		sg_mount_clear(&l->m[i]);
	free(l->m);
}

static int read_rootfs_one(const json_t *o, size_t i, struct sg_mount *m, struct sg_error *err)
{
	const char *const fields[] = { "type", "source", "target" };
	char **dst[] = { &m->type, &m->source, &m->destination };
	const json_t *opts;
	const json_t *v;
	size_t j;
	int r;

	if (!json_is_object(o))
		return sg_error_set(err, -EINVAL, "\"rootfs\"[%zu]: not an object", i);
	r = check_keys(o, rootfs_keys, "\"rootfs\" entry", err);
	if (r < 0)
		return r;
	for (j = 0; j < SG_ARRAY_SIZE(fields); j++) {
		const char *s;

		r = get_str(o, fields[j], false, &s, err);
		if (r < 0)
			return sg_error_prefix(err, "\"rootfs\"[%zu]", i);
		if (s && !(*dst[j] = strdup(s)))
			return sg_error_set(err, -ENOMEM, "out of memory");
	}
	opts = json_object_get(o, "options");
	if (!opts)
		return 0;
	if (!json_is_array(opts))
		return sg_error_set(err, -EINVAL, "\"rootfs\"[%zu].options: not an array", i);
	m->options.present = true;
	json_array_foreach(opts, j, v) {
		if (!json_is_string(v))
			return sg_error_set(err, -EINVAL, "\"rootfs\"[%zu].options[%zu]: not a string",
					    i, j);
		r = sg_strv_push(&m->options, json_string_value(v), SG_LIMIT_MOUNT_OPTS, err);
		if (r < 0)
			return sg_error_prefix(err, "\"rootfs\"[%zu].options", i);
	}
	return 0;
}

static int read_rootfs(const json_t *env, struct rootfs_list *l, struct sg_error *err)
{
	const json_t *arr = json_object_get(env, "rootfs");
	const json_t *o;
	size_t i;
	int r;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return sg_error_set(err, -EINVAL, "\"rootfs\": not an array");
	if (json_array_size(arr) > SG_LIMIT_MOUNTS)
		return sg_error_set(err, -E2BIG, "\"rootfs\": more than %u mounts", SG_LIMIT_MOUNTS);
	if (json_array_size(arr) == 0)
		return 0;
	l->m = calloc(json_array_size(arr), sizeof(*l->m));
	if (!l->m)
		return sg_error_set(err, -ENOMEM, "out of memory");
	json_array_foreach(arr, i, o) {
		l->n++;
		r = read_rootfs_one(o, i, &l->m[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int build_exec(const json_t *env, const char *ns, const char *id, struct sg_request **out,
		      struct sg_error *err)
{
	json_auto_t *process = NULL;
	json_auto_t *container = NULL;
	const char *exec_id;
	int r;

	r = check_keys(env, exec_keys, "exec request", err);
	if (r == 0)
		r = get_str(env, "exec_id", false, &exec_id, err);
	if (r == 0)
		r = get_object_copy(env, "process", true, &process, err);
	if (r == 0)
		r = get_object_copy(env, "container", false, &container, err);
	if (r < 0)
		return r;
	return sg_oci_exec_request_doc(ns, id, exec_id, process, container, out, err);
}

static int build_create(const json_t *env, enum sg_op op, const char *ns, const char *id,
			struct sg_request **out, struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	_cleanup_(rootfs_list_clear) struct rootfs_list rootfs = { 0 };
	json_auto_t *spec = NULL;
	json_int_t index = 0;
	const char *bundle = NULL;
	int r;

	r = check_keys(env, op == SG_OP_MOUNT ? mount_keys : create_keys,
		       op == SG_OP_MOUNT ? "mount request" : "create request", err);
	if (r == 0)
		r = get_str(env, "bundle", false, &bundle, err);
	if (r == 0 && bundle && bundle[0] != '/')
		r = sg_error_set(err, -EINVAL, "\"bundle\": not an absolute path");
	if (r == 0)
		r = get_object_copy(env, "spec", true, &spec, err);
	if (r == 0)
		r = read_rootfs(env, &rootfs, err);
	if (r == 0)
		r = sg_oci_create_request(ns, id, spec, rootfs.m, rootfs.n, &req, err);
	if (r == 0 && bundle && !(req->bundle = strdup(bundle)))
		r = sg_error_set(err, -ENOMEM, "out of memory");
	if (r < 0)
		return r;
	if (op == SG_OP_MOUNT) {
		/* A mount request judged on its own owns its create's data: req->mount points
		 * into its own mounts and parent stays NULL, so freeing it frees everything. */
		if (req->n_mounts == 0)
			return sg_error_set(err, -EINVAL, "\"mount\": the create has no mounts");
		r = get_index(env, "mount", (json_int_t)req->n_mounts - 1, &index, err);
		if (r < 0)
			return r;
		req->op = SG_OP_MOUNT;
		req->mount = &req->mounts[index];
	}
	*out = steal_pointer(&req);
	return 0;
}

/* "stdin", "stdout", "stderr": what the Task API request would name (a FIFO path or a URI). */
static int read_stdio(const json_t *env, struct sg_request *req, struct sg_error *err)
{
	static const char *const keys[SG_STDIO_COUNT] = { "stdin", "stdout", "stderr" };
	const char *v[SG_STDIO_COUNT];

	for (size_t i = 0; i < SG_STDIO_COUNT; i++) {
		int r = get_str(env, keys[i], false, &v[i], err);

		if (r < 0)
			return r;
	}
	return sg_request_set_stdio(req, v, err);
}

int sg_oci_request_from_json(const json_t *envelope, struct sg_request **out,
			     struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	const char *op_name, *ns, *id;
	const json_t *now;
	enum sg_op op;
	int r;

	if (!json_is_object(envelope))
		return sg_error_set(err, -EINVAL, "request: not a JSON object");
	/* Again here, for envelopes that did not come through sg_oci_parse_doc (the vectors):
	 * a spec the shim refuses for its Go keys is refused by every command too. */
	r = sg_oci_go_keys_check(envelope, err);
	if (r == 0)
		r = get_str(envelope, "op", true, &op_name, err);
	if (r == 0)
		r = get_str(envelope, "namespace", true, &ns, err);
	if (r == 0)
		r = get_str(envelope, "id", true, &id, err);
	if (r < 0)
		return r;
	if (sg_op_parse(op_name, &op) < 0)
		return sg_error_set(err, -EINVAL, "\"op\": '%.32s' is not exec, create or mount",
				    op_name);
	if (op == SG_OP_EXEC)
		r = build_exec(envelope, ns, id, &req, err);
	else
		r = build_create(envelope, op, ns, id, &req, err);
	if (r == 0)
		r = read_stdio(envelope, req, err);
	if (r < 0)
		return r;
	now = json_object_get(envelope, "now");
	if (now) {
		if (!json_is_integer(now) || json_integer_value(now) < 0)
			return sg_error_set(err, -EINVAL, "\"now\": not a non-negative integer");
		req->now = (int64_t)json_integer_value(now);
	}
	*out = steal_pointer(&req);
	return 0;
}
