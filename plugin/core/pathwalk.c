/* SPDX-License-Identifier: Apache-2.0 */
/* sg_path_walk: a host path resolved component by component, through root-owned directories. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include "cleanup.h"
#include "pathwalk.h"

#define SG_PATHWALK_MAX_LINKS 40 /* the kernel's own limit */

/* A directory nobody but root can change. A root-owned sticky one (/tmp) is trusted for its
 * root-owned entries only (*sticky set: the next component must be root's), since nobody else
 * can rename or unlink those. */
static int dir_trusted(const char *dir, const struct stat *st, bool *sticky, struct sg_error *err)
{
	if (!S_ISDIR(st->st_mode))
		return sg_error_set(err, -ENOTDIR, "'%s' is not a directory", dir);
	if (st->st_uid != 0)
		return sg_error_set(err, -EPERM, "directory '%s' is owned by uid %u, not root", dir,
				    (unsigned)st->st_uid);
	*sticky = (st->st_mode & S_ISVTX) && (st->st_mode & (S_IWGRP | S_IWOTH));
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !*sticky)
		return sg_error_set(err, -EPERM,
				    "directory '%s' is writable by group or others (mode %04o)", dir,
				    (unsigned)(st->st_mode & 07777));
	return 0;
}

/* Whether path is on procfs (a statfs that fails counts as yes: fail closed). A symlink is
 * looked at through an O_PATH | O_NOFOLLOW fd: statfs would answer for its target. */
static bool on_proc(const char *path, bool is_link)
{
	_cleanup_close_ int fd = -1;
	struct statfs sfs;

	if (is_link) {
		fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 || fstatfs(fd, &sfs) < 0)
			return true;
	} else if (statfs(path, &sfs) < 0) {
		return true;
	}
	return sfs.f_type == PROC_SUPER_MAGIC;
}

/* canonical gets "/" + comp appended (canonical is "/" or "/a/b"). */
static int canon_push(char *canonical, const char *comp, struct sg_error *err)
{
	size_t n = strlen(canonical), sep = n > 1, len = strlen(comp);

	/* Copies, not printf: every component of every stdio path of every exec comes here. */
	if (n + sep + len >= PATH_MAX)
		return sg_error_set(err, -ENAMETOOLONG, "path too long");
	canonical[n] = '/';
	memcpy(canonical + n + sep, comp, len + 1);
	return 0;
}

/* "/" (again, after an absolute symlink): stat'ed and trusted, or refused. */
static int walk_root(char canonical[PATH_MAX], struct stat *st, dev_t *dir_dev, bool *sticky,
		     struct sg_error *err)
{
	strcpy(canonical, "/");
	if (stat("/", st) < 0)
		return sg_error_set(err, -errno, "cannot stat '/': %s", strerror(errno));
	*dir_dev = st->st_dev;
	return dir_trusted("/", st, sticky, err);
}

/* The walk; on success *last gets the device and stickiness of the last directory passed
 * through (the one holding the final component).
 *
 * Each component is looked at with one lstat of the canonical path so far, not opened
 * (O_PATH | O_NOFOLLOW), fstat'ed and closed: a third of the syscalls. It is as sound as a
 * walk of fds: the lstat of "/a/b/c" resolves "/", "/a" and "/a/b", each found a directory
 * only root can write (or a root-owned entry of a root-owned sticky one) and not a symlink,
 * and no one but root can rename, replace or chmod them since. That is the guarantee the
 * walk gives about the later open by path anyway; an fd walk protected nothing more. */
/* pending becomes the symlink's target, then what was left of the path (*rest); *absolute says
 * whether the target starts at "/". Its own frame holds the target: a walk that meets no
 * symlink (the common one: every exec's stdio FIFOs) touches one PATH_MAX buffer less of a
 * stack that stays resident as long as the gate lives. */
static __attribute__((noinline)) int splice_link(const char *linkpath, const char *comp,
						 char pending[PATH_MAX], char **rest,
						 bool *absolute, struct sg_error *err)
{
	char link[PATH_MAX];
	ssize_t n = readlink(linkpath, link, sizeof(link));
	size_t tail;

	if (n < 0 || (size_t)n >= sizeof(link))
		return sg_error_set(err, n < 0 ? -errno : -ENAMETOOLONG,
				    "cannot read symlink '%s'", comp);
	link[n] = '\0';
	tail = strlen(*rest);
	if ((size_t)n + 1 + tail >= PATH_MAX)
		return sg_error_set(err, -ENAMETOOLONG, "path too long");
	memmove(pending + n + 1, *rest, tail + 1);
	memcpy(pending, link, (size_t)n);
	pending[n] = '/';
	*rest = pending;
	*absolute = link[0] == '/';
	return 0;
}

