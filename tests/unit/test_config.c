/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate.conf: defaults, every keyword, every error with file:line, and the dump round trip;
 * core's keywords alone, a front end's section, and the whole file as the shim reads it. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "runc/settings.h"
#include "testutil.h"

/* The whole file's settings in the file syntax; runc NULL: core's alone. */
static char *dump_string(const struct sg_config *cfg, const struct sg_runc_settings *runc)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (runc)
		assert_int_equal(sg_runc_settings_dump(cfg, runc, out), 0);
	else
		assert_int_equal(sg_config_dump(cfg, NULL, out), 0);
	fclose(out);
	return buf;
}

#define CORE_DEFAULTS                                    \
	"# shimgate configuration\n"                     \
	"policy_dir = " SG_SYSCONFDIR "/policy.d\n"      \
	"key_dir = " SG_SYSCONFDIR "/keys.d\n"           \
	"module_dir = " SG_MODULEDIR "\n"                \
	"replay_store = " SG_STATEDIR "/replay.db\n"     \
	"replay_capacity = 65536\n"                      \
	"audit = syslog\n"                               \
	"mode = enforce\n"                               \
	"log_level = info\n"

static void test_defaults(void **state)
{
	struct sg_config *cfg = NULL;
	struct sg_runc_settings *runc = NULL;
	char *got;

	assert_int_equal(sg_config_defaults(&cfg, NULL), 0);
	got = dump_string(cfg, NULL);
	assert_string_equal(got, CORE_DEFAULTS);
	free(got);
	assert_int_equal(sg_runc_settings_defaults(&runc, NULL), 0);
	got = dump_string(cfg, runc);
	assert_string_equal(got, CORE_DEFAULTS "runtime = containerd-shim-runc-v2\n"
					       "runc_root = /run/containerd/runc\n");
	assert_null(cfg->path);
	assert_int_equal(runc->n_binaries, 0);
	free(got);
	sg_config_free(cfg);
	sg_runc_settings_free(runc);
}

/* The default configuration is in the build's configuration directory (-DSHIMGATE_SYSCONFDIR),
 * as are the default policy_dir and key_dir. */
static void test_default_path(void **state)
{
	struct sg_config *cfg = NULL;
	struct sg_error err = { 0 };

	assert_string_equal(SG_CONFIG_DEFAULT_PATH, SG_SYSCONFDIR "/shimgate.conf");
	if (access(SG_CONFIG_DEFAULT_PATH, F_OK) == 0)
		skip();
	assert_int_equal(sg_config_load(NULL, NULL, &cfg, &err), -ENOENT);
	assert_null(cfg);
	assert_string_equal(err.msg, SG_SYSCONFDIR "/shimgate.conf: No such file or directory");
}

static void test_full(void **state)
{
	char *dir = sg_test_mkdtemp();
	char *path = sg_test_write(dir, "shimgate.conf", 0644,
				   "# comment\n\n"
				   "runtime = /usr/bin/containerd-shim-runc-v2   # trailing\n"
				   "policy_dir=/p\n"
				   "\tkey_dir =\t/k\n"
				   "module_dir = /m\n"
				   "replay_store = /r/replay.db\n"
				   "replay_capacity = 4194304\n"
				   "audit = /var/log/shimgate.audit\n"
				   "mode = audit-only\n"
				   "runc_root = /run/a\n"
				   "runc_root = /run/b\n"
				   "runc_binary = runc\n"
				   "runc_binary = /usr/sbin/runc\n"
				   "log_level = debug\n");
	struct sg_config *cfg = NULL, *cfg2 = NULL;
	struct sg_runc_settings *runc = NULL, *runc2 = NULL;
	struct sg_error err = { 0 };
	char *d1, *d2, *path2;

	assert_int_equal(sg_runc_settings_load(path, &cfg, &runc, &err), 0);
	assert_string_equal(cfg->path, path);
	assert_string_equal(runc->real_shim, "/usr/bin/containerd-shim-runc-v2");
	assert_string_equal(cfg->key_dir, "/k");
	assert_int_equal(cfg->replay_capacity, 4194304);
	assert_int_equal(cfg->mode, SG_MODE_AUDIT_ONLY);
	assert_int_equal(runc->n_roots, 2);
	assert_string_equal(runc->roots[0], "/run/a");
	assert_string_equal(runc->roots[1], "/run/b");
	assert_int_equal(runc->n_binaries, 2);
	assert_string_equal(runc->binaries[1], "/usr/sbin/runc");
	assert_string_equal(cfg->log_level, "debug");

	/* parse -> dump -> parse -> dump */
	d1 = dump_string(cfg, runc);
	path2 = sg_test_write(dir, "dumped.conf", 0644, "%s", d1);
	assert_int_equal(sg_runc_settings_load(path2, &cfg2, &runc2, &err), 0);
	d2 = dump_string(cfg2, runc2);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	free(path2);
	sg_config_free(cfg);
	sg_config_free(cfg2);
	sg_runc_settings_free(runc);
	sg_runc_settings_free(runc2);
	free(path);
	sg_test_rmtree(dir);
	free(dir);
}

