/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp profiles: the OCI linux.seccomp object for this host and a container's
 * capabilities, and which rules apply where. */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>

#include "core/cleanup.h"
#include "internal.h"
#include "profile.h"

static bool token_in(uint32_t token, const uint32_t *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == token)
			return true;
	return false;
}

bool sg_seccomp_rule_applies_to_arch(const struct rule *r, uint32_t arch)
{
	if (r->n_inc_arches && !token_in(arch, r->inc_arches, r->n_inc_arches))
		return false;
	return !token_in(arch, r->exc_arches, r->n_exc_arches);
}

bool sg_seccomp_rule_applies(const struct rule *r, uint32_t arch, uint64_t caps,
			     uint32_t kernel)
{
	if ((r->inc_caps & caps) != r->inc_caps || (r->exc_caps & caps) != 0)
		return false;
	if (r->min_kernel && kernel < r->min_kernel)
		return false;
	return sg_seccomp_rule_applies_to_arch(r, arch);
}

static uint32_t running_kernel(void)
{
	struct utsname u;
	char buf[16];
	size_t n = 0;
	uint32_t v;

	if (uname(&u) < 0)
		return 0;
	/* "6.1.0-18-amd64": keep "6.1" */
	for (int dots = 0; n + 1 < sizeof(buf) && u.release[n]; n++) {
		if (u.release[n] == '.' && ++dots == 2)
			break;
		if (u.release[n] != '.' && (u.release[n] < '0' || u.release[n] > '9'))
			break;
	}
	memcpy(buf, u.release, n);
	buf[n] = '\0';
	return sg_seccomp_parse_kernel_version(buf, &v) == 0 ? v : 0;
}

static int json_add_action(json_t *o, const char *key, const char *errno_key,
			   const struct action *a)
{
	if (json_object_set_new(o, key, json_string(a->def->name)) < 0)
		return -ENOMEM;
	if (a->def->kind == ACT_WITH_ERRNO &&
	    json_object_set_new(o, errno_key, json_integer(a->errno_ret)) < 0)
		return -ENOMEM;
	return 0;
}

static json_t *rule_to_json(const struct rule *r)
{
	json_auto_t *o = json_object();
	json_t *names = json_array();
	json_t *args;

	if (!o || json_object_set_new(o, "names", names) < 0)
		return NULL;
	for (size_t i = 0; i < r->n_names; i++)
		if (json_array_append_new(names, json_string(r->names[i])) < 0)
			return NULL;
	if (json_add_action(o, "action", "errnoRet", &r->act) < 0)
		return NULL;
	if (!r->n_args)
		return steal_pointer(&o);
	args = json_array();
	if (json_object_set_new(o, "args", args) < 0)
		return NULL;
	for (size_t i = 0; i < r->n_args; i++) {
		json_t *a = json_pack("{s:I, s:I, s:I, s:s}", "index", (json_int_t)r->args[i].arg,
				      "value", (json_int_t)r->args[i].datum_a, "valueTwo",
				      (json_int_t)r->args[i].datum_b, "op", r->arg_ops[i]);

		if (json_array_append_new(args, a) < 0)
			return NULL;
	}
	return steal_pointer(&o);
}

const struct arch_entry *sg_seccomp_entry_for(const struct sg_seccomp_profile *p,
					      uint32_t arch)
{
	if (!p->arch_map)
		return p->n_entries ? &p->entries[0] : NULL;
	for (size_t i = 0; i < p->n_entries; i++)
		if (p->entries[i].arch[0]->token == arch)
			return &p->entries[i];
	return NULL;
}

static int resolve_for(const struct sg_seccomp_profile *p, uint32_t arch, uint64_t caps,
		       uint32_t kernel, json_t **out, struct sg_error *err)
{
	const struct arch_entry *e = sg_seccomp_entry_for(p, arch);
	json_auto_t *o = json_object();
	json_t *arches = json_array();
	json_t *rules = json_array();
	const struct arch_def *native = sg_seccomp_arch_by_token(arch);

	if (p->arch_map && !e)
		return sg_error_set(err, -ENOENT, "%s: no archMap entry for %s", p->name,
				    native ? native->name : "this architecture");
	if (!o || json_add_action(o, "defaultAction", "defaultErrnoRet", &p->def) < 0 ||
	    json_object_set_new(o, "architectures", arches) < 0 ||
	    json_object_set_new(o, "syscalls", rules) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; e && i < e->n; i++)
		if (json_array_append_new(arches, json_string(e->arch[i]->oci)) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
	if (p->flags) {
		json_t *flags = json_array();

		if (json_object_set_new(o, "flags", flags) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
		for (size_t i = 0; i < SG_ARRAY_SIZE(sg_seccomp_flag_defs); i++)
			if ((p->flags & sg_seccomp_flag_defs[i].bit) &&
			    json_array_append_new(flags, json_string(sg_seccomp_flag_defs[i].name)) < 0)
				return sg_error_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		if (!sg_seccomp_rule_applies(&p->rules[i], arch, caps, kernel))
			continue;
		if (json_array_append_new(rules, rule_to_json(&p->rules[i])) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
	}
	*out = steal_pointer(&o);
	return 0;
}

int sg_seccomp_profile_resolve(const struct sg_seccomp_profile *p, uint64_t caps, json_t **out,
			       struct sg_error *err)
{
	return resolve_for(p, seccomp_arch_native(), caps, running_kernel(), out, err);
}
