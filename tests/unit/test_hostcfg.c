/* SPDX-License-Identifier: Apache-2.0 */
/* The host configuration readers and setup's edits: the TOML-subset reader on containerd's own
 * files and on what it must refuse; golden edits (golden/hostcfg/<case>/: config.toml + engine
 * -> expected.toml, or daemon.json -> expected.json), applied twice to show they settle;
 * doctor's containerd checks before and after setup's edits. SG_GOLDEN_UPDATE=1 rewrites the
 * expected files. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "cli/doctor.h"
#include "cli/hostcfg.h"
#include "cli/setup_edit.h"
#include "cli/setup_files.h"
#include "cli/toml.h"
#include "core/cleanup.h"

#define GATE "/usr/bin/containerd-shim-shimgate-v2"

static struct sg_toml *parse_ok(const char *text)
{
	struct sg_toml *doc = NULL;
	struct sg_error err = { 0 };

	if (sg_toml_parse("t.toml", text, &doc, &err) < 0)
		fail_msg("parse: %s", err.msg);
	return doc;
}

static void test_toml_containerd_default(void **state)
{
	_cleanup_free_ char *path = sg_test_src("tests/unit/golden/hostcfg/default-kubernetes/config.toml");
	struct sg_toml *doc = NULL;
	struct sg_error err = { 0 };
	char **names = NULL;
	size_t n = 0;
	const struct sg_toml_entry *e;
	(void)state;

	if (sg_toml_load(path, &doc, &err) < 0)
		fail_msg("%s", err.msg);
	assert_string_equal(sg_toml_string(doc, SG_CRI_CONTAINERD ".default_runtime_name", "?"), "runc");
	assert_string_equal(sg_host_cri_type(doc, "runc"), "io.containerd.runc.v2");
	assert_string_equal(sg_host_cri_path(doc, "runc"), "");
	assert_int_equal(sg_toml_children(doc, SG_CRI_RUNTIMES, &names, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(names[0], "runc");
	free(names[0]);
	free(names);
	e = sg_toml_get(doc, "disabled_plugins");
	assert_non_null(e);
	assert_int_equal(e->type, SG_TOML_ARRAY);
	assert_int_equal(e->n_items, 0);
	e = sg_toml_get(doc, "plugins.\"io.containerd.gc.v1.scheduler\".pause_threshold");
	assert_non_null(e);
	assert_string_equal(e->value, "0.02");
	e = sg_toml_get(doc, "timeouts.\"io.containerd.timeout.shim.cleanup\"");
	assert_non_null(e);
	assert_string_equal(e->value, "5s");
	assert_string_equal(sg_toml_string(doc, SG_V1_LINUX_TABLE ".shim", "?"), "containerd-shim");
	assert_non_null(sg_toml_table(doc, SG_CRI_RUNTIMES ".runc.options"));
	sg_toml_free(doc);
}

static void test_toml_values(void **state)
{
	struct sg_toml *doc = parse_ok(
		"# comment\n"
		"a = \"x\\ty\\u00e9\\\"\" # trailing\n"
		"b = 'C:\\raw'\n"
		"c = [\n  \"one\", # first\n  'two',\n]\n"
		"\"quoted.key\" = true\n"
		"[t . \"u.v\" . w]\n"
		"d.e = -12\n");
	const struct sg_toml_entry *e;
	(void)state;

	assert_string_equal(sg_toml_string(doc, "a", "?"), "x\ty\xc3\xa9\"");
	assert_string_equal(sg_toml_string(doc, "b", "?"), "C:\\raw");
	assert_true(sg_toml_array_has(doc, "c", "two"));
	e = sg_toml_get(doc, "c");
	assert_int_equal(e->line, 4);
	assert_int_equal(e->end_line, 7);
	assert_string_equal(sg_toml_get(doc, "\"quoted.key\"")->value, "true");
	e = sg_toml_get(doc, "t.\"u.v\".w.d.e");
	assert_non_null(e);
	assert_string_equal(e->value, "-12");
	assert_int_equal(e->table_len, strlen("t.\"u.v\".w"));
	assert_int_equal(doc->first_table_line, 9);
	sg_toml_free(doc);
}

/* What the reader refuses, each with the line that holds the fault. */
static void test_toml_refuses(void **state)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "a = 1\na = 2\n", "t.toml:2: key a defined twice" },
		{ "[x]\n[x]\n", "t.toml:2: table x defined twice" },
		{ "x = 1\n[x]\n", "t.toml:2: table x defined twice" },
		{ "a = { b = 1 }\n", "t.toml:1: inline tables are not supported" },
		{ "a = \"\"\"\nx\"\"\"\n", "t.toml:1: multi-line strings are not supported" },
		{ "[[a]]\n", "t.toml:1: arrays of tables are not supported" },
		{ "a = [[1]]\n", "t.toml:1: nested arrays are not supported" },
		{ "\n\na = \"open\n", "t.toml:3: unterminated string" },
		{ "a = \"\\q\"\n", "t.toml:1: unknown escape in a string" },
		{ "a = [1 2]\n", "t.toml:1: expected ',' or ']' in an array" },
		{ "a = 1 b = 2\n", "t.toml:1: unexpected text after the value" },
		{ "a = nope\n", "t.toml:1: expected a value" },
		{ "= 1\n", "t.toml:1: expected a key" },
		{ "a = \"\\u0000\"\n", "t.toml:1: bad \\u escape" },
	};
	(void)state;

	for (size_t i = 0; i < SG_ARRAY_SIZE(cases); i++) {
		struct sg_toml *doc = NULL;
		struct sg_error err = { 0 };

		if (sg_toml_parse("t.toml", cases[i].text, &doc, &err) != -EINVAL)
			fail_msg("case %zu parsed: %s", i, cases[i].text);
		assert_string_equal(err.msg, cases[i].msg);
		assert_null(doc);
	}
}

