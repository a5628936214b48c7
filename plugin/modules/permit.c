/* SPDX-License-Identifier: Apache-2.0 */
/* permit: approves every request (tests, and explicit allow-all stacks). */
#include <errno.h>

#include "modules.h"

static int permit_init(const struct sg_module_init *init, struct sg_module_state **state,
		       struct sg_error *err)
{
	if (init->argc > 0)
		return sg_error_set(err, -EINVAL, "unknown argument '%s' (permit takes none)",
				    init->argv[0]);
	*state = NULL;
	return 0;
}

static int permit_check(struct sg_module_state *state, struct sg_request *req,
			struct sg_error *reason)
{
	return SG_VERDICT_SUCCESS;
}

const struct sg_module sg_module_permit = {
	SG_MODULE_HEADER,
	.name = "permit",
	.summary = "approves every request",
	.ops = SG_OP_ALL,
	.init = permit_init,
	.check = permit_check,
};
