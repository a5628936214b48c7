/* SPDX-License-Identifier: Apache-2.0 */
/* The policy parser: PAM-style stack files into action tables, with every module initialised. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "limits.h"
#include "policy_lines.h"
#include "registry.h"
#include "safepath.h"
#include "stack.h"
#include "stack_internal.h"
#include "strutil.h"

struct control_flag {
	const char *name;
	int actions[SG_VERDICT_COUNT];
};

/* Linux-PAM's mapping of the four control flags onto actions. */
static const struct control_flag control_flags[] = {
	{ "required",
	  { [SG_VERDICT_SUCCESS] = SG_ACTION_OK, [SG_VERDICT_DENY] = SG_ACTION_BAD,
	    [SG_VERDICT_UNSIGNED] = SG_ACTION_BAD, [SG_VERDICT_IGNORE] = SG_ACTION_IGNORE,
	    [SG_VERDICT_ERROR] = SG_ACTION_BAD } },
	{ "requisite",
	  { [SG_VERDICT_SUCCESS] = SG_ACTION_OK, [SG_VERDICT_DENY] = SG_ACTION_DIE,
	    [SG_VERDICT_UNSIGNED] = SG_ACTION_DIE, [SG_VERDICT_IGNORE] = SG_ACTION_IGNORE,
	    [SG_VERDICT_ERROR] = SG_ACTION_DIE } },
	{ "sufficient",
	  { [SG_VERDICT_SUCCESS] = SG_ACTION_DONE, [SG_VERDICT_DENY] = SG_ACTION_IGNORE,
	    [SG_VERDICT_UNSIGNED] = SG_ACTION_IGNORE, [SG_VERDICT_IGNORE] = SG_ACTION_IGNORE,
	    [SG_VERDICT_ERROR] = SG_ACTION_IGNORE } },
	{ "optional",
	  { [SG_VERDICT_SUCCESS] = SG_ACTION_OK, [SG_VERDICT_DENY] = SG_ACTION_IGNORE,
	    [SG_VERDICT_UNSIGNED] = SG_ACTION_IGNORE, [SG_VERDICT_IGNORE] = SG_ACTION_IGNORE,
	    [SG_VERDICT_ERROR] = SG_ACTION_IGNORE } },
};

static const struct {
	const char *name;
	enum sg_action action;
} action_names[] = {
	{ "ok", SG_ACTION_OK },         { "done", SG_ACTION_DONE },
	{ "bad", SG_ACTION_BAD },       { "die", SG_ACTION_DIE },
	{ "ignore", SG_ACTION_IGNORE }, { "reset", SG_ACTION_RESET },
};

const char *sg_action_name(int action, char *buf, size_t size)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(action_names); i++) {
		if ((int)action_names[i].action == action)
			return action_names[i].name;
	}
	(void)snprintf(buf, size, "%d", action);
	return buf;
}

/* A line's position, for messages. */
struct where {
	const char *file;
	unsigned line;
};

struct parser {
	struct sg_context *ctx;
	const struct sg_module *const *builtins;
	const char *module_dir;
	struct sg_stack *stack;
	/* Canonical paths of the files being read, outermost first: an include cycle is a file
	 * that is already on this chain. */
	char *chain[SG_LIMIT_INCLUDE_DEPTH + 1];
	unsigned depth;
};

static int parse_action(const char *s, const struct where *w, const char *key, int *out,
			struct sg_error *err)
{
	uint64_t n;

	for (size_t i = 0; i < SG_ARRAY_SIZE(action_names); i++) {
		if (strcmp(s, action_names[i].name) == 0) {
			*out = action_names[i].action;
			return 0;
		}
	}
	if (sg_parse_u64(s, SG_LIMIT_POLICY_ENTRIES, &n) < 0 || n == 0)
		return sg_error_set(err, -EINVAL,
				    "%s:%u: unknown action '%s' for '%s' (want ok, done, bad, die, "
				    "ignore, reset or a jump 1..%u)",
				    w->file, w->line, s, key, SG_LIMIT_POLICY_ENTRIES);
	*out = (int)n;
	return 0;
}

