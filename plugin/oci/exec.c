/* SPDX-License-Identifier: Apache-2.0 */
/* Exec: an ExecProcessRequest's process JSON to a request, and the judged request back to JSON. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "oci/carrier.h"
#include "oci/fields.h"
#include "oci/oci.h"
#include "oci/procread.h"

/* What an exec's judgement reads of the container's config.json besides its process's typed
 * fields: {"process": {its string apparmorProfile and selinuxLabel}} (modules/fields.c). A
 * cache entry lives as long as its container: the whole document (its resolved seccomp
 * profile alone is hundreds of strings) would cost each gate ~100 KiB of heap. NULL: out of
 * memory. */
static json_t *exec_labels_doc(const json_t *container_doc)
{
	static const char *const keys[] = { "apparmorProfile", "selinuxLabel" };
	const json_t *process = json_object_get(container_doc, "process");
	json_auto_t *doc = json_object();
	json_t *labels = json_object();

	if (!doc || json_object_set_new(doc, "process", labels) < 0)
		return NULL;
	for (size_t i = 0; i < SG_ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(process, keys[i]);

		if (json_is_string(v) && json_object_set(labels, keys[i], v) < 0)
			return NULL;
	}
	return steal_pointer(&doc);
}

void sg_oci_exec_container_read(json_t *container_doc, struct sg_exec_container *out)
{
	const json_t *process = json_object_get(container_doc, "process");
	struct sg_error why = { 0 };

	*out = (struct sg_exec_container){ 0 };
	if (container_doc && !(out->doc = exec_labels_doc(container_doc))) {
		out->error = -ENOMEM;
		return;
	}
	if (!process)
		return;
	out->error = sg_oci_process_read(process, &out->proc, &why);
	if (out->error < 0) {
		(void)sg_error_prefix(&why, "the container's config.json");
		/* Without memory for the message, the error still stands, said shortly. */
		out->why = strdup(why.msg);
	}
	out->known = out->error == 0;
}

void sg_oci_exec_container_clear(struct sg_exec_container *c)
{
	json_decref(c->doc);
	sg_process_clear(&c->proc);
	free(c->why);
	*c = (struct sg_exec_container){ 0 };
}

