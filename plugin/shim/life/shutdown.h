/* SPDX-License-Identifier: Apache-2.0 */
/* When a gate dies (kill -9, crash), containerd runs `delete` and the container goes, but the
 * real shim would stay behind with nothing to serve. The gate records which real shim it
 * fronts (realrecord.h), and `delete` asks an unfronted real shim to shut down (it only
 * exits when it has no container left). */
#ifndef SG_SHIM_SHUTDOWN_H
#define SG_SHIM_SHUTDOWN_H

#include <shimgate/shimgate.h>

#include "bootstrap.h"

/* Sends Task/Shutdown{id} to the real shim on a connection of our own and waits (a few
 * seconds at most) for the answer. */
int sg_realshim_shutdown(const struct sg_bootstrap *real, const char *id, struct sg_error *err);

#endif
