/* SPDX-License-Identifier: Apache-2.0 */
/* The module registry: lookup by name in the caller's built-in table, then the module directory. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "loader.h"
#include "registry.h"

int sg_module_find(const char *name, const struct sg_module *const *builtins,
		   const char *module_dir, const struct sg_module **out, void **handle,
		   struct sg_error *err)
{
	if (!sg_module_name_valid(name))
		return sg_error_set(err, -EINVAL, "bad module name '%s' (want [a-z0-9_-]{1,63})",
				    name);
	for (size_t i = 0; builtins && builtins[i]; i++) {
		const struct sg_module *m = builtins[i];
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
