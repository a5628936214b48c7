/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate exec: the part the docker, kubectl and ctr helpers share: signing with the local
 * key, running a client without a shell, --print. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "core/cleanup.h"
#include "core/limits.h"
#include "exec_helper.h"
#include "oci/oci.h"
#include "reqflags.h"
#include "sig/keyring.h"
#include "signer_client.h"

extern char **environ;

#define CAPTURE_MAX (64u * 1024u) /* a container id or a pod's jsonpath answer */

void sg_argv_add(struct sg_argv *a, const char *s)
{
	if (a->err)
		return;
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 32;
		char **v = realloc(a->v, cap * sizeof(*v));

		if (!v) {
			a->err = -ENOMEM;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = (char *)s;
	a->v[a->n] = NULL;
}

void sg_argv_addf(struct sg_argv *a, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0 || sg_strv_push(&a->owned, s, SIZE_MAX, NULL) < 0) {
		free(n < 0 ? NULL : s);
		a->err = -ENOMEM;
		return;
	}
	free(s);
	sg_argv_add(a, a->owned.v[a->owned.n - 1]);
}

void sg_argv_clear(struct sg_argv *a)
{
	free(a->v);
	sg_strv_clear(&a->owned);
	memset(a, 0, sizeof(*a));
}

/* One common option at argv[*i]; 1 when it was one, 0 when not, -EINVAL on a usage error. */
static int common_opt(struct sg_exec_common *c, int argc, char **argv, int *i)
{
	static const struct {
		const char *name;
		size_t off;
	} valued[] = {
		{ "--key", offsetof(struct sg_exec_common, key_file) },
		{ "--key-dir", offsetof(struct sg_exec_common, key_dir) },
		{ "--key-id", offsetof(struct sg_exec_common, key_id) },
		{ "--client", offsetof(struct sg_exec_common, client) },
		{ "--signer", offsetof(struct sg_exec_common, signer) },
		{ "--cert", offsetof(struct sg_exec_common, cert) },
		{ "--cacert", offsetof(struct sg_exec_common, cacert) },
		{ "--node", offsetof(struct sg_exec_common, node) },
	};
	const char *a = argv[*i];

	if (strcmp(a, "--print") == 0) {
		c->print = true;
		return 1;
	}
	if (strcmp(a, "--show-token") == 0) {
		c->show_token = c->print = true;
		return 1;
	}
	for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
		if (strcmp(a, valued[k].name) != 0)
			continue;
		if (*i + 1 >= argc)
			return -EINVAL;
		*(const char **)((char *)c + valued[k].off) = argv[++*i];
		return 1;
	}
	return 0;
}

static int parse_error(const char *client, const char *msg, const char *arg)
{
	fprintf(stderr, "shimgate exec %s: %s '%s'\nTry 'shimgate exec %s --help'.\n", client,
		msg, arg, client);
	return -EINVAL;
}

/* A long option ("--user", "--user=X") or a group of short ones ("-it", "-u1000"). */
static int client_opt(const char *client, int argc, char **argv, int *i,
		      const struct sg_exec_opt *opts, size_t nopts, struct sg_exec_args *a)
{
	const char *w = argv[*i];

	if (w[1] == '-') {
		const char *eq = strchr(w + 2, '=');
		size_t n = eq ? (size_t)(eq - w - 2) : strlen(w + 2);

		for (size_t k = 0; k < nopts; k++) {
			if (!opts[k].long_name || strlen(opts[k].long_name) != n ||
			    strncmp(opts[k].long_name, w + 2, n) != 0)
				continue;
			if (!opts[k].has_arg)
				return eq ? parse_error(client, "option takes no value", w)
					  : sg_strv_push(&a->val[k], "", SG_LIMIT_ARGC, NULL);
			if (!eq && *i + 1 >= argc)
				return parse_error(client, "option wants a value", w);
			return sg_strv_push(&a->val[k], eq ? eq + 1 : argv[++*i], SG_LIMIT_ARGC,
					    NULL);
		}
		return parse_error(client, "unknown option", w);
	}
	for (const char *p = w + 1; *p; p++) {
		size_t k;

		for (k = 0; k < nopts && opts[k].short_name != *p; k++)
			;
		if (k == nopts)
			return parse_error(client, "unknown option", w);
		if (!opts[k].has_arg) {
			if (sg_strv_push(&a->val[k], "", SG_LIMIT_ARGC, NULL) < 0)
				return -ENOMEM;
			continue;
		}
		if (p[1])
			return sg_strv_push(&a->val[k], p + 1, SG_LIMIT_ARGC, NULL);
		if (*i + 1 >= argc)
			return parse_error(client, "option wants a value", w);
		return sg_strv_push(&a->val[k], argv[++*i], SG_LIMIT_ARGC, NULL);
	}
	return 0;
}

