/* SPDX-License-Identifier: Apache-2.0 */
/* Create: config.json (and the task's rootfs mounts) to a request, and the policy's changes
 * back into config.json. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "oci/carrier.h"
#include "oci/oci.h"

static int dup_opt_string(const json_t *m, const char *key, size_t i, char **out,
			  struct sg_error *err)
{
	const json_t *v = json_object_get(m, key);

	if (!v)
		return 0;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return sg_error_set(err, -EINVAL, "mounts[%zu].%s: not a string", i, key);
	if (json_string_length(v) > SG_LIMIT_STRING)
		return sg_error_set(err, -E2BIG, "mounts[%zu].%s: longer than %u bytes", i, key,
				    SG_LIMIT_STRING);
	*out = strdup(json_string_value(v));
	if (!*out)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

static int read_options(const json_t *m, size_t i, struct sg_strv *out, struct sg_error *err)
{
	const json_t *arr = json_object_get(m, "options");
	const json_t *v;
	size_t j;
	int r;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return sg_error_set(err, -EINVAL, "mounts[%zu].options: not an array", i);
	out->present = true;
	json_array_foreach(arr, j, v) {
		if (!json_is_string(v))
			return sg_error_set(err, -EINVAL, "mounts[%zu].options[%zu]: not a string", i,
					    j);
		r = sg_strv_push(out, json_string_value(v), SG_LIMIT_MOUNT_OPTS, err);
		if (r < 0)
			return sg_error_prefix(err, "mounts[%zu].options", i);
	}
	return 0;
}

static int read_mount(const json_t *m, size_t i, struct sg_mount *out, struct sg_error *err)
{
	int r;

	if (!json_is_object(m))
		return sg_error_set(err, -EINVAL, "mounts[%zu]: not an object", i);
	out->index = i;
	if (!json_object_get(m, "destination"))
		return sg_error_set(err, -EINVAL, "mounts[%zu].destination: missing", i);
	r = dup_opt_string(m, "destination", i, &out->destination, err);
	if (r == 0)
		r = dup_opt_string(m, "type", i, &out->type, err);
	if (r == 0)
		r = dup_opt_string(m, "source", i, &out->source, err);
	if (r == 0)
		r = read_options(m, i, &out->options, err);
	return r;
}

static int dup_or_null(const char *s, char **out, struct sg_error *err)
{
	if (!s)
		return 0;
	*out = strdup(s);
	return *out ? 0 : sg_error_set(err, -ENOMEM, "out of memory");
}

static int copy_rootfs(const struct sg_mount *src, size_t i, struct sg_mount *out,
		       struct sg_error *err)
{
	int r;

	out->rootfs = true;
	out->index = i;
	r = dup_or_null(src->type, &out->type, err);
	if (r == 0)
		r = dup_or_null(src->source, &out->source, err);
	if (r == 0)
		r = dup_or_null(src->destination, &out->destination, err);
	if (r == 0)
		r = sg_strv_copy(&out->options, &src->options, err);
	return r;
}

static int read_mounts(struct sg_request *req, const json_t *config, const struct sg_mount *rootfs,
		       size_t n_rootfs, struct sg_error *err)
{
	const json_t *mounts = json_object_get(config, "mounts");
	size_t n_spec = 0;
	int r;

	if (mounts && !json_is_array(mounts))
		return sg_error_set(err, -EINVAL, "mounts: not an array");
	n_spec = json_array_size(mounts);
	if (n_spec > SG_LIMIT_MOUNTS || n_rootfs > SG_LIMIT_MOUNTS - n_spec)
		return sg_error_set(err, -E2BIG, "more than %u mounts (%zu in the spec, %zu rootfs)",
				    SG_LIMIT_MOUNTS, n_spec, n_rootfs);
	if (n_spec + n_rootfs == 0)
		return 0;
	req->mounts = calloc(n_spec + n_rootfs, sizeof(*req->mounts));
	if (!req->mounts)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n_spec; i++) {
		req->n_mounts++;
		r = read_mount(json_array_get(mounts, i), i, &req->mounts[i], err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n_rootfs; i++) {
		req->n_mounts++;
		r = copy_rootfs(&rootfs[i], i, &req->mounts[n_spec + i], err);
		if (r < 0)
			return sg_error_prefix(err, "rootfs[%zu]", i);
	}
	return 0;
}

/* Every carrier is stripped from the document before anything can fail. */
static int take_token(struct sg_request *req, json_t *config, json_t *process,
		      struct sg_error *err)
{
	struct sg_carrier c = { 0 };
	int r, r2;

