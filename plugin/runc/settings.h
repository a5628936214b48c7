/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate.conf's runc and containerd keywords (runtime, runc_root, runc_binary): what the shim
 * runs behind the gate and what runc may be told, read by the shim, `shimgate setup`,
 * `doctor` and `config` as a section of the file core parses. */
#ifndef SG_RUNC_SETTINGS_H
#define SG_RUNC_SETTINGS_H

#include <stddef.h>
#include <stdio.h>

#include <shimgate/shimgate.h>

struct sg_config;

struct sg_runc_settings {
	char *real_shim; /* runtime: the real shim binary (name on PATH, or absolute) */
	char **roots;    /* runc_root: allowed prefixes for the runc "root" runtime option */
	size_t n_roots;
	char **binaries; /* runc_binary: allowed values of the runc "binary_name" option */
	size_t n_binaries;
};

/* The built-in values: containerd-shim-runc-v2, root /run/containerd/runc, no binary. */
int sg_runc_settings_defaults(struct sg_runc_settings **out, struct sg_error *err);
/* Reads the whole file as the shim does (path NULL: SG_CONFIG_DEFAULT_PATH): core's settings
 * into *cfg, these into *out. Errors as sg_config_load's, with file:line. */
int sg_runc_settings_load(const char *path, struct sg_config **cfg,
			  struct sg_runc_settings **out, struct sg_error *err);
/* Every setting of both, in the file syntax; the output parses back to the same. */
int sg_runc_settings_dump(const struct sg_config *cfg, const struct sg_runc_settings *rs,
			  FILE *out);
void sg_runc_settings_free(struct sg_runc_settings *rs);

#endif
