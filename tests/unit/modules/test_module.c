/* SPDX-License-Identifier: Apache-2.0 */
/* A loadable module built by test_loader at test time; -D flags make the broken variants. */
#include <errno.h>
#include <string.h>

#include <shimgate/module.h>

#ifndef TEST_NAME
#define TEST_NAME "tmod"
#endif
#ifndef TEST_ABI
#define TEST_ABI SG_MODULE_ABI_VERSION
#endif
#ifndef TEST_OPS
#define TEST_OPS SG_OP_ALL
#endif
#ifndef TEST_SYMBOL
#define TEST_SYMBOL SG_MODULE_SYMBOL
#endif

static int tmod_init(const struct sg_module_init *init, struct sg_module_state **state,
		     struct sg_error *err)
{
	if (init->argc > 0)
		return sg_error_set(err, -EINVAL, "unknown argument '%s'", init->argv[0]);
	/* The gate's context is for built-in modules only (module.h). */
	if (init->ctx)
		return sg_error_set(err, -EINVAL, "given the gate's internal context");
	*state = NULL;
	return 0;
}

/* Approves container "good" only, through the public accessors. */
static int tmod_check(struct sg_module_state *state, struct sg_request *req,
		      struct sg_error *reason)
{
	if (strcmp(sg_request_container_id(req), "good") == 0) {
		(void)sg_request_note(req, TEST_NAME ": looked at %s", sg_request_container_id(req));
		return SG_VERDICT_SUCCESS;
	}
	sg_error_set(reason, -EACCES, "container '%s' is not 'good'", sg_request_container_id(req));
	return SG_VERDICT_DENY;
}

SG_MODULE_EXPORT const struct sg_module TEST_SYMBOL = {
	.abi_version = TEST_ABI,
	.struct_size = sizeof(struct sg_module),
	.name = TEST_NAME,
	.summary = "test module",
	.ops = TEST_OPS,
	.init = tmod_init,
	.check = tmod_check,
};
