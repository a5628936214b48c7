/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp profiles: parse the Docker/containers JSON format, check it with libseccomp, resolve it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "core/cleanup.h"
#include "core/strutil.h"
#include "oci/oci.h"
#include "seccomp_cache.h"
#include "seccomp_profile.h"

#define SCMP_MAX_ARCH_ENTRIES 16u
#define SCMP_MAX_SUBARCHES 8u
#define SCMP_MAX_RULES 4096u
#define SCMP_MAX_NAMES 1024u /* names in one rule */
#define SCMP_MAX_NAME 64u
#define SCMP_MAX_ARGS 6u     /* libseccomp takes at most six comparisons per rule */
#define SCMP_MAX_RULE_ARCHES 16u
#define SCMP_KERNEL_ANY UINT32_MAX

struct arch_def {
	uint32_t token;
	const char *oci;  /* "SCMP_ARCH_X86_64": architectures[], archMap */
	const char *go;   /* "amd64": includes.arches, as Docker writes them */
	const char *name; /* "x86_64": libseccomp's name, for messages (also accepted) */
};

static const struct arch_def arch_defs[] = {
	{ SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64", "amd64", "x86_64" },
	{ SCMP_ARCH_X86, "SCMP_ARCH_X86", "386", "x86" },
	{ SCMP_ARCH_X32, "SCMP_ARCH_X32", "x32", "x32" },
	{ SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64", "arm64", "aarch64" },
	{ SCMP_ARCH_ARM, "SCMP_ARCH_ARM", "arm", "arm" },
	{ SCMP_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE", "ppc64le", "ppc64le" },
	{ SCMP_ARCH_PPC64, "SCMP_ARCH_PPC64", "ppc64", "ppc64" },
	{ SCMP_ARCH_S390X, "SCMP_ARCH_S390X", "s390x", "s390x" },
	{ SCMP_ARCH_S390, "SCMP_ARCH_S390", "s390", "s390" },
	{ SCMP_ARCH_RISCV64, "SCMP_ARCH_RISCV64", "riscv64", "riscv64" },
};

enum act_kind { ACT_PLAIN, ACT_WITH_ERRNO };

struct action_def {
	const char *name;
	uint32_t action; /* for ERRNO and TRACE: the base, the value is or'ed in */
	enum act_kind kind;
};

/* SCMP_ACT_NOTIFY is not here on purpose: it needs a listener socket, which shimgate does
 * not provide, and a filter that waits for an absent listener would hang the container. */
static const struct action_def action_defs[] = {
	{ "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, ACT_PLAIN },
	{ "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), ACT_WITH_ERRNO },
	{ "SCMP_ACT_KILL", SCMP_ACT_KILL, ACT_PLAIN },
	{ "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, ACT_PLAIN },
	{ "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, ACT_PLAIN },
	{ "SCMP_ACT_TRAP", SCMP_ACT_TRAP, ACT_PLAIN },
	{ "SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), ACT_WITH_ERRNO },
	{ "SCMP_ACT_LOG", SCMP_ACT_LOG, ACT_PLAIN },
};

static const struct {
	const char *name;
	enum scmp_compare op;
} op_defs[] = {
	{ "SCMP_CMP_NE", SCMP_CMP_NE },
	{ "SCMP_CMP_LT", SCMP_CMP_LT },
	{ "SCMP_CMP_LE", SCMP_CMP_LE },
	{ "SCMP_CMP_EQ", SCMP_CMP_EQ },
	{ "SCMP_CMP_GE", SCMP_CMP_GE },
	{ "SCMP_CMP_GT", SCMP_CMP_GT },
	{ "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* SECCOMP_FILTER_FLAG_SPEC_ALLOW is refused: it turns off the speculative store bypass
 * mitigation for the container. WAIT_KILLABLE_RECV needs a newer libseccomp. */
enum { FLAG_TSYNC = 1u << 0, FLAG_LOG = 1u << 1 };
static const struct {
	const char *name;
	unsigned bit;
} flag_defs[] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", FLAG_LOG },
};

struct action {
	const struct action_def *def;
	uint32_t errno_ret; /* ERRNO and TRACE only */
};

struct rule {
	const char **names; /* into the profile's strings */
	size_t n_names;
	struct action act;
	struct scmp_arg_cmp args[SCMP_MAX_ARGS];
	const char *arg_ops[SCMP_MAX_ARGS];
	size_t n_args;
	uint64_t inc_caps, exc_caps;
	uint32_t inc_arches[SCMP_MAX_RULE_ARCHES], exc_arches[SCMP_MAX_RULE_ARCHES];
	size_t n_inc_arches, n_exc_arches;
	uint32_t min_kernel; /* major << 16 | minor, 0 when absent */
};

/* One set of architectures a filter is built for: main first, then its sub-architectures. */
struct arch_entry {
	const struct arch_def *arch[1 + SCMP_MAX_SUBARCHES];
	size_t n;
};

struct sg_seccomp_profile {
	char *name;
	json_t *doc;   /* while parsing: the names point into it */
	char *strings; /* once parsed: every name, copied out of the document */
	struct action def;
	bool arch_map;  /* archMap form: one entry per main architecture */
	struct arch_entry entries[SCMP_MAX_ARCH_ENTRIES];
	size_t n_entries;
	unsigned flags;
	struct rule *rules;
	size_t n_rules;
};

static const struct arch_def *arch_by_token(uint32_t token)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(arch_defs); i++)
		if (arch_defs[i].token == token)
			return &arch_defs[i];
	return NULL;
}

static const struct arch_def *arch_by_oci(const char *s)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(arch_defs); i++)
		if (strcmp(arch_defs[i].oci, s) == 0)
			return &arch_defs[i];
	return NULL;
}

static const struct arch_def *arch_by_short(const char *s)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(arch_defs); i++)
		if (strcmp(arch_defs[i].go, s) == 0 || strcmp(arch_defs[i].name, s) == 0)
			return &arch_defs[i];
	return NULL;
}

static int check_keys(const json_t *obj, const char *const *allowed, const char *pname,
		      const char *where, struct sg_error *err)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		bool ok = strcmp(key, "comment") == 0;

		for (size_t i = 0; !ok && allowed[i]; i++)
			ok = strcmp(key, allowed[i]) == 0;
		if (!ok)
			return sg_error_set(err, -EINVAL, "%s: %s: unknown key '%s'", pname, where,
					    key);
	}
	return 0;
}

/* A JSON integer in [0, max]. */
static int get_uint(const json_t *v, uint64_t max, uint64_t *out)
{
	json_int_t i;

	if (!json_is_integer(v))
		return -EINVAL;
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return -ERANGE;
	*out = (uint64_t)i;
	return 0;
}

static int parse_action(const json_t *name, const json_t *errno_ret, const char *pname,
			const char *where, struct action *out, struct sg_error *err)
{
	const char *s = json_string_value(name);
	uint64_t e = 1; /* EPERM when errnoRet is absent, as Docker and runc do */

	if (!s)
		return sg_error_set(err, -EINVAL, "%s: %s: action is missing or not a string",
				    pname, where);
	out->def = NULL;
	for (size_t i = 0; i < SG_ARRAY_SIZE(action_defs); i++)
		if (strcmp(action_defs[i].name, s) == 0)
			out->def = &action_defs[i];
	if (!out->def)
		return sg_error_set(err, -EINVAL, "%s: %s: unknown action '%s'", pname, where, s);
	if (errno_ret) {
		if (out->def->kind != ACT_WITH_ERRNO)
			return sg_error_set(err, -EINVAL, "%s: %s: errnoRet given for action '%s'",
					    pname, where, s);
		/* The kernel carries the errno in 16 bits (SECCOMP_RET_DATA). */
		if (get_uint(errno_ret, 0xffff, &e) < 0)
			return sg_error_set(err, -EINVAL,
					    "%s: %s: errnoRet is not an integer in 0..65535",
					    pname, where);
	}
	out->errno_ret = (uint32_t)e;
	return 0;
}

static uint32_t action_value(const struct action *a)
{
	return a->def->kind == ACT_WITH_ERRNO ? (a->def->action | a->errno_ret) : a->def->action;
}

static bool action_equal(const struct action *a, const struct action *b)
{
	return action_value(a) == action_value(b);
}

static int parse_args(const json_t *args, const char *pname, const char *where, struct rule *r,
		      struct sg_error *err)
{
	static const char *const keys[] = { "index", "value", "valueTwo", "op", NULL };
	size_t i;
	json_t *a;
	int ret;

	if (!json_is_array(args))
		return sg_error_set(err, -EINVAL, "%s: %s: args is not an array", pname, where);
	if (json_array_size(args) > SCMP_MAX_ARGS)
		return sg_error_set(err, -E2BIG, "%s: %s: more than %u args", pname, where,
				    SCMP_MAX_ARGS);
	json_array_foreach(args, i, a) {
		struct scmp_arg_cmp *c = &r->args[i];
		const char *op;
		uint64_t v;

		if (!json_is_object(a))
			return sg_error_set(err, -EINVAL, "%s: %s: args[%zu] is not an object",
					    pname, where, i);
		ret = check_keys(a, keys, pname, where, err);
		if (ret < 0)
			return ret;
		if (get_uint(json_object_get(a, "index"), SCMP_MAX_ARGS - 1, &v) < 0)
			return sg_error_set(err, -EINVAL, "%s: %s: args[%zu].index is not 0..5",
					    pname, where, i);
		c->arg = (unsigned)v;
		if (get_uint(json_object_get(a, "value"), INT64_MAX, &c->datum_a) < 0)
			return sg_error_set(err, -EINVAL,
					    "%s: %s: args[%zu].value is not a non-negative integer",
					    pname, where, i);
		c->datum_b = 0;
		if (json_object_get(a, "valueTwo") &&
		    get_uint(json_object_get(a, "valueTwo"), INT64_MAX, &c->datum_b) < 0)
			return sg_error_set(err, -EINVAL,
					    "%s: %s: args[%zu].valueTwo is not a non-negative integer",
					    pname, where, i);
		op = json_string_value(json_object_get(a, "op"));
		if (!op)
			return sg_error_set(err, -EINVAL, "%s: %s: args[%zu].op is missing",
					    pname, where, i);
		c->op = _SCMP_CMP_MIN;
		for (size_t k = 0; k < SG_ARRAY_SIZE(op_defs); k++)
			if (strcmp(op_defs[k].name, op) == 0) {
				c->op = op_defs[k].op;
				r->arg_ops[i] = op_defs[k].name;
			}
		if (c->op == _SCMP_CMP_MIN)
			return sg_error_set(err, -EINVAL, "%s: %s: args[%zu]: unknown op '%s'",
					    pname, where, i, op);
	}
	r->n_args = json_array_size(args);
	return 0;
}

static int parse_caps(const json_t *caps, const char *pname, const char *where, uint64_t *out,
		      struct sg_error *err)
{
	size_t i;
	json_t *c;

	if (!json_is_array(caps))
		return sg_error_set(err, -EINVAL, "%s: %s: caps is not an array", pname, where);
	*out = 0;
	json_array_foreach(caps, i, c) {
		const char *s = json_string_value(c);
		int n = s ? sg_cap_from_name(s) : -1;

		if (n < 0)
			return sg_error_set(err, -EINVAL, "%s: %s: unknown capability '%s'", pname,
					    where, s ? s : "(not a string)");
		*out |= UINT64_C(1) << n;
	}
	return 0;
}

static int parse_rule_arches(const json_t *arches, const char *pname, const char *where,
			     uint32_t *out, size_t *n, struct sg_error *err)
{
	size_t i;
	json_t *a;

	if (!json_is_array(arches) || json_array_size(arches) > SCMP_MAX_RULE_ARCHES)
		return sg_error_set(err, -EINVAL, "%s: %s: arches is not an array of at most %u",
				    pname, where, SCMP_MAX_RULE_ARCHES);
	json_array_foreach(arches, i, a) {
		const char *s = json_string_value(a);
		const struct arch_def *d = s ? arch_by_short(s) : NULL;

		if (!d)
			return sg_error_set(err, -EINVAL, "%s: %s: unknown architecture '%s'",
					    pname, where, s ? s : "(not a string)");
		out[i] = d->token;
	}
	*n = json_array_size(arches);
	return 0;
}

/* "4.8" -> 4 << 16 | 8 */
static int parse_kernel_version(const char *s, uint32_t *out)
{
	char major[8], minor[8];
	const char *dot = s ? strchr(s, '.') : NULL;
	uint64_t ma, mi;

	if (!dot || (size_t)(dot - s) >= sizeof(major) || strlen(dot + 1) >= sizeof(minor))
		return -EINVAL;
	memcpy(major, s, (size_t)(dot - s));
	major[dot - s] = '\0';
	strcpy(minor, dot + 1);
	if (sg_parse_u64(major, 0xffff, &ma) < 0 || sg_parse_u64(minor, 0xffff, &mi) < 0)
		return -EINVAL;
	*out = (uint32_t)(ma << 16 | mi);
	return 0;
}

static int parse_filter(const json_t *f, bool includes, const char *pname, const char *where,
			struct rule *r, struct sg_error *err)
{
	static const char *const inc_keys[] = { "caps", "arches", "minKernel", NULL };
	static const char *const exc_keys[] = { "caps", "arches", NULL };
	const json_t *v;
	int ret;

	if (!json_is_object(f))
		return sg_error_set(err, -EINVAL, "%s: %s: %s is not an object", pname, where,
				    includes ? "includes" : "excludes");
	ret = check_keys(f, includes ? inc_keys : exc_keys, pname, where, err);
	if (ret < 0)
		return ret;
	v = json_object_get(f, "caps");
	if (v) {
		ret = parse_caps(v, pname, where, includes ? &r->inc_caps : &r->exc_caps, err);
		if (ret < 0)
			return ret;
	}
	v = json_object_get(f, "arches");
	if (v) {
		ret = includes ? parse_rule_arches(v, pname, where, r->inc_arches,
						   &r->n_inc_arches, err)
			       : parse_rule_arches(v, pname, where, r->exc_arches,
						   &r->n_exc_arches, err);
		if (ret < 0)
			return ret;
	}
	v = json_object_get(f, "minKernel");
	if (v && parse_kernel_version(json_string_value(v), &r->min_kernel) < 0)
		return sg_error_set(err, -EINVAL, "%s: %s: minKernel is not 'MAJOR.MINOR'", pname,
				    where);
	return 0;
}

static int add_name(struct rule *r, const json_t *v, const char *pname, const char *where,
		    struct sg_error *err)
{
	const char *s = json_string_value(v);

	if (!s || !*s || strlen(s) > SCMP_MAX_NAME)
		return sg_error_set(err, -EINVAL, "%s: %s: a syscall name is empty, too long or "
				    "not a string", pname, where);
	if (r->n_names >= SCMP_MAX_NAMES)
		return sg_error_set(err, -E2BIG, "%s: %s: more than %u names", pname, where,
				    SCMP_MAX_NAMES);
	r->names[r->n_names++] = s;
	return 0;
}

static int parse_rule(const json_t *o, size_t idx, const char *pname, struct rule *r,
		      struct sg_error *err)
{
	static const char *const keys[] = { "names", "name", "action", "errnoRet", "args",
					     "includes", "excludes", NULL };
	const json_t *names = json_object_get(o, "names");
	const json_t *name = json_object_get(o, "name");
	char where[32];
	size_t i;
	json_t *v;
	int ret;

	snprintf(where, sizeof(where), "syscalls[%zu]", idx);
	if (!json_is_object(o))
		return sg_error_set(err, -EINVAL, "%s: %s is not an object", pname, where);
	ret = check_keys(o, keys, pname, where, err);
	if (ret < 0)
		return ret;
	if (names && (!json_is_array(names) || json_array_size(names) > SCMP_MAX_NAMES))
		return sg_error_set(err, -EINVAL, "%s: %s: names is not an array of at most %u",
				    pname, where, SCMP_MAX_NAMES);
	r->names = calloc(json_array_size(names) + 1, sizeof(*r->names));
	if (!r->names)
		return sg_error_set(err, -ENOMEM, "out of memory");
	json_array_foreach(names, i, v) {
		ret = add_name(r, v, pname, where, err);
		if (ret < 0)
			return ret;
	}
	if (name) {
		ret = add_name(r, name, pname, where, err);
		if (ret < 0)
			return ret;
	}
	if (r->n_names == 0)
		return sg_error_set(err, -EINVAL, "%s: %s: no syscall names", pname, where);
	ret = parse_action(json_object_get(o, "action"), json_object_get(o, "errnoRet"), pname,
			   where, &r->act, err);
	if (ret < 0)
		return ret;
	if (json_object_get(o, "args")) {
		ret = parse_args(json_object_get(o, "args"), pname, where, r, err);
		if (ret < 0)
			return ret;
	}
	if (json_object_get(o, "includes")) {
		ret = parse_filter(json_object_get(o, "includes"), true, pname, where, r, err);
		if (ret < 0)
			return ret;
	}
	if (json_object_get(o, "excludes"))
		return parse_filter(json_object_get(o, "excludes"), false, pname, where, r, err);
	return 0;
}

static int parse_arch_list(const json_t *list, const char *pname, const char *where,
			   struct arch_entry *e, size_t max, struct sg_error *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(list) || json_array_size(list) > max - e->n)
		return sg_error_set(err, -EINVAL, "%s: %s is not an array of at most %zu", pname,
				    where, max - e->n);
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		const struct arch_def *d = s ? arch_by_oci(s) : NULL;

		if (!d)
			return sg_error_set(err, -EINVAL, "%s: %s: unknown architecture '%s'",
					    pname, where, s ? s : "(not a string)");
		e->arch[e->n++] = d;
	}
	return 0;
}

