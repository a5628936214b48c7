/* SPDX-License-Identifier: Apache-2.0 */
/* What built-in modules may consult while a policy loads: configuration, keyring, replay store. */
#ifndef SG_CORE_CONTEXT_H
#define SG_CORE_CONTEXT_H

#include <shimgate/module.h>

struct sg_config;
struct sg_keyring;
struct sg_replay;

/* Owned by the gate (or by a test); modules only borrow it. Any member may be NULL: a
 * module that needs one that is missing fails its init, naming what is missing. */
struct sg_context {
	const struct sg_config *config;
	struct sg_keyring *keyring;
	struct sg_replay *replay;
};

#endif
