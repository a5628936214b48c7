/* SPDX-License-Identifier: Apache-2.0 */
/* The one table of Task API methods the gate knows: passed, gated, checked or denied. */
#ifndef SG_SHIM_METHODS_H
#define SG_SHIM_METHODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <shimgate/shimgate.h>

#include "handler.h"

/* What the gate does with a method. */
enum sg_method_kind {
	SG_METHOD_PASS = 0, /* forwarded untouched */
	SG_METHOD_GATED,    /* decided by a policy stack (create, exec) */
	SG_METHOD_CHECKED,  /* inspected, refused when it would widen the container */
	SG_METHOD_DENIED,   /* always refused */
};

struct sg_method {
	const char *name;
	enum sg_method_kind kind;
	const char *why; /* DENIED: told to containerd */
	/* GATED and CHECKED only (handler.h). */
	sg_method_handler *handle;
};

/* True for containerd.task.v2.Task and containerd.task.v3.Task (same messages). */
bool sg_task_service(const char *service);
/* The table entry for method of the Task service, or NULL when the gate does not know it. */
const struct sg_method *sg_method_find(const char *method);
/* The same for names of len bytes as they are on the wire (an embedded NUL matches nothing). */
bool sg_task_service_n(const void *service, size_t len);
const struct sg_method *sg_method_find_n(const void *method, size_t len);

#endif
