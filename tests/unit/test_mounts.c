/* SPDX-License-Identifier: Apache-2.0 */
/* The mounts module: golden cases (golden/mounts/<case>/{in.json,policy,out.json}) over a
 * fixture tree with symlinks, and argument errors. "@TMP@" in a case is the fixture root. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/request.h"
#include "modules/modules.h"

static char *fixture;

static void mkdirs(const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", fixture, rel);
	for (char *p = path + strlen(fixture) + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			(void)mkdir(path, 0755);
			*p = '/';
		}
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

static int setup(void **state)
{
	char path[4096];
	(void)state;

	fixture = sg_test_mkdtemp();
	mkdirs("data/sub");
	mkdirs("data2");
	mkdirs("outside");
	mkdirs("sandbox/c1");
	free(sg_test_write(fixture, "sandbox/c1/hosts", 0644, "127.0.0.1 localhost\n"));
	free(sg_test_write(fixture, "data/hosts", 0644, "127.0.0.1 localhost\n"));
	for (int i = 1; i <= 3; i++) {
		snprintf(path, sizeof(path), "snap.v1.overlayfs/snapshots/%d/fs", i);
		mkdirs(path);
	}
	mkdirs("snap.v1.overlayfs/snapshots/3/work");
	/* T29: a directory on the way that someone other than root owns or may write. */
	mkdirs("data/user/src");
	mkdirs("data/open/src");
	snprintf(path, sizeof(path), "%s/data/user", fixture);
	assert_int_equal(chown(path, 65534, 65534), 0);
	snprintf(path, sizeof(path), "%s/data/open", fixture);
	assert_int_equal(chmod(path, 0777), 0);
	snprintf(path, sizeof(path), "%s/data/link-sub", fixture);
	assert_int_equal(symlink("sub", path), 0);
	snprintf(path, sizeof(path), "%s/link-etc", fixture);
	return symlink("/etc", path);
}

static int teardown(void **state)
{
	(void)state;
	sg_test_rmtree(fixture);
	free(fixture);
	return 0;
}

/* Replaces every @TMP@ in text by the fixture root. */
static char *subst(const char *text)
{
	size_t cap = strlen(text) * 8 + strlen(fixture) * 16 + 1;
	char *out = calloc(1, cap);
	char *o = out;

	for (const char *p = text; *p;) {
		if (strncmp(p, "@TMP@", 5) == 0) {
			o = stpcpy(o, fixture);
			p += 5;
		} else {
			*o++ = *p++;
		}
	}
	return out;
}

static char *read_case(const char *dir, const char *name)
{
	_cleanup_free_ char *raw = sg_test_read_in(dir, name, NULL);

	return subst(raw);
}

static json_t *read_json(const char *dir, const char *name)
{
	_cleanup_free_ char *text = read_case(dir, name);
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (!j)
		fail_msg("%s/%s: %s", dir, name, jerr.text);
	return j;
}

static int init_module(const char *args, struct sg_module_state **st, struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(args);
	const char *argv[16];
	struct sg_module_init init = { .struct_size = sizeof(init), .op = SG_OP_MOUNT,
				       .policy_file = "test", .line = 1, .argv = argv };
	char *save = NULL;

	for (char *t = strtok_r(copy, " \n", &save); t && init.argc < 16;
	     t = strtok_r(NULL, " \n", &save))
		argv[init.argc++] = t;
	return sg_module_mounts.init(&init, st, err);
}

static void strv_from_json(struct sg_strv *sv, const json_t *arr)
{
	size_t i;
	json_t *v;

	sv->present = true;
	json_array_foreach(arr, i, v)
		assert_int_equal(sg_strv_push(sv, json_string_value(v), 64, NULL), 0);
}

