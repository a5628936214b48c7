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

#include "core/context.h"

/* A fresh directory under $TMPDIR (mode 0700); removed recursively by sg_test_rmtree. */
char *sg_test_mkdtemp(void);
void sg_test_rmtree(const char *path);
/* Writes content to dir/name with mode; returns the malloc'ed full path. */
char *sg_test_write(const char *dir, const char *name, mode_t mode, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Reads a whole file (NUL-terminated, malloc'ed), or NULL. */
char *sg_test_read(const char *path, size_t *len);
/* Reads dir/name like sg_test_read, and fails the test when it cannot. */
char *sg_test_read_in(const char *dir, const char *name, size_t *len);
/* SG_TEST_SRCDIR "/" rel, malloc'ed. */
char *sg_test_src(const char *rel);

/* The fixture of the tests that only need a scratch directory: sg_test_dir_setup makes *state
 * a struct sg_test_dir with a fresh dir; sg_test_dir_teardown removes it. */
struct sg_test_dir {
	char *dir;
};
int sg_test_dir_setup(void **state);
int sg_test_dir_teardown(void **state);
#define SG_TEST_WITH_DIR(fn) \
	cmocka_unit_test_setup_teardown(fn, sg_test_dir_setup, sg_test_dir_teardown)

/* The signature tests' fixture: a scratch directory with a keys directory and a replay store
 * (4096 slots), loaded into ctx: one key file per pair of keys ("name", "extra lines", ...,
 * NULL), each "secret = SECRET" and then its extra lines (scope keywords). The test inits the
 * hmac module into mod; sg_test_sig_close finalises it, frees the rest and removes the
 * directory. */
struct sg_keyring;
struct sg_replay;
struct sg_module_state;
struct sg_test_sig {
	char *dir;
	struct sg_keyring *kr;
	struct sg_replay *replay;
	struct sg_context ctx;
	struct sg_module_state *mod;
};
void sg_test_sig_open(struct sg_test_sig *k, const char *secret, const char *const *keys);
void sg_test_sig_close(struct sg_test_sig *k);

/* Golden cases: calls run(root, root/NAME) for each subdirectory NAME of root in name order,
 * skipping dot entries and plain files; returns how many ran. */
int sg_test_each_case(const char *root, void (*run)(const char *root, const char *dir));

#endif
