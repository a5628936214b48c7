/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
/* `delete` and `-info`: the real shim's own answers, with two guards of the gate's. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/config.h"
#include "realrecord.h"
#include "realshim.h"
#include "runc/settings.h"
#include "shim/args.h"
#include "shim/commands.h"
#include "shutdown.h"
#include "unixsock.h"

/* delete only cleans up, so it must work even when the configuration no longer loads:
 * then the built-in real shim is used, and containerd logs why. */
static char *real_shim_path(void)
{
	struct sg_config *cfg = NULL;
	struct sg_runc_settings *runc = NULL;
	struct sg_error err = { 0 };
	char *path = NULL;

	if (sg_runc_settings_load(getenv(SG_CONFIG_ENV), &cfg, &runc, &err) < 0) {
		fprintf(stderr, "shimgate: %s; using the built-in runtime\n", err.msg);
		if (sg_runc_settings_defaults(&runc, &err) < 0) {
			fprintf(stderr, "shimgate: %s\n", err.msg);
			return NULL;
		}
	}
	if (sg_realshim_resolve(runc->real_shim, &path, &err) < 0)
		fprintf(stderr, "shimgate: %s\n", err.msg);
	sg_config_free(cfg);
	sg_runc_settings_free(runc);
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

/* True when pid is the real shim's daemon for a's namespace, id and containerd: it runs
 * the real shim binary (want, symlinks resolved) with exactly those flags and no action. */
static bool real_daemon_of(const char *pid, const char *want, const struct sg_shim_args *a)
{
	_cleanup_close_ int fd = -1;
	char path[64], exe[4096], args[4096];
	const char *argv[32];
	struct sg_shim_args c;
	size_t len = 0;
	int argc = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return false;
	exe[n] = '\0';
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	if (strcmp(exe, want) != 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	while (len < sizeof(args) - 1 && (n = read(fd, args + len, sizeof(args) - 1 - len)) > 0)
		len += (size_t)n;
	args[len] = '\0';
	for (size_t i = 0; i < len && argc < (int)SG_ARRAY_SIZE(argv) - 1; i += strlen(args + i) + 1)
		argv[argc++] = args + i;
	argv[argc] = NULL;
	return sg_shim_args_parse(argc, argv, &c, NULL) == 0 && !c.action && c.ns && c.id &&
	       c.address && strcmp(c.ns, a->ns) == 0 && strcmp(c.id, a->id) == 0 &&
	       strcmp(c.address, a->address) == 0;
}

/* containerd runs `delete` only when it has given up on a shim connection: the gate died (or
 * is dying: its listening socket may still accept for a moment, so its liveness cannot
 * decide), containerd restarted and could not reach it, or a start failed. containerd then
 * deletes every container of that shim. The real shim of this container goes first, as if it
 * had died with the gate: alive, it would publish the exit of the container the real
 * `delete` is about to kill before containerd has dropped the task, and a client that starts
 * the container again at once (Docker's restart policy) would be told "task <id>: already
 * exists". The runc shim writes no pid file, so its daemon is found by its command line; a
 * grouped container's shim runs under the group's id and is asked to shut down afterwards,
 * once nothing is left in it. */
static void stop_real(const struct sg_shim_args *a, const char *binary)
{
	_cleanup_free_ char *want = realpath(binary, NULL);
	DIR *proc;
	struct dirent *e;

	if (!want || !a->ns || !a->address || !(proc = opendir("/proc")))
		return;
	while ((e = readdir(proc))) {
		unsigned long pid;
		char *end;

		errno = 0;
		pid = strtoul(e->d_name, &end, 10);
		if (errno || end == e->d_name || *end || pid < 2 || pid > INT_MAX ||
		    !real_daemon_of(e->d_name, want, a))
			continue;
		if (kill((pid_t)pid, SIGKILL) < 0)
			fprintf(stderr, "shimgate: cannot stop the real shim (pid %lu): %s\n", pid,
				strerror(errno));
	}
	closedir(proc);
}

/* After the real delete: a real shim left without a front (not killed above) is asked to
 * exit (it does only when no container is left), so kill -9 of a gate orphans nothing. */
static void shutdown_unfronted(const char *gate, const char *id)
{
	struct sg_bootstrap real;
	struct sg_error err = { 0 };

	if (sg_real_record_read(gate, &real, &err) < 0)
		return;
	if (sg_unix_alive(real.path) && sg_realshim_shutdown(&real, id, &err) < 0)
		fprintf(stderr, "shimgate: %s\n", err.msg);
	/* It exits a moment after answering (a killed one has closed its socket already); a
	 * grouped one with containers left stays, and the record with it, for the next delete. */
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
	char gate[SG_SOCKET_PATH_MAX];
	const char *bundle = a->bundle;
	bool fronted;
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
	real = real_shim_path();
	if (!real)
		return 1;
	fronted = a->id && gate_of_bundle(bundle, gate) == 0;
	if (fronted)
		stop_real(a, real);
	if ((access(runtime, F_OK) == 0 || errno != ENOENT) && sg_realshim_wait(real, argv, &err) < 0) {
		fprintf(stderr, "shimgate: %s\n", err.msg);
		status = 1;
	}
	if (fronted && !sg_unix_alive(gate))
		shutdown_unfronted(gate, a->id);
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
