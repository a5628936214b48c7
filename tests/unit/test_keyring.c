/* SPDX-License-Identifier: Apache-2.0 */
/* The keyring: file checks (owner, mode, symlink, name), keyword parsing, scope rules, HMAC. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "sig/keyring.h"
#include "sig/lex.h"

#define SECRET "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* Loads f->dir and expects failure with a message containing want. */
static void expect_load_error(struct sg_test_dir *f, const char *want)
{
	struct sg_keyring *kr = NULL;
	struct sg_error err = { 0 };

	if (sg_keyring_load(f->dir, &kr, &err) == 0) {
		sg_keyring_free(kr);
		fail_msg("load succeeded, want error '%s'", want);
	}
	if (!strstr(err.msg, want))
		fail_msg("error '%s' does not contain '%s'", err.msg, want);
	/* No key material in any message. */
	assert_null(strstr(err.msg, "0405060708"));
	assert_null(kr);
}

static struct sg_keyring *load_ok(struct sg_test_dir *f)
{
	struct sg_keyring *kr = NULL;
	struct sg_error err = { 0 };

	if (sg_keyring_load(f->dir, &kr, &err) < 0)
		fail_msg("load: %s", err.msg);
	return kr;
}

static void test_load_several(void **state)
{
	struct sg_test_dir *f = *state;
	struct sg_keyring *kr;
	uint8_t mac[SG_MAC_LEN];
	/* HMAC-SHA256(key=00..1f, "abc"), computed with openssl dgst. */
	static const uint8_t want[4] = { 0xf0, 0x13, 0x37, 0x29 };

	free(sg_test_write(f->dir, "k1", 0600, "# first key\nsecret = %s\n", SECRET));
	free(sg_test_write(f->dir, "k-2_b", 0400,
			   "secret=%s\nnamespaces = default, prod\ncontainers = web-*,db\n"
			   "operations = exec\nnot_before = 100\nnot_after = 200\n",
			   SECRET SECRET));
	kr = load_ok(f);
	assert_int_equal(sg_keyring_count(kr), 2);
	assert_non_null(sg_keyring_find(kr, "k1"));
	assert_string_equal(sg_key_id(sg_keyring_find(kr, "k-2_b")), "k-2_b");
	assert_null(sg_keyring_find(kr, "k3"));
	assert_int_equal(sg_key_hmac(sg_keyring_find(kr, "k1"), "abc", 3, mac, NULL), 0);
	assert_memory_equal(mac, want, sizeof(want));
	sg_keyring_free(kr);
}

static void test_scope(void **state)
{
	struct sg_test_dir *f = *state;
	struct sg_keyring *kr;
	const struct sg_key *k, *any;
	struct sg_error err = { 0 };

	free(sg_test_write(f->dir, "k1", 0600,
			   "secret = %s\nnamespaces = default\ncontainers = web-*\n"
			   "operations = exec,create\nnot_before = 100\nnot_after = 200\n",
			   SECRET));
	free(sg_test_write(f->dir, "any", 0600, "secret = %s\n", SECRET));
	kr = load_ok(f);
	k = sg_keyring_find(kr, "k1");
	any = sg_keyring_find(kr, "any");
	assert_int_equal(sg_key_check_scope(k, SG_OP_EXEC, "default", "web-1", 150, &err), 0);
	assert_int_equal(sg_key_check_scope(k, SG_OP_EXEC, "default", "web-1", 100, &err), 0);
	assert_int_equal(sg_key_check_scope(k, SG_OP_EXEC, "default", "web-1", 200, &err), 0);
	assert_int_equal(sg_key_check_scope(k, SG_OP_EXEC, "prod", "web-1", 150, &err), -EACCES);
	assert_string_equal(err.msg, "key 'k1' may not sign for namespace 'prod'");
	assert_int_equal(sg_key_check_scope(k, SG_OP_EXEC, "default", "db-1", 150, &err), -EACCES);
	assert_string_equal(err.msg, "key 'k1' may not sign for container 'db-1'");
	assert_int_equal(sg_key_check_scope(k, SG_OP_MOUNT, "default", "web-1", 150, &err),
			 -EACCES);
	assert_string_equal(err.msg, "key 'k1' may not sign operation 'mount'");
	assert_int_equal(sg_key_check_scope(k, SG_OP_EXEC, "default", "web-1", 99, &err), -EACCES);
	assert_string_equal(err.msg, "key 'k1' is not valid before 100");
	assert_int_equal(sg_key_check_scope(k, SG_OP_EXEC, "default", "web-1", 201, &err), -EACCES);
	assert_string_equal(err.msg, "key 'k1' expired at 200");
	assert_int_equal(sg_key_check_scope(any, SG_OP_MOUNT, "x", "y", 1, &err), 0);
	sg_keyring_free(kr);
}

