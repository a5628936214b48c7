/* SPDX-License-Identifier: Apache-2.0 */
/* verdict verdict=NAME: returns the named verdict (drives table tests of the stack, as pam_debug). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "modules.h"

struct sg_module_state {
	enum sg_verdict verdict;
};

static int verdict_init(const struct sg_module_init *init, struct sg_module_state **state,
			struct sg_error *err)
{
	struct sg_module_state *s;
	enum sg_verdict v = SG_VERDICT_COUNT;

	for (int i = 0; i < init->argc; i++) {
		const char *a = init->argv[i];

		if (strncmp(a, "verdict=", 8) != 0)
			return sg_error_set(err, -EINVAL,
					    "unknown argument '%s' (want verdict=NAME)", a);
		if (v != SG_VERDICT_COUNT)
			return sg_error_set(err, -EINVAL, "verdict= given twice");
		if (sg_verdict_parse(a + 8, &v) < 0)
			return sg_error_set(err, -EINVAL,
					    "unknown verdict '%s' (want success, deny, unsigned, "
					    "ignore or error)", a + 8);
	}
	if (v == SG_VERDICT_COUNT)
		return sg_error_set(err, -EINVAL, "missing verdict=NAME");
	s = calloc(1, sizeof(*s));
	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	s->verdict = v;
	*state = s;
	return 0;
}

static int verdict_check(struct sg_module_state *state, struct sg_request *req,
			 struct sg_error *reason)
{
	sg_error_set(reason, 0, "verdict module: %s", sg_verdict_name(state->verdict));
	return (int)state->verdict;
}

static void verdict_fini(struct sg_module_state *state)
{
	free(state);
}

const struct sg_module sg_module_verdict = {
	SG_MODULE_HEADER,
	.name = "verdict",
	.summary = "returns the verdict named by its argument (for tests)",
	.ops = SG_OP_ALL,
	.init = verdict_init,
	.check = verdict_check,
	.fini = verdict_fini,
};