/* text refused by the whole-file load (core's keywords and the runc section). */
static void expect_error(const char *dir, const char *text, int code, const char *msg)
{
	char *path = sg_test_write(dir, "shimgate.conf", 0644, "%s", text);
	struct sg_config *cfg = NULL;
	struct sg_runc_settings *runc = NULL;
	struct sg_error err = { 0 };
	char *want = NULL;

	assert_true(asprintf(&want, "%s:%s", path, msg) > 0);
	assert_int_equal(sg_runc_settings_load(path, &cfg, &runc, &err), code);
	assert_null(cfg);
	assert_null(runc);
	assert_string_equal(err.msg, want);
	free(want);
	free(path);
}

static void test_errors(void **state)
{
	/* Every one is refused with -EINVAL and "PATH:LINE: message". */
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "bogus = 1\n", "1: unknown keyword 'bogus'" },
		{ "runc_root = /run/a\nrunc_roots = /run/b\n", "2: unknown keyword 'runc_roots'" },
		{ "runtime = runc\nruntime = crun\n", "2: runtime given twice" },
		{ "runc_binary = sbin/runc\n",
		  "1: runc_binary: 'sbin/runc' must be a command name or an absolute path" },
		{ "\nmode enforce\n", "2: expected 'keyword = value'" },
		{ "mode =\n", "1: mode: missing value" },
		{ "mode = enforce\nmode = enforce\n", "2: mode given twice" },
		{ "mode = permissive\n", "1: mode: 'permissive' is not enforce or audit-only" },
		{ "log_level = trace\n",
		  "1: log_level: 'trace' is not error, warn, info or debug" },
		{ "policy_dir = etc/p\n", "1: policy_dir: 'etc/p' is not an absolute path" },
		{ "runc_root = run\n", "1: runc_root: 'run' is not an absolute path" },
		{ "runtime = bin/shim\n",
		  "1: runtime: 'bin/shim' must be a command name or an absolute path" },
		{ "audit = file.log\n",
		  "1: audit: 'file.log' is not none, syslog or an absolute path" },
		{ "replay_capacity = 0\n",
		  "1: replay_capacity: '0' is not an integer in 1..4194304" },
		{ "replay_capacity = 4194305\n",
		  "1: replay_capacity: '4194305' is not an integer in 1..4194304" },
		{ "replay_capacity = 010\n",
		  "1: replay_capacity: '010' is not an integer in 1..4194304" },
		{ "replay_capacity = -1\n",
		  "1: replay_capacity: '-1' is not an integer in 1..4194304" },
		{ "key_dir = /a b\n", "1: key_dir: value '/a b' contains blanks" },
	};
	char *dir = sg_test_mkdtemp();
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(dir, cases[i].text, -EINVAL, cases[i].msg);
	sg_test_rmtree(dir);
	free(dir);
}

static void test_unsafe(void **state)
{
	char *dir = sg_test_mkdtemp();
	char *path = sg_test_write(dir, "shimgate.conf", 0664, "mode = enforce\n");
	struct sg_config *cfg = NULL;
	struct sg_error err = { 0 };
	char *want = NULL;

	assert_int_equal(sg_config_load(path, NULL, &cfg, &err), -EPERM);
	assert_true(asprintf(&want, "%s: writable by group or others (mode 0664)", path) > 0);
	assert_string_equal(err.msg, want);
	assert_int_equal(sg_config_load("relative.conf", NULL, &cfg, &err), -EINVAL);
	free(want);
	free(path);
	sg_test_rmtree(dir);
	free(dir);
}

