/* SPDX-License-Identifier: Apache-2.0 */
/* Strict reads of JSON members: the one place the signer turns JSON into C values. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonget.h"

int sg_json_only_keys(const json_t *obj, const char *const *keys, const char *where,
		      struct sg_error *err)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return sg_error_set(err, -EINVAL, "%s: not an object", where);
	json_object_foreach((json_t *)obj, k, v) {
		size_t i;

		for (i = 0; keys[i] && strcmp(keys[i], k) != 0; i++)
			;
		if (!keys[i])
			return sg_error_set(err, -EINVAL, "%s: unknown field '%.64s'", where, k);
	}
	return 0;
}

static int member(const json_t *obj, const char *key, bool required, const char *where,
		  json_t **v, struct sg_error *err)
{
	*v = json_object_get(obj, key);
	if (!*v && required)
		return sg_error_set(err, -ENOENT, "%s: missing field '%s'", where, key);
	return 0;
}

static int check_string(const json_t *v, size_t max, const char *where, const char *key,
			struct sg_error *err)
{
	size_t n;

	if (!json_is_string(v))
		return sg_error_set(err, -EINVAL, "%s.%s: not a string", where, key);
	n = json_string_length(v);
	if (n == 0 || n > max)
		return sg_error_set(err, -EINVAL, "%s.%s: want 1 to %zu bytes", where, key, max);
	return 0;
}

int sg_json_string(const json_t *obj, const char *key, bool required, size_t max,
		   const char *where, char **out, struct sg_error *err)
{
	json_t *v;
	int r = member(obj, key, required, where, &v, err);

	*out = NULL;
	if (r < 0 || !v)
		return r;
	r = check_string(v, max, where, key, err);
	if (r < 0)
		return r;
	*out = strdup(json_string_value(v));
	return *out ? 0 : sg_error_set(err, -ENOMEM, "out of memory");
}

int sg_json_strv_of(const json_t *v, size_t max, size_t n_max, const char *at,
		    struct sg_strv *out, struct sg_error *err)
{
	json_t *e;
	size_t i;
	int r;

	if (!json_is_array(v))
		return sg_error_set(err, -EINVAL, "%s: not an array", at);
	if (json_array_size(v) > n_max)
		return sg_error_set(err, -E2BIG, "%s: more than %zu entries", at, n_max);
	out->present = true;
	json_array_foreach(v, i, e) {
		if (!json_is_string(e))
			return sg_error_set(err, -EINVAL, "%s[%zu]: not a string", at, i);
		if (json_string_length(e) > max)
			return sg_error_set(err, -EINVAL, "%s[%zu]: longer than %zu bytes", at, i, max);
		r = sg_strv_push(out, json_string_value(e), n_max, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int sg_json_strv(const json_t *obj, const char *key, bool required, size_t max, size_t n_max,
		 const char *where, struct sg_strv *out, struct sg_error *err)
{
	char at[160];
	json_t *v;
	int r = member(obj, key, required, where, &v, err);

	if (r < 0 || !v)
		return r;
	(void)snprintf(at, sizeof(at), "%s.%s", where, key);
	return sg_json_strv_of(v, max, n_max, at, out, err);
}

int sg_json_uint(const json_t *obj, const char *key, bool required, uint64_t max,
		 const char *where, uint64_t *out, struct sg_error *err)
{
	json_t *v;
	int r = member(obj, key, required, where, &v, err);

	if (r < 0 || !v)
		return r;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (uint64_t)json_integer_value(v) > max)
		return sg_error_set(err, -EINVAL, "%s.%s: want an integer from 0 to %llu", where,
				    key, (unsigned long long)max);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}
