/* SPDX-License-Identifier: Apache-2.0 */
/* caps keep=LIST drop=LIST [mode=force|refuse]: no process gets a capability beyond the
 * policy's set, in any of the five sets (THREATS T14).
 *
 * The allowed set is keep (all when absent) minus drop. An exec is further bounded, set by
 * set, by the capabilities of its container: an exec spec is sent by a containerd client and
 * can ask for more than the container has (SYS_PTRACE, NET_ADMIN, SYS_MODULE through the
 * Tasks API), and runc would grant it. mode=force (the default) removes the excess and
 * approves; mode=refuse denies a request that asked for more. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/request.h"
#include "modules.h"
#include "oci/oci.h"

struct sg_module_state {
	uint64_t allowed;
	bool refuse;
};

static int parse_arg(const char *arg, struct sg_module_state *s, bool *seen, struct sg_error *err)
{
	static const char *const keys[] = { "keep=", "drop=", "mode=" };
	uint64_t mask;
	size_t k;
	int r;

	for (k = 0; k < SG_ARRAY_SIZE(keys); k++)
		if (strncmp(arg, keys[k], strlen(keys[k])) == 0)
			break;
	if (k == SG_ARRAY_SIZE(keys))
		return sg_error_set(err, -EINVAL, "unknown argument '%s' (want keep=, drop=, mode=)",
				    arg);
	if (seen[k])
		return sg_error_set(err, -EINVAL, "argument '%.4s' given twice", keys[k]);
	seen[k] = true;
	arg += strlen(keys[k]);
	if (k == 2) {
		if (strcmp(arg, "refuse") == 0)
			s->refuse = true;
		else if (strcmp(arg, "force") != 0)
			return sg_error_set(err, -EINVAL, "mode '%s': want force or refuse", arg);
		return 0;
	}
	r = sg_cap_parse_list(arg, &mask, err);
	if (r < 0)
		return sg_error_prefix(err, "argument '%.4s'", keys[k]);
	if (k == 0)
		s->allowed &= mask;
	else
		s->allowed &= ~mask;
	return 0;
}

static int caps_init(const struct sg_module_init *init, struct sg_module_state **state,
		     struct sg_error *err)
{
	_cleanup_free_ struct sg_module_state *s = calloc(1, sizeof(*s));
	bool seen[3] = { false };
	int r;

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	s->allowed = SG_CAP_MASK_ALL;
	for (int i = 0; i < init->argc; i++) {
		r = parse_arg(init->argv[i], s, seen, err);
		if (r < 0)
			return r;
	}
	if (!seen[0] && !seen[1])
		return sg_error_set(err, -EINVAL, "caps needs keep= or drop=");
	*state = steal_pointer(&s);
	return 0;
}

static int caps_check(struct sg_module_state *s, struct sg_request *req, struct sg_error *reason)
{
	uint64_t excess[SG_CAPSET_COUNT];
	bool any = false;
	char names[200];

	if (req->op != SG_OP_CREATE && req->op != SG_OP_EXEC)
		return SG_VERDICT_IGNORE;
	for (int set = 0; set < SG_CAPSET_COUNT; set++) {
		uint64_t allowed = s->allowed;

		if (req->op == SG_OP_EXEC && req->container_caps_known)
			allowed &= req->container_caps[set];
		excess[set] = req->proc.caps[set] & ~allowed;
		any |= excess[set] != 0;
	}
	if (!any)
		return SG_VERDICT_SUCCESS;
	for (int set = 0; set < SG_CAPSET_COUNT; set++) {
		if (!excess[set])
			continue;
		sg_cap_format(excess[set], names, sizeof(names));
		if (s->refuse) {
			sg_error_set(reason, -EPERM,
				     "caps: process.capabilities.%s asks for %s beyond the %s",
				     sg_capset_name((enum sg_capset)set), names,
				     req->op == SG_OP_EXEC && req->container_caps_known
					     ? "policy or the container" : "policy");
			return SG_VERDICT_DENY;
		}
		req->proc.caps[set] &= ~excess[set];
		(void)sg_request_note(req, "caps: %s: dropped %s",
				      sg_capset_name((enum sg_capset)set), names);
	}
	return SG_VERDICT_SUCCESS;
}

static void caps_fini(struct sg_module_state *s)
{
	free(s);
}

const struct sg_module sg_module_caps = {
	SG_MODULE_HEADER,
	.name = "caps",
	.summary = "limits every capability set to keep= minus drop= (exec: and the container's)",
	.ops = SG_OP_BIT(SG_OP_CREATE) | SG_OP_BIT(SG_OP_EXEC),
	.init = caps_init,
	.check = caps_check,
	.fini = caps_fini,
};
