/* SPDX-License-Identifier: Apache-2.0 */
/* The host's record of seccomp profiles already checked: a start skips libseccomp's check
 * (most of a gate's load time) for a profile whose exact bytes passed it before. */
#ifndef SG_SECCOMP_CACHE_H
#define SG_SECCOMP_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <shimgate/shimgate.h>

/* The cache's directory, beside the replay store (default /var/lib/shimgate): root only. */
#define SG_SECCOMP_CACHE_NAME "seccomp-checked"

/* SHA-256 (hex) of what the check's outcome depends on: this check's version, libseccomp's
 * version, the native architecture and the profile's bytes. */
int sg_seccomp_cache_key(const char *text, size_t len, char key[65], struct sg_error *err);

/* Whether dir/key exists and passes the safe-path check of a secret file (root-owned, mode
 * 0600, every parent root-owned and not writable by others): anything else is a miss. */
bool sg_seccomp_cache_hit(const char *dir, const char *key);

/* Records key as checked (dir made 0700 when missing). Best effort: a failure only costs the
 * next start a full check. Does nothing unless running as root. */
void sg_seccomp_cache_record(const char *dir, const char *key);

#endif
