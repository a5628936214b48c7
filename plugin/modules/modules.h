/* SPDX-License-Identifier: Apache-2.0 */
/* The built-in module descriptors, defined one per file in plugin/modules/. */
#ifndef SG_MODULES_MODULES_H
#define SG_MODULES_MODULES_H

#include <shimgate/module.h>

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

/* The host paths `mounts host deny=default` refuses (THREATS T13); setup writes lines from it. */
extern const char *const sg_mounts_default_deny[];
extern const size_t sg_mounts_default_deny_count;

#endif
