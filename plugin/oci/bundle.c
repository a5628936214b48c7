/* SPDX-License-Identifier: Apache-2.0 */
/* A bundle's config.json: loaded once for judging (bounded, never through a symbolic link or
 * a FIFO, parsed and Go-key checked), and stored back atomically when the policy changed it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "core/strutil.h"
#include "oci.h"
#include "oci/fields.h"

void sg_oci_config_clear(struct sg_oci_config *cfg)
{
	free(cfg->path);
	json_decref(cfg->doc);
	free(cfg->text);
	*cfg = (struct sg_oci_config){ 0 };
}

int sg_oci_config_load(const char *path, struct sg_oci_config *out, struct sg_error *err)
{
	_cleanup_(sg_oci_config_clear) struct sg_oci_config cfg = { 0 };
	int r;

	cfg.path = strdup(path);
	if (!cfg.path)
		return sg_error_set(err, -ENOMEM, "out of memory");
	/* runc opens the file containerd wrote in the bundle; a link or a FIFO there is not
	 * containerd's, and a FIFO would hold the gate's one thread. */
	r = sg_read_file_flags(path, O_NOFOLLOW | O_NONBLOCK, SG_LIMIT_JSON_MAX, &cfg.text,
			       &cfg.len, err);
	if (r == -ELOOP)
		return sg_error_set(err, r, "%s: a symbolic link", path);
	if (r < 0)
		return r;
	r = sg_oci_parse_doc(cfg.text, cfg.len, SG_FIELDS_ROOT_CONFIG, &cfg.doc, err);
	if (r < 0)
		return sg_error_prefix(err, "%s", path);
	*out = cfg;
	cfg = (struct sg_oci_config){ 0 };
	return 0;
}

/* Whether doc differs from the file as read: the same bytes are the same document, else the
 * file is parsed again and compared. */
static bool differs_from_file(const struct sg_oci_config *cfg, const json_t *doc,
			      const char *text, size_t len)
{
	json_auto_t *was = NULL;

	if (len == cfg->len && memcmp(text, cfg->text, len) == 0)
		return false;
	/* It parsed at load; should it not now, writing doc is what a change would do. */
	if (sg_oci_parse_doc(cfg->text, cfg->len, SG_FIELDS_ROOT_CONFIG, &was, NULL) < 0)
		return true;
	return !json_equal(was, doc);
}

int sg_oci_config_store(const struct sg_oci_config *cfg, struct sg_request *req,
			struct sg_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	bool changed;
	int r;

	/* What proves a change without comparing whole documents (a copy of the document kept
	 * from the load to compare with cost a create more than its policy): a token carrier
	 * taken off, or a seccomp profile other than the spec's. A proof can only cause a
	 * write of doc, which is right whenever doc is. */
	changed = req->token ||
		  (req->seccomp &&
		   !json_equal(json_object_get(json_object_get(req->doc, "linux"), "seccomp"),
			       req->seccomp));
	r = sg_oci_create_apply(req, err);
	if (r < 0)
		return r;
	r = sg_oci_dump_spliced(req->doc, req->seccomp, req->seccomp_text, req->seccomp_text_len,
				&text, &len, err);
	if (r < 0)
		return sg_error_prefix(err, "cannot serialise '%s'", cfg->path);
	if (!changed && !differs_from_file(cfg, req->doc, text, len))
		return 0;
	return sg_write_file_replace(cfg->path, text, len, SG_CONFIG_JSON_MODE, err);
}