static void test_mode_refused(void **state)
{
	struct sg_test_dir *f = *state;
	_cleanup_free_ char *p = sg_test_write(f->dir, "k1", 0640, "secret = %s\n", SECRET);

	expect_load_error(f, "accessible by group or others (mode 0640)");
	assert_int_equal(chmod(p, 0604), 0);
	expect_load_error(f, "accessible by group or others (mode 0604)");
	assert_int_equal(chmod(p, 0600), 0);
	assert_int_equal(chown(p, 1000, 0), 0);
	expect_load_error(f, "not owned by root (uid 1000)");
}

static void test_symlink_refused(void **state)
{
	struct sg_test_dir *f = *state;
	_cleanup_free_ char *target = sg_test_write(f->dir, "k1", 0600, "secret = %s\n", SECRET);
	_cleanup_free_ char *link = NULL;

	assert_true(asprintf(&link, "%s/k2", f->dir) > 0);
	assert_int_equal(symlink(target, link), 0);
	expect_load_error(f, "is a symbolic link");
}

static void test_bad_files(void **state)
{
	struct sg_test_dir *f = *state;
	_cleanup_free_ char *p = NULL;

	p = sg_test_write(f->dir, "bad.name", 0600, "secret = %s\n", SECRET);
	expect_load_error(f, "bad.name: file name is not a key id");
	unlink(p);
	free(p);
	p = sg_test_write(f->dir, "k1", 0600, "secret = 0011\n");
	expect_load_error(f, "k1:1: secret must be 32 to 128 bytes of hex");
	free(p);
	p = sg_test_write(f->dir, "k1", 0600, "# c\nsecret = %s\n", "0A0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	expect_load_error(f, "k1:2: secret is not lowercase hex");
	free(p);
	p = sg_test_write(f->dir, "k1", 0600, "secret = %s\ncolor = blue\n", SECRET);
	expect_load_error(f, "k1:2: unknown keyword 'color'");
	free(p);
	p = sg_test_write(f->dir, "k1", 0600, "secret = %s\nsecret = %s\n", SECRET, SECRET);
	expect_load_error(f, "k1:2: 'secret' given twice");
	free(p);
	p = sg_test_write(f->dir, "k1", 0600, "namespaces = a\n");
	expect_load_error(f, "no 'secret' line");
	free(p);
	p = sg_test_write(f->dir, "k1", 0600, "secret = %s\noperations = exec,delete\n", SECRET);
	expect_load_error(f, "k1:2: operations: want a list of create, mount, exec");
	free(p);
	p = sg_test_write(f->dir, "k1", 0600, "secret = %s\nnot_after = -5\n", SECRET);
	expect_load_error(f, "k1:2: 'not_after' is not unix seconds");
	free(p);
	p = sg_test_write(f->dir, "k1", 0600, "secret = %s\nsecret\n", SECRET);
	expect_load_error(f, "k1:2: want 'keyword = value'");
}

static void test_dir_checks(void **state)
{
	struct sg_test_dir *f = *state;
	struct sg_keyring *kr = NULL;
	struct sg_error err = { 0 };
	_cleanup_free_ char *file = sg_test_write(f->dir, "k1", 0600, "secret = %s\n", SECRET);

	assert_int_equal(chmod(f->dir, 0777), 0);
	expect_load_error(f, "writable by group or others");
	assert_int_equal(chmod(f->dir, 0700), 0);
	assert_int_equal(sg_keyring_load(file, &kr, &err), -ENOTDIR);
	assert_int_equal(sg_keyring_load_file(file, &kr, &err), 0);
	assert_non_null(sg_keyring_find(kr, "k1"));
	sg_keyring_free(kr);
}

static void test_key_id_valid(void **state)
{
	(void)state;
	assert_int_equal(sg_key_id_valid("k"), 0);
	assert_int_equal(sg_key_id_valid("K9_a-b"), 0);
	assert_int_equal(sg_key_id_valid(""), -EINVAL);
	assert_int_equal(sg_key_id_valid("-k"), -EINVAL);
	assert_int_equal(sg_key_id_valid("a.b"), -EINVAL);
	assert_int_equal(sg_key_id_valid(".."), -EINVAL);
	assert_int_equal(sg_key_id_valid("a/b"), -EINVAL);
	assert_int_equal(sg_key_id_valid("a b"), -EINVAL);
	assert_int_equal(sg_key_id_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), 0);
	assert_int_equal(sg_key_id_valid("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SG_TEST_WITH_DIR(test_load_several),
		SG_TEST_WITH_DIR(test_scope),
		SG_TEST_WITH_DIR(test_mode_refused),
		SG_TEST_WITH_DIR(test_symlink_refused),
		SG_TEST_WITH_DIR(test_bad_files),
		SG_TEST_WITH_DIR(test_dir_checks),
		cmocka_unit_test(test_key_id_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
