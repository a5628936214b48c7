/* SPDX-License-Identifier: Apache-2.0 */
/* sg_oci_parse: JSON text to a document, within the project's size and depth bounds. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "oci/fields.h"
#include "oci/oci.h"

/* The end of the string whose body starts at i: the index of its closing '"', or len. Runs
 * over every string byte of every document, so the loop does nothing else. */
static size_t skip_string(const char *text, size_t len, size_t i)
{
	while (i < len) {
		char c = text[i];

		if (c == '"')
			return i;
		i += c == '\\' ? 2 : 1;
	}
	return len;
}

/* Line and column (1-based) of text[at], for error messages only. */
static void position(const char *text, size_t at, unsigned *line, unsigned *col)
{
	size_t start = 0;

	*line = 1;
	for (size_t i = 0; i <= at; i++) {
		if (text[i] == '\n') {
			(*line)++;
			start = i + 1;
		}
	}
	*col = (unsigned)(at + 1 - start);
}

/* Nesting is measured on the text before jansson sees it, so a deeply nested document is
 * refused without ever building it (jansson's own limit is far above ours). */
static int check_depth(const char *text, size_t len, struct sg_error *err)
{
	unsigned depth = 0, line, col;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];

		if (c == '"') {
			i = skip_string(text, len, i + 1);
		} else if (c == '{' || c == '[') {
			if (++depth > SG_LIMIT_JSON_DEPTH) {
				position(text, i, &line, &col);
				return sg_error_set(err, -E2BIG,
						    "JSON line %u column %u: nested deeper than %u levels",
						    line, col, SG_LIMIT_JSON_DEPTH);
			}
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return 0;
}

/* Integers above INT64_MAX: jansson holds int64 only and refuses them ("too big integer"), but
 * Go's uint64 fields (RLIM_INFINITY in process.rlimits, which Docker and CRI send) carry them.
 * This pass copies the text, turning each such integer (up to UINT64_MAX) into the string
 * "\u0000<digits>", which sg_oci_is_big_u64() recognises and the writer turns back into the bare
 * digits. A client's own "\u0000" is refused here, so every NUL string is one of ours. Leaves
 * *out NULL when the text has no such integer. Strings and numbers are lexed as JSON does; a
 * malformed token is left for jansson to refuse. */
/* Appends n bytes to the growing copy. */
static int copy_put(char **copy, size_t *n, size_t *cap, const char *s, size_t len)
{
	if (len == 0)
		return 0; /* a number at the very start: nothing before it, maybe no buffer yet */
	if (*cap - *n < len) {
		size_t ncap = (*cap + len) * 2;
		char *p = realloc(*copy, ncap);

		if (!p)
			return -ENOMEM;
		*copy = p;
		*cap = ncap;
	}
	memcpy(*copy + *n, s, len);
	*n += len;
	return 0;
}

/* What strchr("[{:, \t\r\n", prev) answered before, its terminator included: the
 * uint64 fuzz harness holds this pass to jansson's reading. */
static bool number_may_follow(char prev)
{
	switch (prev) {
	case '[': case '{': case ':': case ',': case ' ': case '\t': case '\r': case '\n':
	case '\0':
		return true;
	default:
		return false;
	}
}

static bool is_lifted(const char *digits, size_t n)
{
	static const char u64max[] = "18446744073709551615";
	static const char i64max[] = "9223372036854775807";

	if (n < sizeof(i64max) - 1 || n > sizeof(u64max) - 1)
		return false;
	if (n == sizeof(i64max) - 1 && strncmp(digits, i64max, n) <= 0)
		return false;
	return !(n == sizeof(u64max) - 1 && strncmp(digits, u64max, n) > 0);
}

static int lift_u64(const char *text, size_t len, char **out, size_t *out_len,
		    struct sg_error *err)
{
	_cleanup_free_ char *copy = NULL;
	size_t n = 0, cap = 0, done = 0;
	bool in_string = false;

