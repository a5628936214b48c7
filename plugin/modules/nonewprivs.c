/* SPDX-License-Identifier: Apache-2.0 */
/* nonewprivs: forces noNewPrivileges on every created and exec'd process (THREATS T16): a
 * setuid binary or file capability inside the container then grants nothing. */
#include <errno.h>

#include "core/request.h"
#include "modules.h"

static int nonewprivs_init(const struct sg_module_init *init, struct sg_module_state **state,
			   struct sg_error *err)
{
	if (init->argc > 0)
		return sg_error_set(err, -EINVAL, "unknown argument '%s' (nonewprivs takes none)",
				    init->argv[0]);
	*state = NULL;
	return 0;
}

static int nonewprivs_check(struct sg_module_state *state, struct sg_request *req,
			    struct sg_error *reason)
{
	(void)state;
	(void)reason;
	if (req->op != SG_OP_CREATE && req->op != SG_OP_EXEC)
		return SG_VERDICT_IGNORE;
	if (!req->proc.no_new_privileges) {
		req->proc.no_new_privileges = true;
		(void)sg_request_note(req, "nonewprivs: forced noNewPrivileges");
	}
	return SG_VERDICT_SUCCESS;
}

const struct sg_module sg_module_nonewprivs = {
	SG_MODULE_HEADER,
	.name = "nonewprivs",
	.summary = "forces noNewPrivileges=true",
	.ops = SG_OP_BIT(SG_OP_CREATE) | SG_OP_BIT(SG_OP_EXEC),
	.init = nonewprivs_init,
	.check = nonewprivs_check,
};
