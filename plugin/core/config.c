/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate.conf: a keyword table, strict values, "file:line:" errors, and a dump that parses back. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "config.h"
#include "limits.h"
#include "policy_lines.h"
#include "safepath.h"
#include "strutil.h"

#define SINGLE(n, k, f) { n, k, offsetof(struct sg_config, f), 0 }

static const struct sg_config_keyword keywords[] = {
	SINGLE("policy_dir", SG_CONFIG_PATH, policy_dir),
	SINGLE("key_dir", SG_CONFIG_PATH, key_dir),
	SINGLE("module_dir", SG_CONFIG_PATH, module_dir),
	SINGLE("replay_store", SG_CONFIG_PATH, replay_store),
	SINGLE("replay_capacity", SG_CONFIG_CAPACITY, replay_capacity),
	SINGLE("audit", SG_CONFIG_AUDIT, audit),
	SINGLE("mode", SG_CONFIG_MODE, mode),
	SINGLE("log_level", SG_CONFIG_LOG_LEVEL, log_level),
};
_Static_assert(SG_ARRAY_SIZE(keywords) <= SG_CONFIG_SECTION_MAX, "a table's seen bits");

static const char *const mode_names[] = {
	[SG_MODE_ENFORCE] = "enforce",
	[SG_MODE_AUDIT_ONLY] = "audit-only",
};

static const char *const log_levels[] = { "error", "warn", "info", "debug" };

#define FIELD(base, off, type) ((type *)(void *)((char *)(base) + (off)))
#define CFIELD(base, off, type) ((const type *)(const void *)((const char *)(base) + (off)))

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void sg_config_free(struct sg_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->policy_dir);
	free(cfg->key_dir);
	free(cfg->module_dir);
	free(cfg->replay_store);
	free(cfg->audit);
	free(cfg->log_level);
	free(cfg);
}

static void sg_config_freep(struct sg_config **cfg)
{
	sg_config_free(*cfg);
}

static int set_string(char **field, const char *value, struct sg_error *err)
{
	char *copy = strdup(value);

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	free(*field);
	*field = copy;
	return 0;
}

int sg_config_list_add(char ***v, size_t *n, const char *value, struct sg_error *err)
{
	char **nv;
	char *copy;

	if (*n >= SG_LIMIT_POLICY_ENTRIES)
		return sg_error_set(err, -E2BIG, "more than %u values", SG_LIMIT_POLICY_ENTRIES);
	copy = strdup(value);
	nv = copy ? reallocarray(*v, *n + 1, sizeof(char *)) : NULL;
	if (!nv) {
		free(copy);
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	nv[(*n)++] = copy;
	*v = nv;
	return 0;
}

int sg_config_defaults(struct sg_config **out, struct sg_error *err)
{
	_cleanup_(sg_config_freep) struct sg_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return sg_error_set(err, -ENOMEM, "out of memory");
	cfg->policy_dir = strdup(SG_SYSCONFDIR "/policy.d");
	cfg->key_dir = strdup(SG_SYSCONFDIR "/keys.d");
	cfg->module_dir = strdup(SG_MODULEDIR);
	cfg->replay_store = strdup(SG_STATEDIR "/replay.db");
	cfg->replay_capacity = 65536;
	cfg->audit = strdup("syslog");
	cfg->mode = SG_MODE_ENFORCE;
	cfg->log_level = strdup("info");
	if (!cfg->policy_dir || !cfg->key_dir || !cfg->module_dir || !cfg->replay_store ||
	    !cfg->audit || !cfg->log_level)
		return sg_error_set(err, -ENOMEM, "out of memory");
	*out = steal_pointer(&cfg);
	return 0;
}

static int lookup(const char *value, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(value, names[i]) == 0)
			return (int)i;
	}
	return -1;
}

static bool has_control(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	}
	return false;
}

