/* SPDX-License-Identifier: Apache-2.0 */
/* The signature token's carriers: found, recorded once, and stripped everywhere (THREATS T10:
 * the container never sees a token, also a malformed or duplicated one). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "oci/carrier.h"
#include "oci/oci.h"
#include "sig/grant.h"

#define TOKEN_PREFIX SG_TOKEN_ENV "="
#define TOKEN_PREFIX_LEN (sizeof(TOKEN_PREFIX) - 1)

static bool is_carrier(const char *s)
{
	return s && strncmp(s, TOKEN_PREFIX, TOKEN_PREFIX_LEN) == 0;
}

static void wipe_string(char *s)
{
	if (s)
		OPENSSL_cleanse(s, strlen(s));
}

/* jansson owns the buffer; it is wiped in place before the value is released, so the token
 * does not linger in freed heap memory (core dumps, T10). */
static void wipe_json_string(json_t *v)
{
	if (json_is_string(v))
		OPENSSL_cleanse((char *)json_string_value(v), json_string_length(v));
}

void sg_carrier_clear(struct sg_carrier *c)
{
	wipe_string(c->value);
	free(c->value);
	memset(c, 0, sizeof(*c));
}

static int record(struct sg_carrier *c, const char *value, const char *where,
		  struct sg_error *err)
{
	size_t n = strlen(c->where);

	(void)snprintf(c->where + n, sizeof(c->where) - n, "%s%s", n ? ", " : "", where);
	if (c->count++ > 0)
		return 0;
	c->value = strdup(value);
	if (!c->value)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* Removes every carrier string from doc[key] (an array), or with leading_only the carriers
 * before its first other element. */
static void strip_json_array(json_t *doc, const char *key, bool leading_only)
{
	json_t *arr = json_object_get(doc, key);
	size_t i = 0;

	if (!json_is_array(arr))
		return;
	while (i < json_array_size(arr)) {
		json_t *v = json_array_get(arr, i);

		if (is_carrier(json_string_value(v))) {
			wipe_json_string(v);
			(void)json_array_remove(arr, i); /* i < size: cannot fail */
		} else if (leading_only) {
			return;
		} else {
			i++;
		}
	}
}

/* The place of a carrier as the client wrote it ("env[2]"), so a refusal names each one. */
static const char *place(char *buf, size_t size, const char *list, size_t i)
{
	(void)snprintf(buf, size, "%s[%zu]", list, i);
	return buf;
}

int sg_carrier_take_env(struct sg_strv *env, json_t *process, struct sg_carrier *c,
			struct sg_error *err)
{
	char where[32];
	size_t i = 0, removed = 0;
	int r = 0;

	strip_json_array(process, "env", false);
	while (i < env->n) {
		if (!is_carrier(env->v[i])) {
			i++;
			continue;
		}
		if (r == 0)
			r = record(c, env->v[i] + TOKEN_PREFIX_LEN,
				   place(where, sizeof(where), "env", i + removed), err);
		wipe_string(env->v[i]);
		sg_strv_remove(env, i);
		removed++;
	}
	return r;
}

int sg_carrier_take_argv0(struct sg_strv *args, json_t *process, struct sg_carrier *c,
			  struct sg_error *err)
{
	char where[32];
	size_t removed = 0;
	int r = 0;

	/* "SHIMGATE_TOKEN=a SHIMGATE_TOKEN=b cmd": both go (the second would otherwise be the
	 * new argv[0], run and seen by the container), and two tokens are ambiguous. */
	strip_json_array(process, "args", true);
	while (args->n > 0 && is_carrier(args->v[0])) {
		if (r == 0)
			r = record(c, args->v[0] + TOKEN_PREFIX_LEN,
				   place(where, sizeof(where), "argv", removed), err);
		wipe_string(args->v[0]);
		sg_strv_remove(args, 0);
		removed++;
	}
	return r;
}

/* The grant annotation meant for this container: "io.shimgate.grant.<container name>", or
 * ".POD" for the pod sandbox (FORMAT.md section 8); NULL outside a CRI spec. */
static bool own_grant_key(json_t *ann, char *buf, size_t size)
{
	const char *type = json_string_value(json_object_get(ann, SG_CRI_CONTAINER_TYPE));
	const char *name = json_string_value(json_object_get(ann, SG_CRI_CONTAINER_NAME));
	int n;

	if (!type)
		return false;
	if (strcmp(type, "sandbox") == 0)
		name = SG_GRANT_SANDBOX_NAME;
	if (!name)
		return false;
	n = snprintf(buf, size, SG_GRANT_ANNOTATION_PREFIX "%s", name);
	return n > 0 && (size_t)n < size;
}

/* Every pod annotation reaches every container of the pod: all the pod's grants leave the
 * document, and only this container's is taken. */
static int take_grants(json_t *ann, struct sg_carrier *c, struct sg_error *err)
{
	char own[256];
	bool have_own = own_grant_key(ann, own, sizeof(own));
	const char *key;
	json_t *v, *tmp;
	int r = 0;

	json_object_foreach_safe(ann, tmp, key, v) {
		if (strncmp(key, SG_GRANT_ANNOTATION_PREFIX, strlen(SG_GRANT_ANNOTATION_PREFIX)) != 0)
			continue;
		if (r == 0 && have_own && strcmp(key, own) == 0) {
			if (!json_is_string(v))
				r = sg_error_set(err, -EINVAL, "annotations.%.200s: not a string", key);
			else
				r = record(c, json_string_value(v), "grant annotation", err);
		}
		wipe_json_string(v);
		(void)json_object_del(ann, key); /* present: cannot fail */
	}
	return r;
}

int sg_carrier_take_annotation(json_t *config, struct sg_carrier *c, struct sg_error *err)
{
	json_t *ann = json_object_get(config, "annotations");
	json_t *v;
	int r = 0, r2;

	if (!ann)
		return 0;
	if (!json_is_object(ann))
		return sg_error_set(err, -EINVAL, "annotations: not an object");
	v = json_object_get(ann, SG_TOKEN_ANNOTATION);
	if (v) {
		if (!json_is_string(v))
			r = sg_error_set(err, -EINVAL,
					 "annotations." SG_TOKEN_ANNOTATION ": not a string");
		else
			r = record(c, json_string_value(v), "annotation", err);
		wipe_json_string(v);
		(void)json_object_del(ann, SG_TOKEN_ANNOTATION); /* present: cannot fail */
	}
	r2 = take_grants(ann, c, r < 0 ? NULL : err);
	return r < 0 ? r : r2;
}

int sg_carrier_finish(struct sg_carrier *c, struct sg_request *req, struct sg_error *err)
{
	int r = 0;

	if (c->count > 1)
		r = sg_error_set(err, -EINVAL,
				 "ambiguous request: %u signature tokens (%s); a request carries one",
				 c->count, c->where);
	else if (c->count == 1)
		r = sg_request_set_token(req, c->value, err);
	sg_carrier_clear(c);
	return r;
}
