/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "realshim.h"

#define REALSHIM_OUTPUT_MAX (64u << 10)

static int executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static int search_path(const char *name, char **found)
{
	const char *env = getenv("PATH");
	_cleanup_free_ char *copy = strdup(env ? env : "/usr/local/bin:/usr/bin:/bin");
	char *save = NULL, *dir;

	if (!copy)
		return -ENOMEM;
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char *candidate;

		if (dir[0] != '/')
			continue; /* a relative PATH entry would depend on containerd's cwd */
		if (asprintf(&candidate, "%s/%s", dir, name) < 0)
			return -ENOMEM;
		if (executable(candidate)) {
			*found = candidate;
			return 0;
		}
		free(candidate);
	}
	return -ENOENT;
}

int sg_realshim_resolve(const char *name, char **path, struct sg_error *err)
{
	_cleanup_free_ char *found = NULL, *real = NULL, *self = NULL;
	int r;

	if (strchr(name, '/')) {
		if (name[0] != '/')
			return sg_error_set(err, -EINVAL, "runtime '%s' must be absolute or a name",
					    name);
		found = strdup(name);
		if (!found)
			return sg_error_set(err, -ENOMEM, "out of memory");
		if (!executable(found))
			return sg_error_set(err, -ENOENT, "runtime %s is not an executable file",
					    name);
	} else {
		r = search_path(name, &found);
		if (r < 0)
			return sg_error_set(err, r, "runtime '%s' not found on PATH", name);
	}
	real = realpath(found, NULL);
	self = realpath("/proc/self/exe", NULL);
	if (!real || !self)
		return sg_error_set(err, -errno, "cannot resolve runtime %s: %s", found,
				    strerror(errno));
	if (strcmp(real, self) == 0)
		return sg_error_set(err, -ELOOP,
				    "runtime '%s' is shimgate itself (%s): set `runtime` in "
				    "shimgate.conf to the real shim's absolute path",
				    name, real);
	*path = steal_pointer(&found);
	return 0;
}

/* argv with argv[0] replaced, for exec. */
static char **with_argv0(const char *path, char **argv)
{
	size_t n = 0;
	char **copy;

	while (argv[n])
		n++;
	copy = calloc(n + 1, sizeof(*copy));
	if (!copy)
		return NULL;
	copy[0] = (char *)path;
	for (size_t i = 1; i < n; i++)
		copy[i] = argv[i];
	return copy;
}

int sg_realshim_exec(const char *path, char **argv, struct sg_error *err)
{
	_cleanup_free_ char **args = with_argv0(path, argv);

	if (!args)
		return sg_error_set(err, -ENOMEM, "out of memory");
	execv(path, args);
	return sg_error_set(err, -errno, "cannot run %s: %s", path, strerror(errno));
}

static int read_all(int fd, char **out, struct sg_error *err)
{
	_cleanup_free_ char *buf = malloc(REALSHIM_OUTPUT_MAX + 1);
	size_t len = 0;

	if (!buf)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (;;) {
		ssize_t n = read(fd, buf + len, REALSHIM_OUTPUT_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sg_error_set(err, -errno, "reading the real shim's output: %s",
					    strerror(errno));
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == REALSHIM_OUTPUT_MAX)
			return sg_error_set(err, -E2BIG, "the real shim printed more than %u bytes",
					    REALSHIM_OUTPUT_MAX);
	}
	buf[len] = '\0';
	*out = steal_pointer(&buf);
	return 0;
}

/* Forks `path argv[1..]` with stdout on out_fd (-1: inherited). Only stdio crosses: the
 * gate's keyring, replay store and audit descriptors stay with the gate. */
static pid_t spawn(const char *path, char **args, int out_fd)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	if (out_fd >= 0 && dup2(out_fd, STDOUT_FILENO) < 0)
		_exit(127);
	close_range(3, ~0u, 0);
	execv(path, args);
	dprintf(STDERR_FILENO, "shimgate: cannot run %s: %s\n", path, strerror(errno));
	_exit(127);
}

static int wait_status(pid_t pid, const char *path, const char *output, struct sg_error *err)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return sg_error_set(err, -errno, "waitpid: %s", strerror(errno));
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return sg_error_set(err, -ECHILD, "%s failed (%s %d)%s%.300s", path,
				    WIFEXITED(status) ? "exit status" : "signal",
				    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
				    output ? ": " : "", output ? output : "");
	return 0;
}

int sg_realshim_wait(const char *path, char **argv, struct sg_error *err)
{
	_cleanup_free_ char **args = with_argv0(path, argv);
	pid_t pid;

	if (!args)
		return sg_error_set(err, -ENOMEM, "out of memory");
	pid = spawn(path, args, -1);
	if (pid < 0)
		return sg_error_set(err, -errno, "fork: %s", strerror(errno));
	return wait_status(pid, path, NULL, err);
}

int sg_realshim_spawn(const char *path, char **argv, struct sg_realshim_proc *proc,
		      struct sg_error *err)
{
	_cleanup_free_ char **args = with_argv0(path, argv);
	int pipefd[2], r;

	if (!args)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return sg_error_set(err, -errno, "pipe: %s", strerror(errno));
	proc->pid = spawn(path, args, pipefd[1]);
	r = -errno;
	close(pipefd[1]);
	if (proc->pid < 0) {
		close(pipefd[0]);
		return sg_error_set(err, r, "fork: %s", strerror(-r));
	}
	proc->out_fd = pipefd[0];
	proc->path = path;
	return 0;
}

int sg_realshim_collect(struct sg_realshim_proc *proc, char **out, struct sg_error *err)
{
	_cleanup_free_ char *output = NULL;
	int r;

	r = read_all(proc->out_fd, &output, err);
	close(proc->out_fd);
	proc->out_fd = -1;
	if (r < 0) {
		(void)wait_status(proc->pid, proc->path, NULL, NULL);
		return r;
	}
	r = wait_status(proc->pid, proc->path, output, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&output);
	return 0;
}
