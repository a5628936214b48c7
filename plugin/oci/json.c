/* SPDX-License-Identifier: Apache-2.0 */
/* sg_oci_parse: JSON text to a document, within the project's size and depth bounds. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/limits.h"
#include "oci/oci.h"

/* Nesting is measured on the text before jansson sees it, so a deeply nested document is
 * refused without ever building it (jansson's own limit is far above ours). */
static int check_depth(const char *text, size_t len, struct sg_error *err)
{
	unsigned depth = 0, line = 1, col = 0;
	bool in_string = false, escaped = false;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		col++;
		if (c == '\n') {
			line++;
			col = 0;
		}
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
			continue;
		}
		if (c == '"') {
			in_string = true;
		} else if (c == '{' || c == '[') {
			if (++depth > SG_LIMIT_JSON_DEPTH)
				return sg_error_set(err, -E2BIG,
						    "JSON line %u column %u: nested deeper than %u levels",
						    line, col, SG_LIMIT_JSON_DEPTH);
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/* jansson already refuses "\u0000" without JSON_ALLOW_NUL; this walk makes the rule hold
 * whatever flags a future caller passes. Recursion is bounded by check_depth. */
static int check_strings(const json_t *j, struct sg_error *err)
{
	const char *key;
	const json_t *v;
	size_t i;
	int r;

	if (json_is_string(j)) {
		if (strlen(json_string_value(j)) != json_string_length(j))
			return sg_error_set(err, -EINVAL, "JSON string contains a NUL character");
		return 0;
	}
	if (json_is_array(j)) {
		json_array_foreach(j, i, v) {
			r = check_strings(v, err);
			if (r < 0)
				return r;
		}
	} else if (json_is_object(j)) {
		json_object_foreach((json_t *)j, key, v) {
			r = check_strings(v, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int sg_oci_parse(const char *text, size_t len, json_t **out, struct sg_error *err)
{
	json_error_t jerr;
	json_t *doc;
	int r;

	if (len > SG_LIMIT_JSON_MAX)
		return sg_error_set(err, -E2BIG, "JSON document of %zu bytes (limit %u)", len,
				    SG_LIMIT_JSON_MAX);
	r = check_depth(text, len, err);
	if (r < 0)
		return r;
	/* Duplicate keys are refused: two readers could otherwise see two different values
	 * (THREATS T8). */
	doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return sg_error_set(err, -EINVAL, "JSON line %d column %d: %s", jerr.line,
				    jerr.column, jerr.text);
	r = check_strings(doc, err);
	if (r < 0) {
		json_decref(doc);
		return r;
	}
	*out = doc;
	return 0;
}