/* Parses "[verdict=action ...]" (the brackets already removed) into actions. */
static int parse_brackets(char *spec, const struct where *w, int actions[SG_VERDICT_COUNT],
			  struct sg_error *err)
{
	int set[SG_VERDICT_COUNT] = { 0 };
	int def = SG_ACTION_BAD; /* a verdict the line does not mention fails, as in PAM */
	bool have_def = false, any = false;
	char *save = NULL;

	for (char *tok = strtok_r(spec, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
		char *eq = strchr(tok, '=');
		enum sg_verdict v;
		int action = SG_ACTION_BAD, r;

		if (!eq)
			return sg_error_set(err, -EINVAL, "%s:%u: '%s' in control is not verdict=action",
					    w->file, w->line, tok);
		*eq = '\0';
		r = parse_action(eq + 1, w, tok, &action, err);
		if (r < 0)
			return r;
		any = true;
		if (strcmp(tok, "default") == 0) {
			if (have_def)
				return sg_error_set(err, -EINVAL, "%s:%u: 'default' given twice",
						    w->file, w->line);
			have_def = true;
			def = action;
			continue;
		}
		if (sg_verdict_parse(tok, &v) < 0)
			return sg_error_set(err, -EINVAL,
					    "%s:%u: unknown verdict '%s' in control (want success, "
					    "deny, unsigned, ignore, error or default)",
					    w->file, w->line, tok);
		if (set[v])
			return sg_error_set(err, -EINVAL, "%s:%u: '%s' given twice", w->file, w->line,
					    tok);
		set[v] = 1;
		actions[v] = action;
	}
	if (!any)
		return sg_error_set(err, -EINVAL, "%s:%u: empty control '[]'", w->file, w->line);
	for (unsigned v = 0; v < SG_VERDICT_COUNT; v++) {
		if (!set[v])
			actions[v] = def;
	}
	return 0;
}

static int parse_control(char *control, bool bracket, const struct where *w,
			 int actions[SG_VERDICT_COUNT], struct sg_error *err)
{
	if (bracket)
		return parse_brackets(control, w, actions, err);
	for (size_t i = 0; i < SG_ARRAY_SIZE(control_flags); i++) {
		if (strcmp(control, control_flags[i].name) == 0) {
			memcpy(actions, control_flags[i].actions, sizeof(control_flags[i].actions));
			return 0;
		}
	}
	return sg_error_set(err, -EINVAL,
			    "%s:%u: unknown control '%s' (want required, requisite, sufficient, "
			    "optional or [verdict=action ...])",
			    w->file, w->line, control);
}

static void entry_clear(struct sg_stack_entry *e)
{
	if (e->module && e->module->fini && e->state)
		e->module->fini(e->state);
	/* fini runs before the code it lives in is unmapped. */
	if (e->handle)
		(void)dlclose(e->handle);
	for (int i = 0; i < e->argc; i++)
		free(e->argv[i]);
	free(e->argv);
	free(e->file);
	memset(e, 0, sizeof(*e));
}

void sg_stack_free(struct sg_stack *stack)
{
	if (!stack)
		return;
	for (size_t i = stack->n_entries; i > 0; i--)
		entry_clear(&stack->entries[i - 1]);
	free(stack->entries);
	free(stack->path);
	free(stack);
}

static bool has_where_prefix(const char *msg, const struct where *w)
{
	size_t n = strlen(w->file);

	return strncmp(msg, w->file, n) == 0 && msg[n] == ':';
}

/* Resolves and initialises the module of one line; fills e (already holding file, line,
 * actions and arguments). */
static int entry_init(struct parser *p, struct sg_stack_entry *e, const char *name,
		      const char *policy_dir, struct sg_error *err)
{
	const struct where w = { e->file, e->line };
	struct sg_error merr = { 0 };
	struct sg_module_init init;
	int r;

	r = sg_module_find(name, p->builtins, p->module_dir, &e->module, &e->handle, err);
	if (r < 0)
		return sg_error_prefix(err, "%s:%u", w.file, w.line);
	if (!(e->module->ops & SG_OP_BIT(p->stack->op)))
		return sg_error_set(err, -EINVAL, "%s:%u: module '%s' is not allowed in the %s stack",
				    w.file, w.line, name, sg_op_name(p->stack->op));
	init = (struct sg_module_init){
		.struct_size = sizeof(init),
		.op = p->stack->op,
		.policy_file = e->file,
		.line = e->line,
		.argc = e->argc,
		.argv = (const char *const *)e->argv,
		.policy_dir = policy_dir,
		/* The gate's insides are for built-in modules only (module.h): a loaded .so
		 * gets NULL, so it cannot come to depend on an internal layout. */
		.ctx = e->handle ? NULL : p->ctx,
	};
	r = e->module->init(&init, &e->state, &merr);
	if (r >= 0)
		return 0;
	if (merr.msg[0] == '\0')
		return sg_error_set(err, r, "%s:%u: module '%s' failed to initialise (%s)", w.file,
				    w.line, name, strerror(-r));
	/* Modules may or may not say where they are; the message always does. */
	if (has_where_prefix(merr.msg, &w))
		return sg_error_set(err, r, "%s", merr.msg);
	return sg_error_set(err, r, "%s:%u: %s: %s", w.file, w.line, name, merr.msg);
}

static int stack_append(struct parser *p, struct sg_stack_entry *e, struct sg_error *err)
{
	struct sg_stack *s = p->stack;
	struct sg_stack_entry *n;

	n = reallocarray(s->entries, s->n_entries + 1, sizeof(*n));
	if (!n)
		return sg_error_set(err, -ENOMEM, "out of memory");
	s->entries = n;
	s->entries[s->n_entries++] = *e;
	memset(e, 0, sizeof(*e));
	return 0;
}

/* Splits s (modified) into words separated by blanks. */
static int split_words(char *s, char **words, int max, int *n, const struct where *w,
		       struct sg_error *err)
{
	char *save = NULL;

