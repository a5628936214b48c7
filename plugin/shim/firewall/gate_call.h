/* SPDX-License-Identifier: Apache-2.0 */
/* What the gated method handlers share: refusals, and decide + audit + log of one request. */
#ifndef SG_SHIM_GATE_CALL_H
#define SG_SHIM_GATE_CALL_H

#include <limits.h>
#include <stdbool.h>

#include "handler.h"

struct sg_request;

/* Sets res to a refusal with a formatted message. */
void sg_call_refuse(struct sg_call_result *res, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Refuses with the code an sg_error from building a request deserves: Internal for our own
 * failures (-ENOMEM, -EIO), InvalidArgument for input that does not parse or is out of bounds. */
void sg_call_refuse_input(struct sg_call_result *res, int code, const char *what,
			  const char *msg);

/* Stamps req->now, runs the gate and writes the audit line. Returns true when the request
 * may go on; otherwise res holds the refusal (PermissionDenied naming the module, its policy
 * line and the reason; Internal when deciding or auditing failed: fail closed). what names
 * the request in messages ("create of 'c1'"). One log line per decision. */
bool sg_call_decide(const struct sg_call_ctx *ctx, struct sg_request *req, const char *what,
		    struct sg_call_result *res);

/* <bundle_root>/<id>/config.json of an existing container (exec, update), id checked to be a
 * plain name first. */
int sg_call_config_path(const struct sg_call_ctx *ctx, const char *id, char path[PATH_MAX],
			struct sg_error *err);

#endif
