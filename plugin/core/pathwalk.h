/* SPDX-License-Identifier: Apache-2.0 */
/* Walking a host path one component at a time (an lstat of each prefix, no symlink followed
 * unchecked), for paths a client names and a root process opens later: task stdio FIFOs and
 * host bind sources (THREATS T23, T29). */
#ifndef SG_CORE_PATHWALK_H
#define SG_CORE_PATHWALK_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#include <shimgate/shimgate.h>

enum sg_pathwalk_flags {
	/* Refuse every symlink (a canonical path must have none). Without it a symlink is
	 * followed only when root owns it: it then sits in a directory only root can change
	 * and says what root wrote (/var/run -> /run). */
	SG_PATHWALK_NO_SYMLINKS = 1u << 0,
	/* Refuse every component on procfs: its magic links (/proc/PID/root, /proc/PID/fd/N)
	 * say one thing to readlink and lead elsewhere when opened, e.g. into a container's
	 * own file system, where its processes can swap what the path names. */
	SG_PATHWALK_NO_PROC = 1u << 1,
};

/* Walks path (absolute, no ".."): every directory the walk passes through, "/" included, must
 * be owned by root and not writable by group or others, so nobody else can add, remove or
 * swap an entry on the way and what the walk found stays what a later open by path finds. A
 * root-owned sticky directory (/tmp) passes only for an entry root owns. The last component may be anything; its lstat goes to *st and the path without
 * symlinks to canonical. Refusals are -EPERM with a message naming the component. */
int sg_path_walk(const char *path, unsigned flags, char canonical[PATH_MAX], struct stat *st,
		 struct sg_error *err);

/* The last directory a walk passed through, for the next walk of an entry beside it (a task's
 * stdin, stdout and stderr FIFOs share one directory). Zero it before the first walk. */
struct sg_pathwalk_memo {
	char dir[PATH_MAX]; /* canonical, and what the walked path itself said: no symlink in it */
	unsigned flags;
	dev_t dev;          /* its device: not procfs, when flags say so */
	bool sticky;        /* root-owned and sticky: only root's entries are trusted */
	bool valid;
};

/* sg_path_walk, except that a path naming an entry of memo's directory, by the same text,
 * is checked with one lstat: the directory's chain was found root's alone, so only root
 * could have changed it since. Anything else (a symlink, another device, a sticky
 * directory, another directory) takes the whole walk, which then fills memo. */
int sg_path_walk_memo(const char *path, unsigned flags, struct sg_pathwalk_memo *memo,
		      char canonical[PATH_MAX], struct stat *st, struct sg_error *err);

#endif
