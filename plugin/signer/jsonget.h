/* SPDX-License-Identifier: Apache-2.0 */
/* Strict reads of JSON members for the signer's config and requests: types, bounds, paths. */
#ifndef SG_SIGNER_JSONGET_H
#define SG_SIGNER_JSONGET_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "core/request.h"

/* Every key of obj must be one of keys (NULL-terminated): else -EINVAL naming
 * "<where>: unknown field 'k'". */
int sg_json_only_keys(const json_t *obj, const char *const *keys, const char *where,
		      struct sg_error *err);
/* A string member: missing is -ENOENT when required, else 0 with *out NULL. Empty strings
 * and strings over max bytes are refused. *out is a copy. */
int sg_json_string(const json_t *obj, const char *key, bool required, size_t max,
		   const char *where, char **out, struct sg_error *err);
/* An array of strings (each 1..max bytes, at most n_max), into out (present = true). */
int sg_json_strv(const json_t *obj, const char *key, bool required, size_t max, size_t n_max,
		 const char *where, struct sg_strv *out, struct sg_error *err);
/* The same for an array value v; at names it in messages. */
int sg_json_strv_of(const json_t *v, size_t max, size_t n_max, const char *at,
		    struct sg_strv *out, struct sg_error *err);
/* A non-negative integer member <= max. Missing: 0 with *out untouched unless required. */
int sg_json_uint(const json_t *obj, const char *key, bool required, uint64_t max,
		 const char *where, uint64_t *out, struct sg_error *err);

#endif
