/* SPDX-License-Identifier: Apache-2.0 */
/* The evaluator: Linux-PAM's dispatch loop over one stack's action table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "stack.h"
#include "stack_internal.h"
#include "strutil.h"

/* What the stack has concluded so far (PAM's "impression"). */
enum impression {
	IMPRESSION_UNDEF = 0,
	IMPRESSION_POSITIVE,
	IMPRESSION_NEGATIVE,
};

static int trace_add(struct sg_decision *d, const struct sg_stack *stack,
		     const struct sg_stack_entry *e, enum sg_verdict v, int action,
		     const char *reason, struct sg_error *err)
{
	struct sg_trace_step *t;
	char buf[16];

	t = reallocarray(d->trace, d->n_trace + 1, sizeof(*t));
	if (!t)
		return sg_error_set(err, -ENOMEM, "out of memory");
	d->trace = t;
	t = &d->trace[d->n_trace++];
	memset(t, 0, sizeof(*t));
	t->op = stack->op;
	(void)snprintf(t->module, sizeof(t->module), "%s", e->module->name);
	(void)snprintf(t->where, sizeof(t->where), "%s:%u", e->file, e->line);
	t->verdict = v;
	if (action > 0)
		(void)snprintf(t->action, sizeof(t->action), "jump %d", action);
	else
		(void)snprintf(t->action, sizeof(t->action), "%s",
			       sg_action_name(action, buf, sizeof(buf)));
	(void)snprintf(t->reason, sizeof(t->reason), "%s", reason);
	return 0;
}

/* Records which entry set the status, and why. */
static void decision_set(struct sg_decision *d, const struct sg_stack_entry *e, enum sg_verdict v,
			 const char *reason)
{
	char line[SG_U64_DEC_MAX + 1];
	size_t n;

	/* Every entry that decides comes here, on every call: copies, not printf. */
	d->verdict = v;
	(void)sg_str_copy(d->module, sizeof(d->module), e->module->name);
	n = sg_str_copy(d->where, sizeof(d->where), e->file);
	n += sg_str_copy(d->where + n, sizeof(d->where) - n, ":");
	(void)sg_u64_dec(e->line, line);
	(void)sg_str_copy(d->where + n, sizeof(d->where) - n, line);
	(void)sg_str_copy(d->reason, sizeof(d->reason), reason);
}

static void decision_reset(struct sg_decision *d)
{
	d->verdict = SG_VERDICT_DENY;
	d->module[0] = '\0';
	d->where[0] = '\0';
	d->reason[0] = '\0';
}

/* The largest errno a module may return negated (the kernel's MAX_ERRNO). */
#define SG_ERRNO_MAX 4095

/* Runs one module and maps whatever it returns onto the closed set of verdicts. A -errno is
 * the machinery failing (the replay store, memory): SG_VERDICT_ERROR, whose action the line
 * sets. Any other value outside the enum is a broken module: *broken is set and the caller
 * takes the action "bad" whatever the line says, as Linux-PAM does with out-of-range
 * returns, so that no policy can map it to ignore. */
static enum sg_verdict run_module(const struct sg_stack_entry *e, struct sg_request *req,
				  struct sg_error *reason, bool *broken)
{
	int r;

	memset(reason, 0, sizeof(*reason));
	*broken = false;
	r = e->module->check(e->state, req, reason);
	if (r >= 0 && r < SG_VERDICT_COUNT) {
		if (r == SG_VERDICT_SUCCESS || r == SG_VERDICT_IGNORE)
			reason->msg[0] = '\0';
		return (enum sg_verdict)r;
	}
	if (r < 0 && r >= -SG_ERRNO_MAX) {
		if (reason->msg[0] == '\0')
			(void)snprintf(reason->msg, sizeof(reason->msg), "module '%s' failed: %s",
				       e->module->name, strerror(-r));
		return SG_VERDICT_ERROR;
	}
	*broken = true;
	(void)snprintf(reason->msg, sizeof(reason->msg),
		       "module '%s' returned %d, which is neither a verdict nor an error",
		       e->module->name, r);
	return SG_VERDICT_ERROR;
}

int sg_stack_eval(const struct sg_stack *stack, struct sg_request *req, struct sg_decision *d,
		  struct sg_error *err)
{
	enum impression impression = IMPRESSION_UNDEF;
	/* PAM's "must fail" status: nothing has succeeded yet. */
	bool status_success = false;
	size_t i = 0;
	int r;

	d->allowed = false;
	d->audit_only = false;
	d->op = stack->op;
	decision_reset(d);

	while (i < stack->n_entries) {
		const struct sg_stack_entry *e = &stack->entries[i++];
		struct sg_error reason;
		enum sg_verdict v;
		bool broken;
		int action;

		v = run_module(e, req, &reason, &broken);
		action = broken ? SG_ACTION_BAD : e->actions[v];
		if (d->want_trace) {
			r = trace_add(d, stack, e, v, action, reason.msg, err);
			if (r < 0)
				return r;
		}
		switch (action) {
		case SG_ACTION_RESET:
			impression = IMPRESSION_UNDEF;
			status_success = false;
			decision_reset(d);
			break;
		case SG_ACTION_OK:
		case SG_ACTION_DONE:
			if ((impression == IMPRESSION_UNDEF ||
			     (impression == IMPRESSION_POSITIVE && status_success)) &&
			    v != SG_VERDICT_IGNORE) {
				impression = IMPRESSION_POSITIVE;
				status_success = v == SG_VERDICT_SUCCESS;
				decision_set(d, e, v, reason.msg);
			}
			if (action == SG_ACTION_DONE && impression != IMPRESSION_NEGATIVE)
				goto decided;
			break;
		case SG_ACTION_BAD:
		case SG_ACTION_DIE:
			if (impression != IMPRESSION_NEGATIVE) {
				impression = IMPRESSION_NEGATIVE;
				/* As PAM: a success mapped to bad still fails. */
				status_success = false;
				if (v == SG_VERDICT_SUCCESS) {
					char why[SG_ERROR_MSG_MAX];

					(void)snprintf(why, sizeof(why),
						       "module '%s' succeeded, and the policy treats "
						       "that as a failure", e->module->name);
					decision_set(d, e, SG_VERDICT_DENY, why);
				} else {
					decision_set(d, e, v, reason.msg);
				}
			}
			if (action == SG_ACTION_DIE)
				goto decided;
			break;
		case SG_ACTION_IGNORE:
			break;
		default:
			/* A jump over the next N entries; the loader refused any that would
			 * land past the end. */
			if (action > 0)
				i += (size_t)action;
			break;
		}
	}
decided:
	d->allowed = status_success && impression == IMPRESSION_POSITIVE;
	if (d->allowed)
		return 0;
	if (d->module[0] == '\0')
		(void)snprintf(d->reason, sizeof(d->reason), "%s stack %s: no module approved",
			       sg_op_name(stack->op), stack->path);
	else if (d->reason[0] == '\0')
		(void)snprintf(d->reason, sizeof(d->reason), "%s stack %s: module '%s' returned %s",
			       sg_op_name(stack->op), stack->path, d->module,
			       sg_verdict_name(d->verdict));
	return 0;
}