static int user_copy(struct sg_user *dst, const struct sg_user *src, struct sg_error *err)
{
	*dst = *src;
	dst->additional_gids = NULL;
	dst->username = NULL;
	if (src->n_additional_gids) {
		dst->additional_gids = calloc(src->n_additional_gids, sizeof(*src->additional_gids));
		if (!dst->additional_gids)
			return sg_error_set(err, -ENOMEM, "out of memory");
		memcpy(dst->additional_gids, src->additional_gids,
		       src->n_additional_gids * sizeof(*src->additional_gids));
	}
	if (src->username && !(dst->username = strdup(src->username)))
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

int sg_oci_exec_container_apply(struct sg_request *req, const struct sg_exec_container *c,
				struct sg_error *err)
{
	int r;

	req->container_doc = json_incref(c->doc);
	if (c->error < 0)
		return sg_error_set(err, c->error, "%s",
				    c->why ? c->why : "the container's config.json: out of memory");
	if (!c->known)
		return 0;
	r = sg_strv_copy(&req->base_env, &c->proc.env, err);
	if (r == 0)
		r = user_copy(&req->container_user, &c->proc.user, err);
	if (r == 0 && c->proc.cwd && !(req->container_cwd = strdup(c->proc.cwd)))
		r = sg_error_set(err, -ENOMEM, "out of memory");
	if (r < 0)
		return r;
	req->container_proc_known = true;
	memcpy(req->container_caps, c->proc.caps, sizeof(req->container_caps));
	req->container_caps_known = true;
	return 0;
}

int sg_oci_exec_container(struct sg_request *req, json_t *container_doc, struct sg_error *err)
{
	struct sg_exec_container c;
	int r;

	sg_oci_exec_container_read(container_doc, &c);
	r = sg_oci_exec_container_apply(req, &c, err);
	sg_oci_exec_container_clear(&c);
	return r;
}

static int exec_request_new(const char *ns, const char *id, const char *exec_id,
			    struct sg_request **out, struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	int r;

	r = sg_request_new(SG_OP_EXEC, ns, id, &req, err);
	if (r == 0 && exec_id)
		r = sg_request_set_exec_id(req, exec_id, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&req);
	return 0;
}

/* What both paths share once req->proc is read: the token out of its carriers (in process
 * too when there is a document), then the container's own fields. */
static int exec_request_finish(struct sg_request *req, json_t *process,
			       const struct sg_exec_container *container, struct sg_error *err)
{
	struct sg_carrier c = { 0 };
	int r;

	/* Both carriers are stripped before either can fail, so nothing of a token survives. */
	r = sg_carrier_take_env(&req->proc.env, process, &c, err);
	if (r == 0)
		r = sg_carrier_take_argv0(&req->proc.args, process, &c, err);
	else
		(void)sg_carrier_take_argv0(&req->proc.args, process, &c, NULL);
	if (r < 0) {
		sg_carrier_clear(&c);
		return r;
	}
	r = sg_carrier_finish(&c, req, err);
	if (r == 0 && container)
		r = sg_oci_exec_container_apply(req, container, err);
	req->now = 0; /* the gate sets the clock */
	return r;
}

int sg_oci_exec_request_kept(const char *ns, const char *id, const char *exec_id,
			     json_t *process, const struct sg_exec_container *container,
			     struct sg_request **out, struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	int r;

	r = exec_request_new(ns, id, exec_id, &req, err);
	if (r < 0)
		return r;
	req->doc = json_incref(process);
	if (!json_is_object(process))
		return sg_error_set(err, -EINVAL, "process spec is not a JSON object");
	r = sg_oci_process_read(process, &req->proc, err);
	if (r < 0) {
		/* Refused, but the document still loses its carriers, as promised in oci.h. */
		struct sg_strv none = { 0 };
		struct sg_carrier c = { 0 };

		(void)sg_carrier_take_env(&none, process, &c, NULL);
		(void)sg_carrier_take_argv0(&none, process, &c, NULL);
		sg_carrier_clear(&c);
		return r;
	}
	r = exec_request_finish(req, process, container, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&req);
	return 0;
}

int sg_oci_exec_request_doc(const char *ns, const char *id, const char *exec_id, json_t *process,
			    json_t *container_doc, struct sg_request **out, struct sg_error *err)
{
	struct sg_exec_container c;
	int r;

	if (!container_doc)
		return sg_oci_exec_request_kept(ns, id, exec_id, process, NULL, out, err);
	sg_oci_exec_container_read(container_doc, &c);
	r = sg_oci_exec_request_kept(ns, id, exec_id, process, &c, out, err);
	sg_oci_exec_container_clear(&c);
	return r;
}

int sg_oci_exec_request_fast(const char *ns, const char *id, const char *exec_id,
			     struct sg_process *proc, const struct sg_proc_doc *pd,
			     const struct sg_exec_container *container, struct sg_request **out,
			     struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	int r;

	r = exec_request_new(ns, id, exec_id, &req, err);
	if (r < 0)
		return r;
	req->proc = *proc;
	*proc = (struct sg_process){ 0 };
	req->proc_doc = pd;
	r = exec_request_finish(req, NULL, container, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&req);
	return 0;
}

int sg_oci_exec_request(const char *ns, const char *id, const char *exec_id, const char *json,
			size_t len, json_t *container_doc, struct sg_request **out,
			struct sg_error *err)
{
	json_auto_t *process = NULL;
	int r;

	r = sg_oci_parse_doc(json, len, SG_FIELDS_ROOT_PROCESS, &process, err);
	if (r < 0)
		return sg_error_prefix(err, "process spec");
	return sg_oci_exec_request_doc(ns, id, exec_id, process, container_doc, out, err);
}

int sg_oci_exec_serialize(const struct sg_request *req, char **out, size_t *len,
			  struct sg_error *err)
{
	int r;

	if (req->op == SG_OP_EXEC && req->proc_doc)
		return sg_proc_doc_write(req->proc_doc, &req->proc, out, len, err);
	if (req->op != SG_OP_EXEC || !json_is_object(req->doc))
		return sg_error_set(err, -EINVAL, "not an exec request with a process spec");
	r = sg_oci_process_apply(&req->proc, req->doc, err);
	if (r < 0)
		return r;
	return sg_oci_dump(req->doc, out, len, err);
}
