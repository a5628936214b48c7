/* SPDX-License-Identifier: Apache-2.0 */
/* The evaluator: a table of PAM dispatch cases driven by the verdict module. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/request.h"
#include "core/stack.h"
#include "core/stack_internal.h"
#include "gate/builtins.h"
#include "testutil.h"

struct eval_case {
	const char *name;
	const char *policy;
	bool allowed;
	enum sg_verdict verdict;
	unsigned line;      /* the line that decided; 0: none */
	const char *reason; /* exact; "%s" stands for the stack file */
	const char *trace;  /* "module:verdict:action" steps, space-separated */
};

#define V(x) "verdict verdict=" #x
static const struct eval_case cases[] = {
	{ "required success", "required " V(success) "\n", true, SG_VERDICT_SUCCESS, 1,
	  "", "verdict:success:ok" },
	{ "required fail, then sufficient success: still denied",
	  "required " V(deny) "\nsufficient " V(success) "\n", false, SG_VERDICT_DENY, 1,
	  "verdict module: deny", "verdict:deny:bad verdict:success:done" },
	{ "requisite failure stops the stack", "requisite " V(unsigned) "\nrequired permit\n",
	  false, SG_VERDICT_UNSIGNED, 1, "verdict module: unsigned", "verdict:unsigned:die" },
	{ "sufficient success with no failure before allows",
	  "sufficient " V(success) "\nrequired deny\n", true, SG_VERDICT_SUCCESS, 1, "",
	  "verdict:success:done" },
	{ "sufficient failure is ignored", "sufficient " V(deny) "\nrequired permit\n", true,
	  SG_VERDICT_SUCCESS, 2, "", "verdict:deny:ignore permit:success:ok" },
	{ "optional only, success", "optional " V(success) "\n", true, SG_VERDICT_SUCCESS, 1, "",
	  "verdict:success:ok" },
	{ "optional failure does not matter", "optional deny\nrequired permit\n", true,
	  SG_VERDICT_SUCCESS, 2, "", "deny:deny:ignore permit:success:ok" },
	{ "optional failure alone denies", "optional deny reason=nope\n", false, SG_VERDICT_DENY,
	  0, "exec stack %s: no module approved", "deny:deny:ignore" },
	{ "all ignore denies", "required " V(ignore) "\noptional " V(ignore) "\n", false,
	  SG_VERDICT_DENY, 0, "exec stack %s: no module approved",
	  "verdict:ignore:ignore verdict:ignore:ignore" },
	{ "empty stack denies", "# nothing\n", false, SG_VERDICT_DENY, 0,
	  "exec stack %s: no module approved", "" },
	{ "first failure's reason wins",
	  "required deny reason=first\nrequired deny reason=second\nrequired permit\n", false,
	  SG_VERDICT_DENY, 1, "first", "deny:deny:bad deny:deny:bad permit:success:ok" },
	{ "success after failure does not undo it", "required deny\nrequired permit\n", false,
	  SG_VERDICT_DENY, 1, "denied by policy", "deny:deny:bad permit:success:ok" },
	{ "error verdict is a failure", "required " V(error) "\nrequired permit\n", false,
	  SG_VERDICT_ERROR, 1, "verdict module: error",
	  "verdict:error:bad permit:success:ok" },
	{ "die ends the stack", "[deny=die default=ok] deny reason=stop\nrequired permit\n",
	  false, SG_VERDICT_DENY, 1, "stop", "deny:deny:die" },
	{ "done with a failure recorded does not end the stack",
	  "required deny\n[success=done] permit\nrequired " V(error) "\n", false,
	  SG_VERDICT_DENY, 1, "denied by policy",
	  "deny:deny:bad permit:success:done verdict:error:bad" },
	{ "reset forgets a failure",
	  "required deny\n[success=reset] permit\nrequired permit\n", true, SG_VERDICT_SUCCESS,
	  3, "", "deny:deny:bad permit:success:reset permit:success:ok" },
	{ "reset forgets a success", "required permit\n[success=reset] permit\n", false,
	  SG_VERDICT_DENY, 0, "exec stack %s: no module approved",
	  "permit:success:ok permit:success:reset" },
	{ "jump skips entries", "required permit\n[success=2] permit\nrequired deny\nrequired deny\n"
	  "required " V(success) "\n", true, SG_VERDICT_SUCCESS, 5, "",
	  "permit:success:ok permit:success:jump 2 verdict:success:ok" },
	{ "a jump to just after the last entry ends the stack",
	  "required permit\n[success=1] permit\nrequired deny\n", true, SG_VERDICT_SUCCESS, 1, "",
	  "permit:success:ok permit:success:jump 1" },
	{ "a jump alone approves nothing", "[success=1] permit\nrequired " V(ignore) "\n", false,
	  SG_VERDICT_DENY, 0, "exec stack %s: no module approved", "permit:success:jump 1" },
	{ "ok on ignore keeps the impression", "[default=ok] " V(ignore) "\n", false,
	  SG_VERDICT_DENY, 0, "exec stack %s: no module approved", "verdict:ignore:ok" },
	{ "a non-success mapped to ok still denies", "[deny=ok default=bad] deny reason=r\n"
	  "required permit\n", false, SG_VERDICT_DENY, 1, "r", "deny:deny:ok permit:success:ok" },
	{ "a success mapped to bad denies", "[success=bad] permit\n", false, SG_VERDICT_DENY, 1,
	  "module 'permit' succeeded, and the policy treats that as a failure",
	  "permit:success:bad" },
	{ "requisite success goes on", "requisite permit\nrequired deny\n", false, SG_VERDICT_DENY,
	  2, "denied by policy", "permit:success:ok deny:deny:bad" },
	{ "bracket without default: unlisted verdicts fail", "[success=ok] " V(ignore) "\n", false,
	  SG_VERDICT_IGNORE, 1, "exec stack %s: module 'verdict' returned ignore",
	  "verdict:ignore:bad" },
};

