/* SPDX-License-Identifier: Apache-2.0 */
/* The module registry: the built-in table, descriptor validation, and lookup by name. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "decision.h"
#include "loader.h"
#include "registry.h"

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

bool sg_module_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= SG_MODULE_NAME_MAX)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

int sg_module_validate(const struct sg_module *m, const char *origin, struct sg_error *err)
{
	if (m->abi_version != SG_MODULE_ABI_VERSION)
		return sg_error_set(err, -EPROTO, "%s: module ABI version %u, want %u", origin,
				    m->abi_version, SG_MODULE_ABI_VERSION);
	if (m->struct_size < sizeof(struct sg_module))
		return sg_error_set(err, -EPROTO, "%s: module descriptor of %u bytes, want %zu",
				    origin, m->struct_size, sizeof(struct sg_module));
	if (!m->name || !sg_module_name_valid(m->name))
		return sg_error_set(err, -EINVAL, "%s: bad module name (want [a-z0-9_-]{1,63})",
				    origin);
	if (!m->init || !m->check)
		return sg_error_set(err, -EINVAL, "%s: module '%s' lacks init or check", origin,
				    m->name);
	if ((m->ops & SG_OP_ALL) == 0 || (m->ops & ~SG_OP_ALL) != 0)
		return sg_error_set(err, -EINVAL, "%s: module '%s' has bad operations 0x%x", origin,
				    m->name, m->ops);
	return 0;
}

int sg_module_find(const char *name, const char *module_dir, const struct sg_module **out,
		   void **handle, struct sg_error *err)
{
	if (!sg_module_name_valid(name))
		return sg_error_set(err, -EINVAL, "bad module name '%s' (want [a-z0-9_-]{1,63})",
				    name);
	for (size_t i = 0; sg_builtin_modules[i]; i++) {
		const struct sg_module *m = sg_builtin_modules[i];
		int r;

		if (strcmp(m->name, name) != 0)
			continue;
		r = sg_module_validate(m, "built-in module", err);
		if (r < 0)
			return r;
		*out = m;
		*handle = NULL;
		return 0;
	}
	if (!module_dir)
		return sg_error_set(err, -ENOENT, "unknown module '%s'", name);
	return sg_module_load_so(name, module_dir, out, handle, err);
}