	r = sg_carrier_take_annotation(config, &c, err);
	r2 = sg_carrier_take_env(&req->proc.env, process, &c, r < 0 ? NULL : err);
	if (r == 0)
		r = r2;
	if (r < 0) {
		sg_carrier_clear(&c);
		return r;
	}
	return sg_carrier_finish(&c, req, err);
}

int sg_oci_create_request(const char *ns, const char *id, json_t *config,
			  const struct sg_mount *rootfs, size_t n_rootfs, struct sg_request **out,
			  struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	json_t *process;
	int r;

	r = sg_request_new(SG_OP_CREATE, ns, id, &req, err);
	if (r < 0)
		return r;
	if (!json_is_object(config))
		return sg_error_set(err, -EINVAL, "config.json is not a JSON object");
	req->doc = json_incref(config);
	process = json_object_get(config, "process");
	if (!json_is_object(process)) {
		struct sg_carrier c = { 0 };

		(void)sg_carrier_take_annotation(config, &c, NULL);
		sg_carrier_clear(&c);
		return sg_error_set(err, -EINVAL, "process: missing or not an object");
	}
	r = sg_oci_process_read(process, &req->proc, err);
	if (r < 0) {
		/* Refused, but the document still loses its carriers, as promised in oci.h. */
		(void)take_token(req, config, process, NULL);
		return r;
	}
	r = take_token(req, config, process, err);
	if (r < 0)
		return r;
	r = read_mounts(req, config, rootfs, n_rootfs, err);
	if (r < 0)
		return r;
	req->now = 0; /* the gate sets the clock */
	*out = steal_pointer(&req);
	return 0;
}

static int apply_mount(const struct sg_mount *m, json_t *mounts, struct sg_error *err)
{
	json_t *jm = json_array_get(mounts, m->index);
	json_t *opts;

	/* A rootfs mount comes from the task request, which is forwarded unchanged: a change
	 * to one cannot take effect, so it must not be reported as applied. */
	if (m->rootfs)
		return sg_error_set(err, -EINVAL, "rootfs mount %zu: options cannot be rewritten",
				    m->index);
	if (!json_is_object(jm))
		return sg_error_set(err, -EINVAL, "mounts[%zu]: gone from the spec", m->index);
	opts = json_array();
	for (size_t i = 0; opts && i < m->options.n; i++) {
		if (json_array_append_new(opts, json_string(m->options.v[i])) < 0) {
			json_decref(opts);
			opts = NULL;
		}
	}
	if (!opts || json_object_set_new(jm, "options", opts) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	/* The source too: a host bind's is written as the canonical path that was checked. */
	if (m->source && json_object_set_new(jm, "source", json_string(m->source)) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

static int apply_seccomp(json_t *config, json_t *seccomp, struct sg_error *err)
{
	json_t *linux_obj = json_object_get(config, "linux");

	if (!linux_obj) {
		if (json_object_set_new(config, "linux", json_object()) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
		linux_obj = json_object_get(config, "linux");
	}
	if (!json_is_object(linux_obj))
		return sg_error_set(err, -EINVAL, "linux: not an object");
	if (json_object_set(linux_obj, "seccomp", seccomp) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

int sg_oci_create_apply(struct sg_request *req, struct sg_error *err)
{
	json_t *process;
	int r;

	if (req->op != SG_OP_CREATE || !json_is_object(req->doc))
		return sg_error_set(err, -EINVAL, "not a create request with a config.json");
	process = json_object_get(req->doc, "process");
	r = sg_oci_process_apply(&req->proc, process, err);
	if (r < 0)
		return r;
	if (req->seccomp) {
		r = apply_seccomp(req->doc, req->seccomp, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < req->n_mounts; i++) {
		if (!req->mounts[i].changed)
			continue;
		r = apply_mount(&req->mounts[i], json_object_get(req->doc, "mounts"), err);
		if (r < 0)
			return r;
	}
	/* The carriers left the document when the request was built (take_token); the env
	 * written back above is the stripped one. */
	return 0;
}
