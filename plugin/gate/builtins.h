/* SPDX-License-Identifier: Apache-2.0 */
/* The built-in module table the gate hands to the policy loader. */
#ifndef SG_GATE_BUILTINS_H
#define SG_GATE_BUILTINS_H

#include <shimgate/module.h>

/* Every module of plugin/modules/, NULL-terminated. */
extern const struct sg_module *const sg_builtin_modules[];

#endif
