/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bootstrap.h"
#include "unixsock.h"

static int fill_addr(struct sockaddr_un *sa, const char *path)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len == 0 || len >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

int sg_unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, r;

	r = fill_addr(&sa, path);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A unix connect completes at once or fails; EAGAIN means the backlog is full, which
	 * for the real shim means it is not serving: treat it as a failure. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

bool sg_unix_alive(const char *path)
{
	int fd = sg_unix_connect(path);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static int make_rundir(const char *path, struct sg_error *err)
{
	char dir[SG_SOCKET_PATH_MAX];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	dirname(dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return sg_error_set(err, -errno, "cannot create %s: %s", dir, strerror(errno));
	if (lstat(dir, &st) < 0)
		return sg_error_set(err, -errno, "cannot stat %s: %s", dir, strerror(errno));
	/* The gate's sockets are the way into every container: only root may reach them. */
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 0077))
		return sg_error_set(err, -EPERM,
				    "%s must be a directory owned by uid %u with mode 0700", dir,
				    (unsigned)geteuid());
	return 0;
}

int sg_unix_listen(const char *path, ino_t *ino, struct sg_error *err)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, r;

	r = make_rundir(path, err);
	if (r < 0)
		return r;
	if (fill_addr(&sa, path) < 0)
		return sg_error_set(err, -ENAMETOOLONG, "socket path %s is too long", path);
	if (sg_unix_alive(path))
		return -EADDRINUSE;
	if (unlink(path) < 0 && errno != ENOENT)
		return sg_error_set(err, -errno, "cannot remove stale socket %s: %s", path,
				    strerror(errno));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sg_error_set(err, -errno, "socket: %s", strerror(errno));
	/* Two starts of one group can race here; the loser sees EADDRINUSE and reuses. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		close(fd);
		if (r == -EADDRINUSE)
			return r;
		return sg_error_set(err, r, "cannot bind %s: %s", path, strerror(-r));
	}
	if (chmod(path, 0600) < 0 || listen(fd, 128) < 0 || stat(path, &st) < 0) {
		r = -errno;
		close(fd);
		(void)unlink(path);
		return sg_error_set(err, r, "cannot listen on %s: %s", path, strerror(-r));
	}
	*ino = st.st_ino;
	return fd;
}

static int peer_cred(int fd, struct ucred *cred)
{
	socklen_t len = sizeof(*cred);

	return getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) < 0 ? -errno : 0;
}

int sg_unix_peer_uid(int fd, uid_t *uid)
{
	struct ucred cred;
	int r = peer_cred(fd, &cred);

	if (r == 0)
		*uid = cred.uid;
	return r;
}

int sg_unix_peer_pid(int fd, pid_t *pid)
{
	struct ucred cred;
	int r = peer_cred(fd, &cred);

	if (r == 0 && cred.pid <= 0)
		r = -ESRCH;
	if (r == 0)
		*pid = cred.pid;
	return r;
}

int sg_unix_listener_pid(const char *path, pid_t *pid)
{
	int fd = sg_unix_connect(path), r;

	if (fd < 0)
		return fd;
	r = sg_unix_peer_pid(fd, pid);
	close(fd);
	return r;
}
