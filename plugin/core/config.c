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

enum value_kind {
	VALUE_PATH,         /* an absolute path */
	VALUE_NAME_OR_PATH, /* a command name, or an absolute path */
	VALUE_CAPACITY,     /* 1..SG_LIMIT_REPLAY_CAPACITY */
	VALUE_AUDIT,        /* none | syslog | absolute path */
	VALUE_MODE,         /* enforce | audit-only */
	VALUE_LOG_LEVEL,    /* error | warn | info | debug */
};

struct keyword {
	const char *name;
	enum value_kind kind;
	size_t field;   /* offsetof the char * (or char ** for lists) */
	size_t count;   /* offsetof the list's size_t count; 0 for a single value */
};

#define SINGLE(n, k, f) { n, k, offsetof(struct sg_config, f), 0 }
#define LIST(n, k, f, c) { n, k, offsetof(struct sg_config, f), offsetof(struct sg_config, c) }

static const struct keyword keywords[] = {
	SINGLE("runtime", VALUE_NAME_OR_PATH, real_shim),
	SINGLE("policy_dir", VALUE_PATH, policy_dir),
	SINGLE("key_dir", VALUE_PATH, key_dir),
	SINGLE("module_dir", VALUE_PATH, module_dir),
	SINGLE("replay_store", VALUE_PATH, replay_store),
	SINGLE("replay_capacity", VALUE_CAPACITY, replay_capacity),
	SINGLE("audit", VALUE_AUDIT, audit),
	SINGLE("mode", VALUE_MODE, mode),
	LIST("runc_root", VALUE_PATH, runc_roots, n_runc_roots),
	LIST("runc_binary", VALUE_NAME_OR_PATH, runc_binaries, n_runc_binaries),
	SINGLE("log_level", VALUE_LOG_LEVEL, log_level),
};

static const char *const mode_names[] = {
	[SG_MODE_ENFORCE] = "enforce",
	[SG_MODE_AUDIT_ONLY] = "audit-only",
};

static const char *const log_levels[] = { "error", "warn", "info", "debug" };

#define FIELD(cfg, off, type) ((type *)(void *)((char *)(cfg) + (off)))
#define CFIELD(cfg, off, type) ((const type *)(const void *)((const char *)(cfg) + (off)))

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
	free(cfg->real_shim);
	free(cfg->policy_dir);
	free(cfg->key_dir);
	free(cfg->module_dir);
	free(cfg->replay_store);
	free(cfg->audit);
	strv_free(cfg->runc_roots, cfg->n_runc_roots);
	strv_free(cfg->runc_binaries, cfg->n_runc_binaries);
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

static int push_string(char ***v, size_t *n, const char *value, struct sg_error *err)
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
	cfg->real_shim = strdup("containerd-shim-runc-v2");
	cfg->policy_dir = strdup(SG_SYSCONFDIR "/policy.d");
	cfg->key_dir = strdup(SG_SYSCONFDIR "/keys.d");
	cfg->module_dir = strdup(SG_MODULEDIR);
	cfg->replay_store = strdup(SG_STATEDIR "/replay.db");
	cfg->replay_capacity = 65536;
	cfg->audit = strdup("syslog");
	cfg->mode = SG_MODE_ENFORCE;
	cfg->log_level = strdup("info");
	if (!cfg->real_shim || !cfg->policy_dir || !cfg->key_dir || !cfg->module_dir ||
	    !cfg->replay_store || !cfg->audit || !cfg->log_level)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (push_string(&cfg->runc_roots, &cfg->n_runc_roots, "/run/containerd/runc", err) < 0)
		return err ? err->code : -ENOMEM;
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
static int check_value(const struct keyword *kw, const char *value, struct sg_error *err)
{
	/* The dump writes "keyword = value", where a leading '#' would start a comment; and
	 * values are quoted in messages, where control characters do not belong. */
	if (value[0] == '#')
		return sg_error_set(err, -EINVAL, "%s: a value cannot start with '#'", kw->name);
	if (has_control(value))
		return sg_error_set(err, -EINVAL, "%s: the value contains a control character",
				    kw->name);
	switch (kw->kind) {
	case VALUE_PATH:
		if (value[0] != '/')
			return sg_error_set(err, -EINVAL, "%s: '%s' is not an absolute path",
					    kw->name, value);
		return 0;
	case VALUE_NAME_OR_PATH:
		if (strchr(value, '/') && value[0] != '/')
			return sg_error_set(err, -EINVAL,
					    "%s: '%s' must be a command name or an absolute path",
					    kw->name, value);
		return 0;
	case VALUE_AUDIT:
		if (strcmp(value, "none") && strcmp(value, "syslog") && value[0] != '/')
			return sg_error_set(err, -EINVAL,
					    "%s: '%s' is not none, syslog or an absolute path",
					    kw->name, value);
		return 0;
	case VALUE_MODE:
		if (lookup(value, mode_names, SG_ARRAY_SIZE(mode_names)) < 0)
			return sg_error_set(err, -EINVAL, "%s: '%s' is not enforce or audit-only",
					    kw->name, value);
		return 0;
	case VALUE_LOG_LEVEL:
		if (lookup(value, log_levels, SG_ARRAY_SIZE(log_levels)) < 0)
			return sg_error_set(err, -EINVAL,
					    "%s: '%s' is not error, warn, info or debug", kw->name,
					    value);
		return 0;
	case VALUE_CAPACITY: {
		uint64_t n;

		if (sg_parse_u64(value, SG_LIMIT_REPLAY_CAPACITY, &n) < 0 || n == 0)
			return sg_error_set(err, -EINVAL, "%s: '%s' is not an integer in 1..%u",
					    kw->name, value, SG_LIMIT_REPLAY_CAPACITY);
		return 0;
	}
	}
	return sg_error_set(err, -EINVAL, "%s: unknown kind", kw->name);
}

