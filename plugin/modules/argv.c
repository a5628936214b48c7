/* SPDX-License-Identifier: Apache-2.0 */
/* argv [deny=LIST] [allow=LIST] | exact_file=PATH: judges the program a process runs
 * (THREATS T17: a valid signature does not make nsenter safe).
 *
 * deny/allow look at every program word of argv: argv[0]'s basename, the applet of
 * "busybox APPLET", the program after a wrapper (env, nice, nohup, setsid, timeout...),
 * and for "sh -c STRING" every word in command position of STRING. This is a tripwire, not
 * a sandbox (a copied or renamed binary passes a deny list); allow= is the stronger form.
 * Without arguments the default deny list applies; "@default" inside deny= adds it.
 *
 * exact_file=PATH (relative to the policy directory) lists whole argvs, one per line, the
 * elements separated by TAB ('#' starts a comment line). An exact match is success and
 * anything else ignore, so "sufficient argv exact_file=probes" before "required hmac" lets
 * the unsigned health probes through and leaves every other exec to the signature. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/request.h"
#include "core/safepath.h"
#include "core/strutil.h"
#include "modules.h"

/* Tools that enter other namespaces, change the root, mount, load kernel modules, or
 * manipulate capabilities: the usual ways out of a container for a process that has the
 * privilege to try. */
static const char *const default_deny[] = {
	"nsenter", "chroot", "pivot_root", "switch_root", "mount", "umount", "unshare",
	"setpriv", "insmod", "modprobe", "rmmod", "capsh", "debugfs", NULL,
};

static const char *const shells[] = { "sh", "ash", "bash", "dash", "ksh", "mksh", "zsh",
				      "hush", NULL };
static const char *const wrappers[] = { "env", "exec", "command", "nice", "nohup", "setsid",
					"timeout", "time", "stdbuf", "ionice", "chrt", "taskset",
					"xargs", "sudo", "doas", "chpst", NULL };
static const char *const keywords[] = { "if", "then", "else", "elif", "fi", "do", "done",
					"while", "until", "case", "esac", "!", NULL };

#define SHELL_SEPARATORS ";&|()`{}\n"
#define WORD_BREAKS " \t\r\v\f\"'\\<>"
#define WORDS_MAX 256u
#define EXACT_MAX 1024u

struct sg_module_state {
	struct sg_strv deny;
	struct sg_strv allow;    /* present: only these programs */
	struct sg_strv *exact;   /* exact_file: allowed argvs */
	size_t n_exact;
	bool exact_mode;
};

static bool in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void argv_fini(struct sg_module_state *s)
{
	if (!s)
		return;
	sg_strv_clear(&s->deny);
	sg_strv_clear(&s->allow);
	for (size_t i = 0; i < s->n_exact; i++)
		sg_strv_clear(&s->exact[i]);
	free(s->exact);
	free(s);
}

static inline void argv_finip(struct sg_module_state **s)
{
	argv_fini(*s);
}

