/* SPDX-License-Identifier: Apache-2.0 */
/* Create grants (FORMAT.md section 8): the orchestrator identity and the host-reaching fields
 * of a create's config.json that a grant binds besides the process and host mounts. */
#ifndef SG_SIG_GRANT_H
#define SG_SIG_GRANT_H

#include <stdbool.h>
#include <stddef.h>

#include <shimgate/shimgate.h>

#include "core/request.h"

/* The annotations the CRI plugin sets in every spec it writes. */
#define SG_CRI_CONTAINER_TYPE "io.kubernetes.cri.container-type"
#define SG_CRI_SANDBOX_NAMESPACE "io.kubernetes.cri.sandbox-namespace"
#define SG_CRI_SANDBOX_NAME "io.kubernetes.cri.sandbox-name"
#define SG_CRI_CONTAINER_NAME "io.kubernetes.cri.container-name"
#define SG_CRI_SANDBOX_ID "io.kubernetes.cri.sandbox-id"
/* The pod annotation carrying one container's grant: this prefix and the container name, or
 * "POD" for the sandbox (Kubernetes container names are lowercase, so it cannot clash). */
#define SG_GRANT_ANNOTATION_PREFIX "io.shimgate.grant."
#define SG_GRANT_SANDBOX_NAME "POD"

struct sg_grant_hook {
	const char *stage; /* static */
	char *path;
	struct sg_strv args;
};

struct sg_grant_fields {
	bool k8s; /* the CRI identity annotations are present */
	const char *pod_ns, *pod_name, *container_name, *container_type; /* borrowed */
	const char *sandbox_id;                                          /* borrowed */
	struct sg_strv host_ns;      /* pid, network, ipc, uts, mount: absent from linux.namespaces */
	struct sg_strv devices;      /* linux.devices: "<type> <major>:<minor> <path>" */
	struct sg_strv device_rules; /* resources.devices allow rules: "<type> <maj>:<min> <access>" */
	struct sg_strv caps;         /* union of the five capability sets, by number */
	struct sg_grant_hook *hooks;
	size_t n_hooks;
};

/* Reads the fields of req's config.json (req->doc) a grant binds. Borrowed strings point into
 * req->doc. A hooks object with a stage this form does not know is -EINVAL naming it. */
int sg_grant_fields_read(const struct sg_request *req, struct sg_grant_fields *g,
			 struct sg_error *err);
void sg_grant_fields_clear(struct sg_grant_fields *g);

/* v with the container id written "{id}", its first 12 characters "{id12}" (Docker's
 * hostname) and the pod sandbox id "{sandbox}": ids a signer cannot know. NULL on ENOMEM. */
char *sg_grant_subst(const char *v, const char *id, const char *sandbox_id);

#endif
