/* SPDX-License-Identifier: Apache-2.0 */
/* Pinning the runtime options of a Create: which runc binary and state root runc may use. */
#ifndef SG_SHIM_RUNCOPTS_H
#define SG_SHIM_RUNCOPTS_H

#include <shimgate/shimgate.h>

#include "google/protobuf/any.pb-c.h"

struct sg_runc_settings;

#define SG_RUNC_OPTIONS_TYPE "containerd.runc.v1.Options"

/* Vets CreateTaskRequest.options (NULL: none). 0 when runc would run the configured binary
 * with an allowed root; -EPERM naming the option otherwise; -EINVAL when it does not
 * decode. Any other options type is refused (-EPERM). */
int sg_runcopts_check(const struct sg_runc_settings *runc, const Google__Protobuf__Any *opts,
		      struct sg_error *err);

#endif
