/* SPDX-License-Identifier: Apache-2.0 */
/* Strict parsing of untrusted text, bounded file reads and atomic file writes. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "strutil.h"

int sg_parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '0' && s[1] != '\0')
		return -EINVAL;
	for (const char *p = s; *p; p++) {
		unsigned d;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		d = (unsigned)(*p - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

bool sg_name_valid(const char *s, size_t max, const char *punct)
{
	size_t n;

	if (!s)
		return false;
	n = strnlen(s, max + 1);
	if (n == 0 || n > max)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || !strchr(punct, c)))
			return false;
	}
	return true;
}

int sg_read_file(const char *path, size_t max, char **out, size_t *len, struct sg_error *err)
{
	return sg_read_file_flags(path, 0, max, out, len, err);
}

int sg_read_file_flags(const char *path, int open_flags, size_t max, char **out, size_t *len,
		       struct sg_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t n = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | open_flags);
	if (fd < 0)
		return sg_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return sg_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sg_error_set(err, -EINVAL, "%s: not a regular file", path);
	if ((uint64_t)st.st_size > max)
		return sg_error_set(err, -EFBIG, "%s: larger than %zu bytes", path, max);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return sg_error_set(err, -ENOMEM, "out of memory");
	/* Read to EOF, not to st_size: the file may change, and the bound must still hold. */
	for (;;) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size + 1 - n);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return sg_error_set(err, -errno, "%s: %s", path, strerror(errno));
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > (size_t)st.st_size)
			return sg_error_set(err, -EFBIG, "%s: grew while being read", path);
	}
	buf[n] = '\0';
	*out = steal_pointer(&buf);
	if (len)
		*len = n;
	return 0;
}

static int write_file(const char *path, const void *data, size_t len, unsigned mode, bool sync,
		      struct sg_error *err)
{
	_cleanup_free_ char *tmp = NULL;
	_cleanup_close_ int fd = -1;
	const char *p = data;
	size_t done = 0;
	int r;

	if (asprintf(&tmp, "%s.sgtmp.%d", path, (int)getpid()) < 0) {
		tmp = NULL;
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return sg_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			r = sg_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
			goto fail;
		}
		done += (size_t)w;
	}
	if (fchmod(fd, mode) < 0 || (sync && fsync(fd) < 0)) {
		r = sg_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(steal_fd(&fd)) < 0) {
		r = sg_error_set(err, -errno, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	/* Without the fsync, the new file takes the old one's place by an exchange, then the old
	 * one (now under the temporary name) goes: a rename over an existing file makes ext4
	 * write the new file's data out first (auto_da_alloc), most of a create's time on a
	 * disk-backed bundle. Readers see the old or the new file whole either way. A path with
	 * no file yet, or a file system without exchanges, takes the plain rename. */
	if (!sync && renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) == 0) {
		if (unlink(tmp) < 0)
			return sg_error_set(err, -errno, "%s: %s (written, the old file left there)",
					    tmp, strerror(errno));
		return 0;
	}
	if (rename(tmp, path) < 0) {
		r = sg_error_set(err, -errno, "%s: %s", path, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	(void)unlink(tmp);
	return r;
}

int sg_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
			 struct sg_error *err)
{
	return write_file(path, data, len, mode, true, err);
}

int sg_write_file_replace(const char *path, const void *data, size_t len, unsigned mode,
			  struct sg_error *err)
{
	return write_file(path, data, len, mode, false, err);
}

int sg_path_normalize(char *path)
{
	char *w = path;
	const char *r = path;

	if (path[0] != '/')
		return -EINVAL;
	while (*r) {
		const char *end;
		size_t n;

		while (*r == '/')
			r++;
		if (!*r)
			break;
		end = strchr(r, '/');
		if (!end)
			end = r + strlen(r);
		n = (size_t)(end - r);
		if (n == 2 && r[0] == '.' && r[1] == '.')
			return -EINVAL;
		if (!(n == 1 && r[0] == '.')) {
			*w++ = '/';
			memmove(w, r, n);
			w += n;
		}
		r = end;
	}
	if (w == path)
		*w++ = '/';
	*w = '\0';
	return 0;
}

size_t sg_u64_dec(uint64_t v, char *buf)
{
	char digits[SG_U64_DEC_MAX];
	size_t n = 0, len;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	len = n;
	while (n)
		*buf++ = digits[--n];
	*buf = '\0';
	return len;
}

size_t sg_str_copy(char *dst, size_t size, const char *src)
{
	size_t n;

	if (size == 0)
		return 0;
	n = strnlen(src, size - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
	return n;
}
