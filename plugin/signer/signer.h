/* SPDX-License-Identifier: Apache-2.0 */
/* The signer service's model: its configuration, an identity's rights, one sign request. */
#ifndef SG_SIGNER_SIGNER_H
#define SG_SIGNER_SIGNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <shimgate/shimgate.h>

#include "core/request.h"

/* Bounds on what a client sends (README "Signer"). The configuration may lower them. */
#define SG_SIGNER_BODY_MAX (64u << 10)       /* a sign request body */
#define SG_SIGNER_HEADERS_BYTES (8u << 10)   /* request line and headers, in bytes */
#define SG_SIGNER_HEADERS_MAX 32u            /* header lines */
#define SG_SIGNER_CONNECTIONS_MAX 4096u      /* open connections (the default) */
#define SG_SIGNER_HANDSHAKE_SECS 5u          /* accept to TLS handshake done */
#define SG_SIGNER_READ_SECS 10u              /* handshake done to request read */
#define SG_SIGNER_IDENTITIES_MAX 1024u
#define SG_SIGNER_PATTERNS_MAX 64u           /* per list of one identity */
#define SG_SIGNER_RATE_MAX 10000u            /* tokens per window */
#define SG_SIGNER_CONFIG_MAX (1u << 20)

/* An argv pattern: one fnmatch pattern per argv element; a last element "..." matches any
 * number (zero included) of further elements. Matching is per element, so ["a b"] and
 * ["a","b"] never match each other's patterns. */
struct sg_argv_pattern {
	struct sg_strv words;
	bool rest;
};

/* What one identity may ask for. Every list must be present in the file (an identity with
 * no "nodes" is an error, never "any node"); ["*"] is written out when any is meant. */
struct sg_rights {
	char *name;                   /* the certificate's CN or SAN */
	struct sg_strv namespaces;    /* fnmatch patterns */
	struct sg_strv containers;    /* fnmatch patterns */
	struct sg_strv nodes;         /* fnmatch patterns */
	unsigned ops;                 /* SG_OP_BIT set: exec, create */
	struct sg_argv_pattern *allow; /* absent (n_allow 0, !allow_present): any argv */
	size_t n_allow;
	bool allow_present;
	struct sg_argv_pattern *deny;
	size_t n_deny;
	unsigned rate_count;          /* at most rate_count tokens per rate_window seconds */
	unsigned rate_window;
	int64_t *issued;              /* ring of the last rate_count issue times */
	size_t issued_next;
};

enum sg_signer_idsrc {
	SG_SIGNER_ID_CN = 0,  /* the subject's single commonName */
	SG_SIGNER_ID_SAN,     /* the single DNS, email or URI subjectAltName */
};

struct sg_signer_config {
	char *listen_host;
	uint16_t listen_port;
	char *server_cert, *server_key; /* PEM: chain, key */
	char *client_ca;                /* PEM bundle: the only trust anchors for clients */
	char *crl;                      /* PEM CRLs of client_ca; required */
	char *master_dir;               /* master key files (keys.d format) */
	char *key_id;                   /* the master that signs */
	char *audit;                    /* audit trail: absolute path or "stderr" */
	enum sg_signer_idsrc identity_from;
	unsigned max_connections, max_body, max_headers, max_header_bytes;
	unsigned handshake_timeout, read_timeout;
	struct sg_rights *ids;
	size_t n_ids;
};

/* Loads and checks the signer's JSON configuration (unknown keys are errors naming their
 * JSON path; every file it names is checked when the server starts). */
int sg_signer_config_load(const char *path, struct sg_signer_config **out, struct sg_error *err);
/* The same from text (tests, fuzzing); what = the name used in messages. */
int sg_signer_config_parse(const char *text, size_t len, const char *what,
			   struct sg_signer_config **out, struct sg_error *err);
void sg_signer_config_free(struct sg_signer_config *cfg);
struct sg_rights *sg_signer_config_find(struct sg_signer_config *cfg,
				       const char *identity);

/* One sign request, as the client sent it, and the token form it resolves to (FORMAT.md
 * section 6): an exec is version 2 unless it asks for 1, and binds as the container's own
 * what it does not give (uid; gid and groups; cwd), or exactly its "binding". */
struct sg_sign_req {
	enum sg_op op;            /* exec or create */
	char *ns, *id, *node, *exec_id, *cwd;
	struct sg_strv argv;
	struct sg_strv env;       /* exec: entries added to the container's env; create: all */
	bool terminal;
	bool user_set;            /* user.uid given */
	bool gid_set;             /* user.gid given */
	struct sg_user user;      /* additional_gids_present: user.additional_gids given */
	unsigned version;         /* 1 or 2 */
	unsigned rel;             /* version 2: the SG_REL_* fields bound as the container's own */
};

/* Parses a request body: a JSON object with exactly the known keys, strict types, bounded.
 * Errors name the JSON path ("argv[2]: not a string", "unknown field 'foo'"). */
int sg_sign_req_parse(const char *body, size_t len, struct sg_sign_req *out,
		      struct sg_error *err);
void sg_sign_req_clear(struct sg_sign_req *r);
/* The request the gate will see, as far as the signature covers it. */
int sg_sign_req_build(const struct sg_sign_req *r, struct sg_request **out,
		      struct sg_error *err);
/* The HTTP status for r, a refusal of sg_sign_req_parse or sg_sign_req_build: 400 for input
 * the signer will not take (-EINVAL, -E2BIG, -ERANGE), 500 for its own failures. */
int sg_sign_req_status(int r);

struct sg_canon_params;
/* The token form of r: version, binding, and whether the exec id is bound (when given). */
void sg_sign_req_params(const struct sg_sign_req *r, struct sg_canon_params *p);

/* 0 when r is inside the rights (rate not counted); -EACCES with the reason otherwise. */
int sg_rights_check(const struct sg_rights *rights, const struct sg_sign_req *r,
		    struct sg_error *err);
/* Counts one issuance at now against the rate limit: -EBUSY (with the reason) when the
 * window is full, nothing counted. */
int sg_rights_take(struct sg_rights *rights, int64_t now, struct sg_error *err);

#endif
