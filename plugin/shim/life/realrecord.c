/* SPDX-License-Identifier: Apache-2.0 */
/* The record of which real shim a gate fronts: <gate socket>.real, the real shim's start
 * output. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/strutil.h"
#include "realrecord.h"

#define RECORD_MAX 4096

static int record_path(const char *gate_path, char *out, size_t size)
{
	return snprintf(out, size, "%s.real", gate_path) < (int)size ? 0 : -ENAMETOOLONG;
}

int sg_real_record_write(const char *gate_path, const char *start_output, struct sg_error *err)
{
	char path[SG_SOCKET_PATH_MAX + 8];

	if (record_path(gate_path, path, sizeof(path)) < 0)
		return sg_error_set(err, -ENAMETOOLONG, "%s.real: path too long", gate_path);
	return sg_write_file_replace(path, start_output, strlen(start_output), 0600, err);
}

int sg_real_record_read(const char *gate_path, struct sg_bootstrap *real, struct sg_error *err)
{
	char path[SG_SOCKET_PATH_MAX + 8], text[RECORD_MAX];
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (record_path(gate_path, path, sizeof(path)) < 0)
		return sg_error_set(err, -ENAMETOOLONG, "%s.real: path too long", gate_path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT
				       : sg_error_set(err, -errno, "cannot open %s: %s", path,
						      strerror(errno));
	n = read(fd, text, sizeof(text) - 1);
	if (n < 0)
		return sg_error_set(err, -errno, "cannot read %s: %s", path, strerror(errno));
	text[n] = '\0';
	return sg_bootstrap_parse(text, real, err);
}

void sg_real_record_remove(const char *gate_path)
{
	char path[SG_SOCKET_PATH_MAX + 8];

	if (record_path(gate_path, path, sizeof(path)) == 0)
		(void)unlink(path);
}
