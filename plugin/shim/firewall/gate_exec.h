/* SPDX-License-Identifier: Apache-2.0 */
/* Exec: the process spec through the exec stack, rewritten before runc sees it. */
#ifndef SG_SHIM_GATE_EXEC_H
#define SG_SHIM_GATE_EXEC_H

#include "handler.h"

/* Parsed config.json documents of the containers this shim serves, keyed by
 * (id, inode, mtime, size) so an exec does not re-parse an unchanged file. Bounded. */
struct sg_exec_cache *sg_exec_cache_new(void);
void sg_exec_cache_free(struct sg_exec_cache *cache);

/* Decides an ExecProcessRequest. On allow, the payload is the request with its process
 * spec rewritten by the policy and stripped of the token. */
void sg_gate_exec_handle(const struct sg_call_ctx *ctx, const uint8_t *payload, size_t len,
			 struct sg_call_result *res);

#endif
