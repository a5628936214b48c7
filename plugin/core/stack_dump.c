/* SPDX-License-Identifier: Apache-2.0 */
/* The normalised text of a stack: every control in the bracket form, every verdict spelled out. */
#include <errno.h>
#include <stdio.h>

#include "stack.h"
#include "stack_internal.h"

int sg_stack_dump(const struct sg_stack *stack, FILE *out)
{
	fprintf(out, "# %s stack from %s\n", sg_op_name(stack->op), stack->path);
	for (size_t i = 0; i < stack->n_entries; i++) {
		const struct sg_stack_entry *e = &stack->entries[i];

		fprintf(out, "# %s:%u\n[", e->file, e->line);
		for (unsigned v = 0; v < SG_VERDICT_COUNT; v++) {
			char buf[16];

			fprintf(out, "%s%s=%s", v ? " " : "", sg_verdict_name((enum sg_verdict)v),
				sg_action_name(e->actions[v], buf, sizeof(buf)));
		}
		fprintf(out, "] %s", e->module->name);
		for (int a = 0; a < e->argc; a++)
			fprintf(out, " %s", e->argv[a]);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
