/* SPDX-License-Identifier: Apache-2.0 */
/* Policy stacks, the PAM way: parse /etc/shimgate/policy.d/{create,mount,exec} into action
 * tables, and evaluate one stack against a request. */
#ifndef SG_CORE_STACK_H
#define SG_CORE_STACK_H

#include <stdio.h>

#include <shimgate/module.h>

#include "decision.h"

struct sg_context;
struct sg_stack;

/* Parses the stack of one operation from path (include FILE is resolved against the
 * directory of the including file). A module name is looked up in builtins (NULL-terminated,
 * the caller's: the gate passes the built-in table, a test may pass its own), then in
 * module_dir (NULL: none). Every module line is initialised (its arguments are checked)
 * now. Any error rejects the whole file: "file:line: what is wrong". */
int sg_stack_load(struct sg_context *ctx, enum sg_op op, const char *path,
		  const struct sg_module *const *builtins, const char *module_dir,
		  struct sg_stack **out, struct sg_error *err);
void sg_stack_free(struct sg_stack *stack);

/* Loads <dir>/create, <dir>/mount and <dir>/exec. All or nothing. */
int sg_policy_load(struct sg_context *ctx, const char *dir,
		   const struct sg_module *const *builtins, const char *module_dir,
		   struct sg_stack *stacks[SG_OP_COUNT], struct sg_error *err);
void sg_policy_free(struct sg_stack *stacks[SG_OP_COUNT]);

/* Runs the stack. Returns 0 with d filled (allowed or not), or -errno if evaluation itself
 * failed, in which case the request is to be refused. Starts denied; an empty or
 * all-ignored stack denies. */
int sg_stack_eval(const struct sg_stack *stack, struct sg_request *req, struct sg_decision *d,
		  struct sg_error *err);

/* Writes the normalised stack, one "control module args" line per entry, with the bracket
 * form for every control flag, such that it parses back to the same stack. */
int sg_stack_dump(const struct sg_stack *stack, FILE *out);

#endif
