/* SPDX-License-Identifier: Apache-2.0 */
/* The Task API method table: every method of containerd.task.v2.Task / v3.Task and what the
 * gate does with it. A method missing here is answered Unimplemented, never forwarded. */
#include <string.h>

#include "gate_create.h"
#include "gate_exec.h"
#include "gate_update.h"
#include "methods.h"

static const struct sg_method sg_methods[] = {
	/* Reads the state of a task or exec: no effect on what runs. */
	{ "State", SG_METHOD_PASS, NULL, NULL },
	/* Creates the container from <bundle>/config.json: the create and mount stacks decide,
	 * runtime options are pinned, the spec is rewritten on disk. */
	{ "Create", SG_METHOD_GATED, NULL, sg_gate_create_handle },
	/* Starts what a gated Create or Exec already set up. */
	{ "Start", SG_METHOD_PASS, NULL, NULL },
	/* Removes a task or exec: reduces what runs. */
	{ "Delete", SG_METHOD_PASS, NULL, NULL },
	/* Lists pids: read-only. */
	{ "Pids", SG_METHOD_PASS, NULL, NULL },
	/* Freezes the container's cgroup: reduces what runs. */
	{ "Pause", SG_METHOD_PASS, NULL, NULL },
	/* Thaws a paused container: only what was already allowed. */
	{ "Resume", SG_METHOD_PASS, NULL, NULL },
	/* Dumps the container's memory to a host path the caller names (and CRIU options). */
	{ "Checkpoint", SG_METHOD_DENIED,
	  "checkpoint writes container memory to a caller-chosen host path", NULL },
	/* Sends a signal to the container's processes. */
	{ "Kill", SG_METHOD_PASS, NULL, NULL },
	/* Runs a new process in the container: the exec stack decides, the spec is rewritten. */
	{ "Exec", SG_METHOD_GATED, NULL, sg_gate_exec_handle },
	/* Resizes a terminal. */
	{ "ResizePty", SG_METHOD_PASS, NULL, NULL },
	/* Closes a process's stdin. */
	{ "CloseIO", SG_METHOD_PASS, NULL, NULL },
	/* Changes cgroup resources: refused when it carries device rules (host devices). */
	{ "Update", SG_METHOD_CHECKED, NULL, sg_gate_update_handle },
	/* Waits for an exit: read-only, may block for the process's life. */
	{ "Wait", SG_METHOD_PASS, NULL, NULL },
	/* Reads cgroup metrics: read-only. */
	{ "Stats", SG_METHOD_PASS, NULL, NULL },
	/* Returns the shim and task pids (containerd's liveness check after a restart). */
	{ "Connect", SG_METHOD_PASS, NULL, NULL },
	/* Stops the shim when it has no containers left. */
	{ "Shutdown", SG_METHOD_PASS, NULL, NULL },
};

static bool equal(const char *name, const void *s, size_t len)
{
	return strlen(name) == len && memcmp(name, s, len) == 0;
}

bool sg_task_service_n(const void *service, size_t len)
{
	return equal("containerd.task.v2.Task", service, len) ||
	       equal("containerd.task.v3.Task", service, len);
}

bool sg_task_service(const char *service)
{
	return sg_task_service_n(service, strlen(service));
}

const struct sg_method *sg_method_find_n(const void *method, size_t len)
{
	for (size_t i = 0; i < sizeof(sg_methods) / sizeof(sg_methods[0]); i++)
		if (equal(sg_methods[i].name, method, len))
			return &sg_methods[i];
	return NULL;
}

const struct sg_method *sg_method_find(const char *method)
{
	return sg_method_find_n(method, strlen(method));
}
