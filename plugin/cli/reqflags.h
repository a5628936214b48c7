/* SPDX-License-Identifier: Apache-2.0 */
/* The request flags shared by sign, verify and explain: one parser, one request builder. */
#ifndef SG_CLI_REQFLAGS_H
#define SG_CLI_REQFLAGS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "core/request.h"
#include "sig/token.h"

struct sg_keyring;
struct sg_key;

/* Options a command accepts besides the request flags. */
enum sg_rf_extra {
	SG_RF_KEY = 1u << 0,     /* --key FILE, --key-dir DIR */
	SG_RF_TOKEN = 1u << 1,   /* --token TOKEN */
	SG_RF_VERIFY = 1u << 2,  /* --now N, --replay-store PATH */
	SG_RF_SIGNING = 1u << 3, /* --key-id ID, --timestamp N, --nonce HEX */
	SG_RF_VIEW = 1u << 4,    /* --view, --full-view */
};

struct sg_reqflags {
	unsigned extra;
	bool help;
	/* what request */
	bool op_set;
	enum sg_op op;
	const char *ns, *id, *exec_id;
	const char *process_file, *spec_file, *request_file, *base_env_file;
	const char *user, *cwd;
	bool terminal;
	bool no_bind_exec_id;
	bool rel_set;           /* --relative given */
	unsigned rel;           /* its SG_REL_* bits */
	unsigned token_version; /* --token-version, 0 when not given */
	/* create grants (version 3): --pod NS/NAME, --container C or --sandbox, --grant
	 * (content only, Docker), --not-after T */
	bool grant;
	const char *pod, *container_name;
	const char *pod_json;   /* --pod-json FILE: the pod's identity, and checks of the spec */
	bool sandbox;
	bool not_after_set;
	int64_t not_after;      /* absolute, or seconds from now when not_after_rel */
	bool not_after_rel;
	struct sg_strv env;
	char **argv; /* the command line after the options */
	int argc;
	/* extras */
	const char *key_file, *key_dir, *token, *key_id, *nonce, *replay_store;
	bool timestamp_set, now_set;
	bool view, full_view;
	int64_t timestamp, now;
};

/* Parses argv (argv[0] is the command name): options anywhere, then the operation (exec or
 * create; optional with --request) and the process ARGV after "--". On a usage error prints it to stderr and
 * returns -EINVAL; the caller exits SG_EXIT_USAGE. */
int sg_reqflags_parse(int argc, char **argv, unsigned extra, struct sg_reqflags *rf);
void sg_reqflags_clear(struct sg_reqflags *rf);
/* Prints the request flags' help. */
void sg_reqflags_usage(FILE *out);

/* Builds the request the flags describe. */
int sg_reqflags_build(const struct sg_reqflags *rf, struct sg_request **out,
		      struct sg_error *err);
/* Whether the exec id is part of what is signed: --exec-id (or the request's) and no
 * --no-bind-exec-id. */
bool sg_reqflags_bind_exec_id(const struct sg_reqflags *rf, const struct sg_request *req);

struct sg_canon_params;
/* The token form the flags ask for: exec id binding, version (2 for an exec unless
 * --token-version 1; 1 for a create) and the container-relative fields (--relative, else
 * those no flag gave; none for --process and --request). */
int sg_reqflags_params(const struct sg_reqflags *rf, const struct sg_request *req,
		       struct sg_canon_params *p, struct sg_error *err);

/* Signs req with the key of --key (its file name is the key id) or --key-dir + --key-id, at
 * --timestamp (default now) with --nonce (default random), in the form of
 * sg_reqflags_params. */
int sg_reqflags_sign(const struct sg_reqflags *rf, const struct sg_keyring *kr,
		     const struct sg_request *req, char token[SG_TOKEN_MAX + 1],
		     struct sg_error *err);

/* A grant's not-after: --not-after (absolute, or +SECONDS from now), else now + 30 days,
 * never past the key's own not_after (k may be NULL: no bound). */
int sg_reqflags_not_after(const struct sg_reqflags *rf, const struct sg_key *k, int64_t now,
			  int64_t *out, struct sg_error *err);

/* grant_pod.c: a Pod manifest's identity ("ns/name") and the checks of a template spec
 * against its container (args, env, runAsUser/runAsGroup, hostPath volumes, hostNetwork). */
int sg_grant_pod_load(const char *file, json_t **pod, char **pod_id, struct sg_error *err);
int sg_grant_pod_check(const char *file, const json_t *pod, const char *container,
		       const struct sg_request *req, struct sg_error *err);

/* Prints "shimgate CMD: message" to stderr; returns SG_EXIT_USAGE. */
int sg_reqflags_fail(const char *cmd, const struct sg_error *err);

/* Loads --key FILE or --key-dir DIR. */
int sg_reqflags_keyring(const struct sg_reqflags *rf, struct sg_keyring **out,
			struct sg_error *err);

#endif