	*n = 0;
	for (char *tok = strtok_r(s, " \t\r", &save); tok; tok = strtok_r(NULL, " \t\r", &save)) {
		if (*n >= max)
			return sg_error_set(err, -E2BIG, "%s:%u: more than %u module arguments",
					    w->file, w->line, SG_LIMIT_POLICY_ARGS);
		words[(*n)++] = tok;
	}
	return 0;
}

static int parse_file(struct parser *p, const char *path, struct sg_error *err);

static int parse_include(struct parser *p, char **words, int n, const struct where *w,
			 const char *dir, struct sg_error *err)
{
	_cleanup_free_ char *target = NULL;
	int r;

	if (n != 2)
		return sg_error_set(err, -EINVAL, "%s:%u: include takes exactly one file", w->file,
				    w->line);
	/* depth counts the files being read: the top file and its nested includes. */
	if (p->depth > SG_LIMIT_INCLUDE_DEPTH)
		return sg_error_set(err, -ELOOP, "%s:%u: includes nested deeper than %u levels",
				    w->file, w->line, SG_LIMIT_INCLUDE_DEPTH);
	if (words[1][0] == '/')
		target = strdup(words[1]);
	else if (asprintf(&target, "%s/%s", dir, words[1]) < 0)
		target = NULL;
	if (!target)
		return sg_error_set(err, -ENOMEM, "out of memory");
	r = parse_file(p, target, err);
	/* Each level adds its own line: the message shows the whole include chain. */
	if (r < 0)
		return sg_error_prefix(err, "%s:%u: include '%s'", w->file, w->line, words[1]);
	return 0;
}

static int parse_line(struct parser *p, char *line, const struct where *w, const char *dir,
		      struct sg_error *err)
{
	char *words[SG_LIMIT_POLICY_ARGS + 2] = { NULL };
	struct sg_stack_entry e = { 0 };
	char *control = NULL, *rest = line;
	bool bracket = false;
	int n = 0, r;

