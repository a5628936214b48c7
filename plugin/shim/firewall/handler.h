/* SPDX-License-Identifier: Apache-2.0 */
/* The contract of a Task API method handler: what it may consult, what it answers, and its
 * signature. The method table (methods.h) names one per gated or checked method. */
#ifndef SG_SHIM_FIREWALL_HANDLER_H
#define SG_SHIM_FIREWALL_HANDLER_H

#include <stddef.h>
#include <stdint.h>

#include <shimgate/shimgate.h>

#include "core/limits.h"

struct sg_gate;
struct sg_runc_settings;
struct sg_audit;
struct sg_exec_cache;

/* Everything a handler may consult; borrowed from the intercept. */
struct sg_call_ctx {
	struct sg_gate *gate;
	const struct sg_runc_settings *runc; /* what a create's runtime options may name */
	struct sg_audit *audit;
	const char *ns;
	const char *bundle_root;
	struct sg_exec_cache *exec_cache;
	const char *service; /* the service name as sent: containerd.task.v2.Task or v3 */
};

/* A handler's answer. code == SG_GRPC_OK: forward, replacing the method payload with
 * payload when it is not NULL, and keep the held descriptors open until the real shim has
 * answered the request (the rewritten spec names them as /proc/<gate pid>/fd/<N>).
 * Otherwise answer code with message. */
struct sg_call_result {
	int code;
	char message[SG_ERROR_MSG_MAX];
	uint8_t *payload;
	size_t payload_len;
	int held[SG_LIMIT_HELD_FDS];
	size_t n_held;
};

/* Judges one request's payload (the method's protobuf message) and fills res: forward (maybe
 * rewritten) or refuse. Never fails open: anything it cannot judge is refused. */
typedef void sg_method_handler(const struct sg_call_ctx *ctx, const uint8_t *payload, size_t len,
			       struct sg_call_result *res);

#endif
