/* SPDX-License-Identifier: Apache-2.0 */
/* The built-in module table: every descriptor of plugin/modules/, in one list. */
#include <stddef.h>

#include "builtins.h"
#include "modules/modules.h"

const struct sg_module *const sg_builtin_modules[] = {
	&sg_module_hmac,
	&sg_module_permit,
	&sg_module_deny,
	&sg_module_verdict,
	&sg_module_seccomp,
	&sg_module_mounts,
	&sg_module_caps,
	&sg_module_nonewprivs,
	&sg_module_user,
	&sg_module_argv,
	&sg_module_fields,
	&sg_module_stdio,
	&sg_module_hooks,
	&sg_module_root,
	&sg_module_namespaces,
	&sg_module_paths,
	&sg_module_devices,
	&sg_module_sysctl,
	NULL,
};
