/* SPDX-License-Identifier: Apache-2.0 */
/* Strict parsing of untrusted text: integers, names, absolute paths, and file reading with a
 * bound. */
#ifndef SG_CORE_STRUTIL_H
#define SG_CORE_STRUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <shimgate/shimgate.h>

/* Decimal, digits only: no sign, no spaces, no leading zeros ("0" itself is fine), no
 * overflow, value <= max. Returns 0 or -EINVAL / -ERANGE. */
int sg_parse_u64(const char *s, uint64_t max, uint64_t *out);

/* A name of 1..max bytes: an ASCII letter or digit, then letters, digits or characters of
 * punct. Key ids ("_-") and node names ("._-") are such names. */
bool sg_name_valid(const char *s, size_t max, const char *punct);

/* Reads a whole regular file of at most max bytes into a NUL-terminated buffer. Larger
 * files are refused (-EFBIG). */
int sg_read_file(const char *path, size_t max, char **out, size_t *len, struct sg_error *err);
/* The same, opened with open_flags added (O_NOFOLLOW, O_NONBLOCK: a symbolic link or a FIFO
 * is refused, not followed or waited on). */
int sg_read_file_flags(const char *path, int open_flags, size_t max, char **out, size_t *len,
		       struct sg_error *err);

/* Writes data to path atomically: a temp file in the same directory, fsync, rename. */
int sg_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode,
			 struct sg_error *err);
/* The same without the fsync (and an existing file replaced by an exchange, then an
 * unlink): readers still see the old or the new file whole, but a crash may lose it. For
 * files that do not outlive the container or the boot (a bundle's config.json and address,
 * records under the run directory), where an fsync is a disk flush on every container start
 * for nothing. */
int sg_write_file_replace(const char *path, const void *data, size_t len, unsigned mode,
			  struct sg_error *err);


/* Normalises an absolute path in place: collapses "//" and "/./", drops a trailing '/'.
 * -EINVAL for a relative path or a ".." component. */
int sg_path_normalize(char *path);


/* v in decimal into buf (at least SG_U64_DEC_MAX + 1 bytes, NUL-terminated), without printf:
 * the writers that run on every decision use it. Returns the length. */
#define SG_U64_DEC_MAX 20
size_t sg_u64_dec(uint64_t v, char *buf);
/* snprintf(dst, size, "%s", src) without printf: src truncated to size - 1 bytes. Returns the
 * bytes copied. */
size_t sg_str_copy(char *dst, size_t size, const char *src);

#endif
