/* SPDX-License-Identifier: Apache-2.0 */
/* What `start` prints: containerd 1.6 reads a plain "unix:///path"; 1.7 and 2.x also read
 * {"version":2|3,"address":...,"protocol":"ttrpc"}. The gate answers in the form the real
 * shim used, with its own address, so the version (the Task service name) passes through. */
#ifndef SG_SHIM_BOOTSTRAP_H
#define SG_SHIM_BOOTSTRAP_H

#include <stddef.h>
#include <sys/types.h>

#include <shimgate/shimgate.h>

/* sun_path is 108 bytes; the gate's paths are far shorter. */
#define SG_SOCKET_PATH_MAX 108

struct sg_bootstrap {
	int version;   /* 0: the plain form; else the JSON "version" */
	char path[SG_SOCKET_PATH_MAX]; /* the socket file, without "unix://" */
};

/* Parses the real shim's start output (surrounding white space allowed). Only unix sockets
 * serving ttrpc are accepted: anything else cannot be proxied, so start fails. */
int sg_bootstrap_parse(const char *text, struct sg_bootstrap *b, struct sg_error *err);

/* The start output for the gate's socket, in the form of real: plain or JSON. Caller frees. */
char *sg_bootstrap_format(const struct sg_bootstrap *real, const char *gate_path);

/* The gate's socket for a real shim process: <rundir>/<sha256(real path, pid) in hex>. One
 * real shim (a pod, with grouping) gets one gate; a later real shim on the same socket path
 * (a container deleted and created again with the same id) gets a gate of its own. */
int sg_gate_socket_path(const char *rundir, const char *real_path, pid_t real_pid,
			char out[SG_SOCKET_PATH_MAX], struct sg_error *err);

/* Replaces <bundle>/address with "unix://<path>", atomically and with no newline (containerd
 * 1.6/1.7 reads it as it is on restart: this is what makes it reconnect to the gate). */
int sg_bundle_address_write(const char *bundle, const char *path, struct sg_error *err);

#endif
