/* SPDX-License-Identifier: Apache-2.0 */
/* The module registry: a module name resolved in the caller's built-in table, else loaded from
 * the module directory. Core holds no table of its own: the assembly (gate/) passes the
 * built-ins in, and a test may pass a table of its own modules. */
#ifndef SG_CORE_REGISTRY_H
#define SG_CORE_REGISTRY_H

#include <shimgate/module.h>

/* Finds name in builtins (NULL-terminated; NULL: none), else loads <module_dir>/<name>.so
 * (root-owned, not writable by others, the directory likewise). *handle is the dlopen
 * handle or NULL. */
int sg_module_find(const char *name, const struct sg_module *const *builtins,
		   const char *module_dir, const struct sg_module **out, void **handle,
		   struct sg_error *err);

#endif