static void run_case(const char *root, const char *dir)
{
	json_auto_t *in = read_json(dir, "in.json");
	json_auto_t *out = read_json(dir, "out.json");
	_cleanup_free_ char *policy = read_case(dir, "policy");
	_cleanup_request_ struct sg_request *create = NULL;
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_module_state *st = NULL;
	struct sg_error err = { 0 };
	struct sg_mount *m;
	const json_t *want_opts = json_object_get(out, "options");
	const json_t *want_notes = json_object_get(out, "notes");
	const char *want_reason = json_string_value(json_object_get(out, "reason"));
	enum sg_verdict want;
	int verdict;
	(void)root;

	if (init_module(policy, &st, &err) < 0)
		fail_msg("%s: init: %s", dir, err.msg);
	assert_int_equal(sg_request_new(SG_OP_CREATE, "default", "c1", &create, NULL), 0);
	create->mounts = calloc(1, sizeof(*create->mounts));
	create->n_mounts = 1;
	m = &create->mounts[0];
	m->type = strdup(json_string_value(json_object_get(in, "type")));
	m->source = strdup(json_string_value(json_object_get(in, "source")));
	m->destination = strdup(json_string_value(json_object_get(in, "destination")));
	m->rootfs = json_is_true(json_object_get(in, "rootfs"));
	strv_from_json(&m->options, json_object_get(in, "options"));
	assert_int_equal(sg_request_for_mount(create, 0, &req, NULL), 0);

	verdict = sg_module_mounts.check(st, req, &err);
	assert_int_equal(sg_verdict_parse(json_string_value(json_object_get(out, "verdict")), &want),
			 0);
	if (verdict != (int)want)
		fail_msg("%s: verdict %s, want %s (%s)", dir, sg_verdict_name(verdict),
			 sg_verdict_name(want), err.msg);
	if (want_reason && !strstr(err.msg, want_reason))
		fail_msg("%s: reason '%s' lacks '%s'", dir, err.msg, want_reason);
	if (want_opts) {
		assert_int_equal(m->options.n, json_array_size(want_opts));
		for (size_t i = 0; i < m->options.n; i++)
			assert_string_equal(m->options.v[i],
					    json_string_value(json_array_get(want_opts, i)));
		assert_int_equal(m->changed, json_array_size(want_notes) > 0);
	}
	if (json_object_get(out, "source"))
		assert_string_equal(m->source, json_string_value(json_object_get(out, "source")));
	if (want_notes) {
		assert_int_equal(create->notes.n, json_array_size(want_notes));
		for (size_t i = 0; i < create->notes.n; i++)
			assert_string_equal(create->notes.v[i],
					    json_string_value(json_array_get(want_notes, i)));
	}
	sg_module_mounts.fini(st);
}

static void test_golden(void **state)
{
	_cleanup_free_ char *root = sg_test_src("tests/unit/golden/mounts");
	(void)state;

	assert_true(sg_test_each_case(root, run_case) >= 25);
}

static void expect_init_error(const char *args, const char *msg)
{
	struct sg_module_state *st = NULL;
	struct sg_error err = { 0 };

	assert_int_equal(init_module(args, &st, &err), -EINVAL);
	assert_null(st);
	assert_string_equal(err.msg, msg);
}

static void test_init_errors(void **state)
{
	(void)state;
	expect_init_error("", "missing mode (want internal, rootfs or host)");
	expect_init_error("guest", "unknown mode 'guest' (want internal, rootfs or host)");
	expect_init_error("host allowed=/srv", "unknown argument 'allowed=/srv' for mode host");
	expect_init_error("internal allow=/srv", "unknown argument 'allow=/srv' for mode internal");
	expect_init_error("host force=ro,suid",
			  "argument 'force=ro,suid': cannot force 'suid' (want ro, nosuid, nodev, "
			  "noexec)");
	expect_init_error("host allow=srv", "argument 'allow=srv': 'srv' is not an absolute, "
			  "normalised path");
	expect_init_error("host allow=/srv/../etc", "argument 'allow=/srv/../etc': '/srv/../etc' "
			  "is not an absolute, normalised path");
	expect_init_error("host allow=/a,,/b", "argument 'allow=/a,,/b': empty list item");
	expect_init_error("host allow=/a allow=/b", "argument 'allow' given twice");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_init_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
