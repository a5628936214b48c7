/* SPDX-License-Identifier: Apache-2.0 */
/* The shim's actions, as containerd runs them: `start` (start the real shim, put the gate
 * in front of it) and `delete` / `-info` (the real shim's business, with two guards). */
#ifndef SG_SHIM_COMMANDS_H
#define SG_SHIM_COMMANDS_H

#include "args.h"

/* Each returns the process exit status; stdout is what containerd parses. */
int sg_shim_start(const struct sg_shim_args *a, char **argv);
int sg_shim_delete(const struct sg_shim_args *a, char **argv);
int sg_shim_info(char **argv);

#endif
