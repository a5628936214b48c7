/* SPDX-License-Identifier: Apache-2.0 */
/* deny [reason=TEXT]: refuses every request, with the given reason. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"

struct sg_module_state {
	char *reason;
};

static int deny_init(const struct sg_module_init *init, struct sg_module_state **state,
		     struct sg_error *err)
{
	const char *reason = "denied by policy";
	struct sg_module_state *s;

	for (int i = 0; i < init->argc; i++) {
		const char *a = init->argv[i];

		if (strncmp(a, "reason=", 7) != 0 || a[7] == '\0')
			return sg_error_set(err, -EINVAL, "unknown argument '%s' (want reason=TEXT)",
					    a);
		reason = a + 7;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	s->reason = strdup(reason);
	if (!s->reason) {
		free(s);
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	*state = s;
	return 0;
}

static int deny_check(struct sg_module_state *state, struct sg_request *req,
		      struct sg_error *reason)
{
	sg_error_set(reason, -EACCES, "%s", state->reason);
	return SG_VERDICT_DENY;
}

static void deny_fini(struct sg_module_state *state)
{
	free(state->reason);
	free(state);
}

const struct sg_module sg_module_deny = {
	SG_MODULE_HEADER,
	.name = "deny",
	.summary = "refuses every request",
	.ops = SG_OP_ALL,
	.init = deny_init,
	.check = deny_check,
	.fini = deny_fini,
};