	*out = NULL;
	for (size_t i = 0; i < len; i++) {
		size_t start = i;
		char c = text[i];

		if (in_string) {
			/* Straight to the next backslash or quote. */
			while (i < len && text[i] != '\\' && text[i] != '"')
				i++;
			if (i == len)
				break;
			if (text[i] == '\\' && i + 1 < len) {
				if (text[i + 1] == 'u' && len - i >= 6 &&
				    strncmp(text + i + 2, "0000", 4) == 0)
					return sg_error_set(err, -EINVAL,
							    "JSON string: \\u0000 is not allowed");
				i++;
			} else if (text[i] == '"') {
				in_string = false;
			}
			continue;
		}
		if (c == '"') {
			in_string = true;
			continue;
		}
		/* A number starts after a structural character or a blank, never inside a
		 * literal; "-" is never lifted (a negative is int64 or too big). */
		if (c < '1' || c > '9' || (i > 0 && !number_may_follow(text[i - 1])))
			continue;
		while (i + 1 < len && text[i + 1] >= '0' && text[i + 1] <= '9')
			i++;
		if (i + 1 < len && strchr(".eE", text[i + 1]))
			continue; /* a real: jansson's */
		if (!is_lifted(text + start, i + 1 - start))
			continue;
		if (copy_put(&copy, &n, &cap, text + done, start - done) < 0 ||
		    copy_put(&copy, &n, &cap, "\"\\u0000", 7) < 0 ||
		    copy_put(&copy, &n, &cap, text + start, i + 1 - start) < 0 ||
		    copy_put(&copy, &n, &cap, "\"", 1) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
		done = i + 1;
	}
	if (copy && copy_put(&copy, &n, &cap, text + done, len - done) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	*out_len = n;
	*out = steal_pointer(&copy);
	return 0;
}

struct u64_walk {
	const char *label;
};

/* Every NUL string is a lifted integer (lift_u64 refused the client's own), and it may stand
 * only where the table allows a uint64. */
static int visit_u64(void *data, const struct sg_field *f, const char *shown,
		     const char *pattern, const json_t *v, struct sg_error *err)
{
	const struct u64_walk *w = data;

	(void)pattern;
	if (!json_is_string(v) || strlen(json_string_value(v)) == json_string_length(v))
		return 0;
	if (!sg_oci_is_big_u64(v))
		return sg_error_set(err, -EINVAL, "%s: %s: JSON string contains a NUL character",
				    w->label, shown);
	if (!f || !(f->flags & SG_FIELD_U64))
		return sg_error_set(err, -ERANGE,
				    "%s: %s: integer %s is above 2^63-1, which only uint64 fields "
				    "may hold",
				    w->label, shown, json_string_value(v) + 1);
	return 0;
}

static int check_u64(const json_t *doc, const char *root, struct sg_error *err)
{
	static const struct {
		const char *key, *root, *label;
	} envelope[] = {
		{ "spec", SG_FIELDS_ROOT_CONFIG, "spec" },
		{ "container", SG_FIELDS_ROOT_CONFIG, "container" },
		{ "process", SG_FIELDS_ROOT_PROCESS, "process" },
	};
	struct u64_walk w = { .label = "JSON" };
	const char *key;
	json_t *v;

	if (!root || strcmp(root, SG_FIELDS_ROOT_ENVELOPE) != 0) {
		if (!root)
			root = "@none"; /* no table entry: no integer above 2^63-1 anywhere */
		else
			w.label = *root ? root : "config.json";
		return json_is_object(doc) || json_is_array(doc)
			       ? sg_fields_walk(doc, root, visit_u64, &w, err)
			       : visit_u64(&w, NULL, "(document)", "", doc, err);
	}
	json_object_foreach((json_t *)doc, key, v) {
		const char *sub = "@none";
		int r;

		w.label = key;
		for (size_t i = 0; i < SG_ARRAY_SIZE(envelope); i++)
			if (strcmp(key, envelope[i].key) == 0)
				sub = envelope[i].root;
		r = json_is_object(v) || json_is_array(v) ? sg_fields_walk(v, sub, visit_u64, &w, err)
							  : visit_u64(&w, NULL, key, "", v, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int sg_oci_parse_as(const char *text, size_t len, const char *root, json_t **out,
		    struct sg_error *err)
{
	_cleanup_free_ char *lifted = NULL;
	json_error_t jerr;
	size_t lifted_len = 0;
	json_t *doc;
	int r;

	if (len > SG_LIMIT_JSON_MAX)
		return sg_error_set(err, -E2BIG, "JSON document of %zu bytes (limit %u)", len,
				    SG_LIMIT_JSON_MAX);
	r = check_depth(text, len, err);
	if (r == 0)
		r = lift_u64(text, len, &lifted, &lifted_len, err);
	if (r < 0)
		return r;
	/* Duplicate keys are refused: two readers could otherwise see two different values
	 * (THREATS T8). JSON_ALLOW_NUL admits the lifted integers, and only them. */
	doc = lifted ? json_loadb(lifted, lifted_len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL,
				  &jerr)
		     : json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return sg_error_set(err, -EINVAL, "JSON line %d column %d: %s", jerr.line,
				    jerr.column, jerr.text);
	if (lifted) {
		r = check_u64(doc, root, err);
		if (r < 0) {
			json_decref(doc);
			return r;
		}
	}
	*out = doc;
	return 0;
}

int sg_oci_parse(const char *text, size_t len, json_t **out, struct sg_error *err)
{
	return sg_oci_parse_as(text, len, NULL, out, err);
}
