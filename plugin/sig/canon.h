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
#define SG_CANON_MAGIC_V2 "shimgate-signature-v2"
#define SG_CANON_MAGIC_V3 "shimgate-grant-v3"

/* What a signer chose besides the request: key, time, nonce, and whether the exec id is bound. */
struct sg_canon_params {
	const char *key_id;
	int64_t timestamp;
	const char *nonce;
	bool bind_exec_id; /* exec only: false encodes "exec-id -" */
	unsigned version;  /* 1 (or 0), or 2 (exec only: groups as a set, TERM=xterm of a terminal),
			    * or 3 (a create grant: timestamp is its not_after, no nonce) */
	unsigned rel;      /* version 2: the SG_REL_* fields bound as the container's own */
};

/* Builds the signing input of an exec or create request (a mount has none: its create's
 * token covers it). *out is NUL-terminated for convenience; *len excludes the NUL. The
 * caller wipes and frees it (sg_canon_free). */
int sg_canon_build(const struct sg_request *req, const struct sg_canon_params *p, char **out,
		   size_t *len, struct sg_error *err);
void sg_canon_free(char *buf, size_t len);

/* A version 2 exec: 0 when every field in rel equals the container's own (req's container
 * fields), else -EPERM naming the first that differs, or -ENOENT when the container is
 * unknown. */
int sg_canon_rel_check(const struct sg_request *req, unsigned rel, struct sg_error *err);

/* The non-secret view of what the signing input of req under p holds, so the gate's side
 * and `shimgate explain`'s side can be compared: user, groups, cwd, terminal, the names of
 * the signed env entries, argc, and the first 8 hex digits of SHA-256 over each group of
 * lines (target, args, cwd, user, env, mounts). "@" marks a field bound as the container's
 * own. full adds the namespace, container and exec ids. Never a value of an env entry, a
 * key or a MAC. Cut to size (with "..."). */
void sg_canon_view(const struct sg_request *req, const struct sg_canon_params *p, bool full,
		   char *buf, size_t size);

/* A mount that reaches the host's file system: type "bind", or a "bind"/"rbind" option. */
bool sg_mount_is_host(const struct sg_mount *m);

#endif
