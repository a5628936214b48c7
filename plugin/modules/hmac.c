/* SPDX-License-Identifier: Apache-2.0 */
/* The hmac module: a request passes only with a valid, fresh, unreplayed signature token. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <shimgate/module.h>

#include "core/context.h"
#include "core/request.h"
#include "core/strutil.h"
#include "modules.h"
#include "sig/verify.h"

/* Generous upper bounds for the window: a day in the past, an hour ahead. */
#define HMAC_MAX_AGE_LIMIT 86400u
#define HMAC_MAX_FUTURE_LIMIT 3600u
/* A grant may be bounded to at most ten years ahead. */
#define HMAC_GRANT_LIFETIME_LIMIT (10u * 366u * 86400u)

struct sg_module_state {
	struct sg_verify_opts opts;
};

static int arg_seconds(const struct sg_module_init *in, const char *arg, const char *value,
		       uint64_t max, int64_t *out, struct sg_error *err)
{
	uint64_t v;

	if (sg_parse_u64(value, max, &v) < 0)
		return sg_error_set(err, -EINVAL, "%s:%u: hmac: '%s' wants seconds in 0..%llu",
				    in->policy_file, in->line, arg, (unsigned long long)max);
	*out = (int64_t)v;
	return 0;
}

static int hmac_init(const struct sg_module_init *in, struct sg_module_state **state,
		     struct sg_error *err)
{
	struct sg_verify_opts o = { .max_age = SG_VERIFY_MAX_AGE_DEFAULT,
				    .max_future = SG_VERIFY_MAX_FUTURE_DEFAULT };
	struct sg_module_state *s;
	int r;

	for (int i = 0; i < in->argc; i++) {
		const char *a = in->argv[i];

		if (strncmp(a, "max_age=", 8) == 0) {
			r = arg_seconds(in, "max_age", a + 8, HMAC_MAX_AGE_LIMIT, &o.max_age, err);
		} else if (strncmp(a, "max_future=", 11) == 0) {
			r = arg_seconds(in, "max_future", a + 11, HMAC_MAX_FUTURE_LIMIT,
					&o.max_future, err);
		} else if (strncmp(a, "grant_max_lifetime=", 19) == 0) {
			r = arg_seconds(in, "grant_max_lifetime", a + 19, HMAC_GRANT_LIFETIME_LIMIT,
					&o.grant_max_lifetime, err);
		} else if (strcmp(a, "exec_id=optional") == 0) {
			o.exec_id_required = false;
			r = 0;
		} else if (strcmp(a, "exec_id=required") == 0) {
			o.exec_id_required = true;
			r = 0;
		} else {
			r = sg_error_set(err, -EINVAL, "%s:%u: hmac: unknown argument '%s'",
					 in->policy_file, in->line, a);
		}
		if (r < 0)
			return r;
	}
	if (!in->ctx || !in->ctx->keyring)
		return sg_error_set(err, -EINVAL, "%s:%u: hmac: no keyring loaded (keys directory)",
				    in->policy_file, in->line);
	if (!in->ctx->replay)
		return sg_error_set(err, -EINVAL, "%s:%u: hmac: no replay store opened",
				    in->policy_file, in->line);
	o.keyring = in->ctx->keyring;
	o.replay = in->ctx->replay;
	s = calloc(1, sizeof(*s));
	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	s->opts = o;
	*state = s;
	return 0;
}

static int hmac_check(struct sg_module_state *s, struct sg_request *req, struct sg_error *reason)
{
	switch (sg_verify_request(&s->opts, req)) {
	case SG_SIG_VALID:
		return SG_VERDICT_SUCCESS;
	case SG_SIG_ABSENT:
		*reason = req->sig.why;
		return SG_VERDICT_UNSIGNED;
	case SG_SIG_FAILED:
		/* The machinery, not the request: an error, whose action the policy sets. */
		*reason = req->sig.why;
		return req->sig.why.code < 0 ? req->sig.why.code : -EIO;
	default:
		*reason = req->sig.why;
		return SG_VERDICT_DENY;
	}
}

static void hmac_fini(struct sg_module_state *s)
{
	free(s);
}

const struct sg_module sg_module_hmac = {
	SG_MODULE_HEADER,
	.name = "hmac",
	.summary = "require a valid HMAC-SHA256 signature token or create grant (max_age=, "
		   "max_future=, exec_id=, grant_max_lifetime=)",
	.ops = SG_OP_ALL,
	.init = hmac_init,
	.check = hmac_check,
	.fini = hmac_fini,
};