static int parse_arches(const json_t *doc, const char *pname, struct sg_seccomp_profile *p,
			struct sg_error *err)
{
	static const char *const keys[] = { "architecture", "subArchitectures", NULL };
	const json_t *map = json_object_get(doc, "archMap");
	const json_t *flat = json_object_get(doc, "architectures");
	size_t i;
	json_t *m;
	int ret;

	if (map && flat)
		return sg_error_set(err, -EINVAL, "%s: both archMap and architectures", pname);
	if (flat) {
		/* One entry: the first listed is the main architecture, the rest go with it. */
		ret = parse_arch_list(flat, pname, "architectures", &p->entries[0],
				      SG_ARRAY_SIZE(p->entries[0].arch), err);
		if (ret < 0)
			return ret;
		p->n_entries = p->entries[0].n ? 1 : 0;
		return 0;
	}
	if (!map)
		return 0;
	if (!json_is_array(map) || json_array_size(map) > SCMP_MAX_ARCH_ENTRIES)
		return sg_error_set(err, -EINVAL, "%s: archMap is not an array of at most %u",
				    pname, SCMP_MAX_ARCH_ENTRIES);
	p->arch_map = true;
	json_array_foreach(map, i, m) {
		struct arch_entry *e = &p->entries[i];
		json_auto_t *one = NULL;
		char where[32];

		snprintf(where, sizeof(where), "archMap[%zu]", i);
		if (!json_is_object(m))
			return sg_error_set(err, -EINVAL, "%s: %s is not an object", pname, where);
		ret = check_keys(m, keys, pname, where, err);
		if (ret < 0)
			return ret;
		one = json_pack("[O]", json_object_get(m, "architecture"));
		if (!one || !json_object_get(m, "architecture"))
			return sg_error_set(err, -EINVAL, "%s: %s: architecture is missing", pname,
					    where);
		ret = parse_arch_list(one, pname, where, e, SG_ARRAY_SIZE(e->arch), err);
		if (ret == 0 && json_object_get(m, "subArchitectures"))
			ret = parse_arch_list(json_object_get(m, "subArchitectures"), pname, where,
					      e, SG_ARRAY_SIZE(e->arch), err);
		if (ret < 0)
			return ret;
		for (size_t k = 0; k < i; k++)
			if (p->entries[k].arch[0] == e->arch[0])
				return sg_error_set(err, -EINVAL, "%s: %s: architecture '%s' "
						    "listed twice", pname, where, e->arch[0]->oci);
	}
	p->n_entries = json_array_size(map);
	return 0;
}

