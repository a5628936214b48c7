/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate.conf: one keyword table, "file:line:" errors, and a dump that parses back. */
#ifndef SG_CORE_CONFIG_H
#define SG_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <shimgate/shimgate.h>

/* Under the configuration directory the build was given (-DSHIMGATE_SYSCONFDIR), as are the
 * default policy_dir and key_dir. */
#define SG_CONFIG_DEFAULT_PATH SG_SYSCONFDIR "/shimgate.conf"
/* The only way to point the shim at another configuration (tests, staging): containerd's
 * environment, which only root controls. The path in use is logged at start. */
#define SG_CONFIG_ENV "SHIMGATE_CONFIG"

enum sg_mode {
	SG_MODE_ENFORCE = 0,
	SG_MODE_AUDIT_ONLY, /* decisions are made and audited, denials are let through */
};

struct sg_config {
	char *path;           /* the file it came from, NULL for built-in defaults */
	char *real_shim;      /* runtime: the real shim binary (name on PATH, or absolute) */
	char *policy_dir;     /* policy_dir: holds create, mount, exec */
	char *key_dir;        /* key_dir */
	char *module_dir;     /* module_dir: loadable .so modules */
	char *replay_store;   /* replay_store: the host-wide nonce file */
	uint32_t replay_capacity;
	char *audit;          /* audit: "none", "syslog", or an absolute file path */
	enum sg_mode mode;    /* mode: enforce | audit-only */
	char **runc_roots;    /* runc_root: allowed prefixes for the runc "root" runtime option */
	size_t n_runc_roots;
	char **runc_binaries; /* runc_binary: allowed values of the runc "binary_name" option */
	size_t n_runc_binaries;
	char *log_level;      /* log_level: error | warn | info | debug */
};

/* Built-in defaults (the paths under /etc/shimgate, /var/lib/shimgate, /usr/lib/shimgate). */
int sg_config_defaults(struct sg_config **out, struct sg_error *err);
/* Reads path (NULL: SG_CONFIG_DEFAULT_PATH) over the defaults. The file must pass the safe-path check (root-owned, not
 * writable by group or others). Unknown keywords and bad values are errors with file:line. */
int sg_config_load(const char *path, struct sg_config **out, struct sg_error *err);
/* Writes every setting in the file syntax; the output parses back to the same config. */
int sg_config_dump(const struct sg_config *cfg, FILE *out);
void sg_config_free(struct sg_config *cfg);

#endif
