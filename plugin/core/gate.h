/* SPDX-License-Identifier: Apache-2.0 */
/* The gate: configuration, keyring, replay store and the three stacks, loaded all or nothing,
 * and the one call a front end makes per request. Knows nothing of containerd. */
#ifndef SG_CORE_GATE_H
#define SG_CORE_GATE_H

#include <shimgate/shimgate.h>

#include "context.h"
#include "decision.h"

struct sg_gate;
struct sg_request;

/* Loads the configuration at config_path (NULL: SG_CONFIG_DEFAULT_PATH), then the keyring,
 * the replay store and the policy it names. Any failure names the file (and line). */
int sg_gate_open(const char *config_path, struct sg_gate **out, struct sg_error *err);
void sg_gate_free(struct sg_gate *gate);

const struct sg_config *sg_gate_config(const struct sg_gate *gate);

/* Decides req. For a create, runs the create stack, then the mount stack once per mount;
 * the first refusal decides. In audit-only mode a refusal is recorded in d (audit_only)
 * and d->allowed is true. Returns 0, or -errno when deciding failed (refuse then). */
int sg_gate_decide(struct sg_gate *gate, struct sg_request *req, struct sg_decision *d,
		   struct sg_error *err);

#endif