static int parse_flags(const json_t *flags, const char *pname, unsigned *out,
		       struct sg_error *err)
{
	size_t i;
	json_t *f;

	if (!json_is_array(flags))
		return sg_error_set(err, -EINVAL, "%s: flags is not an array", pname);
	json_array_foreach(flags, i, f) {
		const char *s = json_string_value(f);
		unsigned bit = 0;

		for (size_t k = 0; s && k < SG_ARRAY_SIZE(flag_defs); k++)
			if (strcmp(flag_defs[k].name, s) == 0)
				bit = flag_defs[k].bit;
		if (!bit)
			return sg_error_set(err, -EINVAL, "%s: flags: unsupported flag '%s'", pname,
					    s ? s : "(not a string)");
		*out |= bit;
	}
	return 0;
}

static bool token_in(uint32_t token, const uint32_t *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == token)
			return true;
	return false;
}

static bool rule_applies_to_arch(const struct rule *r, uint32_t arch)
{
	if (r->n_inc_arches && !token_in(arch, r->inc_arches, r->n_inc_arches))
		return false;
	return !token_in(arch, r->exc_arches, r->n_exc_arches);
}

/* Docker's semantics: every included capability must be held, no excluded one may be. */
static bool rule_applies(const struct rule *r, uint32_t arch, uint64_t caps, uint32_t kernel)
{
	if ((r->inc_caps & caps) != r->inc_caps || (r->exc_caps & caps) != 0)
		return false;
	if (r->min_kernel && kernel < r->min_kernel)
		return false;
	return rule_applies_to_arch(r, arch);
}

