/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a container's config.json as the create path reads it (the bundle is written
 * by the containerd client): parsed and checked as Go would read it (sg_oci_parse_doc, the
 * shim's entry), read into a create request with an overlay rootfs, judged by the create and
 * mount stacks and, when allowed, rewritten. The rewritten document must parse and check again and carry no token. The
 * create's grant signing input is built too (identity, devices, capabilities, hooks). */
#include <stdlib.h>
#include <string.h>

#include "core/request.h"
#include "fuzz.h"
#include "oci/fields.h"
#include "oci/oci.h"
#include "sig/canon.h"
#include "sig/grant.h"

static void check_written(const json_t *doc)
{
	_cleanup_request_ struct sg_request *again = NULL;
	json_auto_t *back = NULL;
	struct sg_error err = { 0 };
	const char *key;
	json_t *v;
	char *text = NULL;
	size_t text_len = 0;

	if (sg_oci_dump(doc, &text, &text_len, NULL) < 0)
		sg_fuzz_die("rewritten config.json does not serialise");
	if (sg_oci_parse_doc(text, text_len, SG_FIELDS_ROOT_CONFIG, &back, &err) < 0)
		sg_fuzz_die("rewritten config.json does not read back: %s\n%s", err.msg, text);
	if (json_object_get(json_object_get(back, "annotations"), SG_TOKEN_ANNOTATION))
		sg_fuzz_die("rewritten config.json keeps the token annotation");
	json_object_foreach(json_object_get(back, "annotations"), key, v)
		if (strncmp(key, SG_GRANT_ANNOTATION_PREFIX, strlen(SG_GRANT_ANNOTATION_PREFIX)) == 0)
			sg_fuzz_die("rewritten config.json keeps the grant annotation %s", key);
	sg_fuzz_check_no_carrier(json_object_get(back, "process"), false);
	if (sg_oci_create_request(SG_FUZZ_NS, SG_FUZZ_ID, back, NULL, 0, &again, &err) < 0)
		sg_fuzz_die("rewritten config.json is not a create: %s\n%s", err.msg, text);
	free(text);
}

/* The grant form (FORMAT.md section 8) of any create: built, or refused with a reason. */
static void grant_input(const struct sg_request *req)
{
	struct sg_canon_params p = { .key_id = "k1", .timestamp = 1800000000, .version = 3 };
	struct sg_error err = { 0 };
	char *input = NULL;
	size_t len = 0;

	if (sg_canon_build(req, &p, &input, &len, &err) < 0) {
		sg_fuzz_refused(&err);
		return;
	}
	if (strncmp(input, SG_CANON_MAGIC_V3 "\n", strlen(SG_CANON_MAGIC_V3) + 1) != 0)
		sg_fuzz_die("grant signing input does not start with its magic");
	sg_canon_free(input, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* As containerd's overlay snapshotter hands it over. */
	static char *options[] = {
		(char *)"index=off",
		(char *)"workdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
			"snapshots/2/work",
		(char *)"upperdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
			"snapshots/2/fs",
		(char *)"lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
			"snapshots/1/fs",
	};
	const struct sg_mount rootfs = {
		.type = (char *)"overlay",
		.source = (char *)"overlay",
		.destination = (char *)"",
		.options = { .v = options, .n = 4, .present = true },
		.rootfs = true,
	};
	_cleanup_request_ struct sg_request *req = NULL;
	json_auto_t *config = NULL;
	struct sg_error err = { 0 };

	if (sg_oci_parse_doc((const char *)data, size, SG_FIELDS_ROOT_CONFIG, &config, &err) < 0 ||
	    sg_oci_create_request(SG_FUZZ_NS, SG_FUZZ_ID, config, &rootfs, 1, &req, &err) < 0) {
		sg_fuzz_refused(&err);
		return 0;
	}
	grant_input(req);
	if (!sg_fuzz_decide(req))
		return 0;
	if (sg_oci_create_apply(req, &err) < 0)
		sg_fuzz_die("allowed create does not apply: %s", err.msg);
	check_written(req->doc);
	return 0;
}
