/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "args.h"
#include "core/cleanup.h"

enum flag_kind { FLAG_STRING, FLAG_BOOL, FLAG_IGNORED_STRING };

struct flag {
	const char *name;
	enum flag_kind kind;
	size_t offset; /* into struct sg_shim_args; unused for FLAG_IGNORED_STRING */
};

#define STR(n, f) { n, FLAG_STRING, offsetof(struct sg_shim_args, f) }
#define BOOL(n, f) { n, FLAG_BOOL, offsetof(struct sg_shim_args, f) }
#define IGNORED(n) { n, FLAG_IGNORED_STRING, 0 }

/* The flags of containerd's shim package (1.6 to 2.x). Values we do not need are still
 * known, so that their argument is skipped and not taken for the action. */
static const struct flag flags[] = {
	STR("namespace", ns),
	STR("id", id),
	STR("address", address),
	STR("bundle", bundle),
	BOOL("debug", debug),
	BOOL("v", version),
	BOOL("info", info),
	IGNORED("publish-binary"),
	IGNORED("socket"),
	IGNORED("debug-socket"),
};

static const struct flag *flag_find(const char *name, size_t len)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(flags); i++)
		if (strlen(flags[i].name) == len && strncmp(flags[i].name, name, len) == 0)
			return &flags[i];
	return NULL;
}

static int set_bool(bool *dst, const char *value, const char *name, struct sg_error *err)
{
	if (!value || strcmp(value, "true") == 0 || strcmp(value, "1") == 0)
		*dst = true;
	else if (strcmp(value, "false") == 0 || strcmp(value, "0") == 0)
		*dst = false;
	else
		return sg_error_set(err, -EINVAL, "flag -%s: '%s' is not a boolean", name, value);
	return 0;
}

int sg_shim_args_parse(int argc, const char *const *argv, struct sg_shim_args *a, struct sg_error *err)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *value = NULL;
		const struct flag *f;
		size_t len;

		if (arg[0] != '-' || arg[1] == '\0')
			break;
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		name = arg + (arg[1] == '-' ? 2 : 1);
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		if (eq)
			value = eq + 1;
		f = flag_find(name, len);
		if (!f)
			return sg_error_set(err, -EINVAL, "unknown flag '%.*s'", (int)len, name);
		if (f->kind == FLAG_BOOL) {
			if (set_bool((bool *)((char *)a + f->offset), value, f->name, err) < 0)
				return err ? err->code : -EINVAL;
			continue;
		}
		if (!value) {
			if (i + 1 >= argc)
				return sg_error_set(err, -EINVAL, "flag -%s needs a value", f->name);
			value = argv[++i];
		}
		if (f->kind == FLAG_STRING)
			*(const char **)((char *)a + f->offset) = value;
	}
	if (i < argc)
		a->action = argv[i++];
	if (i < argc)
		return sg_error_set(err, -EINVAL, "unexpected argument '%s' after '%s'", argv[i],
				    a->action);
	return 0;
}