	rest += strspn(rest, " \t\r");
	if (*rest == '\0')
		return 0;
	if (*rest == '[') {
		char *close = strchr(rest, ']');

		if (!close)
			return sg_error_set(err, -EINVAL, "%s:%u: control '[' without ']'", w->file,
					    w->line);
		if (close[1] != '\0' && close[1] != ' ' && close[1] != '\t' && close[1] != '\r')
			return sg_error_set(err, -EINVAL, "%s:%u: no blank after ']'", w->file,
					    w->line);
		*close = '\0';
		control = rest + 1;
		bracket = true;
		rest = close + 1;
	}
	r = split_words(rest, words, (int)SG_ARRAY_SIZE(words), &n, w, err);
	if (r < 0)
		return r;
	if (!bracket) {
		/* The line is not blank, so it has a first word. */
		if (n == 0)
			return sg_error_set(err, -EINVAL, "%s:%u: empty line", w->file, w->line);
		if (strcmp(words[0], "include") == 0)
			return parse_include(p, words, n, w, dir, err);
		control = words[0];
		memmove(words, words + 1, (size_t)(n - 1) * sizeof(words[0]));
		n--;
	}
	/* Now words[0] is the module, words[1..] its arguments. */
	if (n == 0)
		return sg_error_set(err, -EINVAL, "%s:%u: missing module name", w->file, w->line);
	if (n - 1 > (int)SG_LIMIT_POLICY_ARGS)
		return sg_error_set(err, -E2BIG, "%s:%u: more than %u module arguments", w->file,
				    w->line, SG_LIMIT_POLICY_ARGS);
	r = parse_control(control, bracket, w, e.actions, err);
	if (r < 0)
		return r;
	if (p->stack->n_entries >= SG_LIMIT_POLICY_ENTRIES)
		return sg_error_set(err, -E2BIG, "%s:%u: too many entries (more than %u)", w->file,
				    w->line, SG_LIMIT_POLICY_ENTRIES);

