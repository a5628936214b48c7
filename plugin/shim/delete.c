/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
/* `delete` and `-info`: the real shim's own answers, with two guards of the gate's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "core/cleanup.h"
#include "core/config.h"
#include "realshim.h"

/* delete only cleans up, so it must work even when the configuration no longer loads:
 * then the built-in real shim is used, and containerd logs why. */
static char *real_shim_path(void)
{
	struct sg_config *cfg = NULL;
	struct sg_error err = { 0 };
	const char *env = getenv(SG_CONFIG_ENV);
	char *path = NULL;

	if (sg_config_load(env ? env : SG_CONFIG_DEFAULT_PATH, &cfg, &err) < 0) {
		fprintf(stderr, "shimgate: %s; using the built-in runtime\n", err.msg);
		if (sg_config_defaults(&cfg, &err) < 0) {
			fprintf(stderr, "shimgate: %s\n", err.msg);
			return NULL;
		}
	}
	if (sg_realshim_resolve(cfg->real_shim, &path, &err) < 0)
		fprintf(stderr, "shimgate: %s\n", err.msg);
	sg_config_free(cfg);
	return path;
}

int sg_shim_delete(const struct sg_shim_args *a, char **argv)
{
	_cleanup_free_ char *real = NULL, *cwd = NULL, *runtime = NULL;
	const char *bundle = a->bundle;
	struct sg_error err = { 0 };

	if (!bundle) {
		cwd = getcwd(NULL, 0);
		if (!cwd)
			return fprintf(stderr, "shimgate: getcwd: %s\n", strerror(errno)), 1;
		bundle = cwd;
	}
	/* The real shim writes <bundle>/runtime at Create. Without it the gate refused the
	 * Create, no container exists, and an empty DeleteResponse is the truthful answer
	 * (the real delete would fail on the missing file and containerd would log it). */
	if (asprintf(&runtime, "%s/runtime", bundle) < 0)
		return fprintf(stderr, "shimgate: out of memory\n"), 1;
	if (access(runtime, F_OK) < 0 && errno == ENOENT)
		return 0;
	real = real_shim_path();
	if (!real)
		return 1;
	sg_realshim_exec(real, argv, &err);
	fprintf(stderr, "shimgate: %s\n", err.msg);
	return 1;
}

int sg_shim_info(char **argv)
{
	_cleanup_free_ char *real = real_shim_path();
	struct sg_error err = { 0 };

	if (!real)
		return 1;
	sg_realshim_exec(real, argv, &err);
	fprintf(stderr, "shimgate: %s\n", err.msg);
	return 1;
}
