/* SPDX-License-Identifier: Apache-2.0 */
/* Update: the cgroup resource change containerd may pass on, and the one it may not. */
#ifndef SG_SHIM_GATE_UPDATE_H
#define SG_SHIM_GATE_UPDATE_H

#include "handler.h"

/* Refuses an UpdateTaskRequest whose LinuxResources carry device rules (they would open
 * host devices to the container); forwards the rest untouched. */
void sg_gate_update_handle(const struct sg_call_ctx *ctx, const uint8_t *payload, size_t len,
			   struct sg_call_result *res);

#endif
