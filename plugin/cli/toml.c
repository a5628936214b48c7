/* SPDX-License-Identifier: Apache-2.0 */
/* The strict TOML-subset reader of containerd's config.toml (see toml.h). What it does not know
 * (inline tables, arrays of tables, multi-line strings, nested arrays) is an error with
 * file:line, never skipped: doctor must not judge a configuration it only half read. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "toml.h"

struct parser {
	const char *path;
	const char *p;
	unsigned line;
	struct sg_toml *doc;
	char *table;              /* canonical prefix of the current [table], "" at the root */
	struct sg_toml_table *cur; /* the current header's record, NULL at the root */
	struct sg_error *err;
};

static int fail(struct parser *ps, const char *what)
{
	return sg_error_set(ps->err, -EINVAL, "%s:%u: %s", ps->path, ps->line, what);
}

static bool is_bare(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

char *sg_toml_segment(const char *segment)
{
	size_t len = strlen(segment);
	bool bare = len > 0;
	char *out, *q;

	for (size_t i = 0; i < len && bare; i++)
		bare = is_bare(segment[i]);
	if (bare)
		return strdup(segment);
	/* Quoted: '"' and '\\' escaped, so the canonical form parses back to the same segment. */
	out = malloc(2 * len + 3);
	if (!out)
		return NULL;
	q = out;
	*q++ = '"';
	for (size_t i = 0; i < len; i++) {
		if (segment[i] == '"' || segment[i] == '\\')
			*q++ = '\\';
		*q++ = segment[i];
	}
	*q++ = '"';
	*q = '\0';
	return out;
}

static void skip_blank(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t')
		ps->p++;
}

/* Blanks, then an optional comment, then the end of the line (consumed) or of the text. */
static int end_of_line(struct parser *ps)
{
	skip_blank(ps);
	if (*ps->p == '#')
		ps->p += strcspn(ps->p, "\n");
	if (*ps->p == '\r' && ps->p[1] == '\n')
		ps->p++;
	if (*ps->p == '\n') {
		ps->p++;
		ps->line++;
		return 0;
	}
	return *ps->p == '\0' ? 0 : fail(ps, "unexpected text after the value");
}

static int put_utf8(char *out, size_t *n, uint32_t cp)
{
	if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp == 0)
		return -EINVAL;
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
	return 0;
}

static int unicode_escape(struct parser *ps, unsigned digits, char *out, size_t *n)
{
	uint32_t cp = 0;

	for (unsigned i = 0; i < digits; i++) {
		char c = ps->p[i];
		unsigned v;

		if (c >= '0' && c <= '9')
			v = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v = (unsigned)(c - 'A' + 10);
		else
			return fail(ps, "bad \\u escape");
		cp = cp * 16 + v;
	}
	ps->p += digits;
	return put_utf8(out, n, cp) < 0 ? fail(ps, "bad \\u escape") : 0;
}

/* A basic "..." or literal '...' string on one line; *out is malloc'ed. */
static int parse_string(struct parser *ps, char **out)
{
	char quote = *ps->p++;
	_cleanup_free_ char *buf = NULL;
	size_t n = 0;

	if (ps->p[0] == quote && ps->p[1] == quote)
		return fail(ps, "multi-line strings are not supported");
	/* Decoding never grows the text (an escape of 6 or 10 bytes gives at most 4). */
	buf = malloc(strcspn(ps->p, "\n") + 1);
	if (!buf)
		return sg_error_set(ps->err, -ENOMEM, "out of memory");
	for (;;) {
		unsigned char c = (unsigned char)*ps->p;

		if (c == '\0' || c == '\n')
			return fail(ps, "unterminated string");
		ps->p++;
		if (c == (unsigned char)quote)
			break;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return fail(ps, "control character in a string");
		if (c != '\\' || quote == '\'') {
			buf[n++] = (char)c;
			continue;
		}
		c = (unsigned char)*ps->p++;
		switch (c) {
		case '"': buf[n++] = '"'; break;
		case '\\': buf[n++] = '\\'; break;
		case 'b': buf[n++] = '\b'; break;
		case 't': buf[n++] = '\t'; break;
		case 'n': buf[n++] = '\n'; break;
		case 'f': buf[n++] = '\f'; break;
		case 'r': buf[n++] = '\r'; break;
		case 'u':
			if (unicode_escape(ps, 4, buf, &n) < 0)
				return ps->err->code;
			break;
		case 'U':
			if (unicode_escape(ps, 8, buf, &n) < 0)
				return ps->err->code;
			break;
		default:
			return fail(ps, "unknown escape in a string");
		}
	}
	buf[n] = '\0';
	*out = steal_pointer(&buf);
	return 0;
}

