/* SPDX-License-Identifier: Apache-2.0 */
/* The module registry: built-in descriptors, and .so modules loaded through the same checks. */
#ifndef SG_CORE_REGISTRY_H
#define SG_CORE_REGISTRY_H

#include <shimgate/module.h>

/* Every built-in module descriptor, defined one per file in plugin/modules/. */
extern const struct sg_module sg_module_hmac;
extern const struct sg_module sg_module_seccomp;
extern const struct sg_module sg_module_caps;
extern const struct sg_module sg_module_mounts;
extern const struct sg_module sg_module_nonewprivs;
extern const struct sg_module sg_module_user;
extern const struct sg_module sg_module_argv;
extern const struct sg_module sg_module_fields;
extern const struct sg_module sg_module_stdio;
extern const struct sg_module sg_module_permit;
extern const struct sg_module sg_module_deny;
extern const struct sg_module sg_module_verdict;
extern const struct sg_module sg_module_hooks;
extern const struct sg_module sg_module_root;
extern const struct sg_module sg_module_namespaces;
extern const struct sg_module sg_module_paths;
extern const struct sg_module sg_module_devices;
extern const struct sg_module sg_module_sysctl;

/* The built-in table, NULL-terminated. */
extern const struct sg_module *const sg_builtin_modules[];

/* Checks a descriptor (ABI version, struct size, name, mandatory callbacks). */
int sg_module_validate(const struct sg_module *m, const char *origin, struct sg_error *err);

/* Finds name among the built-ins, else loads <module_dir>/<name>.so (root-owned, not
 * writable by others, the directory likewise). *handle is the dlopen handle or NULL. */
int sg_module_find(const char *name, const char *module_dir, const struct sg_module **out,
		   void **handle, struct sg_error *err);

#endif
