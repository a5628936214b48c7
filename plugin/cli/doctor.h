/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate doctor: the list of ways around the gate it finds, each with its fix. The checks are
 * split by what they read: configuration files (doctor.c) and the running host (doctor_host.c). */
#ifndef SG_CLI_DOCTOR_H
#define SG_CLI_DOCTOR_H

#include <stddef.h>

#include "hostcfg.h"

struct sg_finding {
	char *check;   /* shim, v1-runtime, cri, docker, buildkit, task, restart, mode, files,
			* socket, config */
	char *problem;
	char *fix;
};

struct sg_findings {
	struct sg_finding *items;
	size_t n;
};

/* Adds a finding; the problem is printf-formatted. Returns 0 or -ENOMEM. */
int sg_finding_add(struct sg_findings *f, const char *check, const char *fix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void sg_findings_free(struct sg_findings *f);

/* Configuration checks: shims on containerd's PATH, the v1 runtime, CRI handlers, Docker. */
int sg_doctor_shims(const struct sg_host *host, struct sg_findings *f, struct sg_error *err);
int sg_doctor_containerd(const struct sg_host *host, const struct sg_toml *doc,
			 struct sg_findings *f, struct sg_error *err);
int sg_doctor_docker(const struct sg_host *host, struct sg_findings *f, struct sg_error *err);
/* Host checks: shimgate.conf (mode, real shim), key and policy file modes, running shims of the
 * containerd of doc, the real shims' sockets. */
int sg_doctor_gate(const struct sg_host *host, struct sg_findings *f, struct sg_error *err);
int sg_doctor_tasks(const struct sg_host *host, const struct sg_toml *doc, struct sg_findings *f,
		    struct sg_error *err);
/* A running containerd of this configuration whose PATH or SHIMGATE_CONFIG is not what the
 * checks assumed: it was not restarted after setup. */
int sg_doctor_daemons(const struct sg_host *host, struct sg_findings *f, struct sg_error *err);
int sg_doctor_sockets(const char *rundir, struct sg_findings *f, struct sg_error *err);

#endif
