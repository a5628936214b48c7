/* SPDX-License-Identifier: Apache-2.0 */
/* An OCI process object <-> struct sg_process: strict reading, and writing the changes back. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "oci/oci.h"

/* Capabilities in one set: more entries than this can only be padding (there are 41). */
#define CAPSET_ENTRIES_MAX 256u

/* For error messages only: "<field>", or "<field>[<index>]" for an array entry (index >= 0). */
static const char *field_name(char buf[64], const char *field, long index)
{
	if (index < 0)
		return field;
	(void)snprintf(buf, 64, "%s[%ld]", field, index);
	return buf;
}

/* A JSON string as a C string, refusing embedded NULs and over-long values. */
static int get_string(const json_t *v, const char *field, long index, const char **out,
		      struct sg_error *err)
{
	char name[64];

	if (!json_is_string(v))
		return sg_error_set(err, -EINVAL, "%s: not a string", field_name(name, field, index));
	if (strlen(json_string_value(v)) != json_string_length(v))
		return sg_error_set(err, -EINVAL, "%s: contains a NUL character",
				    field_name(name, field, index));
	if (json_string_length(v) > SG_LIMIT_STRING)
		return sg_error_set(err, -E2BIG, "%s: longer than %u bytes",
				    field_name(name, field, index), SG_LIMIT_STRING);
	*out = json_string_value(v);
	return 0;
}

static int get_u32(const json_t *v, const char *field, long index, uint32_t *out,
		   struct sg_error *err)
{
	char name[64];
	json_int_t n;

	if (!json_is_integer(v))
		return sg_error_set(err, -EINVAL, "%s: not an integer",
				    field_name(name, field, index));
	n = json_integer_value(v);
	if (n < 0 || n > (json_int_t)UINT32_MAX)
		return sg_error_set(err, -ERANGE, "%s: %lld is outside 0..%u",
				    field_name(name, field, index), (long long)n, UINT32_MAX);
	*out = (uint32_t)n;
	return 0;
}

static int get_bool(const json_t *obj, const char *key, const char *field, bool *out,
		    struct sg_error *err)
{
	const json_t *v = json_object_get(obj, key);

	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return sg_error_set(err, -EINVAL, "%s: not a boolean", field);
	*out = json_is_true(v);
	return 0;
}

/* Reads obj[key], an optional array of strings, into out (present only when the key is). */
static int read_strv(const json_t *obj, const char *key, const char *field, size_t max,
		     bool env, struct sg_strv *out, struct sg_error *err)
{
	const json_t *arr = json_object_get(obj, key);
	const json_t *v;
	size_t i;
	int r;

	if (!arr)
		return 0;
	if (!json_is_array(arr))
		return sg_error_set(err, -EINVAL, "%s: not an array", field);
	if (json_array_size(arr) > max)
		return sg_error_set(err, -E2BIG, "%s: more than %zu entries", field, max);
	out->present = true;
	json_array_foreach(arr, i, v) {
		char name[64];
		const char *s;

		r = get_string(v, field, (long)i, &s, err);
		if (r < 0)
			return r;
		/* The value is not quoted: an env entry may hold a secret. */
		if (env && (s[0] == '=' || !strchr(s, '=')))
			return sg_error_set(err, -EINVAL, "%s: not of the form KEY=VALUE",
					    field_name(name, field, (long)i));
		r = sg_strv_push(out, s, max, err);
		if (r < 0)
			return sg_error_prefix(err, "%s", field_name(name, field, (long)i));
	}
	return 0;
}

static int read_gids(const json_t *arr, struct sg_user *u, struct sg_error *err)
{
	const json_t *v;
	size_t i;
	int r;

	if (!json_is_array(arr))
		return sg_error_set(err, -EINVAL, "process.user.additionalGids: not an array");
	if (json_array_size(arr) > SG_LIMIT_GIDS)
		return sg_error_set(err, -E2BIG, "process.user.additionalGids: more than %u entries",
				    SG_LIMIT_GIDS);
	u->additional_gids_present = true;
	if (json_array_size(arr) == 0)
		return 0;
	u->additional_gids = calloc(json_array_size(arr), sizeof(*u->additional_gids));
	if (!u->additional_gids)
		return sg_error_set(err, -ENOMEM, "out of memory");
	json_array_foreach(arr, i, v) {
		r = get_u32(v, "process.user.additionalGids", (long)i, &u->additional_gids[i], err);
		if (r < 0)
			return r;
		u->n_additional_gids++;
	}
	return 0;
}

