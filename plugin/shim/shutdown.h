/* SPDX-License-Identifier: Apache-2.0 */
/* When a gate dies (kill -9, crash), containerd runs `delete` and the container goes, but the
 * real shim would stay behind with nothing to serve. The gate records which real shim it
 * fronts, and `delete` asks an unfronted real shim to shut down (it only exits when it has
 * no container left). */
#ifndef SG_SHIM_SHUTDOWN_H
#define SG_SHIM_SHUTDOWN_H

#include <shimgate/shimgate.h>

#include "bootstrap.h"

/* Writes <gate_path>.real: the real shim's start output, 0600. */
int sg_real_record_write(const char *gate_path, const char *start_output, struct sg_error *err);
/* Reads it back; -ENOENT when there is none. */
int sg_real_record_read(const char *gate_path, struct sg_bootstrap *real, struct sg_error *err);
void sg_real_record_remove(const char *gate_path);

/* Sends Task/Shutdown{id} to the real shim on a connection of our own and waits (a few
 * seconds at most) for the answer. */
int sg_realshim_shutdown(const struct sg_bootstrap *real, const char *id, struct sg_error *err);

#endif