static void test_edit_set(void **state)
{
	_cleanup_free_ char *text = strdup("version = 2\n\n[a]\n  x = 1 # keep?\n\n[b]\n  c.d = \"old\"\n");
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_toml_edit_set(&text, "t", "", "root", "\"r\"", &err), 0);
	assert_int_equal(sg_toml_edit_set(&text, "t", "a", "x", "2", &err), 0);
	assert_int_equal(sg_toml_edit_set(&text, "t", "a", "y", "[\"p\", \"q\"]", &err), 0);
	assert_int_equal(sg_toml_edit_set(&text, "t", "b", "c.d", "\"new\"", &err), 0);
	assert_int_equal(sg_toml_edit_set(&text, "t", "z", "k", "true", &err), 0);
	assert_string_equal(text, "version = 2\nroot = \"r\"\n\n[a]\n  x = 2\n  y = [\"p\", \"q\"]\n\n"
				  "[b]\n  c.d = \"new\"\n\n[z]\n  k = true\n");
	/* A table defined by dotted keys in its parent cannot take a [header] after it. */
	assert_int_equal(sg_toml_edit_set(&text, "t", "b.c", "e", "1", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "table b.c is written as dotted keys"));
}

/* The stack edits of setup docker|kubernetes, on the shipped mount stack. */
static void test_stack_line(void **state)
{
	_cleanup_free_ char *path = sg_test_src("policies/mount"), *text = NULL;
	struct sg_error err = { 0 };
	const char *kubelet, *host;
	(void)state;

	assert_int_equal(sg_setup_read(path, &text, &err), 0);
	assert_int_equal(sg_setup_stack_line(&text, "requisite mounts host", "sufficient mounts host "
					     "allow=/k/pods", true, &err), 0);
	assert_int_equal(sg_setup_stack_line(&text, "sufficient mounts internal",
					     "sufficient mounts internal runtime_dir=/r", false, &err), 0);
	/* The kubelet's line goes right before the host line, which stays as shipped. */
	kubelet = strstr(text, "\nsufficient mounts host allow=/k/pods\n");
	host = strstr(text, "\nrequisite mounts host deny=default allow=/srv/shimgate force=ro,nosuid,nodev\n");
	assert_non_null(kubelet);
	assert_ptr_equal(kubelet + strlen("\nsufficient mounts host allow=/k/pods"), host);
	assert_non_null(strstr(text, "\nsufficient mounts internal runtime_dir=/r\n"));
	assert_null(strstr(text, "\nsufficient mounts internal\n"));
	/* A line is matched by whole words: "mounts root" is no line of it. */
	assert_int_equal(sg_setup_stack_line(&text, "[success=done deny=die ignore=ignore "
					     "default=die] mounts root", "x", false, &err), 1);
	assert_null(strstr(text, "\nx\n"));
}