static int read_user(const json_t *user, struct sg_user *u, struct sg_error *err)
{
	const char *key;
	const char *s;
	json_t *v;
	uint32_t umask;
	int r = 0;

	if (!user)
		return 0;
	if (!json_is_object(user))
		return sg_error_set(err, -EINVAL, "process.user: not an object");
	/* Every key of user changes who runs: an unknown one is refused, not carried along. */
	json_object_foreach((json_t *)user, key, v) {
		if (strcmp(key, "uid") == 0)
			r = get_u32(v, "process.user.uid", -1, &u->uid, err);
		else if (strcmp(key, "gid") == 0)
			r = get_u32(v, "process.user.gid", -1, &u->gid, err);
		else if (strcmp(key, "umask") == 0)
			r = get_u32(v, "process.user.umask", -1, &umask, err);
		else if (strcmp(key, "additionalGids") == 0)
			r = read_gids(v, u, err);
		else if (strcmp(key, "username") == 0) {
			r = get_string(v, "process.user.username", -1, &s, err);
			if (r == 0 && !(u->username = strdup(s)))
				r = sg_error_set(err, -ENOMEM, "out of memory");
		} else
			r = sg_error_set(err, -EINVAL, "process.user: unknown key '%.64s'", key);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_capset(const json_t *arr, const char *set, uint64_t *out, struct sg_error *err)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(arr))
		return sg_error_set(err, -EINVAL, "process.capabilities.%s: not an array", set);
	if (json_array_size(arr) > CAPSET_ENTRIES_MAX)
		return sg_error_set(err, -E2BIG, "process.capabilities.%s: more than %u entries",
				    set, CAPSET_ENTRIES_MAX);
	json_array_foreach(arr, i, v) {
		const char *name = json_string_value(v);
		int cap;

		if (!json_is_string(v))
			return sg_error_set(err, -EINVAL, "process.capabilities.%s[%zu]: not a string",
					    set, i);
		cap = sg_cap_from_name(name);
		if (cap < 0)
			return sg_error_set(err, -EINVAL,
					    "process.capabilities.%s: unknown capability '%.64s'", set,
					    name);
		*out |= UINT64_C(1) << cap;
	}
	return 0;
}

static int capset_from_name(const char *name)
{
	for (int s = 0; s < SG_CAPSET_COUNT; s++)
		if (strcmp(name, sg_capset_name((enum sg_capset)s)) == 0)
			return s;
	return -1;
}

static int read_caps(const json_t *caps, struct sg_process *p, struct sg_error *err)
{
	const char *key;
	json_t *v;
	int r;

	if (!caps)
		return 0;
	if (!json_is_object(caps))
		return sg_error_set(err, -EINVAL, "process.capabilities: not an object");
	p->capabilities_present = true;
	json_object_foreach((json_t *)caps, key, v) {
		int s = capset_from_name(key);

		if (s < 0)
			return sg_error_set(err, -EINVAL, "process.capabilities: unknown set '%.64s'",
					    key);
		r = read_capset(v, key, &p->caps[s], err);
		if (r < 0)
			return r;
		p->caps_present[s] = true;
	}
	return 0;
}

static int read_process(const json_t *process, struct sg_process *p, struct sg_error *err)
{
	const json_t *cwd;
	const char *s;
	int r;

	if (!json_is_object(process))
		return sg_error_set(err, -EINVAL, "process: not an object");
	r = read_strv(process, "args", "process.args", SG_LIMIT_ARGC, false, &p->args, err);
	if (r < 0)
		return r;
	r = read_strv(process, "env", "process.env", SG_LIMIT_ENVC, true, &p->env, err);
	if (r < 0)
		return r;
	cwd = json_object_get(process, "cwd");
	if (cwd) {
		r = get_string(cwd, "process.cwd", -1, &s, err);
		if (r < 0)
			return r;
		p->cwd = strdup(s);
		if (!p->cwd)
			return sg_error_set(err, -ENOMEM, "out of memory");
	}
	r = get_bool(process, "terminal", "process.terminal", &p->terminal, err);
	if (r < 0)
		return r;
	r = read_user(json_object_get(process, "user"), &p->user, err);
	if (r < 0)
		return r;
	r = read_caps(json_object_get(process, "capabilities"), p, err);
	if (r < 0)
		return r;
	return get_bool(process, "noNewPrivileges", "process.noNewPrivileges",
			&p->no_new_privileges, err);
}

int sg_oci_process_read(const json_t *process, struct sg_process *out, struct sg_error *err)
{
	struct sg_process p = { 0 };
	int r;

	r = read_process(process, &p, err);
	if (r < 0) {
		sg_process_clear(&p);
		return r;
	}
	sg_process_clear(out);
	*out = p;
	return 0;
}