/* Checks value for kw; returns 0 or a message in err (without file:line). */
static int check_value(const struct sg_config_keyword *kw, const char *value, struct sg_error *err)
{
	/* The dump writes "keyword = value", where a leading '#' would start a comment; and
	 * values are quoted in messages, where control characters do not belong. */
	if (value[0] == '#')
		return sg_error_set(err, -EINVAL, "%s: a value cannot start with '#'", kw->name);
	if (has_control(value))
		return sg_error_set(err, -EINVAL, "%s: the value contains a control character",
				    kw->name);
	switch (kw->kind) {
	case SG_CONFIG_PATH:
		if (value[0] != '/')
			return sg_error_set(err, -EINVAL, "%s: '%s' is not an absolute path",
					    kw->name, value);
		return 0;
	case SG_CONFIG_NAME_OR_PATH:
		if (strchr(value, '/') && value[0] != '/')
			return sg_error_set(err, -EINVAL,
					    "%s: '%s' must be a command name or an absolute path",
					    kw->name, value);
		return 0;
	case SG_CONFIG_AUDIT:
		if (strcmp(value, "none") && strcmp(value, "syslog") && value[0] != '/')
			return sg_error_set(err, -EINVAL,
					    "%s: '%s' is not none, syslog or an absolute path",
					    kw->name, value);
		return 0;
	case SG_CONFIG_MODE:
		if (lookup(value, mode_names, SG_ARRAY_SIZE(mode_names)) < 0)
			return sg_error_set(err, -EINVAL, "%s: '%s' is not enforce or audit-only",
					    kw->name, value);
		return 0;
	case SG_CONFIG_LOG_LEVEL:
		if (lookup(value, log_levels, SG_ARRAY_SIZE(log_levels)) < 0)
			return sg_error_set(err, -EINVAL,
					    "%s: '%s' is not error, warn, info or debug", kw->name,
					    value);
		return 0;
	case SG_CONFIG_CAPACITY: {
		uint64_t n;

		if (sg_parse_u64(value, SG_LIMIT_REPLAY_CAPACITY, &n) < 0 || n == 0)
			return sg_error_set(err, -EINVAL, "%s: '%s' is not an integer in 1..%u",
					    kw->name, value, SG_LIMIT_REPLAY_CAPACITY);
		return 0;
	}
	}
	return sg_error_set(err, -EINVAL, "%s: unknown kind", kw->name);
}

/* Stores value for kw into base, the struct of kw's section. */
static int apply_value(void *base, const struct sg_config_keyword *kw, bool first,
		       const char *value, struct sg_error *err)
{
	int r = check_value(kw, value, err);

	if (r < 0)
		return r;
	if (kw->count) {
		char ***v = FIELD(base, kw->field, char **);
		size_t *n = FIELD(base, kw->count, size_t);

		/* The first occurrence in the file replaces the built-in default list. */
		if (first) {
			strv_free(*v, *n);
			*v = NULL;
			*n = 0;
		}
		return sg_config_list_add(v, n, value, err);
	}
	switch (kw->kind) {
	case SG_CONFIG_CAPACITY: {
		uint64_t n = 0;

		(void)sg_parse_u64(value, SG_LIMIT_REPLAY_CAPACITY, &n); /* checked above */
		*FIELD(base, kw->field, uint32_t) = (uint32_t)n;
		return 0;
	}
	case SG_CONFIG_MODE:
		*FIELD(base, kw->field, enum sg_mode) =
			(enum sg_mode)lookup(value, mode_names, SG_ARRAY_SIZE(mode_names));
		return 0;
	default:
		return set_string(FIELD(base, kw->field, char *), value, err);
	}
}

/* A table and the struct its offsets point into: core's, or a front end's. */
struct table {
	const struct sg_config_keyword *keywords;
	size_t n;
	void *base;
	uint32_t seen; /* bit k: keywords[k] was given (n <= SG_CONFIG_SECTION_MAX) */
};

/* The file being read. */
struct load_ctx {
	const char *path;
	struct table tables[2]; /* core's, then the front end's (n 0 when none) */
};

static int parse_line(char *line, unsigned lineno, void *data, struct sg_error *err)
{
	struct load_ctx *lc = data;
	const char *path = lc->path;
	char *key, *value, *eq, *end;
	const struct sg_config_keyword *kw = NULL;
	struct table *t = NULL;
	uint32_t bit = 0;
	int r;

	key = line + strspn(line, " \t\r");
	if (*key == '\0')
		return 0;
	eq = strchr(key, '=');
	if (!eq)
		return sg_error_set(err, -EINVAL, "%s:%u: expected 'keyword = value'", path, lineno);
	value = eq + 1;
	value += strspn(value, " \t\r");
	for (end = eq; end > key && strchr(" \t\r", end[-1]); end--)
		;
	*end = '\0';
	for (end = value + strlen(value); end > value && strchr(" \t\r", end[-1]); end--)
		;
	*end = '\0';
	if (*value == '\0')
		return sg_error_set(err, -EINVAL, "%s:%u: %s: missing value", path, lineno, key);
	if (value[strcspn(value, " \t\r")] != '\0')
		return sg_error_set(err, -EINVAL, "%s:%u: %s: value '%s' contains blanks", path,
				    lineno, key, value);
	for (size_t i = 0; i < SG_ARRAY_SIZE(lc->tables) && !kw; i++) {
		for (size_t k = 0; k < lc->tables[i].n; k++) {
			if (strcmp(key, lc->tables[i].keywords[k].name) == 0) {
				t = &lc->tables[i];
				kw = &t->keywords[k];
				bit = UINT32_C(1) << k;
				break;
			}
		}
	}
	if (!kw)
		return sg_error_set(err, -EINVAL, "%s:%u: unknown keyword '%s'", path, lineno, key);
	if ((t->seen & bit) && !kw->count)
		return sg_error_set(err, -EINVAL, "%s:%u: %s given twice", path, lineno, key);
	r = apply_value(t->base, kw, !(t->seen & bit), value, err);
	if (r < 0)
		return sg_error_prefix(err, "%s:%u", path, lineno);
	t->seen |= bit;
	return 0;
}