static char *trace_string(const struct sg_decision *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	for (size_t i = 0; i < d->n_trace; i++)
		fprintf(out, "%s%s:%s:%s", i ? " " : "", d->trace[i].module,
			sg_verdict_name(d->trace[i].verdict), d->trace[i].action);
	fclose(out);
	return buf;
}

static struct sg_request *new_request(void)
{
	struct sg_request *req = NULL;

	assert_int_equal(sg_request_new(SG_OP_EXEC, "default", "c1", &req, NULL), 0);
	return req;
}

static void test_table(void **state)
{
	char *dir = sg_test_mkdtemp();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct eval_case *c = &cases[i];
		struct sg_decision d = { .want_trace = true };
		struct sg_request *req = new_request();
		char *path = sg_test_write(dir, "exec", 0644, "%s", c->policy);
		struct sg_error err = { 0 };
		struct sg_stack *s = NULL;
		char *want_reason = NULL, *want_where = NULL, *trace;

		print_message("case: %s\n", c->name);
		assert_int_equal(sg_stack_load(NULL, SG_OP_EXEC, path, sg_builtin_modules, NULL, &s, &err), 0);
		assert_int_equal(sg_stack_eval(s, req, &d, &err), 0);
		assert_int_equal(d.allowed, c->allowed);
		assert_int_equal(d.verdict, c->verdict);
		assert_int_equal(d.op, SG_OP_EXEC);
		if (c->line) {
			assert_true(asprintf(&want_where, "%s:%u", path, c->line) > 0);
			assert_string_equal(d.where, want_where);
		} else {
			assert_string_equal(d.where, "");
			assert_string_equal(d.module, "");
		}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		assert_true(asprintf(&want_reason, c->reason, path) >= 0);
#pragma GCC diagnostic pop
		assert_string_equal(d.reason, want_reason);
		trace = trace_string(&d);
		assert_string_equal(trace, c->trace);
		free(trace);
		free(want_reason);
		free(want_where);
		sg_decision_clear(&d);
		assert_true(d.want_trace);
		assert_null(d.trace);
		sg_stack_free(s);
		sg_request_free(req);
		free(path);
	}
	sg_test_rmtree(dir);
	free(dir);
}

/* A module whose check returns whatever the state says: out-of-range and negative values. */
struct sg_module_state {
	int ret;
	const char *reason;
};

static int odd_init(const struct sg_module_init *init, struct sg_module_state **state,
		    struct sg_error *err)
{
	return 0;
}

