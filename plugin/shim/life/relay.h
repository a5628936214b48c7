/* SPDX-License-Identifier: Apache-2.0 */
/* The gate daemon's event loop: containerd's connections in, one connection to the real
 * shim per containerd connection (stream ids untouched), every frame from containerd judged
 * by the intercept, every byte from the real shim relayed as it is. */
#ifndef SG_SHIM_RELAY_H
#define SG_SHIM_RELAY_H

#include <sys/types.h>

#include <shimgate/shimgate.h>

struct sg_intercept;

struct sg_relay_config {
	int listen_fd;            /* the gate's socket, listening */
	const char *listen_path;  /* its file, removed at exit if still ours */
	ino_t listen_ino;
	const char *real_path;    /* the real shim's socket */
	pid_t real_pid;           /* the pid that made that socket listen: identifies it */
	int real_watch_fd;        /* an idle connection to it: its end is the real shim's */
	struct sg_intercept *intercept;
};

/* Serves until the real shim has closed its socket and no containerd connection remains. Returns 0, or
 * -errno when the loop itself failed (the caller exits non-zero). */
int sg_relay_run(const struct sg_relay_config *cfg, struct sg_error *err);

#endif
