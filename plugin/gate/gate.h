/* SPDX-License-Identifier: Apache-2.0 */
/* The gate: configuration, keyring, replay store and the three stacks, loaded all or nothing,
 * and the one call a front end makes per request: the assembly above core, which wires the
 * built-in module table, the keyring and the replay store into the policy loader. Knows
 * nothing of containerd. */
#ifndef SG_GATE_GATE_H
#define SG_GATE_GATE_H

#include <shimgate/shimgate.h>

#include "core/context.h"
#include "core/decision.h"

struct sg_config;
struct sg_gate;
struct sg_request;
struct sg_stack;

/* Loads the configuration at config_path (NULL: SG_CONFIG_DEFAULT_PATH), then the keyring,
 * the replay store and the policy it names. Any failure names the file (and line). Core's
 * keywords only: the shim's file, with its runc keywords, is read by sg_runc_settings_load
 * and opened with sg_gate_open_config. */
int sg_gate_open(const char *config_path, struct sg_gate **out, struct sg_error *err);
void sg_gate_free(struct sg_gate *gate);

enum sg_gate_flags {
	/* No keyring (`shimgate policy check --policy-dir` without --key-dir): a module that
	 * needs one fails its init, naming what is missing. */
	SG_GATE_NO_KEYRING = 1u << 0,
	/* key_dir's changes followed by its fingerprint only, never inotify: what a gate does
	 * on its own when it cannot have an inotify instance (tests of that fallback). */
	SG_GATE_KEYS_FINGERPRINT = 1u << 1,
};

/* As sg_gate_open, from a configuration the caller built (the CLI's --policy-dir, a test).
 * Takes cfg, on success and on failure. */
int sg_gate_open_config(struct sg_config *cfg, unsigned flags, struct sg_gate **out,
			struct sg_error *err);

/* The loaded stack of op, for dumps and `shimgate policy test`. */
const struct sg_stack *sg_gate_stack(const struct sg_gate *gate, enum sg_op op);

const struct sg_config *sg_gate_config(const struct sg_gate *gate);

/* Decides req. For a create, runs the create stack, then the mount stack once per mount;
 * the first refusal decides. In audit-only mode a refusal is recorded in d (audit_only)
 * and d->allowed is true. Returns 0, or -errno when deciding failed (refuse then). */
int sg_gate_decide(struct sg_gate *gate, struct sg_request *req, struct sg_decision *d,
		   struct sg_error *err);

#endif
