/* SPDX-License-Identifier: Apache-2.0 */
/* The safe-path check (after OpenSSH's safe_path) for keys, configuration and modules. */
#ifndef SG_CORE_SAFEPATH_H
#define SG_CORE_SAFEPATH_H

#include <stdbool.h>
#include <stddef.h>

#include <shimgate/shimgate.h>

enum sg_safepath_flags {
	SG_SAFEPATH_SECRET = 1u << 0, /* also refuse any group/other permission bit (keys) */
	SG_SAFEPATH_DIR = 1u << 1,    /* path must be a directory (else a regular file) */
};

/* path must be absolute, not a symlink, owned by root, not writable by group or others (with
 * SG_SAFEPATH_SECRET: no group/other bits at all); every parent directory up to / must be
 * root-owned and not writable by group or others, unless it is a root-owned sticky directory
 * such as /tmp (nobody else can rename or unlink what root created in it).
 * The message names the path and the rule it broke. */
int sg_safepath_check(const char *path, unsigned flags, struct sg_error *err);

/* sg_safepath_check, then the whole file (at most max bytes, NUL-terminated, malloc'ed). */
int sg_safepath_read(const char *path, unsigned flags, size_t max, char **text, size_t *len,
		     struct sg_error *err);

#endif
