/* SPDX-License-Identifier: Apache-2.0 */
/* example: an out-of-tree policy module built against the installed headers only.
 *
 *     required example deny_arg0=nsenter deny_arg0=chroot
 *
 * refuses an exec or create whose argv[0] is one of the names, and approves the rest. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <shimgate/module.h>

#define EXAMPLE_MAX_NAMES 16

struct sg_module_state {
	char *names[EXAMPLE_MAX_NAMES];
	int n;
};

static void example_fini(struct sg_module_state *s)
{
	for (int i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s);
}

static int example_init(const struct sg_module_init *init, struct sg_module_state **state,
			struct sg_error *err)
{
	struct sg_module_state *s = calloc(1, sizeof(*s));

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (int i = 0; i < init->argc; i++) {
		const char *a = init->argv[i];

		/* Unknown arguments are errors: a typo must not weaken the policy. */
		if (strncmp(a, "deny_arg0=", 10) != 0 || a[10] == '\0' || s->n == EXAMPLE_MAX_NAMES) {
			example_fini(s);
			return sg_error_set(err, -EINVAL, "bad argument '%s' (want deny_arg0=NAME)",
					    a);
		}
		s->names[s->n] = strdup(a + 10);
		if (!s->names[s->n]) {
			example_fini(s);
			return sg_error_set(err, -ENOMEM, "out of memory");
		}
		s->n++;
	}
	*state = s;
	return 0;
}

static int example_check(struct sg_module_state *s, struct sg_request *req,
			 struct sg_error *reason)
{
	const char *arg0 = sg_request_arg(req, 0);

	if (!arg0) {
		sg_error_set(reason, -EINVAL, "example: no argv[0]");
		return SG_VERDICT_DENY;
	}
	for (int i = 0; i < s->n; i++) {
		if (strcmp(arg0, s->names[i]) == 0) {
			sg_error_set(reason, -EACCES, "example: argv[0] '%s' is refused", arg0);
			return SG_VERDICT_DENY;
		}
	}
	return SG_VERDICT_SUCCESS;
}

SG_MODULE_EXPORT const struct sg_module SG_MODULE_SYMBOL = {
	SG_MODULE_HEADER,
	.name = "example",
	.summary = "refuses the argv[0] names it is given",
	.ops = SG_OP_BIT(SG_OP_CREATE) | SG_OP_BIT(SG_OP_EXEC),
	.init = example_init,
	.check = example_check,
	.fini = example_fini,
};
