/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
/* `delete` and `-info`: the real shim's own answers, with two guards of the gate's. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "core/cleanup.h"
#include "core/config.h"
#include "realshim.h"
#include "shutdown.h"
#include "unixsock.h"

/* delete only cleans up, so it must work even when the configuration no longer loads:
 * then the built-in real shim is used, and containerd logs why. */
static char *real_shim_path(void)
{
	struct sg_config *cfg = NULL;
	struct sg_error err = { 0 };
	char *path = NULL;

	if (sg_config_load(getenv(SG_CONFIG_ENV), &cfg, &err) < 0) {
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

/* The gate socket <bundle>/address names, when it is one of ours. */
static int gate_of_bundle(const char *bundle, char gate[SG_SOCKET_PATH_MAX])
{
	static const char prefix[] = "unix://" SG_RUNDIR "/";
	char path[4096], text[SG_SOCKET_PATH_MAX + 16];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (snprintf(path, sizeof(path), "%s/address", bundle) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	n = read(fd, text, sizeof(text) - 1);
	if (n < 0)
		return -errno;
	text[n] = '\0';
	if (strncmp(text, prefix, sizeof(prefix) - 1) != 0 || strchr(text + 7, '.') ||
	    strlen(text + 7) >= SG_SOCKET_PATH_MAX)
		return -ENOENT;
	memcpy(gate, text + 7, strlen(text + 7) + 1);
	return 0;
}

/* Whether the bundle's gate is one of ours and its record of the real shim is still there:
 * the gate still serves it, or died without its own cleanup (kill -9). */
static bool record_left(const char *bundle, char gate[SG_SOCKET_PATH_MAX],
			struct sg_bootstrap *real)
{
	struct sg_error err = { 0 };

	return gate_of_bundle(bundle, gate) == 0 && sg_real_record_read(gate, real, &err) == 0;
}

/* The same, and the gate is dead: the real shim may be left unfronted. */
static bool gate_died(const char *bundle, char gate[SG_SOCKET_PATH_MAX],
		      struct sg_bootstrap *real)
{
	return record_left(bundle, gate, real) && !sg_unix_alive(gate);
}

/* A dead gate leaves its real shim without a front: ask it to exit (it does only when no
 * container is left), so kill -9 of a gate orphans nothing. */
static void shutdown_unfronted(const char *bundle, const char *id)
{
	char gate[SG_SOCKET_PATH_MAX];
	struct sg_bootstrap real;
	struct sg_error err = { 0 };

	if (!gate_died(bundle, gate, &real))
		return;
	if (sg_unix_alive(real.path) && sg_realshim_shutdown(&real, id, &err) < 0)
		fprintf(stderr, "shimgate: %s\n", err.msg);
	/* It exits a moment after answering; a grouped one with containers left stays, and
	 * the record with it, for the next delete. */
	for (int i = 0; i < 20 && sg_unix_alive(real.path); i++)
		usleep(50 * 1000);
	/* The real shim may have read our address at start and so leave its own socket. */
	if (!sg_unix_alive(real.path)) {
		(void)unlink(real.path);
		sg_real_record_remove(gate);
		(void)unlink(gate);
	}
}

int sg_shim_delete(const struct sg_shim_args *a, char **argv)
{
	_cleanup_free_ char *real = NULL, *cwd = NULL, *runtime = NULL;
	const char *bundle = a->bundle;
	struct sg_error err = { 0 };
	int status = 0;

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
	if (access(runtime, F_OK) == 0 || errno != ENOENT) {
		char gate[SG_SOCKET_PATH_MAX];
		struct sg_bootstrap rec;

		real = real_shim_path();
		if (!real)
			return 1;
		/* The usual case (the gate exited with its real shim and removed its record)
		 * has nothing to do afterwards: the real delete replaces this process rather
		 * than adding one to every container's teardown. A record left means a gate
		 * that serves on or died without cleanup, told apart only after the real
		 * delete (a gate being killed may still hold its socket now). */
		if (!a->id || !record_left(bundle, gate, &rec)) {
			sg_realshim_exec(real, argv, &err);
			fprintf(stderr, "shimgate: %s\n", err.msg);
			return 1;
		}
		if (sg_realshim_wait(real, argv, &err) < 0) {
			fprintf(stderr, "shimgate: %s\n", err.msg);
			status = 1;
		}
	}
	if (a->id)
		shutdown_unfronted(bundle, a->id);
	return status;
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
