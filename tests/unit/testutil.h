/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests: temp dirs, files with given modes, source paths. */
#ifndef SG_TEST_TESTUTIL_H
#define SG_TEST_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>

#include <cmocka.h>

/* A fresh directory under $TMPDIR (mode 0700); removed recursively by sg_test_rmtree. */
char *sg_test_mkdtemp(void);
void sg_test_rmtree(const char *path);
/* Writes content to dir/name with mode; returns the malloc'ed full path. */
char *sg_test_write(const char *dir, const char *name, mode_t mode, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Reads a whole file (NUL-terminated, malloc'ed), or NULL. */
char *sg_test_read(const char *path, size_t *len);
/* SG_TEST_SRCDIR "/" rel, malloc'ed. */
char *sg_test_src(const char *rel);

#endif
