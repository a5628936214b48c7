/* SPDX-License-Identifier: Apache-2.0 */
/* Rights of an identity: which namespaces, containers, nodes, operations and argvs it may
 * ask the signer to sign, and how often. */
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <string.h>

#include "signer.h"

static bool any_match(const struct sg_strv *patterns, const char *s)
{
	for (size_t i = 0; i < patterns->n; i++)
		if (fnmatch(patterns->v[i], s, 0) == 0)
			return true;
	return false;
}

static bool argv_match(const struct sg_argv_pattern *p, const struct sg_strv *argv)
{
	if (argv->n < p->words.n || (!p->rest && argv->n != p->words.n))
		return false;
	for (size_t i = 0; i < p->words.n; i++)
		if (fnmatch(p->words.v[i], argv->v[i], 0) != 0)
			return false;
	return true;
}

int sg_rights_check(const struct sg_rights *rights, const struct sg_sign_req *r,
		    struct sg_error *err)
{
	const char *who = rights->name;
	bool allowed;

	if (!(rights->ops & SG_OP_BIT(r->op)))
		return sg_error_set(err, -EACCES, "'%s' may not ask for operation '%s'", who,
				    sg_op_name(r->op));
	if (!any_match(&rights->namespaces, r->ns))
		return sg_error_set(err, -EACCES, "'%s' may not ask for namespace '%.256s'", who,
				    r->ns);
	if (!any_match(&rights->containers, r->id))
		return sg_error_set(err, -EACCES, "'%s' may not ask for container '%.256s'", who,
				    r->id);
	if (!any_match(&rights->nodes, r->node))
		return sg_error_set(err, -EACCES, "'%s' may not ask for node '%.256s'", who, r->node);
	for (size_t i = 0; i < rights->n_deny; i++)
		if (argv_match(&rights->deny[i], &r->argv))
			return sg_error_set(err, -EACCES, "'%s' may not run '%.256s': argv_deny[%zu] "
					    "matches", who, r->argv.v[0], i);
	if (!rights->allow_present)
		return 0;
	allowed = false;
	for (size_t i = 0; i < rights->n_allow && !allowed; i++)
		allowed = argv_match(&rights->allow[i], &r->argv);
	if (!allowed)
		return sg_error_set(err, -EACCES, "'%s' may not run '%.256s': no argv_allow pattern "
				    "matches", who, r->argv.v[0]);
	return 0;
}

int sg_rights_take(struct sg_rights *rights, int64_t now, struct sg_error *err)
{
	/* The ring holds the last rate_count issue times; the oldest is the next slot. If it
	 * is inside the window, rate_count tokens were issued within it already. */
	int64_t oldest = rights->issued[rights->issued_next];

	if (oldest != 0 && now - oldest < (int64_t)rights->rate_window)
		return sg_error_set(err, -EBUSY, "'%s' is over its rate limit: %u tokens per %u s",
				    rights->name, rights->rate_count, rights->rate_window);
	rights->issued[rights->issued_next] = now;
	rights->issued_next = (rights->issued_next + 1) % rights->rate_count;
	return 0;
}
