/* SPDX-License-Identifier: Apache-2.0 */
/* Checking a module descriptor, and loading a policy module from a shared object in the
 * module directory. */
#ifndef SG_CORE_LOADER_H
#define SG_CORE_LOADER_H

#include <stdbool.h>

#include <shimgate/module.h>

/* Loads <module_dir>/<name>.so (directory and file pass the safe-path check), finds its
 * descriptor and validates it. On success *handle is the dlopen handle (dlclose it). */
int sg_module_load_so(const char *name, const char *module_dir, const struct sg_module **out,
		      void **handle, struct sg_error *err);

/* [a-z0-9_-]{1,63}: a module name is never a path. */
bool sg_module_name_valid(const char *name);

/* Checks a descriptor (ABI version, struct size, name, mandatory callbacks). */
int sg_module_validate(const struct sg_module *m, const char *origin, struct sg_error *err);

#endif
