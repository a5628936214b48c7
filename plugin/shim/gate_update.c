/* SPDX-License-Identifier: Apache-2.0 */
/* Update: the cgroup resource change containerd may pass on, and the one it may not. */
#include <string.h>

#include <jansson.h>

#include "containerd/task/v2/shim.pb-c.h"
#include "core/cleanup.h"
#include "core/limits.h"
#include "gate_call.h"
#include "gate_json.h"
#include "gate_update.h"
#include "log.h"
#include "oci/fields.h"
#include "oci/oci.h"
#include "ttrpc.h"

#define SG_RESOURCES_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"

static void update_freep(Containerd__Task__V2__UpdateTaskRequest **u)
{
	if (*u)
		containerd__task__v2__update_task_request__free_unpacked(*u, NULL);
}

/* True when resources have a device rule. sg_json_go_check ran first, so "devices" is the
 * only spelling Go could read. null and [] grant nothing. */
static bool has_device_rules(json_t *resources)
{
	json_t *v = json_object_get(resources, "devices");

	return v && !json_is_null(v) && !(json_is_array(v) && json_array_size(v) == 0);
}

void sg_gate_update_handle(const struct sg_call_ctx *ctx, const uint8_t *payload, size_t len,
			   struct sg_call_result *res)
{
	_cleanup_(update_freep) Containerd__Task__V2__UpdateTaskRequest *u = NULL;
	struct sg_error err = { 0 };
	json_t *resources = NULL;
	char what[SG_LIMIT_ID + 32];

	(void)ctx;
	u = containerd__task__v2__update_task_request__unpack(NULL, len, payload);
	if (!u) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT,
			       "shimgate: update request does not decode");
		return;
	}
	(void)snprintf(what, sizeof(what), "update of '%.*s'", (int)SG_LIMIT_ID, u->id);
	if (!u->resources) {
		sg_log_info("%s allowed: no resources", what);
		return;
	}
	/* The runc shim ignores the type and decodes the value as LinuxResources JSON, so any
	 * other type is refused rather than guessed at. */
	if (strcmp(u->resources->type_url, SG_RESOURCES_TYPE_URL) != 0) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT,
			       "shimgate: %s refused: resources type '%.128s' is not LinuxResources",
			       what, u->resources->type_url);
		return;
	}
	if (sg_oci_parse_as(u->resources->value.data ? (const char *)u->resources->value.data : "",
			    u->resources->value.len, SG_FIELDS_ROOT_RESOURCES, &resources,
			    &err) < 0) {
		sg_call_refuse_input(res, err.code, what, err.msg);
		return;
	}
	if (sg_json_go_check(resources, &err) < 0) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT, "shimgate: %s refused: %s", what,
			       err.msg);
	} else if (!json_is_object(resources)) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT,
			       "shimgate: %s refused: resources are not a JSON object", what);
	} else if (has_device_rules(resources)) {
		sg_call_refuse(res, SG_GRPC_PERMISSION_DENIED,
			       "shimgate: %s refused: device rules in an update would open host "
			       "devices to the container",
			       what);
	} else {
		sg_log_info("%s allowed", what);
	}
	json_decref(resources);
}
