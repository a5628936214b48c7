/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp profiles: one syscalls[] rule of the Docker/containers JSON format, typed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/strutil.h"
#include "internal.h"
#include "oci/oci.h"

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

int sg_seccomp_check_keys(const json_t *obj, const char *const *allowed, const char *pname,
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

int sg_seccomp_parse_action(const json_t *name, const json_t *errno_ret, const char *pname,
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
		ret = sg_seccomp_check_keys(a, keys, pname, where, err);
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
		const struct arch_def *d = s ? sg_seccomp_arch_by_short(s) : NULL;

		if (!d)
			return sg_error_set(err, -EINVAL, "%s: %s: unknown architecture '%s'",
					    pname, where, s ? s : "(not a string)");
		out[i] = d->token;
	}
	*n = json_array_size(arches);
	return 0;
}

int sg_seccomp_parse_kernel_version(const char *s, uint32_t *out)
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
	ret = sg_seccomp_check_keys(f, includes ? inc_keys : exc_keys, pname, where, err);
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
	if (v && sg_seccomp_parse_kernel_version(json_string_value(v), &r->min_kernel) < 0)
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

int sg_seccomp_parse_rule(const json_t *o, size_t idx, const char *pname, struct rule *r,
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
	ret = sg_seccomp_check_keys(o, keys, pname, where, err);
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
	ret = sg_seccomp_parse_action(json_object_get(o, "action"), json_object_get(o, "errnoRet"), pname,
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
