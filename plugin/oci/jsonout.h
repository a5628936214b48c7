/* SPDX-License-Identifier: Apache-2.0 */
/* Compact JSON into one growing buffer, as jansson's JSON_COMPACT writes it: shared by the
 * document writer (write.c) and the exec fast path's (procwrite.c). Internal to plugin/oci. */
#ifndef SG_OCI_JSONOUT_H
#define SG_OCI_JSONOUT_H

#include <stddef.h>

#include <jansson.h>

#include <shimgate/shimgate.h>

struct sg_jout {
	char *p;
	size_t len, cap;
	int failed; /* -errno: every later put is dropped */
	/* The document writer's splice: node is written as text (sg_oci_dump_spliced). */
	const json_t *node;
	const char *text;
	size_t text_len;
};

void sg_jout_put(struct sg_jout *o, const char *s, size_t n);
/* s as a JSON string, with jansson's escapes. */
void sg_jout_string(struct sg_jout *o, const char *s, size_t n);
/* The buffer as a NUL-terminated text (*len without the NUL), or o's error (o freed). */
int sg_jout_done(struct sg_jout *o, char **out, size_t *len, struct sg_error *err);

#endif
