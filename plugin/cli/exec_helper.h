/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate exec docker|kubectl|ctr: what the three client helpers share (signing, running
 * a client to read a container id, running the final command, --print). */
#ifndef SG_CLI_EXEC_HELPER_H
#define SG_CLI_EXEC_HELPER_H

#include <stdbool.h>
#include <stddef.h>

#include <shimgate/shimgate.h>

#include "core/request.h"
#include "sig/token.h"

/* Options every helper takes, before the client's own. */
struct sg_exec_common {
	const char *key_file, *key_dir, *key_id; /* the local signing key */
	/* --signer URL: ask shimgate-signer instead; key_file is then the client key */
	const char *signer, *cert, *cacert, *node;
	const char *client;                      /* the client binary (--client PATH) */
	bool print, show_token;
};

/* What to sign: the request flags of `shimgate sign exec`, without the key. */
struct sg_exec_sign_req {
	const char *ns, *id;
	const char *exec_id; /* bound when set, else "exec-id -" */
	const char *user, *cwd;
	bool terminal;
	const char *relative; /* --relative, when the client's rule differs from the default */
	struct sg_strv env;  /* the entries the client adds that the container lacks */
	char **argv;
	int argc;
};

/* A command line being built: a NULL-terminated array of borrowed or owned strings. */
struct sg_argv {
	char **v;
	size_t n, cap;
	struct sg_strv owned;
	int err;
};

void sg_argv_add(struct sg_argv *a, const char *s);
/* Adds a copy of s (for strings built on the fly). */
void sg_argv_addf(struct sg_argv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sg_argv_clear(struct sg_argv *a);

/* A client option the helper passes on: short letter (0 for none), long name. */
struct sg_exec_opt {
	char short_name;
	const char *long_name;
	bool has_arg;
};

/* The parsed command line: each option's values (a flag's is ""), in order; the target
 * (container or pod) and the ARGV after it (after an optional "--"). */
struct sg_exec_args {
	struct sg_strv val[16];
	const char *target;
	char **argv;
	int argc;
};

/* Parses [OPTIONS] TARGET [--] ARGV: the common options and the client's (short ones may be
 * grouped: -it). Usage errors are printed; returns -EINVAL then. */
int sg_exec_parse(const char *client, int argc, char **argv, const struct sg_exec_opt *opts,
		  size_t nopts, struct sg_exec_common *c, struct sg_exec_args *a, bool *help);
void sg_exec_args_clear(struct sg_exec_args *a);
void sg_exec_common_usage(FILE *out);

/* Signs r with the local key (--key, --key-dir/--key-id or $SHIMGATE_KEY) as `shimgate
 * sign exec` would: user, groups and cwd not given are bound as the container's own. With
 * --signer the signer signs the same fields (`shimgate sign --signer`); no key is read. */
int sg_exec_sign(const struct sg_exec_common *c, const struct sg_exec_sign_req *r,
		 char token[SG_TOKEN_MAX + 1], struct sg_error *err);

/* Runs argv (no shell; argv[0] looked up in PATH when it has no '/') and returns its
 * standard output, trailing newlines removed. A non-zero exit is an error naming it. */
int sg_exec_capture(char *const argv[], char **out, struct sg_error *err);

/* The last value of option k, NULL when not given. */
const char *sg_exec_last(const struct sg_exec_args *a, size_t k);

/* One client: its options, and how it resolves the target and builds its command. */
struct sg_exec_client {
	const char *name;           /* "docker", "kubectl", "ctr" */
	const char *default_client; /* the binary unless --client */
	const struct sg_exec_opt *opts;
	size_t nopts;
	void (*usage)(FILE *out);
	/* true: the token travels in the environment; false: as argv[0] SHIMGATE_TOKEN=... */
	bool env_token;
	/* Resolves the target and fills sr (argv is set); strings it makes are kept in keep. */
	int (*prepare)(const struct sg_exec_common *c, const struct sg_exec_args *a,
		       struct sg_exec_sign_req *sr, struct sg_argv *keep, struct sg_error *err);
	/* Appends the client's command up to its target (the carrier and ARGV follow). */
	void (*command)(const struct sg_exec_common *c, const struct sg_exec_args *a,
			const struct sg_exec_sign_req *sr, const struct sg_argv *keep,
			struct sg_argv *cmd);
};

/* Parses, prepares, signs, then prints the command (--print: the token elided unless
 * --show-token) or replaces this process with it, so the client's exit status, terminal
 * and signals are its own. Returns an exit status when printing or when anything fails. */
int sg_exec_main(const struct sg_exec_client *cl, int argc, char **argv);

/* The helpers: argv[0] is the client's name ("docker", "kubectl", "ctr"). */
int sg_exec_docker(int argc, char **argv);
int sg_exec_kubectl(int argc, char **argv);
int sg_exec_ctr(int argc, char **argv);

#endif
