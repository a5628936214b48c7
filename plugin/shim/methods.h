/* SPDX-License-Identifier: Apache-2.0 */
/* The one table of Task API methods the gate knows, and the contract of a method handler. */
#ifndef SG_SHIM_METHODS_H
#define SG_SHIM_METHODS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <shimgate/shimgate.h>

struct sg_gate;
struct sg_audit;
struct sg_exec_cache;

/* What the gate does with a method. */
enum sg_method_kind {
	SG_METHOD_PASS = 0, /* forwarded untouched */
	SG_METHOD_GATED,    /* decided by a policy stack (create, exec) */
	SG_METHOD_CHECKED,  /* inspected, refused when it would widen the container */
	SG_METHOD_DENIED,   /* always refused */
};

/* Everything a handler may consult; borrowed from the intercept. */
struct sg_call_ctx {
	struct sg_gate *gate;
	struct sg_audit *audit;
	const char *ns;
	const char *bundle_root;
	struct sg_exec_cache *exec_cache;
	const char *service; /* the service name as sent: containerd.task.v2.Task or v3 */
};

/* A handler's answer. code == SG_GRPC_OK: forward, replacing the method payload with
 * payload when it is not NULL. Otherwise answer code with message. */
struct sg_call_result {
	int code;
	char message[SG_ERROR_MSG_MAX];
	uint8_t *payload;
	size_t payload_len;
};

struct sg_method {
	const char *name;
	enum sg_method_kind kind;
	const char *why; /* DENIED: told to containerd */
	/* GATED and CHECKED only. Fills res; never fails open. */
	void (*handle)(const struct sg_call_ctx *ctx, const uint8_t *payload, size_t len,
		       struct sg_call_result *res);
};

/* True for containerd.task.v2.Task and containerd.task.v3.Task (same messages). */
bool sg_task_service(const char *service);
/* The table entry for method of the Task service, or NULL when the gate does not know it. */
const struct sg_method *sg_method_find(const char *method);
/* The same for names of len bytes as they are on the wire (an embedded NUL matches nothing). */
bool sg_task_service_n(const void *service, size_t len);
const struct sg_method *sg_method_find_n(const void *method, size_t len);

#endif