static int odd_check(struct sg_module_state *state, struct sg_request *req,
		     struct sg_error *reason)
{
	if (state->reason)
		sg_error_set(reason, state->ret, "%s", state->reason);
	return state->ret;
}

static const struct sg_module odd_module = {
	SG_MODULE_HEADER,
	.name = "odd",
	.ops = SG_OP_ALL,
	.init = odd_init,
	.check = odd_check,
};

/* The odd module on a line whose error action is error_action: a trace of one step with
 * want_action; when that is "bad", the stack refuses for the module with want_reason. */
static void run_odd(int ret, const char *module_reason, int error_action, const char *want_action,
		    const char *want_reason)
{
	struct sg_module_state st = { ret, module_reason };
	struct sg_stack_entry e = {
		.module = &odd_module,
		.state = &st,
		.file = (char *)"/p/exec",
		.line = 7,
		/* "sufficient": a wrong mapping to success would allow. */
		.actions = { SG_ACTION_DONE, SG_ACTION_IGNORE, SG_ACTION_IGNORE, SG_ACTION_IGNORE,
			     error_action },
	};
	struct sg_stack s = { .op = SG_OP_EXEC, .path = (char *)"/p/exec", .entries = &e,
			      .n_entries = 1 };
	struct sg_decision d = { .want_trace = true };
	struct sg_request *req = new_request();
	struct sg_error err = { 0 };

	assert_int_equal(sg_stack_eval(&s, req, &d, &err), 0);
	assert_false(d.allowed);
	assert_int_equal(d.n_trace, 1);
	assert_int_equal(d.trace[0].verdict, SG_VERDICT_ERROR);
	assert_string_equal(d.trace[0].action, want_action);
	if (strcmp(want_action, "bad") == 0) {
		assert_int_equal(d.verdict, SG_VERDICT_ERROR);
		assert_string_equal(d.module, "odd");
		assert_string_equal(d.where, "/p/exec:7");
		assert_string_equal(d.reason, want_reason);
	} else {
		assert_string_equal(d.module, "");
		assert_string_equal(d.reason, "exec stack /p/exec: no module approved");
	}
	sg_decision_clear(&d);
	sg_request_free(req);
}

/* A -errno is the machinery failing: ERROR, and the line's error action applies (a policy may
 * ignore it). Any other value outside the verdicts is a broken module: "bad" whatever the
 * line says, as in Linux-PAM. */
static void test_out_of_range(void **state)
{
	run_odd(SG_VERDICT_COUNT, NULL, SG_ACTION_IGNORE, "bad",
		"module 'odd' returned 5, which is neither a verdict nor an error");
	run_odd(42, NULL, SG_ACTION_IGNORE, "bad",
		"module 'odd' returned 42, which is neither a verdict nor an error");
	run_odd(-4096, "ignored", SG_ACTION_IGNORE, "bad",
		"module 'odd' returned -4096, which is neither a verdict nor an error");
	run_odd(-EIO, NULL, SG_ACTION_BAD, "bad", "module 'odd' failed: Input/output error");
	run_odd(-EIO, "disk on fire", SG_ACTION_BAD, "bad", "disk on fire");
	run_odd(-4095, NULL, SG_ACTION_BAD, "bad", "module 'odd' failed: Unknown error 4095");
	run_odd(-EIO, "disk on fire", SG_ACTION_IGNORE, "ignore", NULL);
}

static void test_no_trace(void **state)
{
	char *dir = sg_test_mkdtemp();
	char *path = sg_test_write(dir, "exec", 0644, "required permit\nrequired permit\n");
	struct sg_decision d = { 0 };
	struct sg_request *req = new_request();
	struct sg_stack *s = NULL;

	assert_int_equal(sg_stack_load(NULL, SG_OP_EXEC, path, sg_builtin_modules, NULL, &s, NULL), 0);
	assert_int_equal(sg_stack_eval(s, req, &d, NULL), 0);
	assert_true(d.allowed);
	assert_null(d.trace);
	assert_int_equal(d.n_trace, 0);
	sg_stack_free(s);
	sg_request_free(req);
	free(path);
	sg_test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_no_trace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
