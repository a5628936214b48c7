/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp profiles in the Docker/containers JSON format: load and check with libseccomp,
 * resolve into the OCI linux.seccomp object for a container's capabilities, build the filter.
 *
 * A profile that loads is known to be good: every syscall name exists on every architecture
 * its rule applies to, every action, operator and flag is valid, and the filter builds for
 * every architecture entry with no capabilities and with all of them. */
#ifndef SG_SECCOMP_PROFILE_H
#define SG_SECCOMP_PROFILE_H

#include <stdint.h>

#include <jansson.h>
#include <seccomp.h>

#include <shimgate/shimgate.h>

/* A seccomp profile file is written by the operator, but still bounded. */
#define SG_SECCOMP_PROFILE_MAX (1u << 20)

struct sg_seccomp_profile;

/* Reads, parses and checks path. Errors start with the path: "p.json: syscall 'foo': ...". */
int sg_seccomp_profile_load(const char *path, struct sg_seccomp_profile **out,
			    struct sg_error *err);
/* The same, skipping the libseccomp check when cache_dir (seccomp/cache.h) records that
 * these bytes passed it on this host, and recording them when they pass. NULL: no cache. */
int sg_seccomp_profile_load_cached(const char *path, const char *cache_dir,
				   struct sg_seccomp_profile **out, struct sg_error *err);
/* The same from text already in memory; name is used in messages only. */
int sg_seccomp_profile_parse(const char *name, const char *text, size_t len,
			     struct sg_seccomp_profile **out, struct sg_error *err);
void sg_seccomp_profile_free(struct sg_seccomp_profile *p);

/* The OCI linux.seccomp object for this host (native architecture, running kernel) and a
 * container whose bounding set is caps (bit n = capability n). Caller owns *out. */
int sg_seccomp_profile_resolve(const struct sg_seccomp_profile *p, uint64_t caps, json_t **out,
			       struct sg_error *err);

/* Builds the libseccomp filter of an OCI linux.seccomp object (as resolve returns it).
 * Rules whose action equals the default action are redundant and left out. */
int sg_seccomp_filter_build(const json_t *oci, scmp_filter_ctx *out, struct sg_error *err);

static inline void sg_seccomp_releasep(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}
#define _cleanup_seccomp_ __attribute__((cleanup(sg_seccomp_releasep)))

static inline void sg_seccomp_profile_freep(struct sg_seccomp_profile **p)
{
	sg_seccomp_profile_free(*p);
}
#define _cleanup_seccomp_profile_ __attribute__((cleanup(sg_seccomp_profile_freep)))

#endif
