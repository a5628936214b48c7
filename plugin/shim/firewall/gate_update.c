/* SPDX-License-Identifier: Apache-2.0 */
/* Update: the cgroup resource change containerd may pass on, and the one it may not. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "containerd/task/v2/shim.pb-c.h"
#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "core/strutil.h"
#include "gate_call.h"
#include "gate_update.h"
#include "oci/fields.h"
#include "oci/oci.h"
#include "shim/log.h"
#include "shim/ttrpc.h"

#define SG_RESOURCES_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"

static void update_freep(Containerd__Task__V2__UpdateTaskRequest **u)
{
	if (*u)
		containerd__task__v2__update_task_request__free_unpacked(*u, NULL);
}

/* The container's config.json, for its device rules. */
static int container_config(const struct sg_call_ctx *ctx, const char *id,
			    struct sg_oci_config *out, struct sg_error *err)
{
	char path[PATH_MAX];
	int r;

	r = sg_call_config_path(ctx, id, path, err);
	if (r < 0)
		return r;
	r = sg_oci_config_load(path, out, err);
	return r < 0 ? sg_error_prefix(err, "the container's config.json") : 0;
}

void sg_gate_update_handle(const struct sg_call_ctx *ctx, const uint8_t *payload, size_t len,
			   struct sg_call_result *res)
{
	_cleanup_(update_freep) Containerd__Task__V2__UpdateTaskRequest *u = NULL;
	struct sg_error err = { 0 };
	json_auto_t *resources = NULL;
	_cleanup_(sg_oci_config_clear) struct sg_oci_config config = { 0 };
	char what[SG_LIMIT_ID + 32];
	int r;

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
	if (sg_oci_parse_doc(u->resources->value.data ? (const char *)u->resources->value.data : "",
			     u->resources->value.len, SG_FIELDS_ROOT_RESOURCES, &resources,
			     &err) < 0) {
		sg_call_refuse_input(res, err.code, what, err.msg);
	} else if (!json_is_object(resources)) {
		sg_call_refuse(res, SG_GRPC_INVALID_ARGUMENT,
			       "shimgate: %s refused: resources are not a JSON object", what);
	} else if (json_array_size(json_object_get(resources, "devices")) > 0 &&
		   container_config(ctx, u->id, &config, &err) < 0) {
		sg_call_refuse(res, SG_GRPC_FAILED_PRECONDITION, "shimgate: %s refused: %s", what,
			       err.msg);
	} else if ((r = sg_oci_update_check(resources, config.doc, &err)) < 0) {
		sg_call_refuse(res,
			       r == -EPERM ? SG_GRPC_PERMISSION_DENIED : SG_GRPC_INVALID_ARGUMENT,
			       "shimgate: %s refused: %s", what, err.msg);
	} else {
		sg_log_info("%s allowed", what);
	}
}
