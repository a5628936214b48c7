/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp profiles: a whole profile in the Docker/containers JSON format (default action,
 * architectures, flags, rules), read, checked with libseccomp and freed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "core/cleanup.h"
#include "core/strutil.h"
#include "internal.h"
#include "profile.h"

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
		const struct arch_def *d = s ? sg_seccomp_arch_by_oci(s) : NULL;

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
		ret = sg_seccomp_check_keys(m, keys, pname, where, err);
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

		for (size_t k = 0; s && k < SG_ARRAY_SIZE(sg_seccomp_flag_defs); k++)
			if (strcmp(sg_seccomp_flag_defs[k].name, s) == 0)
				bit = sg_seccomp_flag_defs[k].bit;
		if (!bit)
			return sg_error_set(err, -EINVAL, "%s: flags: unsupported flag '%s'", pname,
					    s ? s : "(not a string)");
		*out |= bit;
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
	r = sg_seccomp_check_keys(doc, keys, name, "profile", err);
	if (r < 0)
		return r;
	r = sg_seccomp_parse_action(json_object_get(doc, "defaultAction"),
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
		r = sg_seccomp_parse_rule(v, i, name, &p->rules[i], err);
		p->n_rules = i + 1; /* so that free releases what was allocated */
		if (r < 0)
			return r;
	}
	if (strict) {
		r = sg_seccomp_check(p, err);
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

int sg_seccomp_filter_build(const json_t *oci, scmp_filter_ctx *out, struct sg_error *err)
{
	_cleanup_seccomp_profile_ struct sg_seccomp_profile *p = NULL;
	int r;

	/* The OCI form is the profile format without includes, excludes and archMap. */
	r = profile_from_json("linux.seccomp", (json_t *)oci, false, &p, err);
	if (r < 0)
		return r;
	return sg_seccomp_build(p, seccomp_arch_native(), UINT64_MAX, SCMP_KERNEL_ANY, out, err);
}
