/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate.conf: one keyword table, "file:line:" errors, and a dump that parses back. Core
 * holds the gate's own settings; a front end adds the keywords only it uses as a section of
 * its own, checked, stored and dumped by the same code. */
#ifndef SG_CORE_CONFIG_H
#define SG_CORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <shimgate/shimgate.h>

/* Under the configuration directory the build was given (-DSHIMGATE_SYSCONFDIR), as are the
 * default policy_dir and key_dir. */
#define SG_CONFIG_DEFAULT_PATH SG_SYSCONFDIR "/shimgate.conf"
/* The only way to point the shim at another configuration (tests, staging): the environment
 * the shim is started with, which only root controls. The path in use is logged at start. */
#define SG_CONFIG_ENV "SHIMGATE_CONFIG"

enum sg_mode {
	SG_MODE_ENFORCE = 0,
	SG_MODE_AUDIT_ONLY, /* decisions are made and audited, denials are let through */
};

struct sg_config {
	char *path;           /* the file it came from, NULL for built-in defaults */
	char *policy_dir;     /* policy_dir: holds create, mount, exec */
	char *key_dir;        /* key_dir */
	char *module_dir;     /* module_dir: loadable .so modules */
	char *replay_store;   /* replay_store: the host-wide nonce file */
	uint32_t replay_capacity;
	char *audit;          /* audit: "none", "syslog", or an absolute file path */
	enum sg_mode mode;    /* mode: enforce | audit-only */
	char *log_level;      /* log_level: error | warn | info | debug */
};

/* How a keyword's value is checked, and the type it is stored as. */
enum sg_config_kind {
	SG_CONFIG_PATH,         /* an absolute path (char *) */
	SG_CONFIG_NAME_OR_PATH, /* a command name, or an absolute path (char *) */
	SG_CONFIG_CAPACITY,     /* 1..SG_LIMIT_REPLAY_CAPACITY (uint32_t) */
	SG_CONFIG_AUDIT,        /* none | syslog | absolute path (char *) */
	SG_CONFIG_MODE,         /* enforce | audit-only (enum sg_mode) */
	SG_CONFIG_LOG_LEVEL,    /* error | warn | info | debug (char *) */
};

/* One keyword and where its value goes: field is the offset of the value in the section's
 * struct. A list keyword (count, the offset of its size_t length, not 0) holds a char **:
 * every line adds an item, and the first line in the file replaces the default list. */
struct sg_config_keyword {
	const char *name;
	enum sg_config_kind kind;
	size_t field;
	size_t count;
};

/* Keywords a front end adds to the file, for settings core has no use for: their table (at
 * most SG_CONFIG_SECTION_MAX) and the caller's struct the offsets point into, which holds the
 * defaults before a load. sg_config_section_clear frees the values it holds. */
#define SG_CONFIG_SECTION_MAX 32u
struct sg_config_section {
	const struct sg_config_keyword *keywords;
	size_t n_keywords;
	void *values;
};

/* Built-in defaults (the paths under /etc/shimgate, /var/lib/shimgate, /usr/lib/shimgate). */
int sg_config_defaults(struct sg_config **out, struct sg_error *err);
/* Reads path (NULL: SG_CONFIG_DEFAULT_PATH) over the defaults. The file must pass the
 * safe-path check (root-owned, not writable by group or others). Keywords of extra (may be
 * NULL) are read into its values; any other keyword core does not know, and bad values, are
 * errors with file:line. On failure extra's values may hold part of the file. */
int sg_config_load(const char *path, const struct sg_config_section *extra,
		   struct sg_config **out, struct sg_error *err);
/* Writes every setting in the file syntax, core's then extra's (may be NULL); the output
 * parses back to the same config. */
int sg_config_dump(const struct sg_config *cfg, const struct sg_config_section *extra,
		   FILE *out);
void sg_config_free(struct sg_config *cfg);

/* Adds value to a section's list (the char ** at v, its length at n), a copy. */
int sg_config_list_add(char ***v, size_t *n, const char *value, struct sg_error *err);
/* Frees the strings and lists a section's values hold, and zeroes them. */
void sg_config_section_clear(const struct sg_config_section *section);

#endif