/* Every name of every rule must be known to libseccomp, and exist on at least one
 * architecture of each entry the rule applies to: a name that exists nowhere in the filter
 * would be dropped without a word, which is the mistake this check is here to catch. A call
 * that only a sub-architecture has (x86's _llseek in the x86_64 entry) is fine; where it is
 * missing, the default action applies. */
static int check_names(const struct sg_seccomp_profile *p, const struct arch_entry *e,
		       struct sg_error *err)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct rule *r = &p->rules[i];

		if (!rule_applies_to_arch(r, e->arch[0]->token))
			continue;
		for (size_t k = 0; k < r->n_names; k++) {
			bool exists = false;

			for (size_t a = 0; a < e->n; a++) {
				int nr = seccomp_syscall_resolve_name_arch(e->arch[a]->token,
									   r->names[k]);

				if (nr == __NR_SCMP_ERROR)
					return sg_error_set(err, -EINVAL,
							    "%s: syscall '%s': unknown on %s",
							    p->name, r->names[k],
							    e->arch[a]->name);
				exists = exists || nr >= 0;
			}
			if (!exists)
				return sg_error_set(err, -EINVAL,
						    "%s: syscall '%s': does not exist on %s%s; "
						    "restrict its rule with includes.arches",
						    p->name, r->names[k], e->arch[0]->name,
						    e->n > 1 ? " nor its sub-architectures" : "");
		}
	}
	return 0;
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
	return parse_kernel_version(buf, &v) == 0 ? v : 0;
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

