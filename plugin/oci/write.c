/* SPDX-License-Identifier: Apache-2.0 */
/* Writing rewritten specs (an exec's process, a create's config.json) back to JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/limits.h"
#include "oci/fields.h"
#include "oci/jsonout.h"
#include "oci.h"

/* A document is written as json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) writes it, byte
 * for byte, but into one buffer: jansson's dumper costs an exec more than the rest of the
 * rewrite (a callback per fragment, and a loop check that formats a key per container). Reals,
 * which OCI specs do not hold, are left to jansson. The one difference: an integer above
 * 2^63-1, held as an sg_oci_is_big_u64() string, is written as the number it was. */
static void put(struct sg_jout *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->cap - o->len <= n) {
		size_t cap = o->cap ? o->cap : 256;
		char *p;

		while (cap - o->len <= n)
			cap *= 2;
		p = realloc(o->p, cap);
		if (!p) {
			o->failed = -ENOMEM;
			return;
		}
		o->p = p;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* jansson's escapes: the two short forms for '"' and '\\', the five for b f n r t, and \uXXXX
 * (upper-case hex) for other control characters; everything else as is (strings in a
 * jansson document are valid UTF-8). */
static void put_string(struct sg_jout *o, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;

	put(o, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char esc[6] = { '\\', 0 };
		size_t esc_len = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(o, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			esc_len = 6;
		}
		put(o, esc, esc_len);
	}
	put(o, s + run, n - run);
	put(o, "\"", 1);
}

static void put_value(struct sg_jout *o, const json_t *v, unsigned depth)
{
	const char *key;
	json_t *item;
	char num[24];
	size_t i;
	bool first = true;

	/* The document was parsed within SG_LIMIT_JSON_DEPTH; the rewrite adds a level at most. */
	if (depth > SG_LIMIT_JSON_DEPTH + 1) {
		o->failed = -E2BIG;
		return;
	}
	if (v == o->node) {
		put(o, o->text, o->text_len);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		put(o, "{", 1);
		json_object_foreach((json_t *)v, key, item) {
			if (!first)
				put(o, ",", 1);
			first = false;
			put_string(o, key, strlen(key));
			put(o, ":", 1);
			put_value(o, item, depth + 1);
		}
		put(o, "}", 1);
		break;
	case JSON_ARRAY:
		put(o, "[", 1);
		json_array_foreach(v, i, item) {
			if (i)
				put(o, ",", 1);
			put_value(o, item, depth + 1);
		}
		put(o, "]", 1);
		break;
	case JSON_STRING:
		/* A uint64 the parser lifted out of jansson's range goes back as its digits. */
		if (sg_oci_is_big_u64(v))
			put(o, json_string_value(v) + 1, json_string_length(v) - 1);
		else
			put_string(o, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER: {
		/* Digits by hand: snprintf cost ~700 instructions a number, ~90 per spec. */
		json_int_t n = json_integer_value(v);
		uint64_t u = n < 0 ? (uint64_t)0 - (uint64_t)n : (uint64_t)n;
		size_t at = sizeof(num);

		do
			num[--at] = (char)('0' + u % 10);
		while ((u /= 10) != 0);
		if (n < 0)
			num[--at] = '-';
		put(o, num + at, sizeof(num) - at);
		break;
	}
	case JSON_TRUE:
		put(o, "true", 4);
		break;
	case JSON_FALSE:
		put(o, "false", 5);
		break;
	case JSON_NULL:
		put(o, "null", 4);
		break;
	default: {
		char *real = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		if (real)
			put(o, real, strlen(real));
		else
			o->failed = -ENOMEM;
		free(real);
	}
	}
}

void sg_jout_put(struct sg_jout *o, const char *s, size_t n)
{
	put(o, s, n);
}

void sg_jout_string(struct sg_jout *o, const char *s, size_t n)
{
	put_string(o, s, n);
}

int sg_jout_done(struct sg_jout *o, char **out, size_t *len, struct sg_error *err)
{
	put(o, "", 1);
	if (o->failed) {
		free(o->p);
		return sg_error_set(err, o->failed, o->failed == -E2BIG ? "spec nested too deep"
								      : "out of memory");
	}
	*out = o->p;
	*len = o->len - 1;
	return 0;
}

int sg_oci_dump_spliced(const json_t *doc, const json_t *node, const char *text,
			size_t text_len, char **out, size_t *len, struct sg_error *err)
{
	struct sg_jout o = { .node = text ? node : NULL, .text = text, .text_len = text_len };

	put_value(&o, doc, 0);
	return sg_jout_done(&o, out, len, err);
}

int sg_oci_dump(const json_t *doc, char **out, size_t *len, struct sg_error *err)
{
	return sg_oci_dump_spliced(doc, NULL, NULL, 0, out, len, err);
}