int sg_config_load(const char *path, const struct sg_config_section *extra,
		   struct sg_config **out, struct sg_error *err)
{
	_cleanup_(sg_config_freep) struct sg_config *cfg = NULL;
	_cleanup_free_ char *text = NULL;

	if (!path)
		path = SG_CONFIG_DEFAULT_PATH;
	struct load_ctx lc = { .path = path };
	size_t len;
	int r;

	if (extra && extra->n_keywords > SG_CONFIG_SECTION_MAX)
		return sg_error_set(err, -EINVAL, "a section of %zu keywords (limit %u)",
				    extra->n_keywords, SG_CONFIG_SECTION_MAX);
	r = sg_safepath_read(path, 0, SG_LIMIT_POLICY_FILE, &text, &len, err);
	if (r < 0)
		return r;
	r = sg_config_defaults(&cfg, err);
	if (r < 0)
		return r;
	cfg->path = strdup(path);
	if (!cfg->path)
		return sg_error_set(err, -ENOMEM, "out of memory");
	lc.tables[0] = (struct table){ keywords, SG_ARRAY_SIZE(keywords), cfg, 0 };
	if (extra)
		lc.tables[1] = (struct table){ extra->keywords, extra->n_keywords, extra->values,
					       0 };
	r = sg_lines_foreach(path, text, len, parse_line, &lc, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&cfg);
	return 0;
}

static void dump_table(const struct sg_config_keyword *kws, size_t n_kws, const void *base,
		       FILE *out)
{
	for (size_t k = 0; k < n_kws; k++) {
		const struct sg_config_keyword *kw = &kws[k];

		if (kw->count) {
			char *const *v = *(char *const *const *)(const void *)((const char *)base +
									      kw->field);
			size_t n = *CFIELD(base, kw->count, size_t);

			for (size_t i = 0; i < n; i++)
				fprintf(out, "%s = %s\n", kw->name, v[i]);
			continue;
		}
		switch (kw->kind) {
		case SG_CONFIG_CAPACITY:
			fprintf(out, "%s = %u\n", kw->name, *CFIELD(base, kw->field, uint32_t));
			break;
		case SG_CONFIG_MODE:
			fprintf(out, "%s = %s\n", kw->name,
				mode_names[*CFIELD(base, kw->field, enum sg_mode)]);
			break;
		default:
			fprintf(out, "%s = %s\n", kw->name, *CFIELD(base, kw->field, char *const));
			break;
		}
	}
}

int sg_config_dump(const struct sg_config *cfg, const struct sg_config_section *extra,
		   FILE *out)
{
	fprintf(out, "# shimgate configuration\n");
	dump_table(keywords, SG_ARRAY_SIZE(keywords), cfg, out);
	if (extra)
		dump_table(extra->keywords, extra->n_keywords, extra->values, out);
	return ferror(out) ? -EIO : 0;
}

void sg_config_section_clear(const struct sg_config_section *section)
{
	for (size_t k = 0; k < section->n_keywords; k++) {
		const struct sg_config_keyword *kw = &section->keywords[k];

		/* Only strings and lists are allocated; a number or a mode is left as it is. */
		if (kw->count) {
			strv_free(*FIELD(section->values, kw->field, char **),
				  *FIELD(section->values, kw->count, size_t));
			*FIELD(section->values, kw->field, char **) = NULL;
			*FIELD(section->values, kw->count, size_t) = 0;
		} else if (kw->kind != SG_CONFIG_CAPACITY && kw->kind != SG_CONFIG_MODE) {
			free(*FIELD(section->values, kw->field, char *));
			*FIELD(section->values, kw->field, char *) = NULL;
		}
	}
}
