/* SPDX-License-Identifier: Apache-2.0 */
/* The parsed form of a policy stack, shared by the parser, the evaluator and the dump. */
#ifndef SG_CORE_STACK_INTERNAL_H
#define SG_CORE_STACK_INTERNAL_H

#include <stddef.h>

#include <shimgate/module.h>

/* What a verdict does to the stack, as in Linux-PAM: negative values are actions, a positive
 * value N is a forward jump over the N following entries. */
enum sg_action {
	SG_ACTION_OK = -1,
	SG_ACTION_DONE = -2,
	SG_ACTION_BAD = -3,
	SG_ACTION_DIE = -4,
	SG_ACTION_IGNORE = -5,
	SG_ACTION_RESET = -6,
};

struct sg_stack_entry {
	const struct sg_module *module;
	struct sg_module_state *state;
	void *handle;                    /* dlopen handle of a loaded .so, NULL for built-ins */
	char *file;                      /* the policy file the line came from */
	unsigned line;
	int actions[SG_VERDICT_COUNT];   /* enum sg_action, or a jump > 0 */
	char **argv;                     /* module arguments, as written */
	int argc;
};

struct sg_stack {
	enum sg_op op;
	char *path;                      /* the top-level policy file */
	struct sg_stack_entry *entries;
	size_t n_entries;
};

/* "ok", "done", ..., or "N" for a jump; buf holds at least 16 bytes. */
const char *sg_action_name(int action, char *buf, size_t size);

#endif