static const struct arch_entry *entry_for(const struct sg_seccomp_profile *p, uint32_t arch)
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
	const struct arch_entry *e = entry_for(p, arch);
	json_auto_t *o = json_object();
	json_t *arches = json_array();
	json_t *rules = json_array();
	const struct arch_def *native = arch_by_token(arch);

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
		for (size_t i = 0; i < SG_ARRAY_SIZE(flag_defs); i++)
			if ((p->flags & flag_defs[i].bit) &&
			    json_array_append_new(flags, json_string(flag_defs[i].name)) < 0)
				return sg_error_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		if (!rule_applies(&p->rules[i], arch, caps, kernel))
			continue;
		if (json_array_append_new(rules, rule_to_json(&p->rules[i])) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
	}
	*out = steal_pointer(&o);
	return 0;
}

/* Builds the filter for one entry from typed rules; shared by the check and by the OCI path. */
static int build(const struct sg_seccomp_profile *p, uint32_t arch, uint64_t caps,
		 uint32_t kernel, scmp_filter_ctx *out, struct sg_error *err)
{
	const struct arch_entry *e = entry_for(p, arch);
	_cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
	bool has_native = !e;
	int r;

	ctx = seccomp_init(action_value(&p->def));
	if (!ctx)
		return sg_error_set(err, -EINVAL, "%s: seccomp_init refused the default action",
				    p->name);
	for (size_t i = 0; e && i < e->n; i++) {
		if (e->arch[i]->token == seccomp_arch_native()) {
			has_native = true;
			continue;
		}
		r = seccomp_arch_add(ctx, e->arch[i]->token);
		if (r < 0)
			return sg_error_set(err, r, "%s: cannot add architecture %s: %s", p->name,
					    e->arch[i]->name, strerror(-r));
	}
	/* A filter for other architectures only (checking an archMap entry of another
	 * platform) must not carry the host's. */
	if (!has_native && (r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE)) < 0)
		return sg_error_set(err, r, "%s: cannot remove the native architecture: %s",
				    p->name, strerror(-r));
	if ((p->flags & FLAG_TSYNC) && (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0)
		return sg_error_set(err, r, "%s: flag TSYNC: %s", p->name, strerror(-r));
	if ((p->flags & FLAG_LOG) && (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1)) < 0)
		return sg_error_set(err, r, "%s: flag LOG: %s", p->name, strerror(-r));
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct rule *rl = &p->rules[i];

		/* libseccomp refuses a rule that repeats the default action; it is redundant. */
		if (!rule_applies(rl, arch, caps, kernel) || action_equal(&rl->act, &p->def))
			continue;
		for (size_t k = 0; k < rl->n_names; k++) {
			/* rule numbers are the host's; libseccomp translates them per arch */
			int nr = seccomp_syscall_resolve_name(rl->names[k]);

			if (nr == __NR_SCMP_ERROR)
				return sg_error_set(err, -EINVAL, "%s: syscall '%s': unknown on %s",
						    p->name, rl->names[k],
						    arch_by_token(seccomp_arch_native())->name);
			r = seccomp_rule_add_array(ctx, action_value(&rl->act), nr,
						   (unsigned)rl->n_args, rl->args);
			if (r < 0)
				return sg_error_set(err, r, "%s: syscall '%s': libseccomp refused "
						    "the rule: %s", p->name, rl->names[k],
						    strerror(-r));
		}
	}
	*out = steal_pointer(&ctx);
	return 0;
}

