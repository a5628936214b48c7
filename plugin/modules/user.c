/* SPDX-License-Identifier: Apache-2.0 */
/* user [nonroot] [uid=MIN-MAX] [gid=MIN-MAX]: refuses a process whose user is not allowed
 * (THREATS T16, T17). gid= bounds the primary group and every additional group, so root's
 * group cannot come back through additionalGids. A single value "uid=1000" is MIN=MAX. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/request.h"
#include "core/strutil.h"
#include "modules.h"

struct range {
	uint32_t min, max;
	bool set;
};

struct sg_module_state {
	bool nonroot;
	struct range uid, gid;
};

static int parse_range(const char *arg, const char *value, struct range *out, struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(value);
	char *dash;
	uint64_t lo, hi;

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (out->set)
		return sg_error_set(err, -EINVAL, "argument '%.3s' given twice", arg);
	dash = strchr(copy, '-');
	if (dash)
		*dash = '\0';
	if (sg_parse_u64(copy, UINT32_MAX, &lo) < 0 ||
	    sg_parse_u64(dash ? dash + 1 : copy, UINT32_MAX, &hi) < 0 || lo > hi)
		return sg_error_set(err, -EINVAL,
				    "argument '%s': want N or MIN-MAX (decimal, 0..%u, MIN <= MAX)",
				    arg, UINT32_MAX);
	*out = (struct range){ .min = (uint32_t)lo, .max = (uint32_t)hi, .set = true };
	return 0;
}

static int user_init(const struct sg_module_init *init, struct sg_module_state **state,
		     struct sg_error *err)
{
	_cleanup_free_ struct sg_module_state *s = calloc(1, sizeof(*s));
	int r = 0;

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (int i = 0; i < init->argc; i++) {
		const char *a = init->argv[i];

		if (strcmp(a, "nonroot") == 0)
			s->nonroot = true;
		else if (strncmp(a, "uid=", 4) == 0)
			r = parse_range(a, a + 4, &s->uid, err);
		else if (strncmp(a, "gid=", 4) == 0)
			r = parse_range(a, a + 4, &s->gid, err);
		else
			r = sg_error_set(err, -EINVAL,
					 "unknown argument '%s' (want nonroot, uid=, gid=)", a);
		if (r < 0)
			return r;
	}
	if (!s->nonroot && !s->uid.set && !s->gid.set)
		return sg_error_set(err, -EINVAL, "user needs nonroot, uid= or gid=");
	*state = steal_pointer(&s);
	return 0;
}

static bool outside(const struct range *r, uint32_t v)
{
	return r->set && (v < r->min || v > r->max);
}

static int user_check(struct sg_module_state *s, struct sg_request *req, struct sg_error *reason)
{
	const struct sg_user *u = &req->proc.user;

	if (req->op != SG_OP_CREATE && req->op != SG_OP_EXEC)
		return SG_VERDICT_IGNORE;
	if (s->nonroot && u->uid == 0) {
		sg_error_set(reason, -EPERM, "user: process.user.uid 0 is root (policy: nonroot)");
		return SG_VERDICT_DENY;
	}
	if (outside(&s->uid, u->uid)) {
		sg_error_set(reason, -EPERM, "user: process.user.uid %u is outside %u-%u", u->uid,
			     s->uid.min, s->uid.max);
		return SG_VERDICT_DENY;
	}
	if (outside(&s->gid, u->gid)) {
		sg_error_set(reason, -EPERM, "user: process.user.gid %u is outside %u-%u", u->gid,
			     s->gid.min, s->gid.max);
		return SG_VERDICT_DENY;
	}
	for (size_t i = 0; i < u->n_additional_gids; i++) {
		if (outside(&s->gid, u->additional_gids[i])) {
			sg_error_set(reason, -EPERM,
				     "user: process.user.additionalGids[%zu] %u is outside %u-%u", i,
				     u->additional_gids[i], s->gid.min, s->gid.max);
			return SG_VERDICT_DENY;
		}
	}
	return SG_VERDICT_SUCCESS;
}

static void user_fini(struct sg_module_state *s)
{
	free(s);
}

const struct sg_module sg_module_user = {
	SG_MODULE_HEADER,
	.name = "user",
	.summary = "refuses root (nonroot) and users or groups outside uid=/gid= ranges",
	.ops = SG_OP_BIT(SG_OP_CREATE) | SG_OP_BIT(SG_OP_EXEC),
	.init = user_init,
	.check = user_check,
	.fini = user_fini,
};