int sg_exec_parse(const char *client, int argc, char **argv, const struct sg_exec_opt *opts,
		  size_t nopts, struct sg_exec_common *c, struct sg_exec_args *a, bool *help)
{
	int i, r;

	memset(a, 0, sizeof(*a));
	*help = false;
	if (nopts > sizeof(a->val) / sizeof(a->val[0]))
		return -EINVAL;
	/* Options up to the target; everything after the target is the process's argv. */
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			*help = true;
			return 0;
		}
		if (strcmp(argv[i], "--") == 0)
			return parse_error(client, "want the target before", "--");
		r = common_opt(c, argc, argv, &i);
		if (r < 0)
			return parse_error(client, "option wants a value", argv[i]);
		if (r == 0 && client_opt(client, argc, argv, &i, opts, nopts, a) < 0)
			return -EINVAL;
	}
	if (i >= argc)
		return parse_error(client, "want the target and the command after", argv[argc - 1]);
	a->target = argv[i++];
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (i >= argc)
		return parse_error(client, "want the command to run after", a->target);
	a->argv = argv + i;
	a->argc = argc - i;
	return 0;
}

void sg_exec_args_clear(struct sg_exec_args *a)
{
	for (size_t k = 0; k < sizeof(a->val) / sizeof(a->val[0]); k++)
		sg_strv_clear(&a->val[k]);
}

void sg_exec_common_usage(FILE *out)
{
	fprintf(out,
		"Signing and running:\n"
		"  --key FILE             the signing key (default: $SHIMGATE_KEY)\n"
		"  --key-dir DIR --key-id ID   or a key directory and the key id\n"
		"  --signer URL --cert FILE --key FILE --cacert FILE --node NAME\n"
		"                         or ask this shimgate-signer (mutual TLS 1.3) for a token\n"
		"                         for node NAME: --cert/--key are the client certificate and\n"
		"                         its key, --cacert the signer's CA (the only one trusted);\n"
		"                         no key file is read\n"
		"  --client PATH          the client binary to run\n"
		"  --print                print the exact command instead of running it, the token\n"
		"                         elided\n"
		"  --show-token           with --print: show the token too\n"
		"The helper exits with the client's exit status; it never prints the token unless\n"
		"asked. The token is single-use and valid for 120 s.\n");
}

/* The remote signer of --signer: its options, with --key as the client certificate's key. */
static int signer_opts(const struct sg_exec_common *c, struct sg_signer_opts *o,
		       struct sg_error *err)
{
	if (!c->cert || !c->key_file || !c->cacert || !c->node)
		return sg_error_set(err, -EINVAL, "--signer needs --cert, --key (the certificate's "
				    "key), --cacert and --node");
	if (c->key_dir || c->key_id)
		return sg_error_set(err, -EINVAL, "with --signer the signer picks the key: no "
				    "--key-dir or --key-id");
	*o = (struct sg_signer_opts){ .url = c->signer, .cert = c->cert, .key = c->key_file,
				      .cacert = c->cacert, .node = c->node };
	return 0;
}

