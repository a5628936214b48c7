/* SPDX-License-Identifier: Apache-2.0 */
/* A bundle's config.json: loaded once for judging (bounded, never through a symbolic link or
 * a FIFO, parsed and Go-key checked), and stored back atomically when the policy changed it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
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
	json_decref(cfg->before);
	*cfg = (struct sg_oci_config){ 0 };
}

int sg_oci_config_load(const char *path, struct sg_oci_config *out, struct sg_error *err)
{
	_cleanup_(sg_oci_config_clear) struct sg_oci_config cfg = { 0 };
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	cfg.path = strdup(path);
	if (!cfg.path)
		return sg_error_set(err, -ENOMEM, "out of memory");
	/* runc opens the file containerd wrote in the bundle; a link or a FIFO there is not
	 * containerd's, and a FIFO would hold the gate's one thread. */
	r = sg_read_file_flags(path, O_NOFOLLOW | O_NONBLOCK, SG_LIMIT_JSON_MAX, &text, &len, err);
	if (r == -ELOOP)
		return sg_error_set(err, r, "%s: a symbolic link", path);
	if (r < 0)
		return r;
	r = sg_oci_parse_doc(text, len, SG_FIELDS_ROOT_CONFIG, &cfg.doc, err);
	if (r < 0)
		return sg_error_prefix(err, "%s", path);
	cfg.before = json_deep_copy(cfg.doc);
	if (!cfg.before)
		return sg_error_set(err, -ENOMEM, "out of memory");
	*out = cfg;
	cfg = (struct sg_oci_config){ 0 };
	return 0;
}

int sg_oci_config_store(const struct sg_oci_config *cfg, struct sg_request *req,
			struct sg_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = sg_oci_create_apply(req, err);
	if (r < 0 || json_equal(cfg->before, req->doc))
		return r;
	r = sg_oci_dump_spliced(req->doc, req->seccomp, req->seccomp_text, req->seccomp_text_len,
				&text, &len, err);
	if (r < 0)
		return sg_error_prefix(err, "cannot serialise '%s'", cfg->path);
	return sg_write_file_replace(cfg->path, text, len, SG_CONFIG_JSON_MODE, err);
}
