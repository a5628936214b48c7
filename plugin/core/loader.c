/* SPDX-License-Identifier: Apache-2.0 */
/* Module descriptors checked, and policy modules loaded from root-owned shared objects through
 * the same checks as built-ins. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "decision.h"
#include "loader.h"
#include "safepath.h"

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

static void sg_dlclosep(void **h)
{
	if (*h)
		(void)dlclose(*h);
}

int sg_module_load_so(const char *name, const char *module_dir, const struct sg_module **out,
		      void **handle, struct sg_error *err)
{
	_cleanup_(sg_dlclosep) void *h = NULL;
	_cleanup_free_ char *path = NULL;
	const struct sg_module *m;
	struct stat st;
	int r;

	if (!sg_module_name_valid(name))
		return sg_error_set(err, -EINVAL, "bad module name '%s'", name);
	if (asprintf(&path, "%s/%s.so", module_dir, name) < 0) {
		path = NULL;
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	/* An absent file is an unknown module, which reads better than "No such file". */
	if (lstat(path, &st) < 0 && errno == ENOENT)
		return sg_error_set(err, -ENOENT, "unknown module '%s' (not built in, no %s)", name,
				    path);
	r = sg_safepath_check(module_dir, SG_SAFEPATH_DIR, err);
	if (r < 0)
		return sg_error_prefix(err, "module '%s'", name);
	r = sg_safepath_check(path, 0, err);
	if (r < 0)
		return sg_error_prefix(err, "module '%s'", name);
	(void)dlerror();
	h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return sg_error_set(err, -ENOEXEC, "module '%s': %s", name, dlerror());
	(void)dlerror();
	m = dlsym(h, SG_MODULE_SYMBOL_NAME);
	if (!m) {
		const char *why = dlerror();

		return sg_error_set(err, -ENOEXEC, "module '%s': %s", name,
				    why ? why : "descriptor symbol is NULL");
	}
	r = sg_module_validate(m, path, err);
	if (r < 0)
		return sg_error_prefix(err, "module '%s'", name);
	/* The file name is what the policy names: a descriptor claiming another name would make
	 * the policy say one thing and run another. */
	if (strcmp(m->name, name) != 0)
		return sg_error_set(err, -EINVAL, "module '%s': %s calls itself '%s'", name, path,
				    m->name);
	*out = m;
	*handle = steal_pointer(&h);
	return 0;
}