/* key = segment ('.' segment)*, appended to prefix in canonical form. */
static int parse_key(struct parser *ps, const char *prefix, char **out)
{
	_cleanup_free_ char *key = strdup(prefix);

	if (!key)
		return sg_error_set(ps->err, -ENOMEM, "out of memory");
	for (;;) {
		_cleanup_free_ char *seg = NULL, *canon = NULL;
		char *joined = NULL;

		skip_blank(ps);
		if (*ps->p == '"' || *ps->p == '\'') {
			if (parse_string(ps, &seg) < 0)
				return ps->err->code;
		} else {
			size_t len = 0;

			while (is_bare(ps->p[len]))
				len++;
			if (len == 0)
				return fail(ps, "expected a key");
			seg = strndup(ps->p, len);
			ps->p += len;
		}
		canon = seg ? sg_toml_segment(seg) : NULL;
		if (!canon || asprintf(&joined, "%s%s%s", key, *key ? "." : "", canon) < 0)
			return sg_error_set(ps->err, -ENOMEM, "out of memory");
		free(key);
		key = joined;
		skip_blank(ps);
		if (*ps->p != '.')
			break;
		ps->p++;
	}
	*out = steal_pointer(&key);
	return 0;
}

/* An unquoted value: integer, float, boolean or date, kept as written. */
static int parse_scalar(struct parser *ps, char **out)
{
	size_t len = strspn(ps->p, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+-._:");
	char c = *ps->p;

	if (len == 0)
		return fail(ps, *ps->p == '{' ? "inline tables are not supported" : "expected a value");
	if (!((c >= '0' && c <= '9') || c == '+' || c == '-' ||
	      (len == 4 && strncmp(ps->p, "true", 4) == 0) ||
	      (len == 5 && strncmp(ps->p, "false", 5) == 0) ||
	      (len == 3 && (strncmp(ps->p, "inf", 3) == 0 || strncmp(ps->p, "nan", 3) == 0))))
		return fail(ps, "expected a value");
	*out = strndup(ps->p, len);
	if (!*out)
		return sg_error_set(ps->err, -ENOMEM, "out of memory");
	ps->p += len;
	return 0;
}

static int parse_item(struct parser *ps, char **out)
{
	if (*ps->p == '"' || *ps->p == '\'')
		return parse_string(ps, out);
	if (*ps->p == '[')
		return fail(ps, "nested arrays are not supported");
	return parse_scalar(ps, out);
}

/* Blanks, newlines and comments inside an array. */
static void skip_array_space(struct parser *ps)
{
	for (;;) {
		skip_blank(ps);
		if (*ps->p == '#')
			ps->p += strcspn(ps->p, "\n");
		if (*ps->p == '\r' && ps->p[1] == '\n')
			ps->p++;
		if (*ps->p != '\n')
			return;
		ps->p++;
		ps->line++;
	}
}

static int parse_array(struct parser *ps, struct sg_toml_entry *e)
{
	ps->p++;
	for (;;) {
		char **grown;

		skip_array_space(ps);
		if (*ps->p == ']')
			break;
		grown = reallocarray(e->items, e->n_items + 1, sizeof(*grown));
		if (!grown)
			return sg_error_set(ps->err, -ENOMEM, "out of memory");
		e->items = grown;
		if (parse_item(ps, &e->items[e->n_items]) < 0)
			return ps->err->code;
		e->n_items++;
		skip_array_space(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p != ']')
			return fail(ps, *ps->p ? "expected ',' or ']' in an array" : "unterminated array");
	}
	ps->p++;
	return 0;
}

static bool key_taken(const struct sg_toml *doc, const char *key)
{
	size_t len = strlen(key);

	for (size_t i = 0; i < doc->n_entries; i++) {
		const char *k = doc->entries[i].key;

		/* The same key, or a key under it (a value cannot also be a table). */
		if (strncmp(k, key, len) == 0 && (k[len] == '\0' || k[len] == '.'))
			return true;
	}
	return false;
}

static int parse_keyval(struct parser *ps)
{
	struct sg_toml_entry e = { .line = ps->line, .table_len = strlen(ps->table) };
	struct sg_toml_entry *grown;
	int r;

	r = parse_key(ps, ps->table, &e.key);
	if (r < 0)
		return r;
	if (*ps->p != '=') {
		free(e.key);
		return fail(ps, "expected '=' after the key");
	}
	ps->p++;
	skip_blank(ps);
	if (*ps->p == '[') {
		e.type = SG_TOML_ARRAY;
		r = parse_array(ps, &e);
	} else if (*ps->p == '"' || *ps->p == '\'') {
		e.type = SG_TOML_STRING;
		r = parse_string(ps, &e.value);
	} else {
		e.type = SG_TOML_SCALAR;
		r = parse_scalar(ps, &e.value);
	}
	e.end_line = ps->line;
	if (r == 0 && key_taken(ps->doc, e.key))
		r = sg_error_set(ps->err, -EINVAL, "%s:%u: key %s defined twice", ps->path, e.line,
				 e.key);
	if (r == 0)
		r = end_of_line(ps);
	grown = r == 0 ? reallocarray(ps->doc->entries, ps->doc->n_entries + 1, sizeof(*grown)) : NULL;
	if (r == 0 && !grown)
		r = sg_error_set(ps->err, -ENOMEM, "out of memory");
	if (r < 0) {
		free(e.key);
		free(e.value);
		for (size_t i = 0; i < e.n_items; i++)
			free(e.items[i]);
		free(e.items);
		return r;
	}
	ps->doc->entries = grown;
	ps->doc->entries[ps->doc->n_entries++] = e;
	if (ps->cur)
		ps->cur->last = e.end_line;
	return 0;
}

static int parse_header(struct parser *ps)
{
	_cleanup_free_ char *key = NULL;
	struct sg_toml_table *grown;
	unsigned line = ps->line;

	ps->p++;
	if (*ps->p == '[')
		return fail(ps, "arrays of tables are not supported");
	if (parse_key(ps, "", &key) < 0)
		return ps->err->code;
	if (*ps->p != ']')
		return fail(ps, "expected ']' after the table name");
	ps->p++;
	if (end_of_line(ps) < 0)
		return ps->err->code;
	if (sg_toml_table(ps->doc, key) || sg_toml_get(ps->doc, key))
		return sg_error_set(ps->err, -EINVAL, "%s:%u: table %s defined twice", ps->path,
				    line, key);
	grown = reallocarray(ps->doc->tables, ps->doc->n_tables + 1, sizeof(*grown));
	if (!grown)
		return sg_error_set(ps->err, -ENOMEM, "out of memory");
	ps->doc->tables = grown;
	free(ps->table);
	ps->table = strdup(key);
	if (!ps->table)
		return sg_error_set(ps->err, -ENOMEM, "out of memory");
	ps->cur = &grown[ps->doc->n_tables];
	*ps->cur = (struct sg_toml_table){ .key = steal_pointer(&key), .line = line, .last = line };
	ps->doc->n_tables++;
	if (!ps->doc->first_table_line)
		ps->doc->first_table_line = line;
	return 0;
}

int sg_toml_parse(const char *path, const char *text, struct sg_toml **out, struct sg_error *err)
{
	struct parser ps = { .path = path, .p = text, .line = 1, .err = err };
	int r = 0;

	ps.doc = calloc(1, sizeof(*ps.doc));
	ps.table = strdup("");
	if (!ps.doc || !ps.table || !(ps.doc->path = strdup(path))) {
		r = sg_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	while (*ps.p) {
		skip_blank(&ps);
		if (*ps.p == '#' || *ps.p == '\n' || *ps.p == '\r' || *ps.p == '\0')
			r = end_of_line(&ps);
		else if (*ps.p == '[')
			r = parse_header(&ps);
		else
			r = parse_keyval(&ps);
		if (r < 0)
			goto out;
	}
	*out = steal_pointer(&ps.doc);
out:
	free(ps.table);
	sg_toml_free(ps.doc);
	return r;
}

int sg_toml_load(const char *path, struct sg_toml **out, struct sg_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	_cleanup_free_ char *text = NULL;
	struct stat st;
	size_t len = 0;

	if (fd < 0)
		return sg_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0)
		return sg_error_set(err, -errno, "%s: %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > SG_TOML_MAX_BYTES)
		return sg_error_set(err, -EINVAL, "%s: not a regular file of at most %u bytes", path,
				    SG_TOML_MAX_BYTES);
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return sg_error_set(err, -ENOMEM, "out of memory");
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, text + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sg_error_set(err, n < 0 ? -errno : -EIO, "%s: cannot read", path);
		len += (size_t)n;
	}
	text[len] = '\0';
	if (strlen(text) != len)
		return sg_error_set(err, -EINVAL, "%s: holds a NUL byte", path);
	return sg_toml_parse(path, text, out, err);
}

void sg_toml_free(struct sg_toml *doc)
{
	if (!doc)
		return;
	for (size_t i = 0; i < doc->n_entries; i++) {
		struct sg_toml_entry *e = &doc->entries[i];

		free(e->key);
		free(e->value);
		for (size_t j = 0; j < e->n_items; j++)
			free(e->items[j]);
		free(e->items);
	}
	for (size_t i = 0; i < doc->n_tables; i++)
		free(doc->tables[i].key);
	free(doc->entries);
	free(doc->tables);
	free(doc->path);
	free(doc);
}

const struct sg_toml_entry *sg_toml_get(const struct sg_toml *doc, const char *key)
{
	for (size_t i = 0; doc && i < doc->n_entries; i++) {
		if (strcmp(doc->entries[i].key, key) == 0)
			return &doc->entries[i];
	}
	return NULL;
}

const char *sg_toml_string(const struct sg_toml *doc, const char *key, const char *dflt)
{
	const struct sg_toml_entry *e = sg_toml_get(doc, key);

	return e && e->type == SG_TOML_STRING ? e->value : dflt;
}

const struct sg_toml_table *sg_toml_table(const struct sg_toml *doc, const char *key)
{
	for (size_t i = 0; doc && i < doc->n_tables; i++) {
		if (strcmp(doc->tables[i].key, key) == 0)
			return &doc->tables[i];
	}
	return NULL;
}

bool sg_toml_array_has(const struct sg_toml *doc, const char *key, const char *item)
{
	const struct sg_toml_entry *e = sg_toml_get(doc, key);

	for (size_t i = 0; e && e->type == SG_TOML_ARRAY && i < e->n_items; i++) {
		if (strcmp(e->items[i], item) == 0)
			return true;
	}
	return false;
}

/* The canonical segment of key that follows prefix + ".", or NULL. */
static char *child_of(const char *key, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *s = key + plen + 1, *q = s;

	if (strncmp(key, prefix, plen) != 0 || key[plen] != '.')
		return NULL;
	if (*q == '"') {
		for (q++; *q && *q != '"'; q++) {
			if (*q == '\\' && q[1])
				q++;
		}
		if (*q == '"')
			q++;
	} else {
		q += strcspn(q, ".");
	}
	return strndup(s, (size_t)(q - s));
}

static int add_name(char ***names, size_t *n, char *name, struct sg_error *err)
{
	char **grown;

	if (!name)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*names)[i], name) == 0) {
			free(name);
			return 0;
		}
	}
	grown = reallocarray(*names, *n + 1, sizeof(*grown));
	if (!grown) {
		free(name);
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	*names = grown;
	grown[(*n)++] = name;
	return 0;
}

int sg_toml_children(const struct sg_toml *doc, const char *prefix, char ***names, size_t *n,
		     struct sg_error *err)
{
	size_t plen = strlen(prefix);

	for (size_t i = 0; doc && i < doc->n_entries; i++) {
		const char *k = doc->entries[i].key;

		if (strncmp(k, prefix, plen) == 0 && k[plen] == '.' &&
		    add_name(names, n, child_of(k, prefix), err) < 0)
			return err->code;
	}
	for (size_t i = 0; doc && i < doc->n_tables; i++) {
		const char *k = doc->tables[i].key;

		if (strncmp(k, prefix, plen) == 0 && k[plen] == '.' &&
		    add_name(names, n, child_of(k, prefix), err) < 0)
			return err->code;
	}
	return 0;
}
