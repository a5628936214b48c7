/* SPDX-License-Identifier: Apache-2.0 */
/* The policy parser: control flags, brackets, comments, include, every error, and dump round trips. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/stack.h"
#include "core/limits.h"
#include "gate/builtins.h"
#include "testutil.h"

static char *dump_string(const struct sg_stack *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_non_null(out);
	assert_int_equal(sg_stack_dump(s, out), 0);
	fclose(out);
	return buf;
}

/* Writes text as dir/name and loads it as the exec stack. */
static int load(const char *dir, const char *name, const char *text, struct sg_stack **s,
		struct sg_error *err)
{
	char *path = sg_test_write(dir, name, 0644, "%s", text);
	int r = sg_stack_load(NULL, SG_OP_EXEC, path, sg_builtin_modules, NULL, s, err);

	free(path);
	return r;
}

/* fmt_msg is a literal at every call; it names the temp dir with %s or %1$s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void expect_error(const char *dir, const char *text, int code, const char *fmt_msg)
{
	struct sg_error err = { 0 };
	struct sg_stack *s = NULL;
	char *want = NULL;

	assert_true(asprintf(&want, fmt_msg, dir) > 0);
	assert_int_equal(load(dir, "exec", text, &s, &err), code);
	assert_null(s);
	assert_string_equal(err.msg, want);
	free(want);
}

/* Loads text as dir/exec and expects fmt_want (with the temp dir as %1$s) as its dump. */
static void expect_dump(const char *dir, const char *text, const char *fmt_want)
{
	struct sg_error err = { 0 };
	struct sg_stack *s = NULL;
	char *got, *want = NULL;

	assert_int_equal(load(dir, "exec", text, &s, &err), 0);
	got = dump_string(s);
	assert_true(asprintf(&want, fmt_want, dir) > 0);
	assert_string_equal(got, want);
	free(got);
	free(want);
	sg_stack_free(s);
}
#pragma GCC diagnostic pop

static void test_control_flags(void **state)
{
	struct sg_test_dir *f = *state;

	expect_dump(f->dir,
		    "# a comment\n"
		    "\n"
		    "required permit\n"
		    "   requisite\tpermit   # trailing comment\n"
		    "sufficient permit\n"
		    "optional deny reason=a#b\n",
		    "# exec stack from %1$s/exec\n"
		    "# %1$s/exec:3\n"
		    "[success=ok deny=bad unsigned=bad ignore=ignore error=bad] permit\n"
		    "# %1$s/exec:4\n"
		    "[success=ok deny=die unsigned=die ignore=ignore error=die] permit\n"
		    "# %1$s/exec:5\n"
		    "[success=done deny=ignore unsigned=ignore ignore=ignore error=ignore] permit\n"
		    "# %1$s/exec:6\n"
		    "[success=ok deny=ignore unsigned=ignore ignore=ignore error=ignore] deny "
		    "reason=a#b\n");
}

static void test_brackets(void **state)
{
	struct sg_test_dir *f = *state;

	expect_dump(f->dir,
		    "[success=done default=die] permit\n"
		    "[ success=2 deny=reset ] permit\n"
		    "[unsigned=ignore] permit\n"
		    "[default=ok error=done ignore=reset] verdict verdict=error\n",
		    "# exec stack from %1$s/exec\n"
		    "# %1$s/exec:1\n"
		    "[success=done deny=die unsigned=die ignore=die error=die] permit\n"
		    "# %1$s/exec:2\n"
		    "[success=2 deny=reset unsigned=bad ignore=bad error=bad] permit\n"
		    "# %1$s/exec:3\n"
		    "[success=bad deny=bad unsigned=ignore ignore=bad error=bad] permit\n"
		    "# %1$s/exec:4\n"
		    "[success=ok deny=ok unsigned=ok ignore=reset error=done] verdict verdict=error\n");
}

