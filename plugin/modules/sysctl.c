/* SPDX-License-Identifier: Apache-2.0 */
/* sysctl [allow=KEY,...] [signed_allow=KEY,...]: runc writes linux.sysctl into /proc/sys as
 * root before the container starts (THREATS T28); a key that is not namespaced
 * (kernel.core_pattern, vm.*) changes the whole host.
 *
 * Every key must be on the allowlist (default: the Kubernetes "safe" set, all namespaced),
 * or on signed_allow= when the create carries a valid signature. A net.* key is refused
 * when the container shares the host's network namespace, and an IPC key (kernel.shm*,
 * kernel.msg*, kernel.sem, fs.mqueue.*) when it shares the host's IPC namespace: there they
 * would set the host's own value. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/request.h"
#include "modules.h"
#include "specutil.h"

/* Kubernetes pkg/kubelet/sysctl safe_sysctls.go. */
static const char *const default_allow[] = {
	"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range",
	"net.ipv4.ip_unprivileged_port_start", "net.ipv4.tcp_syncookies",
	"net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
	"net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout",
	"net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
};

static const char *const ipc_prefixes[] = { "kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue." };

enum { ALLOW, SIGNED_ALLOW, N_LISTS };
static const char *const list_keys[N_LISTS] = { "allow", "signed_allow" };

struct sg_module_state {
	struct sg_strv lists[N_LISTS];
};

static void sysctl_fini(struct sg_module_state *s)
{
	if (s)
		sg_spec_lists_clear(s->lists, N_LISTS);
	free(s);
}

static inline void sysctl_finip(struct sg_module_state **s)
{
	sysctl_fini(*s);
}

static int sysctl_init(const struct sg_module_init *init, struct sg_module_state **state,
		       struct sg_error *err)
{
	__attribute__((cleanup(sysctl_finip))) struct sg_module_state *s = calloc(1, sizeof(*s));
	bool seen[N_LISTS] = { false };
	int r;

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	r = sg_spec_arg_lists(init, list_keys, N_LISTS, s->lists, seen, err);
	/* allow= written out replaces the default set */
	for (size_t i = 0; r == 0 && !seen[ALLOW] && i < SG_ARRAY_SIZE(default_allow); i++)
		r = sg_strv_push(&s->lists[ALLOW], default_allow[i], SG_SPEC_ARG_ITEMS, err);
	if (r < 0)
		return r;
	*state = steal_pointer(&s);
	return 0;
}

static bool starts_with_any(const char *key, const char *const *prefixes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strncmp(key, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* The key needs the container's own namespace of type: refused when it is the host's. */
static int needs_own(const struct sg_request *req, const char *key, const char *type,
		     struct sg_error *reason)
{
	enum sg_ns_state st;
	long index;

	if (sg_spec_ns_state(req, type, &st, &index, reason) < 0)
		return reason->code;
	if (st == SG_NS_HOST)
		return sg_error_set(reason, -EPERM, "linux.sysctl '%.128s': the container shares the "
				    "host's %s namespace, so this would set the host's value", key,
				    type);
	return 0;
}

static int sysctl_check(struct sg_module_state *s, struct sg_request *req,
			struct sg_error *reason)
{
	const json_t *sysctl = json_object_get(json_object_get(req->doc, "linux"), "sysctl");
	const char *key;
	const json_t *v;

	if (req->op != SG_OP_CREATE)
		return SG_VERDICT_IGNORE;
	if (!sysctl || json_is_null(sysctl))
		return SG_VERDICT_SUCCESS;
	if (!json_is_object(sysctl)) {
		sg_error_set(reason, -EPERM, "linux.sysctl: not an object");
		return SG_VERDICT_DENY;
	}
	json_object_foreach((json_t *)sysctl, key, v) {
		if (!json_is_string(v)) {
			sg_error_set(reason, -EPERM, "linux.sysctl '%.128s': value not a string", key);
			return SG_VERDICT_DENY;
		}
		if (!sg_strv_contains(&s->lists[ALLOW], key) &&
		    !(sg_spec_signed(req) && sg_strv_contains(&s->lists[SIGNED_ALLOW], key))) {
			sg_error_set(reason, -EPERM, "linux.sysctl '%.128s': not on the sysctl allowlist",
				     key);
			return SG_VERDICT_DENY;
		}
		if ((strncmp(key, "net.", 4) == 0 && needs_own(req, key, "network", reason) < 0) ||
		    (starts_with_any(key, ipc_prefixes, SG_ARRAY_SIZE(ipc_prefixes)) &&
		     needs_own(req, key, "ipc", reason) < 0))
			return SG_VERDICT_DENY;
	}
	return SG_VERDICT_SUCCESS;
}

const struct sg_module sg_module_sysctl = {
	SG_MODULE_HEADER,
	.name = "sysctl",
	.summary = "linux.sysctl keys from the allowlist only; net.*/IPC keys need their own namespace",
	.ops = SG_OP_BIT(SG_OP_CREATE),
	.init = sysctl_init,
	.check = sysctl_check,
	.fini = sysctl_fini,
};
