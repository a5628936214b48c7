/* SPDX-License-Identifier: Apache-2.0 */
/* The safe-path check: ownership and permissions of a file and of every directory above it. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "safepath.h"
#include "strutil.h"

static int check_one(const char *path, const struct stat *st, unsigned flags, bool is_target,
		     struct sg_error *err)
{
	if (st->st_uid != 0)
		return sg_error_set(err, -EPERM, "%s: not owned by root (uid %u)", path,
				    (unsigned)st->st_uid);
	/* A root-owned sticky parent (/tmp) is fine: nobody else can rename or unlink the
	 * root-owned entry below it, which is what the check protects. */
	if (!is_target && (st->st_mode & S_ISVTX) && S_ISDIR(st->st_mode))
		return 0;
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return sg_error_set(err, -EPERM, "%s: writable by group or others (mode %04o)",
				    path, (unsigned)(st->st_mode & 07777));
	if (is_target && (flags & SG_SAFEPATH_SECRET) && (st->st_mode & (S_IRWXG | S_IRWXO)))
		return sg_error_set(err, -EPERM,
				    "%s: accessible by group or others (mode %04o); want 0600 or 0400",
				    path, (unsigned)(st->st_mode & 07777));
	return 0;
}

int sg_safepath_check(const char *path, unsigned flags, struct sg_error *err)
{
	char buf[PATH_MAX];
	struct stat st;
	size_t n;
	int r;

	if (!path || path[0] != '/')
		return sg_error_set(err, -EINVAL, "%s: not an absolute path", path ? path : "(null)");
	n = strlen(path);
	if (n >= sizeof(buf))
		return sg_error_set(err, -ENAMETOOLONG, "%s: path too long", path);
	if (lstat(path, &st) < 0)
		return sg_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (S_ISLNK(st.st_mode))
		return sg_error_set(err, -EPERM, "%s: is a symbolic link", path);
	if (flags & SG_SAFEPATH_DIR) {
		if (!S_ISDIR(st.st_mode))
			return sg_error_set(err, -ENOTDIR, "%s: not a directory", path);
	} else if (!S_ISREG(st.st_mode)) {
		return sg_error_set(err, -EPERM, "%s: not a regular file", path);
	}
	r = check_one(path, &st, flags, true, err);
	if (r < 0)
		return r;

	memcpy(buf, path, n + 1);
	for (;;) {
		char *slash = strrchr(buf, '/');

		if (!slash)
			break;
		if (slash == buf) {
			buf[1] = '\0';
		} else {
			*slash = '\0';
		}
		if (stat(buf, &st) < 0)
			return sg_error_set(err, -errno, "%s: %s", buf, strerror(errno));
		r = check_one(buf, &st, 0, false, err);
		if (r < 0)
			return r;
		if (strcmp(buf, "/") == 0)
			break;
	}
	return 0;
}

int sg_safepath_read(const char *path, unsigned flags, size_t max, char **text, size_t *len,
		     struct sg_error *err)
{
	int r = sg_safepath_check(path, flags, err);

	return r < 0 ? r : sg_read_file(path, max, text, len, err);
}
