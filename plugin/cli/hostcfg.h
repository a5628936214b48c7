/* SPDX-License-Identifier: Apache-2.0 */
/* What doctor and setup both know about a container host: the default paths of containerd's,
 * dockerd's and systemd's files, the keys of containerd's configuration that decide which shim
 * runs a container, and how containerd resolves a runtime name to a shim binary. */
#ifndef SG_CLI_HOSTCFG_H
#define SG_CLI_HOSTCFG_H

#include <stdbool.h>
#include <getopt.h>
#include <sys/types.h>

#include <jansson.h>

#include <shimgate/shimgate.h>

#include "toml.h"

#define SG_HOST_CONTAINERD_CONFIG "/etc/containerd/config.toml"
#define SG_HOST_DOCKER_CONFIG "/etc/docker/daemon.json"
#define SG_HOST_DROPIN "/etc/systemd/system/containerd.service.d/shimgate.conf"
/* The PATH systemd gives a service that sets none (containerd.service sets none). */
#define SG_HOST_SYSTEMD_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define SG_HOST_REAL_SHIM "/usr/bin/containerd-shim-runc-v2"
#define SG_HOST_GATE_NAME "containerd-shim-shimgate-v2"
#define SG_HOST_CONTAINERD_ADDRESS "/run/containerd/containerd.sock"
#define SG_HOST_CONTAINERD_ROOT "/var/lib/containerd"
#define SG_HOST_CONTAINERD_STATE "/run/containerd"
#define SG_HOST_DOCKER_EXEC_ROOT "/var/run/docker"
#define SG_HOST_DOCKER_DATA_ROOT "/var/lib/docker"
#define SG_HOST_CONTAINERD_RUNC_ROOT "/run/containerd/runc"

#define SG_PLUGIN_V1_LINUX "io.containerd.runtime.v1.linux"
#define SG_V1_LINUX_TABLE "plugins.\"io.containerd.runtime.v1.linux\""
#define SG_PLUGIN_CRI "io.containerd.grpc.v1.cri"
#define SG_CRI_CONTAINERD "plugins.\"io.containerd.grpc.v1.cri\".containerd"
#define SG_CRI_RUNTIMES SG_CRI_CONTAINERD ".runtimes"
/* The handler setup writes, and the name the CRI default runtime gets. */
#define SG_CRI_HANDLER "shimgate"
#define SG_POD_ANNOTATION "io.shimgate.token"
/* The create grants of a pod, one per container (FORMAT.md section 8). */
#define SG_POD_ANNOTATION_GRANTS "io.shimgate.grant.*"

/* CRI's deprecated runtime tables under SG_CRI_CONTAINERD: one with a runtime_type becomes a
 * handler (containerd 1.6: "default", which then is the default handler, and "untrusted"). */
struct sg_cri_legacy {
	const char *table, *handler;
	bool is_default;
};
extern const struct sg_cri_legacy sg_cri_legacy[2];
/* True for io.containerd.runc.v1 and v2, the types whose handler setup points at the gate. */
bool sg_host_runc_type(const char *runtime_type);

/* The shim names containerd resolves for the runc runtimes: each must be the gate. */
extern const char *const sg_host_runc_shims[2];

/* The paths doctor reads and setup writes; each a flag of both commands. */
struct sg_host {
	const char *containerd_config;
	const char *docker_config;
	const char *shim_path; /* containerd's PATH; NULL: from the drop-in, else systemd's */
	const char *dropin;
	const char *config;    /* shimgate.conf; NULL: $SHIMGATE_CONFIG, the drop-in's, the default */
	const char *gate;      /* the gate binary; NULL: beside this shimgate binary */
	char *owned_shim_path; /* storage behind shim_path, gate and config when computed */
	char *owned_gate;
	char *owned_config;
};

/* The getopt_long entries of the paths above, shared by doctor and setup. */
#define SG_HOST_OPTIONS                                                  \
	{ "containerd-config", required_argument, NULL, 'C' },           \
	{ "docker-config", required_argument, NULL, 'D' },               \
	{ "shim-path", required_argument, NULL, 'P' },                   \
	{ "dropin", required_argument, NULL, 'R' },                      \
	{ "config", required_argument, NULL, 'c' },                      \
	{ "gate", required_argument, NULL, 'G' }
/* Takes one of those options into host; returns 1 when opt was one of them, else 0. */
int sg_host_option(struct sg_host *host, int opt, const char *arg);

/* Fills in the computed defaults (shim path, gate, config). */
int sg_host_resolve(struct sg_host *host, struct sg_error *err);
void sg_host_release(struct sg_host *host);

/* The file containerd runs for shim binary name, searched like containerd 1.6 does: each
 * directory of shim_path, then /usr/bin (beside containerd). Returns a malloc'ed path, or
 * NULL when the name resolves nowhere. */
char *sg_host_resolve_shim(const char *shim_path, const char *name);
/* True for the runc shim names (sg_host_runc_shims). */
bool sg_host_is_runc_shim(const char *name);
/* Calls fn once for each shim name (containerd-shim-X-vN) found in a directory of shim_path
 * or /usr/bin, with the file containerd resolves it to; stops at the first fn < 0. */
typedef int (*sg_host_shim_fn)(const char *name, const char *path, void *data,
			       struct sg_error *err);
int sg_host_each_shim(const char *shim_path, sg_host_shim_fn fn, void *data, struct sg_error *err);
/* "io.containerd.X.vN" -> "containerd-shim-X-vN" (malloc'ed), NULL when not of that form. */
char *sg_host_shim_name(const char *runtime_type);
/* True when path (followed through links) is the same file as the gate. */
bool sg_host_is_gate(const char *gate, const char *path);

/* containerd's configuration; a missing file is an empty document (containerd's defaults). */
int sg_host_load_containerd(const char *path, struct sg_toml **doc, struct sg_error *err);
/* The CRI handler's runtime_type and runtime_path ("" when absent); the key's canonical
 * handler name. */
const char *sg_host_cri_type(const struct sg_toml *doc, const char *handler);
const char *sg_host_cri_path(const struct sg_toml *doc, const char *handler);
/* True for the one Docker runtime entry the gate serves: runc, by name, binary and shim. */
bool sg_host_docker_runc(const char *name, json_t *rt);

#endif