static int apply_value(struct sg_config *cfg, const struct keyword *kw, bool first,
		       const char *value, struct sg_error *err)
{
	int r = check_value(kw, value, err);

	if (r < 0)
		return r;
	if (kw->count) {
		char ***v = FIELD(cfg, kw->field, char **);
		size_t *n = FIELD(cfg, kw->count, size_t);

		/* The first occurrence in the file replaces the built-in default list. */
		if (first) {
			strv_free(*v, *n);
			*v = NULL;
			*n = 0;
		}
		return push_string(v, n, value, err);
	}
	switch (kw->kind) {
	case VALUE_CAPACITY: {
		uint64_t n = 0;

		(void)sg_parse_u64(value, SG_LIMIT_REPLAY_CAPACITY, &n); /* checked above */
		*FIELD(cfg, kw->field, uint32_t) = (uint32_t)n;
		return 0;
	}
	case VALUE_MODE:
		*FIELD(cfg, kw->field, enum sg_mode) =
			(enum sg_mode)lookup(value, mode_names, SG_ARRAY_SIZE(mode_names));
		return 0;
	default:
		return set_string(FIELD(cfg, kw->field, char *), value, err);
	}
}

/* The file being read. */
struct load_ctx {
	struct sg_config *cfg;
	const char *path;
	bool seen[SG_ARRAY_SIZE(keywords)];
};

static int parse_line(char *line, unsigned lineno, void *data, struct sg_error *err)
{
	struct load_ctx *lc = data;
	struct sg_config *cfg = lc->cfg;
	const char *path = lc->path;
	bool *seen = lc->seen;
	char *key, *value, *eq, *end;
	size_t k;
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
	for (k = 0; k < SG_ARRAY_SIZE(keywords); k++) {
		if (strcmp(key, keywords[k].name) == 0)
			break;
	}
	if (k == SG_ARRAY_SIZE(keywords))
		return sg_error_set(err, -EINVAL, "%s:%u: unknown keyword '%s'", path, lineno, key);
	if (seen[k] && !keywords[k].count)
		return sg_error_set(err, -EINVAL, "%s:%u: %s given twice", path, lineno, key);
	r = apply_value(cfg, &keywords[k], !seen[k], value, err);
	if (r < 0)
		return sg_error_prefix(err, "%s:%u", path, lineno);
	seen[k] = true;
	return 0;
}

int sg_config_load(const char *path, struct sg_config **out, struct sg_error *err)
{
	_cleanup_(sg_config_freep) struct sg_config *cfg = NULL;
	_cleanup_free_ char *text = NULL;

	if (!path)
		path = SG_CONFIG_DEFAULT_PATH;
	struct load_ctx lc = { .path = path };
	size_t len;
	int r;

	r = sg_safepath_read(path, 0, SG_LIMIT_POLICY_FILE, &text, &len, err);
	if (r < 0)
		return r;
	r = sg_config_defaults(&cfg, err);
	if (r < 0)
		return r;
	cfg->path = strdup(path);
	if (!cfg->path)
		return sg_error_set(err, -ENOMEM, "out of memory");
	lc.cfg = cfg;
	r = sg_lines_foreach(path, text, len, parse_line, &lc, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&cfg);
	return 0;
}

int sg_config_dump(const struct sg_config *cfg, FILE *out)
{
	fprintf(out, "# shimgate configuration\n");
	for (size_t k = 0; k < SG_ARRAY_SIZE(keywords); k++) {
		const struct keyword *kw = &keywords[k];

		if (kw->count) {
			char *const *v = *(char **const *)(const void *)((const char *)cfg + kw->field);
			size_t n = *CFIELD(cfg, kw->count, size_t);

			for (size_t i = 0; i < n; i++)
				fprintf(out, "%s = %s\n", kw->name, v[i]);
			continue;
		}
		switch (kw->kind) {
		case VALUE_CAPACITY:
			fprintf(out, "%s = %u\n", kw->name, *CFIELD(cfg, kw->field, uint32_t));
			break;
		case VALUE_MODE:
			fprintf(out, "%s = %s\n", kw->name,
				mode_names[*CFIELD(cfg, kw->field, enum sg_mode)]);
			break;
		default:
			fprintf(out, "%s = %s\n", kw->name,
				*(char *const *)(const void *)((const char *)cfg + kw->field));
			break;
		}
	}
	return ferror(out) ? -EIO : 0;
}
