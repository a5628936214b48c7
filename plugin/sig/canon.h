/* SPDX-License-Identifier: Apache-2.0 */
/* The canonical signing input: the exact bytes a token's MAC covers (see FORMAT.md). */
#ifndef SG_SIG_CANON_H
#define SG_SIG_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <shimgate/shimgate.h>

struct sg_request;
struct sg_mount;

#define SG_CANON_MAGIC "shimgate-signature-v1"

/* What a signer chose besides the request: key, time, nonce, and whether the exec id is bound. */
struct sg_canon_params {
	const char *key_id;
	int64_t timestamp;
	const char *nonce;
	bool bind_exec_id; /* exec only: false encodes "exec-id -" */
};

/* Builds the signing input of an exec or create request (a mount has none: its create's
 * token covers it). *out is NUL-terminated for convenience; *len excludes the NUL. The
 * caller wipes and frees it (sg_canon_free). */
int sg_canon_build(const struct sg_request *req, const struct sg_canon_params *p, char **out,
		   size_t *len, struct sg_error *err);
void sg_canon_free(char *buf, size_t len);

/* A mount that reaches the host's file system: type "bind", or a "bind"/"rbind" option. */
bool sg_mount_is_host(const struct sg_mount *m);

#endif