static void test_include(void **state)
{
	struct sg_test_dir *f = *state;
	struct sg_error err = { 0 };
	struct sg_stack *s = NULL;
	char *sub = NULL, *p;

	assert_true(asprintf(&sub, "%s/common", f->dir) > 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	free(sg_test_write(sub, "base", 0644, "required permit\ninclude more\n"));
	free(sg_test_write(sub, "more", 0644, "optional deny\n"));
	expect_dump(f->dir, "include common/base\nsufficient permit\n",
		    "# exec stack from %1$s/exec\n"
		    "# %1$s/common/base:1\n"
		    "[success=ok deny=bad unsigned=bad ignore=ignore error=bad] permit\n"
		    "# %1$s/common/more:1\n"
		    "[success=ok deny=ignore unsigned=ignore ignore=ignore error=ignore] deny\n"
		    "# %1$s/exec:2\n"
		    "[success=done deny=ignore unsigned=ignore ignore=ignore error=ignore] permit\n");

	/* An absolute include works too. */
	assert_true(asprintf(&p, "include %s/more\n", sub) > 0);
	assert_int_equal(load(f->dir, "exec", p, &s, &err), 0);
	sg_stack_free(s);
	free(p);
	free(sub);
}

static void test_include_cycle(void **state)
{
	struct sg_test_dir *f = *state;

	free(sg_test_write(f->dir, "a", 0644, "required permit\ninclude b\n"));
	free(sg_test_write(f->dir, "b", 0644, "include a\n"));
	expect_error(f->dir, "include a\n", -ELOOP,
		     "%1$s/exec:1: include 'a': %1$s/a:2: include 'b': %1$s/b:1: include 'a': "
		     "%1$s/a: include cycle");
	expect_error(f->dir, "include exec\n", -ELOOP,
		     "%1$s/exec:1: include 'exec': %1$s/exec: include cycle");
}

static void test_include_depth(void **state)
{
	struct sg_test_dir *f = *state;
	struct sg_error err = { 0 };
	struct sg_stack *s = NULL;

	/* exec -> i1 -> ... -> i8: eight nested includes are allowed. */
	for (unsigned i = 1; i <= SG_LIMIT_INCLUDE_DEPTH; i++) {
		char name[16];

		snprintf(name, sizeof(name), "i%u", i);
		if (i < SG_LIMIT_INCLUDE_DEPTH)
			free(sg_test_write(f->dir, name, 0644, "include i%u\n", i + 1));
		else
			free(sg_test_write(f->dir, name, 0644, "required permit\n"));
	}
	assert_int_equal(load(f->dir, "exec", "include i1\n", &s, &err), 0);
	sg_stack_free(s);
	s = NULL;
	/* A ninth is refused. */
	free(sg_test_write(f->dir, "i8", 0644, "include i9\n"));
	free(sg_test_write(f->dir, "i9", 0644, "required permit\n"));
	assert_int_equal(load(f->dir, "exec", "include i1\n", &s, &err), -ELOOP);
	assert_non_null(strstr(err.msg, "/i8:1: includes nested deeper than 8 levels"));
	assert_non_null(strstr(err.msg, "/exec:1: include 'i1': "));
}

static void test_errors(void **state)
{
	/* Each text as dir/exec, the code and the message (%s or %1$s is the temp dir). */
#define ACTIONS "(want ok, done, bad, die, ignore, reset or a jump 1..128)"
	static const struct {
		const char *text;
		int code;
		const char *fmt_msg;
	} cases[] = {
		{ "requird permit\n", -EINVAL,
		  "%s/exec:1: unknown control 'requird' (want required, requisite, sufficient, "
		  "optional or [verdict=action ...])" },
		{ "\n[sucess=ok] permit\n", -EINVAL,
		  "%s/exec:2: unknown verdict 'sucess' in control (want success, deny, unsigned, "
		  "ignore, error or default)" },
		{ "[success=okay] permit\n", -EINVAL,
		  "%s/exec:1: unknown action 'okay' for 'success' " ACTIONS },
		{ "[success=0] permit\n", -EINVAL,
		  "%s/exec:1: unknown action '0' for 'success' " ACTIONS },
		{ "[default=01] permit\n", -EINVAL,
		  "%s/exec:1: unknown action '01' for 'default' " ACTIONS },
		{ "[deny=+1] permit\n", -EINVAL,
		  "%s/exec:1: unknown action '+1' for 'deny' " ACTIONS },
		{ "[deny=129] permit\n", -EINVAL,
		  "%s/exec:1: unknown action '129' for 'deny' " ACTIONS },
		{ "[success] permit\n", -EINVAL,
		  "%s/exec:1: 'success' in control is not verdict=action" },
		{ "[success=ok success=bad] permit\n", -EINVAL,
		  "%s/exec:1: 'success' given twice" },
		{ "[default=ok default=bad] permit\n", -EINVAL,
		  "%s/exec:1: 'default' given twice" },
		{ "[] permit\n", -EINVAL, "%s/exec:1: empty control '[]'" },
		{ "[success=ok permit\n", -EINVAL, "%s/exec:1: control '[' without ']'" },
		{ "[success=ok]permit\n", -EINVAL, "%s/exec:1: no blank after ']'" },
		{ "required\n", -EINVAL, "%s/exec:1: missing module name" },
		{ "[success=ok]\n", -EINVAL, "%s/exec:1: missing module name" },
		{ "required nosuch\n", -ENOENT, "%s/exec:1: unknown module 'nosuch'" },
		{ "required ../evil\n", -EINVAL,
		  "%s/exec:1: bad module name '../evil' (want [a-z0-9_-]{1,63})" },
		{ "required permit extra\n", -EINVAL,
		  "%s/exec:1: permit: unknown argument 'extra' (permit takes none)" },
		{ "required verdict\n", -EINVAL, "%s/exec:1: verdict: missing verdict=NAME" },
		{ "required verdict verdict=maybe\n", -EINVAL,
		  "%s/exec:1: verdict: unknown verdict 'maybe' (want success, deny, unsigned, "
		  "ignore or error)" },
		{ "required deny because\n", -EINVAL,
		  "%s/exec:1: deny: unknown argument 'because' (want reason=TEXT)" },
		{ "include\n", -EINVAL, "%s/exec:1: include takes exactly one file" },
		{ "include a b\n", -EINVAL, "%s/exec:1: include takes exactly one file" },
		/* A jump must land on an entry or just after the last (PAM fails past the end). */
		{ "required permit\n[success=9] permit\nrequired deny\n", -EINVAL,
		  "%s/exec:2: success=9 jumps past the end of the exec stack (entries after "
		  "this line: 1)" },
		{ "[ignore=128] permit\n", -EINVAL,
		  "%s/exec:1: ignore=128 jumps past the end of the exec stack (entries after "
		  "this line: 0)" },
		{ "[default=3] permit\nrequired permit\nrequired permit\n", -EINVAL,
		  "%s/exec:1: success=3 jumps past the end of the exec stack (entries after "
		  "this line: 2)" },
		{ "include missing\n", -ENOENT,
		  "%1$s/exec:1: include 'missing': %1$s/missing: No such file or directory" },
	};
	struct sg_test_dir *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		expect_error(f->dir, cases[i].text, cases[i].code, cases[i].fmt_msg);
#undef ACTIONS
}

static void test_limits(void **state)
{
	struct sg_test_dir *f = *state;
	char *text, *want = NULL;
	size_t n;

	/* A line over the bound. */
	text = calloc(1, SG_LIMIT_POLICY_LINE + 64);
	strcpy(text, "required permit\n");
	n = strlen(text);
	memset(text + n, 'x', SG_LIMIT_POLICY_LINE + 1);
	expect_error(f->dir, text, -E2BIG, "%s/exec:2: line longer than 4096 bytes");
	free(text);

	/* One entry too many. */
	text = calloc(SG_LIMIT_POLICY_ENTRIES + 2, 16);
	for (unsigned i = 0; i <= SG_LIMIT_POLICY_ENTRIES; i++)
		strcat(text, "required permit\n");
	expect_error(f->dir, text, -E2BIG, "%s/exec:129: too many entries (more than 128)");
	free(text);

	/* Too many arguments. */
	text = calloc(1, 8 * (SG_LIMIT_POLICY_ARGS + 2));
	strcpy(text, "required deny");
	for (unsigned i = 0; i <= SG_LIMIT_POLICY_ARGS; i++)
		strcat(text, " a");
	expect_error(f->dir, text, -E2BIG, "%s/exec:1: more than 64 module arguments");
	free(text);

	/* A file over the bound. */
	text = calloc(1, SG_LIMIT_POLICY_FILE + 2);
	memset(text, '#', SG_LIMIT_POLICY_FILE + 1);
	expect_error(f->dir, text, -EFBIG, "%s/exec: larger than 262144 bytes");
	free(text);
	free(want);
}

static void test_unsafe_file(void **state)
{
	struct sg_test_dir *f = *state;
	struct sg_error err = { 0 };
	struct sg_stack *s = NULL;
	char *path = sg_test_write(f->dir, "exec", 0666, "required permit\n");
	char *want = NULL;

	assert_int_equal(sg_stack_load(NULL, SG_OP_EXEC, path, sg_builtin_modules, NULL, &s, &err), -EPERM);
	assert_true(asprintf(&want, "%s: writable by group or others (mode 0666)", path) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	free(path);
}

static void test_nul_byte(void **state)
{
	struct sg_test_dir *f = *state;
	struct sg_error err = { 0 };
	struct sg_stack *s = NULL;
	char *path = NULL, *want = NULL;
	FILE *out;

	assert_true(asprintf(&path, "%s/exec", f->dir) > 0);
	out = fopen(path, "w");
	fwrite("required permit\n\0x\n", 1, 19, out);
	fclose(out);
	assert_int_equal(sg_stack_load(NULL, SG_OP_EXEC, path, sg_builtin_modules, NULL, &s, &err), -EINVAL);
	assert_true(asprintf(&want, "%s: contains a NUL byte", path) > 0);
	assert_string_equal(err.msg, want);
	free(want);
	free(path);
}

/* dump -> parse -> dump: the entries are identical, only the file:line comments move; and a
 * dump parsed from the same place dumps to itself exactly. */
static void test_dump_round_trip(void **state)
{
	struct sg_test_dir *f = *state;
	struct sg_error err = { 0 };
	struct sg_stack *s = NULL;
	char *d1, *d2, *d3;

	free(sg_test_write(f->dir, "inc", 0644, "[default=3 success=reset] verdict verdict=ignore\n"));
	assert_int_equal(load(f->dir, "exec",
			      "required permit\nrequisite deny reason=x\ninclude inc\n"
			      "sufficient verdict verdict=success\noptional permit\n"
			      "[success=ok deny=done unsigned=die ignore=ignore error=reset] permit\n",
			      &s, &err), 0);
	d1 = dump_string(s);
	sg_stack_free(s);
	assert_int_equal(load(f->dir, "round", d1, &s, &err), 0);
	d2 = dump_string(s);
	sg_stack_free(s);
	assert_int_equal(load(f->dir, "round", d2, &s, &err), 0);
	d3 = dump_string(s);
	sg_stack_free(s);
	assert_string_equal(d2, d3);
	/* Without comments, the first dump equals the second. */
	for (char *p1 = d1, *p2 = d2;;) {
		while (*p1 == '#')
			p1 = strchr(p1, '\n') + 1;
		while (*p2 == '#')
			p2 = strchr(p2, '\n') + 1;
		if (!*p1 || !*p2) {
			assert_int_equal(*p1, *p2);
			break;
		}
		size_t l1 = strcspn(p1, "\n"), l2 = strcspn(p2, "\n");

		assert_int_equal(l1, l2);
		assert_memory_equal(p1, p2, l1);
		p1 += l1 + 1;
		p2 += l2 + 1;
	}
	free(d1);
	free(d2);
	free(d3);
}

static void test_policy_load(void **state)
{
	struct sg_test_dir *f = *state;
	struct sg_stack *stacks[SG_OP_COUNT] = { NULL };
	struct sg_error err = { 0 };
	char *want = NULL;

	free(sg_test_write(f->dir, "create", 0644, "required permit\n"));
	free(sg_test_write(f->dir, "exec", 0644, "required permit\n"));
	assert_int_equal(sg_policy_load(NULL, f->dir, sg_builtin_modules, NULL, stacks, &err), -ENOENT);
	assert_true(asprintf(&want, "%s/mount: No such file or directory", f->dir) > 0);
	assert_string_equal(err.msg, want);
	assert_null(stacks[SG_OP_CREATE]);
	free(want);
	free(sg_test_write(f->dir, "mount", 0644, "required deny\n"));
	assert_int_equal(sg_policy_load(NULL, f->dir, sg_builtin_modules, NULL, stacks, &err), 0);
	for (unsigned op = 0; op < SG_OP_COUNT; op++)
		assert_non_null(stacks[op]);
	sg_policy_free(stacks);
	assert_null(stacks[SG_OP_EXEC]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SG_TEST_WITH_DIR(test_control_flags),
		SG_TEST_WITH_DIR(test_brackets),
		SG_TEST_WITH_DIR(test_include),
		SG_TEST_WITH_DIR(test_include_cycle),
		SG_TEST_WITH_DIR(test_include_depth),
		SG_TEST_WITH_DIR(test_errors),
		SG_TEST_WITH_DIR(test_limits),
		SG_TEST_WITH_DIR(test_unsafe_file),
		SG_TEST_WITH_DIR(test_nul_byte),
		SG_TEST_WITH_DIR(test_dump_round_trip),
		SG_TEST_WITH_DIR(test_policy_load),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