static int walk(const char *path, unsigned flags, char canonical[PATH_MAX], struct stat *st,
		struct sg_pathwalk_memo *last, struct sg_error *err)
{
	char pending[PATH_MAX];
	bool absolute;
	unsigned links = 0;
	dev_t dir_dev;
	bool sticky = false, have_clean = false;
	dev_t clean_dev = 0; /* a device one component was found not on procfs: all of it is not */
	char *rest;
	int r;

	if (!path || path[0] != '/')
		return sg_error_set(err, -EINVAL, "'%.256s' is not an absolute path",
				    path ? path : "");
	if (strlen(path) >= sizeof(pending))
		return sg_error_set(err, -ENAMETOOLONG, "path too long");
	strcpy(pending, path);
	r = walk_root(canonical, st, &dir_dev, &sticky, err);
	if (r < 0)
		return r;
	rest = pending;
	for (;;) {
		size_t dir_len = strlen(canonical);
		char *comp, *slash;

		while (*rest == '/')
			rest++;
		if (!*rest)
			return 0; /* "/" itself, or a path ending in "/": *st is its directory */
		comp = rest;
		slash = strchr(rest, '/');
		rest = slash ? slash + 1 : rest + strlen(rest);
		if (slash)
			*slash = '\0';
		if (strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0)
			return sg_error_set(err, -EPERM, "'%.256s' holds '..'", path);
		r = canon_push(canonical, comp, err);
		if (r < 0)
			return r;
		if (lstat(canonical, st) < 0)
			return sg_error_set(err, -errno, "'%s': %s", canonical, strerror(errno));
		/* One st_dev is one file system: only a component on another device than the
		 * last one checked needs the statfs (a walk of /run/containerd/fifo/... makes
		 * one instead of five). */
		if ((flags & SG_PATHWALK_NO_PROC) && !(have_clean && st->st_dev == clean_dev)) {
			if (on_proc(canonical, S_ISLNK(st->st_mode)))
				return sg_error_set(err, -EPERM, "'%s' is on procfs", canonical);
			clean_dev = st->st_dev;
			have_clean = true;
		}
		if (sticky && st->st_uid != 0)
			return sg_error_set(err, -EPERM,
					    "'%s' is owned by uid %u in a sticky directory",
					    canonical, (unsigned)st->st_uid);
		if (S_ISLNK(st->st_mode)) {
			if ((flags & SG_PATHWALK_NO_SYMLINKS) || st->st_uid != 0)
				return sg_error_set(err, -EPERM, "'%s' is a symlink%s", canonical,
						    st->st_uid ? " not owned by root" : "");
			if (++links > SG_PATHWALK_MAX_LINKS)
				return sg_error_set(err, -ELOOP, "'%.256s': too many symlinks", path);
			r = splice_link(canonical, comp, pending, &rest, &absolute, err);
			if (r < 0)
				return r;
			/* From the symlink's directory (or "/"). */
			canonical[dir_len] = '\0';
			if (absolute && walk_root(canonical, st, &dir_dev, &sticky, err) < 0)
				return sg_error_set(err, -EPERM, "'/' is not root's");
			continue;
		}
		while (*rest == '/')
			rest++;
		if (!*rest) {
			/* the last component: anything, *st holds it */
			last->sticky = sticky;
			last->dev = dir_dev;
			return 0;
		}
		r = dir_trusted(canonical, st, &sticky, err);
		if (r < 0)
			return r;
		dir_dev = st->st_dev;
	}
}

int sg_path_walk(const char *path, unsigned flags, char canonical[PATH_MAX], struct stat *st,
		 struct sg_error *err)
{
	struct sg_pathwalk_memo last;

	return walk(path, flags, canonical, st, &last, err);
}

int sg_path_walk_memo(const char *path, unsigned flags, struct sg_pathwalk_memo *memo,
		      char canonical[PATH_MAX], struct stat *st, struct sg_error *err)
{
	size_t n = memo->valid ? strlen(memo->dir) : 0;
	const char *leaf = path + n + 1;
	int r;

	if (memo->valid && memo->flags == flags && !memo->sticky && n > 1 &&
	    strncmp(path, memo->dir, n) == 0 && path[n] == '/' && *leaf && !strchr(leaf, '/') &&
	    strcmp(leaf, ".") != 0 && strcmp(leaf, "..") != 0 && lstat(path, st) == 0 &&
	    !S_ISLNK(st->st_mode) && st->st_dev == memo->dev) {
		strcpy(canonical, path);
		return 0;
	}
	memo->valid = false;
	r = walk(path, flags, canonical, st, memo, err);
	if (r < 0)
		return r;
	/* Kept only when the path was already canonical: its text names the same chain. */
	n = strlen(canonical);
	if (strcmp(canonical, path) == 0 && !S_ISDIR(st->st_mode) && n > 1) {
		char *slash = strrchr(canonical, '/');

		memcpy(memo->dir, canonical, (size_t)(slash - canonical));
		memo->dir[slash - canonical] = '\0';
		memo->flags = flags;
		memo->valid = memo->dir[0] != '\0';
	}
	return 0;
}