/* Core knows no runc keyword: without the section, the shim's keywords are unknown, named
 * with file:line like any other. */
static void test_core_alone(void **state)
{
	char *dir = sg_test_mkdtemp();
	static const char *const shim_lines[] = { "runtime = /usr/bin/containerd-shim-runc-v2\n",
						  "runc_root = /run/a\n", "runc_binary = runc\n" };
	(void)state;

	for (size_t i = 0; i < sizeof(shim_lines) / sizeof(shim_lines[0]); i++) {
		char *path = sg_test_write(dir, "shimgate.conf", 0644, "mode = enforce\n%s",
					   shim_lines[i]);
		struct sg_config *cfg = NULL;
		struct sg_error err = { 0 };
		char *want = NULL;

		assert_int_equal(sg_config_load(path, NULL, &cfg, &err), -EINVAL);
		assert_null(cfg);
		assert_true(asprintf(&want, "%s:2: unknown keyword '%.*s'", path,
				     (int)strcspn(shim_lines[i], " "), shim_lines[i]) > 0);
		assert_string_equal(err.msg, want);
		free(want);
		free(path);
	}
	sg_test_rmtree(dir);
	free(dir);
}

/* A front end's own section: its keywords parse into its struct, a list's first line
 * replaces the default, both dump after core's, and clearing frees what they hold. */
struct front {
	char *socket;
	char **peers;
	size_t n_peers;
};

static const struct sg_config_keyword front_keywords[] = {
	{ "socket", SG_CONFIG_PATH, offsetof(struct front, socket), 0 },
	{ "peer", SG_CONFIG_NAME_OR_PATH, offsetof(struct front, peers),
	  offsetof(struct front, n_peers) },
};

static void test_section(void **state)
{
	char *dir = sg_test_mkdtemp();
	char *path = sg_test_write(dir, "shimgate.conf", 0644,
				   "peer = a\nmode = audit-only\nsocket = /run/s\npeer = /b\n");
	char *bad = sg_test_write(dir, "bad.conf", 0644, "peer = a\nsocket = s\n");
	struct front fr = { 0 };
	struct sg_config_section sec = { front_keywords, 2, &fr };
	struct sg_config *cfg = NULL;
	struct sg_error err = { 0 };
	char *got, *want = NULL;
	FILE *out;
	size_t len = 0;
	(void)state;

	assert_int_equal(sg_config_list_add(&fr.peers, &fr.n_peers, "default", NULL), 0);
	assert_int_equal(sg_config_load(path, &sec, &cfg, &err), 0);
	assert_int_equal(cfg->mode, SG_MODE_AUDIT_ONLY);
	assert_string_equal(fr.socket, "/run/s");
	assert_int_equal(fr.n_peers, 2);
	assert_string_equal(fr.peers[0], "a");
	assert_string_equal(fr.peers[1], "/b");
	out = open_memstream(&got, &len);
	assert_int_equal(sg_config_dump(cfg, &sec, out), 0);
	fclose(out);
	assert_non_null(strstr(got, "log_level = info\nsocket = /run/s\npeer = a\npeer = /b\n"));
	free(got);
	sg_config_free(cfg);
	cfg = NULL;
	/* The section's rules are core's: a relative path is refused with file:line. */
	assert_int_equal(sg_config_load(bad, &sec, &cfg, &err), -EINVAL);
	assert_null(cfg);
	assert_true(asprintf(&want, "%s:2: socket: 's' is not an absolute path", bad) > 0);
	assert_string_equal(err.msg, want);
	sg_config_section_clear(&sec);
	assert_null(fr.socket);
	assert_null(fr.peers);
	assert_int_equal(fr.n_peers, 0);
	free(want);
	free(bad);
	free(path);
	sg_test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_unsafe),
		cmocka_unit_test(test_core_alone),
		cmocka_unit_test(test_section),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