/* The filter must build and export for every entry, with no capabilities and with all. */
static int check_builds(const struct sg_seccomp_profile *p, const struct arch_entry *e,
			struct sg_error *err)
{
	static const uint64_t cap_sets[] = { 0, UINT64_MAX };
	_cleanup_close_ int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	uint32_t arch = e ? e->arch[0]->token : seccomp_arch_native();
	int r;

	if (devnull < 0)
		return sg_error_set(err, -errno, "/dev/null: %s", strerror(errno));
	for (size_t i = 0; i < SG_ARRAY_SIZE(cap_sets); i++) {
		_cleanup_seccomp_ scmp_filter_ctx ctx = NULL;

		r = build(p, arch, cap_sets[i], SCMP_KERNEL_ANY, &ctx, err);
		if (r < 0)
			return r;
		r = seccomp_export_pfc(ctx, devnull);
		if (r < 0)
			return sg_error_set(err, r, "%s: the filter for %s does not export: %s",
					    p->name, arch_by_token(arch)->name, strerror(-r));
	}
	return 0;
}

static int check(const struct sg_seccomp_profile *p, struct sg_error *err)
{
	struct arch_entry native = { .arch = { arch_by_token(seccomp_arch_native()) }, .n = 1 };
	int r;

	if (!native.arch[0])
		return sg_error_set(err, -ENOTSUP, "unsupported native architecture");
	if (p->n_entries == 0) {
		r = check_names(p, &native, err);
		return r < 0 ? r : check_builds(p, NULL, err);
	}
	for (size_t i = 0; i < p->n_entries; i++) {
		r = check_names(p, &p->entries[i], err);
		if (r == 0)
			r = check_builds(p, &p->entries[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The names move out of the document into one block, and the document (some 50 KiB of
 * jansson nodes for the default profile) goes: a gate keeps its profile for its life. */
static int own_names(struct sg_seccomp_profile *p)
{
	size_t total = 0;
	char *at;

	for (size_t i = 0; i < p->n_rules; i++)
		for (size_t k = 0; k < p->rules[i].n_names; k++)
			total += strlen(p->rules[i].names[k]) + 1;
	p->strings = malloc(total ? total : 1);
	if (!p->strings)
		return -ENOMEM;
	at = p->strings;
	for (size_t i = 0; i < p->n_rules; i++) {
		for (size_t k = 0; k < p->rules[i].n_names; k++) {
			size_t n = strlen(p->rules[i].names[k]) + 1;

			memcpy(at, p->rules[i].names[k], n);
			p->rules[i].names[k] = at;
			at += n;
		}
	}
	json_decref(p->doc);
	p->doc = NULL;
	return 0;
}

static int profile_from_json(const char *name, json_t *doc, bool strict,
			     struct sg_seccomp_profile **out, struct sg_error *err)
{
	static const char *const keys[] = { "defaultAction", "defaultErrnoRet", "architectures",
					    "archMap", "syscalls", "flags", NULL };
	_cleanup_seccomp_profile_ struct sg_seccomp_profile *p = NULL;
	const json_t *rules;
	size_t i;
	json_t *v;
	int r;

	p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(name)))
		return sg_error_set(err, -ENOMEM, "out of memory");
	p->doc = json_incref(doc);
	if (!json_is_object(doc))
		return sg_error_set(err, -EINVAL, "%s: not a JSON object", name);
	r = check_keys(doc, keys, name, "profile", err);
	if (r < 0)
		return r;
	r = parse_action(json_object_get(doc, "defaultAction"),
			 json_object_get(doc, "defaultErrnoRet"), name, "defaultAction", &p->def,
			 err);
	if (r < 0)
		return r;
	r = parse_arches(doc, name, p, err);
	if (r < 0)
		return r;
	if (json_object_get(doc, "flags")) {
		r = parse_flags(json_object_get(doc, "flags"), name, &p->flags, err);
		if (r < 0)
			return r;
	}
	rules = json_object_get(doc, "syscalls");
	if (rules && (!json_is_array(rules) || json_array_size(rules) > SCMP_MAX_RULES))
		return sg_error_set(err, -EINVAL, "%s: syscalls is not an array of at most %u",
				    name, SCMP_MAX_RULES);
	p->rules = calloc(json_array_size(rules) + 1, sizeof(*p->rules));
	if (!p->rules)
		return sg_error_set(err, -ENOMEM, "out of memory");
	json_array_foreach(rules, i, v) {
		r = parse_rule(v, i, name, &p->rules[i], err);
		p->n_rules = i + 1; /* so that free releases what was allocated */
		if (r < 0)
			return r;
	}
	if (strict) {
		r = check(p, err);
		if (r < 0)
			return r;
	}
	r = own_names(p);
	if (r < 0)
		return sg_error_set(err, r, "out of memory");
	*out = steal_pointer(&p);
	return 0;
}

static int parse(const char *name, const char *text, size_t len, bool strict,
		 struct sg_seccomp_profile **out, struct sg_error *err)
{
	json_auto_t *doc = NULL;
	json_error_t jerr;

	if (len > SG_SECCOMP_PROFILE_MAX)
		return sg_error_set(err, -EFBIG, "%s: larger than %u bytes", name,
				    SG_SECCOMP_PROFILE_MAX);
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return sg_error_set(err, -EINVAL, "%s:%d: invalid JSON: %s", name, jerr.line,
				    jerr.text);
	return profile_from_json(name, doc, strict, out, err);
}

int sg_seccomp_profile_parse(const char *name, const char *text, size_t len,
			     struct sg_seccomp_profile **out, struct sg_error *err)
{
	return parse(name, text, len, true, out, err);
}

int sg_seccomp_profile_load(const char *path, struct sg_seccomp_profile **out,
			    struct sg_error *err)
{
	return sg_seccomp_profile_load_cached(path, NULL, out, err);
}

int sg_seccomp_profile_load_cached(const char *path, const char *cache_dir,
				   struct sg_seccomp_profile **out, struct sg_error *err)
{
	_cleanup_free_ char *text = NULL;
	char key[65];
	bool checked;
	size_t len = 0;
	int r;

	r = sg_read_file(path, SG_SECCOMP_PROFILE_MAX, &text, &len, err);
	if (r < 0)
		return r;
	if (!cache_dir)
		return parse(path, text, len, true, out, err);
	r = sg_seccomp_cache_key(text, len, key, err);
	if (r < 0)
		return r;
	/* A hit skips only the libseccomp check these exact bytes passed on this host; the
	 * profile is still parsed and its structure checked. */
	checked = sg_seccomp_cache_hit(cache_dir, key);
	r = parse(path, text, len, !checked, out, err);
	if (r == 0 && !checked)
		sg_seccomp_cache_record(cache_dir, key);
	return r;
}

void sg_seccomp_profile_free(struct sg_seccomp_profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_rules; i++)
		free(p->rules[i].names);
	free(p->rules);
	json_decref(p->doc);
	free(p->strings);
	free(p->name);
	free(p);
}

int sg_seccomp_profile_resolve(const struct sg_seccomp_profile *p, uint64_t caps, json_t **out,
			       struct sg_error *err)
{
	return resolve_for(p, seccomp_arch_native(), caps, running_kernel(), out, err);
}

int sg_seccomp_filter_build(const json_t *oci, scmp_filter_ctx *out, struct sg_error *err)
{
	_cleanup_seccomp_profile_ struct sg_seccomp_profile *p = NULL;
	int r;

	/* The OCI form is the profile format without includes, excludes and archMap. */
	r = profile_from_json("linux.seccomp", (json_t *)oci, false, &p, err);
	if (r < 0)
		return r;
	return build(p, seccomp_arch_native(), UINT64_MAX, SCMP_KERNEL_ANY, out, err);
}
