/* SPDX-License-Identifier: Apache-2.0 */
/* Unix stream sockets for the gate: its own listening socket and its connections to the
 * real shim. */
#ifndef SG_SHIM_UNIXSOCK_H
#define SG_SHIM_UNIXSOCK_H

#include <stdbool.h>
#include <sys/types.h>

#include <shimgate/shimgate.h>

/* Connects to path (non-blocking, close-on-exec). Returns the fd or -errno. */
int sg_unix_connect(const char *path);

/* True when something accepts connections on path. */
bool sg_unix_alive(const char *path);

/* Creates the gate's socket at path: the directory is made 0700, a stale socket (nobody
 * accepts on it) is replaced, the socket is 0600 and listening (non-blocking, close-on-exec)
 * before this returns. Returns the fd, or -EADDRINUSE when a live gate already serves path
 * (grouped containers: the caller reuses it). *ino receives the socket file's inode, so the
 * daemon later removes only its own file. */
int sg_unix_listen(const char *path, ino_t *ino, struct sg_error *err);

/* The uid of the peer of a connected socket, or -errno. */
int sg_unix_peer_uid(int fd, uid_t *uid);
/* The pid of the process that listens on the socket a connected fd reached (the kernel
 * records it at listen()), or -errno. */
int sg_unix_peer_pid(int fd, pid_t *pid);
/* The pid of the process listening on path, or -errno (nothing accepts there). */
int sg_unix_listener_pid(const char *path, pid_t *pid);

#endif