static void check_golden(const char *dir, const char *name, const char *got)
{
	_cleanup_free_ char *want = NULL, *path = NULL;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	if (getenv("SG_GOLDEN_UPDATE")) {
		FILE *f = fopen(path, "w");

		assert_non_null(f);
		fputs(got, f);
		fclose(f);
		return;
	}
	want = sg_test_read_in(dir, name, NULL);
	if (strcmp(want, got) != 0)
		fail_msg("%s differs; got:\n%s", path, got);
}

static enum sg_engine read_engine(const char *dir)
{
	_cleanup_free_ char *word = sg_test_read_in(dir, "engine", NULL);

	word[strcspn(word, "\n")] = '\0';
	if (strcmp(word, "containerd") == 0)
		return SG_ENGINE_CONTAINERD;
	if (strcmp(word, "docker") == 0)
		return SG_ENGINE_DOCKER;
	assert_string_equal(word, "kubernetes");
	return SG_ENGINE_KUBERNETES;
}

/* doctor's containerd checks, with a shim path whose runc shims are links to a fake gate. */
static size_t containerd_findings(const char *text, struct sg_host *host)
{
	struct sg_toml *doc = parse_ok(text);
	struct sg_findings f = { 0 };
	struct sg_error err = { 0 };
	size_t n;

	if (sg_doctor_containerd(host, doc, &f, &err) < 0)
		fail_msg("doctor: %s", err.msg);
	n = f.n;
	sg_findings_free(&f);
	sg_toml_free(doc);
	return n;
}

static char *scratch;

static void run_toml_case(const char *root, const char *dir)
{
	_cleanup_free_ char *text = sg_test_read_in(dir, "config.toml", NULL), *once = NULL;
	_cleanup_free_ char *gate = NULL, *shims = NULL, *link = NULL;
	struct sg_host host = { 0 };
	struct sg_error err = { 0 };
	enum sg_engine engine = read_engine(dir);
	FILE *notes = fmemopen(NULL, 4096, "w");
	(void)root;

	/* A fake gate, and a shadow directory in which the runc shim names are it. */
	gate = sg_test_write(scratch, "gate", 0755, "#!/bin/sh\n");
	assert_true(asprintf(&shims, "%s/shadow", scratch) > 0);
	(void)mkdir(shims, 0755);
	for (size_t i = 0; i < SG_ARRAY_SIZE(sg_host_runc_shims); i++) {
		free(link);
		assert_true(asprintf(&link, "%s/%s", shims, sg_host_runc_shims[i]) > 0);
		(void)symlink(gate, link);
	}
	free(link);
	assert_true(asprintf(&link, "%s/containerd-shim", shims) > 0);
	(void)symlink("/bin/true", link);
	host = (struct sg_host){ .containerd_config = "config.toml", .shim_path = shims, .gate = gate };

	assert_non_null(notes);
	if (sg_setup_containerd_text(&text, "config.toml", engine, GATE, notes, &err) < 0)
		fail_msg("%s: %s", dir, err.msg);
	check_golden(dir, "expected.toml", text);
	once = strdup(text);
	assert_int_equal(sg_setup_containerd_text(&text, "config.toml", engine, GATE, notes, &err), 0);
	assert_string_equal(text, once);
	fclose(notes);

	/* Judged with the fake gate in place of GATE: the edits name GATE, so write it in. */
	{
		_cleanup_free_ char *judged = NULL;
		char *p;

		judged = strdup(text);
		while ((p = strstr(judged, GATE))) {
			char *re = NULL;

			assert_true(asprintf(&re, "%.*s%s%s", (int)(p - judged), judged, gate,
					     p + strlen(GATE)) > 0);
			free(judged);
			judged = re;
		}
		/* The kata handler setup leaves alone is the one finding left. */
		assert_int_equal(containerd_findings(judged, &host),
				 strstr(judged, "io.containerd.kata.v2") ? 1 : 0);
		/* A pass-through pattern that reaches the CRI identity annotations a create grant
		 * binds is reported once per handler that lists it. */
		if (strstr(judged, "\"io.shimgate.grant.*\"")) {
			size_t base = containerd_findings(judged, &host), lists = 0;

			while ((p = strstr(judged, "\"io.shimgate.grant.*\""))) {
				memcpy(p, "\"io.kubernetes.*\"    ", 21);
				lists++;
			}
			assert_int_equal(containerd_findings(judged, &host), base + lists);
		}
	}
}