static int push_defaults(struct sg_strv *sv, struct sg_error *err)
{
	for (size_t i = 0; default_deny[i]; i++) {
		int r = sg_strv_push(sv, default_deny[i], WORDS_MAX, err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_list(const char *arg, const char *value, bool defaults, struct sg_strv *out,
		      struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(value);
	char *rest = copy, *item;
	int r;

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (out->present)
		return sg_error_set(err, -EINVAL, "argument '%.5s' given twice", arg);
	out->present = true;
	do {
		item = strsep(&rest, ",");
		bool dflt = defaults && strcmp(item, "@default") == 0;

		if (*item == '\0' || strchr(item, '/') || (item[0] == '@' && !dflt))
			return sg_error_set(err, -EINVAL,
					    "argument '%s': '%s' is not a program name", arg, item);
		if (dflt)
			r = push_defaults(out, err);
		else
			r = sg_strv_push(out, item, WORDS_MAX, err);
		if (r < 0)
			return sg_error_prefix(err, "argument '%s'", arg);
	} while (rest);
	return 0;
}

static int parse_exact_line(char *line, struct sg_strv *out, struct sg_error *err)
{
	char *rest = line;

	out->present = true;
	while (rest) {
		int r = sg_strv_push(out, strsep(&rest, "\t"), SG_LIMIT_ARGC, err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int load_exact(const struct sg_module_init *init, const char *file,
		      struct sg_module_state *s, struct sg_error *err)
{
	_cleanup_free_ char *text = NULL;
	char path[PATH_MAX];
	char *rest, *line;
	size_t len;
	unsigned lineno = 0;
	int r;

	if (file[0] == '/' || !init->policy_dir)
		r = snprintf(path, sizeof(path), "%s", file);
	else
		r = snprintf(path, sizeof(path), "%s/%s", init->policy_dir, file);
	if (r < 0 || (size_t)r >= sizeof(path))
		return sg_error_set(err, -ENAMETOOLONG, "exact_file '%s': path too long", file);
	/* The file decides what runs unsigned: it gets the same ownership checks as a policy. */
	r = sg_safepath_read(path, 0, SG_LIMIT_POLICY_FILE, &text, &len, err);
	if (r < 0)
		return r;
	if (strlen(text) != len)
		return sg_error_set(err, -EINVAL, "%s: contains a NUL byte", path);
	rest = text;
	while ((line = strsep(&rest, "\n"))) {
		struct sg_strv *nv;

		lineno++;
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (s->n_exact >= EXACT_MAX)
			return sg_error_set(err, -E2BIG, "%s:%u: more than %u commands", path, lineno,
					    EXACT_MAX);
		nv = realloc(s->exact, (s->n_exact + 1) * sizeof(*nv));
		if (!nv)
			return sg_error_set(err, -ENOMEM, "out of memory");
		s->exact = nv;
		s->exact[s->n_exact++] = (struct sg_strv){ 0 };
		r = parse_exact_line(line, &s->exact[s->n_exact - 1], err);
		if (r < 0)
			return sg_error_prefix(err, "%s:%u", path, lineno);
	}
	if (s->n_exact == 0)
		return sg_error_set(err, -EINVAL, "%s: no command in the file", path);
	return 0;
}

static int argv_init(const struct sg_module_init *init, struct sg_module_state **state,
		     struct sg_error *err)
{
	_cleanup_(argv_finip) struct sg_module_state *s = calloc(1, sizeof(*s));
	const char *exact_file = NULL;
	int r = 0;

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (int i = 0; i < init->argc; i++) {
		const char *a = init->argv[i];

		if (strncmp(a, "deny=", 5) == 0)
			r = parse_list(a, a + 5, true, &s->deny, err);
		else if (strncmp(a, "allow=", 6) == 0)
			r = parse_list(a, a + 6, false, &s->allow, err);
		else if (strncmp(a, "exact_file=", 11) == 0 && !exact_file && a[11])
			exact_file = a + 11;
		else if (strncmp(a, "exact_file=", 11) == 0)
			r = sg_error_set(err, -EINVAL, "argument 'exact_file' given twice or empty");
		else
			r = sg_error_set(err, -EINVAL,
					 "unknown argument '%s' (want deny=, allow=, exact_file=)", a);
		if (r < 0)
			return r;
	}
	if (exact_file) {
		if (s->deny.present || s->allow.present)
			return sg_error_set(err, -EINVAL,
					    "exact_file= cannot be combined with deny= or allow= "
					    "(use two lines)");
		s->exact_mode = true;
		r = load_exact(init, exact_file, s, err);
		if (r < 0)
			return r;
	} else if (!s->deny.present && !s->allow.present) {
		r = push_defaults(&s->deny, err);
		if (r < 0)
			return r;
	}
	*state = steal_pointer(&s);
	return 0;
}

/* An option, a number ("timeout 5", "nice -n 5") or an assignment ("env A=b") before the
 * program a wrapper runs. */
static bool wrapper_arg(const char *w)
{
	return w[0] == '-' || (w[0] >= '0' && w[0] <= '9') || (w[0] != '=' && strchr(w, '='));
}

struct scan {
	bool cmdpos;  /* the next word names a program */
	bool wrapper; /* the last program runs the next one (env, nice...) */
	bool shell;   /* the last program is a shell: its -c makes a new command position */
};

static int scan_word(struct scan *sc, const char *word, struct sg_strv *words,
		     struct sg_error *err)
{
	const char *b;
	int r;

	if (!sc->cmdpos) {
		if (sc->shell && word[0] == '-' && word[1] != '-' && strchr(word, 'c'))
			sc->cmdpos = true;
		return 0;
	}
	/* Keywords, a wrapper's options and VAR=value assignments keep the command position. */
	if (in_list(keywords, word) || (sc->wrapper && wrapper_arg(word)) ||
	    (word[0] != '=' && word[0] != '-' && strchr(word, '=')))
		return 0;
	b = base_name(word);
	if (strcmp(b, "busybox") == 0)
		return 0; /* "busybox APPLET" runs APPLET */
	r = sg_strv_push(words, b, WORDS_MAX, err);
	if (r < 0)
		return r;
	sc->shell = in_list(shells, b);
	sc->wrapper = in_list(wrappers, b);
	sc->cmdpos = sc->wrapper;
	return 0;
}

/* The words in command position of a shell command string ("sh -c STRING"). Quotes and
 * redirections only break words: good enough for a tripwire, and it errs towards seeing
 * more program words, which in allow= mode refuses. */
static int scan_shell(const char *cmd, struct sg_strv *words, struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(cmd);
	struct scan sc = { .cmdpos = true };
	char *p;
	int r;

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (p = copy; *p;) {
		size_t n;
		char saved;

		if (strchr(SHELL_SEPARATORS, *p)) {
			sc = (struct scan){ .cmdpos = true };
			p++;
			continue;
		}
		if (strchr(WORD_BREAKS, *p)) {
			p++;
			continue;
		}
		n = strcspn(p, SHELL_SEPARATORS WORD_BREAKS);
		saved = p[n];
		p[n] = '\0';
		r = scan_word(&sc, p, words, err);
		p[n] = saved;
		if (r < 0)
			return r;
		p += n;
	}
	return 0;
}

/* The program words of an argv (see the top of the file). */
static int collect_words(const struct sg_strv *args, struct sg_strv *words, struct sg_error *err)
{
	size_t i = 0;
	int r;

	while (i < args->n) {
		const char *b = base_name(args->v[i]);
		size_t j;

		if (strcmp(b, "busybox") == 0 && i + 1 < args->n) {
			i++;
			continue;
		}
		r = sg_strv_push(words, b, WORDS_MAX, err);
		if (r < 0)
			return r;
		if (in_list(wrappers, b)) {
			for (i++; i < args->n && wrapper_arg(args->v[i]); i++)
				;
			continue;
		}
		if (!in_list(shells, b))
			return 0;
		/* sh [options] -c STRING: the -c may be clustered ("-ec") and follow other
		 * options ("-o pipefail -c"); STRING is the next argument that is no option. */
		for (j = i + 1; j < args->n; j++)
			if (args->v[j][0] == '-' && args->v[j][1] != '-' && strchr(args->v[j], 'c'))
				break;
		while (++j < args->n && args->v[j][0] == '-')
			;
		return j < args->n ? scan_shell(args->v[j], words, err) : 0;
	}
	return 0;
}

static bool exact_match(const struct sg_module_state *s, const struct sg_strv *args)
{
	for (size_t i = 0; i < s->n_exact; i++) {
		const struct sg_strv *e = &s->exact[i];
		size_t j;

		if (e->n != args->n)
			continue;
		for (j = 0; j < e->n && strcmp(e->v[j], args->v[j]) == 0; j++)
			;
		if (j == e->n)
			return true;
	}
	return false;
}

static int argv_check(struct sg_module_state *s, struct sg_request *req, struct sg_error *reason)
{
	struct sg_strv words = { 0 };
	const struct sg_strv *args = &req->proc.args;
	int verdict = SG_VERDICT_SUCCESS;

	if (req->op != SG_OP_CREATE && req->op != SG_OP_EXEC)
		return SG_VERDICT_IGNORE;
	if (s->exact_mode)
		return exact_match(s, args) ? SG_VERDICT_SUCCESS : SG_VERDICT_IGNORE;
	if (args->n == 0) {
		sg_error_set(reason, -EPERM, "argv: process.args is empty");
		return SG_VERDICT_DENY;
	}
	/* Too many program words to judge is a refusal, not a pass. */
	if (collect_words(args, &words, reason) < 0) {
		sg_error_prefix(reason, "argv: process.args");
		sg_strv_clear(&words);
		return SG_VERDICT_DENY;
	}
	for (size_t i = 0; i < words.n && verdict == SG_VERDICT_SUCCESS; i++) {
		if (sg_strv_contains(&s->deny, words.v[i])) {
			sg_error_set(reason, -EPERM, "argv: program '%.128s' is denied", words.v[i]);
			verdict = SG_VERDICT_DENY;
		} else if (s->allow.present && !sg_strv_contains(&s->allow, words.v[i])) {
			sg_error_set(reason, -EPERM, "argv: program '%.128s' is not allowed",
				     words.v[i]);
			verdict = SG_VERDICT_DENY;
		}
	}
	sg_strv_clear(&words);
	return verdict;
}

const struct sg_module sg_module_argv = {
	SG_MODULE_HEADER,
	.name = "argv",
	.summary = "refuses denied programs (deny=, allow=) or passes exact commands (exact_file=)",
	.ops = SG_OP_BIT(SG_OP_CREATE) | SG_OP_BIT(SG_OP_EXEC),
	.init = argv_init,
	.check = argv_check,
	.fini = argv_fini,
};
