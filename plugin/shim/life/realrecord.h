/* SPDX-License-Identifier: Apache-2.0 */
/* The record of which real shim a gate fronts, so that `delete` can find a real shim whose
 * gate died (shutdown.h). */
#ifndef SG_SHIM_REALRECORD_H
#define SG_SHIM_REALRECORD_H

#include <shimgate/shimgate.h>

#include "bootstrap.h"

/* Writes <gate_path>.real: the real shim's start output, 0600. */
int sg_real_record_write(const char *gate_path, const char *start_output, struct sg_error *err);
/* Reads it back; -ENOENT when there is none. */
int sg_real_record_read(const char *gate_path, struct sg_bootstrap *real, struct sg_error *err);
void sg_real_record_remove(const char *gate_path);

#endif
