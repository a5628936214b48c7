/* SPDX-License-Identifier: Apache-2.0 */
/* Create: runtime options, the bundle, config.json through the create and mount stacks. */
#ifndef SG_SHIM_GATE_CREATE_H
#define SG_SHIM_GATE_CREATE_H

#include "handler.h"

/* Decides a CreateTaskRequest. On allow, writes the policy's changes into
 * <bundle>/config.json (only when something changed) and forwards the original frame. */
void sg_gate_create_handle(const struct sg_call_ctx *ctx, const uint8_t *payload, size_t len,
			   struct sg_call_result *res);

#endif