static int set_new(json_t *obj, const char *key, json_t *v, struct sg_error *err)
{
	if (!v || json_object_set_new(obj, key, v) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

static json_t *strv_to_json(const struct sg_strv *sv)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < sv->n; i++) {
		if (json_array_append_new(arr, json_string(sv->v[i])) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* arr holds exactly the strings of sv. */
static bool strv_is_json(const struct sg_strv *sv, const json_t *arr)
{
	if (!json_is_array(arr) || json_array_size(arr) != sv->n)
		return false;
	for (size_t i = 0; i < sv->n; i++) {
		const json_t *v = json_array_get(arr, i);

		if (!json_is_string(v) || json_string_length(v) != strlen(sv->v[i]) ||
		    memcmp(json_string_value(v), sv->v[i], json_string_length(v)) != 0)
			return false;
	}
	return true;
}

/* The typed list is the truth: written when present, removed from the document when not.
 * An unchanged list is left in place (rebuilding it costs every exec a tree of strings). */
static int apply_strv(json_t *process, const char *key, const struct sg_strv *sv,
		      struct sg_error *err)
{
	if (!sv->present) {
		(void)json_object_del(process, key); /* absent already: nothing to remove */
		return 0;
	}
	if (strv_is_json(sv, json_object_get(process, key)))
		return 0;
	return set_new(process, key, strv_to_json(sv), err);
}

static json_t *capset_to_json(uint64_t mask)
{
	json_t *arr = json_array();

	for (int c = 0; arr && c <= SG_CAP_LAST; c++) {
		if (!(mask & (UINT64_C(1) << c)))
			continue;
		if (json_array_append_new(arr, json_string(sg_cap_name(c))) < 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static int apply_caps(const struct sg_process *p, json_t *process, struct sg_error *err)
{
	json_t *caps = json_object_get(process, "capabilities");
	int r;

	for (int s = 0; s < SG_CAPSET_COUNT; s++) {
		const char *name = sg_capset_name((enum sg_capset)s);

		if (!p->caps_present[s] && p->caps[s] == 0) {
			if (json_is_object(caps))
				(void)json_object_del(caps, name); /* absent already: fine */
			continue;
		}
		if (!json_is_object(caps)) {
			r = set_new(process, "capabilities", json_object(), err);
			if (r < 0)
				return r;
			caps = json_object_get(process, "capabilities");
		}
		r = set_new(caps, name, capset_to_json(p->caps[s]), err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* obj[key] = n, unless it is that already. */
static int set_u32(json_t *obj, const char *key, uint32_t n, struct sg_error *err)
{
	const json_t *v = json_object_get(obj, key);

	if (json_is_integer(v) && json_integer_value(v) == (json_int_t)n)
		return 0;
	return set_new(obj, key, json_integer(n), err);
}

static int apply_user(const struct sg_user *u, json_t *process, struct sg_error *err)
{
	json_t *user = json_object_get(process, "user");
	json_t *gids;
	int r;

	if (!user) {
		if (u->uid == 0 && u->gid == 0 && !u->additional_gids_present)
			return 0;
		r = set_new(process, "user", json_object(), err);
		if (r < 0)
			return r;
		user = json_object_get(process, "user");
	}
	if (!json_is_object(user))
		return sg_error_set(err, -EINVAL, "process.user: not an object");
	r = set_u32(user, "uid", u->uid, err);
	if (r == 0)
		r = set_u32(user, "gid", u->gid, err);
	if (r < 0)
		return r;
	if (!u->additional_gids_present) {
		(void)json_object_del(user, "additionalGids"); /* absent already: fine */
		return 0;
	}
	gids = json_array();
	for (size_t i = 0; gids && i < u->n_additional_gids; i++) {
		if (json_array_append_new(gids, json_integer(u->additional_gids[i])) < 0) {
			json_decref(gids);
			gids = NULL;
		}
	}
	return set_new(user, "additionalGids", gids, err);
}

int sg_oci_process_apply(const struct sg_process *p, json_t *process, struct sg_error *err)
{
	int r;

	if (!json_is_object(process))
		return sg_error_set(err, -EINVAL, "process: not an object");
	r = apply_strv(process, "args", &p->args, err);
	if (r == 0)
		r = apply_strv(process, "env", &p->env, err);
	if (r == 0)
		r = apply_user(&p->user, process, err);
	if (r == 0)
		r = apply_caps(p, process, err);
	if (r < 0)
		return r;
	if (p->no_new_privileges || json_object_get(process, "noNewPrivileges"))
		return set_new(process, "noNewPrivileges", json_boolean(p->no_new_privileges), err);
	return 0;
}
