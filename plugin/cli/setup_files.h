/* SPDX-License-Identifier: Apache-2.0 */
/* setup's file work: directories, copies that never overwrite, the first key, shimgate.conf,
 * the shadow links, the systemd drop-in, and writes shown as diffs (or only shown: dry run). */
#ifndef SG_CLI_SETUP_FILES_H
#define SG_CLI_SETUP_FILES_H

#include <stdbool.h>
#include <sys/types.h>

#include <shimgate/shimgate.h>

/* What shimgate.conf must say for the engine. */
struct sg_conf_want {
	const char *real_shim;    /* runtime: absolute, since a name resolves to the shadow */
	const char *etc;
	const char *audit;        /* NULL: the built-in default */
	const char *replay_store; /* NULL: the built-in default */
	const char *docker_root;  /* Docker's runc root, NULL when not for Docker */
};

/* mkdir -p; the last directory gets mode. */
int sg_setup_mkdir(const char *path, mode_t mode, bool dry_run, struct sg_error *err);
/* Copies from to to unless to exists. */
int sg_setup_copy_new(const char *from, const char *to, mode_t mode, bool dry_run,
		      struct sg_error *err);
/* A key key_id in keys (with shimgate keygen) unless keys already holds one. */
int sg_setup_first_key(const char *keys, const char *key_id, bool dry_run, struct sg_error *err);
/* Writes shimgate.conf when absent; an existing one keeps every line and gains only the
 * runc_binary/runc_root lines it lacks. An existing relative `runtime` is an error. */
int sg_setup_conf(const char *path, const struct sg_conf_want *want, bool dry_run,
		  struct sg_error *err);
/* Links in dir to the gate: the runc shim names and every other shim name on shim_path. */
int sg_setup_shadow_names(const char *dir, const char *shim_path, const char *gate, bool dry_run,
			  struct sg_error *err);
/* dir, then the directories of path other than dir (malloc'ed). */
char *sg_setup_path_with(const char *dir, const char *path);
/* containerd's systemd drop-in: PATH, and SHIMGATE_CONFIG when config is not NULL. */
int sg_setup_dropin(const char *file, const char *path, const char *config, bool dry_run,
		    struct sg_error *err);

/* Reads a whole file (*text malloc'ed); -ENOENT when absent. */
int sg_setup_read(const char *path, char **text, struct sg_error *err);
/* Shows the change from old (NULL: absent) to text as a unified diff, then (unless dry_run)
 * writes it atomically with mode (an existing file keeps its own). */
int sg_setup_write(const char *path, const char *old, const char *text, mode_t mode,
		   bool dry_run, struct sg_error *err);

#endif
