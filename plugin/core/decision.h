/* SPDX-License-Identifier: Apache-2.0 */
/* The outcome of running a stack: allowed or not, which module decided, and why. */
#ifndef SG_CORE_DECISION_H
#define SG_CORE_DECISION_H

#include <limits.h>
#include <stdbool.h>

#include <shimgate/shimgate.h>

struct sg_mount;

#define SG_MODULE_NAME_MAX 64
#define SG_WHERE_MAX (PATH_MAX + 32)

/* One module run, for `shimgate policy test` and debugging. */
struct sg_trace_step {
	enum sg_op op;
	char module[SG_MODULE_NAME_MAX];
	char where[SG_WHERE_MAX];       /* "policy file:line" */
	enum sg_verdict verdict;
	char action[16];                /* ok, done, bad, die, ignore, reset, jump N */
	char reason[SG_ERROR_MSG_MAX];  /* empty unless the module gave one */
};

struct sg_decision {
	bool allowed;
	bool audit_only;                /* denied by policy, let through because mode = audit-only */
	bool audit_mode;                /* the gate runs in audit-only mode (for the audit line) */
	enum sg_op op;                  /* the stack that decided (mount, for a refused mount) */
	const struct sg_mount *mount;   /* the refused mount (in the create's request), or NULL */
	enum sg_verdict verdict;        /* the status the stack ended with */
	char module[SG_MODULE_NAME_MAX];/* the module whose verdict decided; "" if the stack was empty */
	char where[SG_WHERE_MAX];       /* its policy file:line */
	char reason[SG_ERROR_MSG_MAX];  /* the first failure's reason, or why an empty stack denied */

	bool want_trace;                /* set by the caller before evaluation */
	struct sg_trace_step *trace;
	size_t n_trace;
};

void sg_decision_clear(struct sg_decision *d); /* frees the trace, keeps want_trace */

#endif
