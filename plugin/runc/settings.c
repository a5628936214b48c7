/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate.conf's runc and containerd keywords, as a section of the file core parses. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/config.h"
#include "settings.h"

#define SINGLE(n, k, f) { n, k, offsetof(struct sg_runc_settings, f), 0 }
#define LIST(n, k, f, c)                                                               \
	{ n, k, offsetof(struct sg_runc_settings, f), offsetof(struct sg_runc_settings, c) }

static const struct sg_config_keyword keywords[] = {
	SINGLE("runtime", SG_CONFIG_NAME_OR_PATH, real_shim),
	LIST("runc_root", SG_CONFIG_PATH, roots, n_roots),
	LIST("runc_binary", SG_CONFIG_NAME_OR_PATH, binaries, n_binaries),
};

/* The section over rs; a dump only reads through it. */
static struct sg_config_section section_of(struct sg_runc_settings *rs)
{
	return (struct sg_config_section){ keywords, SG_ARRAY_SIZE(keywords), rs };
}

void sg_runc_settings_free(struct sg_runc_settings *rs)
{
	struct sg_config_section section;

	if (!rs)
		return;
	section = section_of(rs);
	sg_config_section_clear(&section);
	free(rs);
}

SG_DEFINE_FREEP(struct sg_runc_settings *, sg_runc_settings_free)

int sg_runc_settings_defaults(struct sg_runc_settings **out, struct sg_error *err)
{
	_cleanup_(sg_runc_settings_freep) struct sg_runc_settings *rs = calloc(1, sizeof(*rs));

	if (!rs || !(rs->real_shim = strdup("containerd-shim-runc-v2")))
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (sg_config_list_add(&rs->roots, &rs->n_roots, "/run/containerd/runc", err) < 0)
		return err ? err->code : -ENOMEM;
	*out = steal_pointer(&rs);
	return 0;
}

int sg_runc_settings_load(const char *path, struct sg_config **cfg,
			  struct sg_runc_settings **out, struct sg_error *err)
{
	_cleanup_(sg_runc_settings_freep) struct sg_runc_settings *rs = NULL;
	struct sg_config_section section;
	int r;

	r = sg_runc_settings_defaults(&rs, err);
	if (r < 0)
		return r;
	section = section_of(rs);
	r = sg_config_load(path, &section, cfg, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&rs);
	return 0;
}

int sg_runc_settings_dump(const struct sg_config *cfg, const struct sg_runc_settings *rs,
			  FILE *out)
{
	struct sg_config_section section = section_of((struct sg_runc_settings *)rs);

	return sg_config_dump(cfg, &section, out);
}