int sg_exec_sign(const struct sg_exec_common *c, const struct sg_exec_sign_req *r,
		 char token[SG_TOKEN_MAX + 1], struct sg_error *err)
{
	struct sg_argv a = { 0 };
	struct sg_reqflags rf = { 0 };
	struct sg_signer_opts so;
	struct sg_keyring *kr = NULL;
	struct sg_request *req = NULL;
	const char *key = c->key_file;
	int rc;

	if (c->signer && (rc = signer_opts(c, &so, err)) < 0)
		return rc;
	if (!c->signer && !key && !c->key_dir)
		key = getenv("SHIMGATE_KEY");
	if (!c->signer && !key && !c->key_dir)
		return sg_error_set(err, -EINVAL, "no signing key: give --key FILE, --key-dir DIR "
						  "--key-id ID, --signer URL, or set SHIMGATE_KEY");
	/* The same flags `shimgate sign exec` takes: one parser, one request builder. */
	sg_argv_add(&a, "exec");
	sg_argv_add(&a, "exec");
	sg_argv_add(&a, "--namespace");
	sg_argv_add(&a, r->ns);
	sg_argv_add(&a, "--id");
	sg_argv_add(&a, r->id);
	if (r->exec_id) {
		sg_argv_add(&a, "--exec-id");
		sg_argv_add(&a, r->exec_id);
	}
	/* With --signer no key flags: the signer's key is never ours. */
	if (!c->signer) {
		sg_argv_add(&a, key ? "--key" : "--key-dir");
		sg_argv_add(&a, key ? key : c->key_dir);
	}
	if (!c->signer && c->key_id) {
		sg_argv_add(&a, "--key-id");
		sg_argv_add(&a, c->key_id);
	}
	if (r->user) {
		sg_argv_add(&a, "--user");
		sg_argv_add(&a, r->user);
	}
	if (r->cwd) {
		sg_argv_add(&a, "--cwd");
		sg_argv_add(&a, r->cwd);
	}
	if (r->terminal)
		sg_argv_add(&a, "--terminal");
	if (r->relative) {
		sg_argv_add(&a, "--relative");
		sg_argv_add(&a, r->relative);
	}
	for (size_t i = 0; i < r->env.n; i++) {
		sg_argv_add(&a, "--env");
		sg_argv_add(&a, r->env.v[i]);
	}
	sg_argv_add(&a, "--");
	for (int i = 0; i < r->argc; i++)
		sg_argv_add(&a, r->argv[i]);
	if (a.err) {
		sg_argv_clear(&a);
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	rc = sg_reqflags_parse((int)a.n, a.v, SG_RF_KEY | SG_RF_SIGNING, &rf) < 0 ? -EINVAL : 0;
	if (rc == 0 && rf.help)
		rc = sg_error_set(err, -EINVAL, "unexpected --help in the command");
	if (rc == 0 && c->signer)
		rc = sg_signer_ask(&so, &rf, token, err);
	if (rc == 0 && !c->signer)
		rc = sg_reqflags_keyring(&rf, &kr, err);
	if (rc == 0 && !c->signer)
		rc = sg_reqflags_build(&rf, &req, err);
	if (rc == 0 && !c->signer)
		rc = sg_reqflags_sign(&rf, kr, req, token, err);
	if (rc == -EINVAL && !err->msg[0])
		sg_error_set(err, -EINVAL, "cannot sign this exec");
	sg_request_free(req);
	sg_keyring_free(kr);
	sg_reqflags_clear(&rf);
	sg_argv_clear(&a);
	return rc;
}

/* An exit status as the shell would report it: 128 + signal for a killed child. */
static int exit_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

int sg_exec_capture(char *const argv[], char **out, struct sg_error *err)
{
	posix_spawn_file_actions_t fa;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int fds[2], r, status = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return sg_error_set(err, -errno, "pipe: %s", strerror(errno));
	buf = malloc(CAPTURE_MAX + 1);
	if (!buf) {
		close(fds[0]);
		close(fds[1]);
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (r != 0) {
		close(fds[0]);
		return sg_error_set(err, -r, "cannot run '%s': %s", argv[0], strerror(r));
	}
	for (;;) {
		ssize_t n = read(fds[0], buf + len, CAPTURE_MAX - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == CAPTURE_MAX)
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (exit_status(status) != 0)
		return sg_error_set(err, -EIO, "'%s %s' failed (exit %d)", argv[0],
				    argv[1] ? argv[1] : "", exit_status(status));
	if (len == CAPTURE_MAX)
		return sg_error_set(err, -E2BIG, "'%s' printed more than %u bytes", argv[0],
				    CAPTURE_MAX);
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	*out = steal_pointer(&buf);
	return 0;
}

/* One word of --print output, quoted for a POSIX shell when it needs to be. */
static void print_word(const char *w)
{
	if (*w && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			    "_./:=@%+,-") == strlen(w)) {
		fputs(w, stdout);
		return;
	}
	putchar('\'');
	for (; *w; w++) {
		if (*w == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*w);
	}
	putchar('\'');
}

static int exec_run(const struct sg_exec_common *c, struct sg_argv *cmd, const char *token,
		    bool env_token)
{
	const char *tok_word = c->show_token ? token : "<token>";

	if (cmd->err) {
		fprintf(stderr, "shimgate exec: out of memory\n");
		return SG_EXIT_USAGE;
	}
	if (c->print) {
		if (env_token)
			printf(SG_TOKEN_ENV "=%s ", tok_word);
		for (size_t i = 0; i < cmd->n; i++) {
			const char *w = cmd->v[i];

			if (i)
				putchar(' ');
			/* The argv carrier holds the token itself. */
			if (!env_token && strncmp(w, SG_TOKEN_ENV "=", strlen(SG_TOKEN_ENV) + 1) == 0)
				printf(SG_TOKEN_ENV "=%s", tok_word);
			else
				print_word(w);
		}
		putchar('\n');
		return fflush(stdout) == 0 ? SG_EXIT_OK : SG_EXIT_USAGE;
	}
	/* In the environment rather than argv, the token stays out of `ps` (docker reads
	 * `-e SHIMGATE_TOKEN` from it). */
	if (env_token && setenv(SG_TOKEN_ENV, token, 1) < 0) {
		fprintf(stderr, "shimgate exec: setenv: %s\n", strerror(errno));
		return SG_EXIT_USAGE;
	}
	/* Replacing this process: the client owns the terminal, its signals and exit status. */
	execvp(cmd->v[0], cmd->v);
	fprintf(stderr, "shimgate exec: cannot run '%s': %s\n", cmd->v[0], strerror(errno));
	return 127;
}

const char *sg_exec_last(const struct sg_exec_args *a, size_t k)
{
	return a->val[k].n ? a->val[k].v[a->val[k].n - 1] : NULL;
}

int sg_exec_main(const struct sg_exec_client *cl, int argc, char **argv)
{
	struct sg_exec_common c = { .client = cl->default_client };
	struct sg_exec_sign_req sr = { 0 };
	struct sg_argv cmd = { 0 }, keep = { 0 };
	struct sg_error err = { 0 };
	struct sg_exec_args a;
	char token[SG_TOKEN_MAX + 1] = "";
	bool help = false;
	int r, rc = SG_EXIT_USAGE;

	if (sg_exec_parse(cl->name, argc, argv, cl->opts, cl->nopts, &c, &a, &help) < 0)
		goto out;
	if (help) {
		cl->usage(stdout);
		rc = SG_EXIT_OK;
		goto out;
	}
	sr.argv = a.argv;
	sr.argc = a.argc;
	r = cl->prepare(&c, &a, &sr, &keep, &err);
	if (r == 0)
		r = sg_exec_sign(&c, &sr, token, &err);
	if (r < 0) {
		fprintf(stderr, "shimgate exec %s: %s\n", cl->name, err.msg);
		/* The signer's refusal is a refusal, as for `shimgate sign --signer`. */
		if (c.signer && r == -EACCES)
			rc = SG_EXIT_REFUSED;
		goto out;
	}
	cl->command(&c, &a, &sr, &keep, &cmd);
	if (!cl->env_token)
		sg_argv_addf(&cmd, SG_TOKEN_ENV "=%s", token);
	for (int i = 0; i < a.argc; i++)
		sg_argv_add(&cmd, a.argv[i]);
	rc = exec_run(&c, &cmd, token, cl->env_token);
out:
	OPENSSL_cleanse(token, sizeof(token));
	sg_argv_clear(&cmd);
	sg_argv_clear(&keep);
	sg_strv_clear(&sr.env);
	sg_exec_args_clear(&a);
	return rc;
}