	e.line = w->line;
	e.file = strdup(w->file);
	e.argv = calloc((size_t)n, sizeof(char *));
	if (!e.file || !e.argv) {
		r = sg_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 1; i < n; i++) {
		e.argv[i - 1] = strdup(words[i]);
		if (!e.argv[i - 1]) {
			r = sg_error_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		e.argc = i;
	}
	r = entry_init(p, &e, words[0], dir, err);
	if (r < 0)
		goto out;
	r = stack_append(p, &e, err);
out:
	entry_clear(&e);
	return r;
}

/* One file being read: where its lines go. */
struct file_ctx {
	struct parser *p;
	const char *path;
	const char *dir;
};

static int parse_one(char *line, unsigned lineno, void *data, struct sg_error *err)
{
	struct file_ctx *fc = data;
	const struct where w = { fc->path, lineno };

	return parse_line(fc->p, line, &w, fc->dir, err);
}

static int parse_file(struct parser *p, const char *path, struct sg_error *err)
{
	_cleanup_free_ char *canon = NULL;
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ char *dir = NULL;
	struct file_ctx fc;
	char *slash;
	size_t len;
	int r;

	r = sg_safepath_check(path, 0, err);
	if (r < 0)
		return r;
	canon = realpath(path, NULL);
	if (!canon)
		return sg_error_set(err, -errno, "%s: %s", path, strerror(errno));
	for (unsigned i = 0; i < p->depth; i++) {
		if (strcmp(p->chain[i], canon) == 0)
			return sg_error_set(err, -ELOOP, "%s: include cycle", path);
	}
	r = sg_read_file(path, SG_LIMIT_POLICY_FILE, &text, &len, err);
	if (r < 0)
		return r;
	dir = strdup(path);
	if (!dir)
		return sg_error_set(err, -ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	/* path is absolute (the safe-path check made sure), so there is a slash. */
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';

	fc = (struct file_ctx){ p, path, dir };
	p->chain[p->depth++] = canon;
	r = sg_lines_foreach(path, text, len, parse_one, &fc, err);
	p->chain[--p->depth] = NULL;
	return r;
}

/* A jump must land on an entry of the stack or just after its last one. One past the end is
 * refused (file:line): it would end the stack with whatever status it has, skipping lines the
 * author meant to run, where Linux-PAM fails the whole stack. Checked on the whole stack, after
 * every include is in. */
static int check_jumps(const struct sg_stack *stack, struct sg_error *err)
{
	for (size_t i = 0; i < stack->n_entries; i++) {
		const struct sg_stack_entry *e = &stack->entries[i];
		size_t after = stack->n_entries - i - 1;

		for (unsigned v = 0; v < SG_VERDICT_COUNT; v++)
			if (e->actions[v] > 0 && (size_t)e->actions[v] > after)
				return sg_error_set(err, -EINVAL,
						    "%s:%u: %s=%d jumps past the end of the %s "
						    "stack (entries after this line: %zu)",
						    e->file, e->line, sg_verdict_name((enum sg_verdict)v),
						    e->actions[v], sg_op_name(stack->op), after);
	}
	return 0;
}

int sg_stack_load(struct sg_context *ctx, enum sg_op op, const char *path,
		  const struct sg_module *const *builtins, const char *module_dir,
		  struct sg_stack **out, struct sg_error *err)
{
	struct parser p = { .ctx = ctx, .builtins = builtins, .module_dir = module_dir };
	int r;

	if ((unsigned)op >= SG_OP_COUNT)
		return sg_error_set(err, -EINVAL, "%s: unknown operation %d", path, (int)op);
	p.stack = calloc(1, sizeof(*p.stack));
	if (!p.stack)
		return sg_error_set(err, -ENOMEM, "out of memory");
	p.stack->op = op;
	p.stack->path = strdup(path);
	if (!p.stack->path) {
		r = sg_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	r = parse_file(&p, path, err);
	if (r < 0)
		goto out;
	r = check_jumps(p.stack, err);
	if (r < 0)
		goto out;
	*out = steal_pointer(&p.stack);
out:
	sg_stack_free(p.stack);
	return r;
}

int sg_policy_load(struct sg_context *ctx, const char *dir,
		   const struct sg_module *const *builtins, const char *module_dir,
		   struct sg_stack *stacks[SG_OP_COUNT], struct sg_error *err)
{
	struct sg_stack *loaded[SG_OP_COUNT] = { NULL };
	int r = 0;

	for (unsigned op = 0; op < SG_OP_COUNT; op++) {
		_cleanup_free_ char *path = NULL;

		if (asprintf(&path, "%s/%s", dir, sg_op_name((enum sg_op)op)) < 0) {
			path = NULL;
			r = sg_error_set(err, -ENOMEM, "out of memory");
			break;
		}
		r = sg_stack_load(ctx, (enum sg_op)op, path, builtins, module_dir, &loaded[op],
				  err);
		if (r < 0)
			break;
	}
	if (r < 0) {
		sg_policy_free(loaded);
		return r;
	}
	memcpy(stacks, loaded, sizeof(loaded));
	return 0;
}

void sg_policy_free(struct sg_stack *stacks[SG_OP_COUNT])
{
	for (unsigned op = 0; op < SG_OP_COUNT; op++) {
		sg_stack_free(stacks[op]);
		stacks[op] = NULL;
	}
}
