/* SPDX-License-Identifier: Apache-2.0 */
/* A strict reader of the TOML subset containerd's config.toml uses, with each key's lines kept
 * so that setup can edit the file in place. Debian 12 packages no C TOML library. */
#ifndef SG_CLI_TOML_H
#define SG_CLI_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include <shimgate/shimgate.h>

#include "core/cleanup.h"

/* A config.toml larger than this is not containerd's. */
#define SG_TOML_MAX_BYTES (1u << 20)

enum sg_toml_type {
	SG_TOML_STRING,
	SG_TOML_SCALAR, /* integer, float, boolean or date: its text as written */
	SG_TOML_ARRAY,  /* of strings or scalars, not nested */
};

struct sg_toml_entry {
	/* The canonical dotted path: segments joined by '.', a segment that is not a bare key
	 * ([A-Za-z0-9_-]+) in double quotes: plugins."io.containerd.grpc.v1.cri".cni.bin_dir */
	char *key;
	enum sg_toml_type type;
	char *value;   /* STRING: the decoded string; SCALAR: the text */
	char **items;  /* ARRAY: the decoded items (strings decoded, scalars as written) */
	size_t n_items;
	size_t table_len; /* length of the key's [table] prefix: what the entry's own line names
			   * is key + table_len (dotted keys define the tables in between) */
	unsigned line; /* the key's line and the value's last line, 1-based */
	unsigned end_line;
};

struct sg_toml_table {
	char *key;       /* canonical path of a [header] */
	unsigned line;   /* the header's line */
	unsigned last;   /* the last line holding one of its keys, or the header's line */
};

struct sg_toml {
	char *path;
	struct sg_toml_entry *entries;
	size_t n_entries;
	struct sg_toml_table *tables;
	size_t n_tables;
	unsigned first_table_line; /* 0 when the document has no header */
};

/* Parses text (NUL-terminated); path only names errors (path:line: reason). */
int sg_toml_parse(const char *path, const char *text, struct sg_toml **out, struct sg_error *err);
/* Reads and parses a file; a missing file is -ENOENT with the error set. */
int sg_toml_load(const char *path, struct sg_toml **out, struct sg_error *err);
void sg_toml_free(struct sg_toml *doc);
SG_DEFINE_FREEP(struct sg_toml *, sg_toml_free)

const struct sg_toml_entry *sg_toml_get(const struct sg_toml *doc, const char *key);
/* The string at key, or dflt when absent or not a string. */
const char *sg_toml_string(const struct sg_toml *doc, const char *key, const char *dflt);
const struct sg_toml_table *sg_toml_table(const struct sg_toml *doc, const char *key);
/* True when the array at key holds the string item. */
bool sg_toml_array_has(const struct sg_toml *doc, const char *key, const char *item);
/* Appends to *names (malloc'ed, *n grown) each distinct segment that follows prefix + "." in
 * a key or a table header: the runtimes of a runtimes table. */
int sg_toml_children(const struct sg_toml *doc, const char *prefix, char ***names, size_t *n,
		     struct sg_error *err);
/* Writes segment into a canonical path (quoted when not bare). Returns a malloc'ed string. */
char *sg_toml_segment(const char *segment);

#endif