static void run_json_case(const char *root, const char *dir)
{
	_cleanup_free_ char *path = NULL, *text = NULL, *out = NULL;
	json_auto_t *cfg = NULL;
	struct sg_error err = { 0 };
	FILE *notes = fmemopen(NULL, 4096, "w");
	(void)root;

	assert_true(asprintf(&path, "%s/daemon.json", dir) > 0);
	cfg = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	assert_non_null(cfg);
	assert_int_equal(sg_setup_docker_json(cfg, notes, &err), 0);
	text = json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	assert_true(asprintf(&out, "%s\n", text) > 0);
	check_golden(dir, "expected.json", out);
	fclose(notes);
}

static void run_case(const char *root, const char *dir)
{
	_cleanup_free_ char *toml = NULL;

	assert_true(asprintf(&toml, "%s/config.toml", dir) > 0);
	if (access(toml, F_OK) == 0)
		run_toml_case(root, dir);
	else
		run_json_case(root, dir);
}

static void test_golden(void **state)
{
	_cleanup_free_ char *root = sg_test_src("tests/unit/golden/hostcfg");
	struct sg_test_dir *d = *state;

	scratch = d->dir;
	assert_int_equal(sg_test_each_case(root, run_case), 8);
}

/* A stock Debian 12 configuration, judged by doctor: the v1 runtime and the CRI default. */
static void test_doctor_stock(void **state)
{
	_cleanup_free_ char *dir = sg_test_src("tests/unit/golden/hostcfg/debian12-containerd");
	_cleanup_free_ char *text = sg_test_read_in(dir, "config.toml", NULL);
	struct sg_test_dir *d = *state;
	_cleanup_free_ char *gate = sg_test_write(d->dir, "gate", 0755, "#!/bin/sh\n");
	struct sg_host host = { .containerd_config = "config.toml", .shim_path = "/usr/bin",
				.gate = gate };

	if (access("/usr/bin/containerd-shim", X_OK) < 0 ||
	    access("/usr/bin/containerd-shim-runc-v2", X_OK) < 0)
		skip();
	assert_int_equal(containerd_findings(text, &host), 2);
	assert_int_equal(containerd_findings("", &host), 1); /* no version = 2 */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toml_containerd_default),
		cmocka_unit_test(test_toml_values),
		cmocka_unit_test(test_toml_refuses),
		cmocka_unit_test(test_edit_set),
		cmocka_unit_test(test_stack_line),
		SG_TEST_WITH_DIR(test_golden),
		SG_TEST_WITH_DIR(test_doctor_stock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
