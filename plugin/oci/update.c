/* SPDX-License-Identifier: Apache-2.0 */
/* An Update's LinuxResources judged against the container's config.json (THREATS T27, T30):
 * every member must be a linux.resources field of the table that it does not refuse, and the
 * device rules may grant nothing the container does not already have. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "oci/fields.h"
#include "oci/oci.h"

static int visit(void *data, const struct sg_field *f, const char *shown, const char *pattern,
		 const json_t *v, struct sg_error *err)
{
	(void)data;
	(void)pattern;
	(void)v;
	if (!f)
		return sg_error_set(err, -EPERM, "resources: %s: not judged by this gate", shown);
	if (f->cls == SG_FIELD_REFUSED)
		return sg_error_set(err, -EPERM, "resources: %s: not judged by this gate: %s", shown,
				    f->why);
	return 0;
}

/* A major or minor as the runtime spec has it: absent or -1 for any, else a number. */
static bool dev_number_ok(const json_t *v)
{
	return !v || (json_is_integer(v) && json_integer_value(v) >= -1);
}

/* Rule i of the list at path what in a form two equal rules share: "allow type major:minor
 * access", with runc's defaults (type a, major/minor -1 for '*') and the access letters in
 * rwm order. Checked field by field first, so every key is whole and names one rule. */
static int rule_key(const json_t *r, const char *what, size_t i, char *buf, size_t size,
		    struct sg_error *err)
{
	const json_t *allow = json_object_get(r, "allow");
	const json_t *type = json_object_get(r, "type");
	const json_t *major = json_object_get(r, "major");
	const json_t *minor = json_object_get(r, "minor");
	const json_t *access = json_object_get(r, "access");
	const char *t = type ? json_string_value(type) : "a";
	const char *a = access ? json_string_value(access) : "";
	char acc[4] = "";
	size_t n = 0;

	if (!json_is_object(r))
		return sg_error_set(err, -EINVAL, "%s[%zu]: not a device rule", what, i);
	if (!json_is_boolean(allow))
		return sg_error_set(err, -EINVAL, "%s[%zu].allow: not a boolean", what, i);
	if (!t || strlen(t) != 1 || !strchr("abc", t[0]))
		return sg_error_set(err, -EINVAL, "%s[%zu].type: '%.16s' is not a, b or c", what, i,
				    t ? t : "(not a string)");
	if (!dev_number_ok(major))
		return sg_error_set(err, -EINVAL, "%s[%zu].major: not a device number or -1", what,
				    i);
	if (!dev_number_ok(minor))
		return sg_error_set(err, -EINVAL, "%s[%zu].minor: not a device number or -1", what,
				    i);
	if (!a || strspn(a, "rwm") != strlen(a))
		return sg_error_set(err, -EINVAL, "%s[%zu].access: '%.16s' is not made of r, w, m",
				    what, i, a ? a : "(not a string)");
	for (const char *c = "rwm"; *c; c++)
		if (strchr(a, *c))
			acc[n++] = *c;
	acc[n] = '\0';
	(void)snprintf(buf, size, "%s %s %lld:%lld %s", json_is_true(allow) ? "allow" : "deny", t,
		       major ? (long long)json_integer_value(major) : -1LL,
		       minor ? (long long)json_integer_value(minor) : -1LL, acc);
	return 0;
}

static bool is_deny_all(const char *key)
{
	return strcmp(key, "deny a -1:-1 rwm") == 0;
}

/* The rules as keys, without a leading deny-all (runc starts every device cgroup from it). */
static int rule_keys(const json_t *rules, const char *what, char (*keys)[64], size_t max,
		     size_t *n, struct sg_error *err)
{
	const json_t *r;
	size_t i;

	*n = 0;
	if (!rules || json_is_null(rules))
		return 0;
	if (!json_is_array(rules))
		return sg_error_set(err, -EINVAL, "%s: not an array", what);
	if (json_array_size(rules) > max)
		return sg_error_set(err, -E2BIG, "%s: more than %zu rules", what, max);
	json_array_foreach(rules, i, r) {
		int e = rule_key(r, what, i, keys[*n], sizeof(keys[0]), err);

		if (e < 0)
			return e;
		if (*n == 0 && i == 0 && is_deny_all(keys[0]))
			continue;
		(*n)++;
	}
	return 0;
}

#define SG_UPDATE_MAX_RULES 256u

/* Rules that only deny grant nothing. Otherwise the list must be the container's own, rule
 * for rule in its order (what CRI sends with every update): an allow rule that is new, or a
 * reordered or dropped deny, could open a device. */
static int check_devices(const json_t *rules, const json_t *config, struct sg_error *err)
{
	_cleanup_free_ char(*upd)[64] = calloc(SG_UPDATE_MAX_RULES, sizeof(*upd));
	_cleanup_free_ char(*own)[64] = calloc(SG_UPDATE_MAX_RULES, sizeof(*own));
	const json_t *own_rules = json_object_get(
		json_object_get(json_object_get(config, "linux"), "resources"), "devices");
	size_t n_upd, n_own, i;
	bool any_allow = false;
	int r;

	if (!upd || !own)
		return sg_error_set(err, -ENOMEM, "out of memory");
	r = rule_keys(rules, "resources.devices", upd, SG_UPDATE_MAX_RULES, &n_upd, err);
	if (r < 0)
		return r;
	for (i = 0; i < n_upd; i++)
		any_allow |= strncmp(upd[i], "allow ", 6) == 0;
	if (!any_allow)
		return 0;
	r = rule_keys(own_rules, "config.json: linux.resources.devices", own, SG_UPDATE_MAX_RULES,
		      &n_own, err);
	if (r < 0)
		return r;
	for (i = 0; i < n_upd && i < n_own; i++)
		if (strcmp(upd[i], own[i]) != 0)
			break;
	if (i == n_upd && i == n_own)
		return 0;
	if (i < n_upd)
		return sg_error_set(err, -EPERM,
				    "resources.devices: rule '%s' is not the container's own (its "
				    "config.json has %s there): an update may not grant devices",
				    upd[i], i < n_own ? own[i] : "no rule");
	return sg_error_set(err, -EPERM,
			    "resources.devices: the container's rule '%s' is missing: an update "
			    "may not drop device rules",
			    own[i]);
}

int sg_oci_update_check(const json_t *resources, const json_t *config, struct sg_error *err)
{
	int r;

	if (!json_is_object(resources))
		return sg_error_set(err, -EINVAL, "resources are not a JSON object");
	r = sg_fields_walk(resources, SG_FIELDS_ROOT_RESOURCES, visit, NULL, err);
	if (r < 0)
		return r;
	return check_devices(json_object_get(resources, "devices"), config, err);
}
