/* SPDX-License-Identifier: Apache-2.0 */
/* Verifying the token a request carries: MAC, time window, key scope, replay. */
#ifndef SG_SIG_VERIFY_H
#define SG_SIG_VERIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/request.h"

struct sg_keyring;
struct sg_replay;

#define SG_VERIFY_MAX_AGE_DEFAULT 120
#define SG_VERIFY_MAX_FUTURE_DEFAULT 5

struct sg_verify_opts {
	const struct sg_keyring *keyring;
	struct sg_replay *replay;  /* NULL: no replay check (offline `shimgate verify` only) */
	int64_t max_age;           /* seconds a token may be old */
	int64_t max_future;        /* seconds a token may be ahead of req->now */
	bool exec_id_required;     /* refuse exec tokens signed with "exec-id -" */
	int64_t grant_max_lifetime; /* seconds a grant may still be valid for; 0: its key's bound only */
};

/* Checks req's token once and caches the outcome in req->sig (a second call returns the
 * cached status). A mount request takes its create's outcome (verifying the create now if
 * needed) and also needs a key that may sign "mount". The token is wiped and dropped. A token
 * that does not verify is SG_SIG_INVALID; a check that could not be made (out of memory, the
 * HMAC, the replay store cannot record the nonce) is SG_SIG_FAILED. Either way the reason is in
 * req->sig.why (its code a -errno) and nothing but SG_SIG_VALID approves: fail closed. Reasons
 * never contain key or MAC bytes. */
enum sg_sig_status sg_verify_request(const struct sg_verify_opts *o, struct sg_request *req);

struct sg_canon_params;

/* Computes the MAC of req under p's key id and params and formats the token: version 2
 * (with p->rel) or version 1 (shimgate sign). */
int sg_sign_request_params(const struct sg_keyring *kr, const struct sg_canon_params *p,
			   const struct sg_request *req, char *token, size_t token_size,
			   struct sg_error *err);
/* The same for a version 1 token (tests, bench). */
int sg_sign_request(const struct sg_keyring *kr, const char *key_id, int64_t timestamp,
		    const char *nonce, bool bind_exec_id, const struct sg_request *req,
		    char *token, size_t token_size, struct sg_error *err);

#endif
