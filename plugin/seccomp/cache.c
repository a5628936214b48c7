/* SPDX-License-Identifier: Apache-2.0 */
/* The host's record of checked seccomp profiles (see cache.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <seccomp.h>

#include "core/safepath.h"
#include "core/strutil.h"
#include "cache.h"
#include "sig/digest.h"

/* Bumped whenever the check (build.c, parse_rule.c) changes what it accepts. */
#define CHECK_VERSION "shimgate-seccomp-check-1"

int sg_seccomp_cache_key(const char *text, size_t len, char key[65], struct sg_error *err)
{
	const struct scmp_version *v = seccomp_version();
	uint8_t md[SG_SHA256_LEN];
	char head[128];
	int n;

	n = snprintf(head, sizeof(head), "%s libseccomp %u.%u.%u arch %u", CHECK_VERSION,
		     v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, seccomp_arch_native());
	if (n < 0 || (size_t)n >= sizeof(head))
		return sg_error_set(err, -EINVAL, "seccomp cache key: header too long");
	/* The NUL after the header separates it from the profile's bytes. */
	sg_sha256(head, (size_t)n + 1, text, len, md);
	for (unsigned i = 0; i < sizeof(md); i++)
		snprintf(key + 2 * i, 3, "%02x", md[i]);
	return 0;
}

static int entry_path(const char *dir, const char *key, char out[PATH_MAX])
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, key);

	return n > 0 && n < PATH_MAX ? 0 : -ENAMETOOLONG;
}

bool sg_seccomp_cache_hit(const char *dir, const char *key)
{
	struct sg_error ignored = { 0 };
	char path[PATH_MAX];

	return entry_path(dir, key, path) == 0 &&
	       sg_safepath_check(path, SG_SAFEPATH_SECRET, &ignored) == 0;
}

void sg_seccomp_cache_record(const char *dir, const char *key)
{
	struct sg_error ignored = { 0 };
	char path[PATH_MAX], parent[PATH_MAX];
	char *slash;

	if (geteuid() != 0 || entry_path(dir, key, path) < 0 ||
	    snprintf(parent, sizeof(parent), "%s", dir) >= (int)sizeof(parent))
		return;
	/* The state directory itself may not exist yet on a fresh host: made as the replay
	 * store makes it. */
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		(void)mkdir(parent, 0700);
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return;
	/* Only into a directory that would pass as a cache when read back. */
	if (sg_safepath_check(dir, SG_SAFEPATH_DIR | SG_SAFEPATH_SECRET, &ignored) < 0)
		return;
	(void)sg_write_file_atomic(path, key, strlen(key), 0600, &ignored);
}
