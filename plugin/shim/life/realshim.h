/* SPDX-License-Identifier: Apache-2.0 */
/* Running the real shim (containerd-shim-runc-v2 by default) with containerd's own argv,
 * cwd, environment and stdin. */
#ifndef SG_SHIM_REALSHIM_H
#define SG_SHIM_REALSHIM_H

#include <sys/types.h>

#include <shimgate/shimgate.h>

/* name: the config's `runtime`, absolute or looked up on PATH (containerd's PATH). A name
 * that resolves to this very binary is refused: shadowing containerd-shim-runc-v2 with the
 * gate (the Docker set-up) must never make it call itself. *path is malloc'ed. */
int sg_realshim_resolve(const char *name, char **path, struct sg_error *err);

/* A real shim started with its stdout on a pipe. */
struct sg_realshim_proc {
	pid_t pid;
	int out_fd;
	const char *path;
};

/* Starts `path argv[1..]` with stdout on a pipe (stderr is inherited, so containerd sees its
 * complaints). The caller does other work meanwhile, then collects. */
int sg_realshim_spawn(const char *path, char **argv, struct sg_realshim_proc *proc,
		      struct sg_error *err);
/* Waits for it and returns what it printed (at most 64 KiB). A non-zero exit is an error
 * quoting the output. */
int sg_realshim_collect(struct sg_realshim_proc *proc, char **out, struct sg_error *err);

/* Runs `path argv[1..]` with our stdio and waits for it; a non-zero exit is an error. */
int sg_realshim_wait(const char *path, char **argv, struct sg_error *err);

/* Replaces this process with `path argv[1..]`. Returns only on failure. */
int sg_realshim_exec(const char *path, char **argv, struct sg_error *err);

#endif
