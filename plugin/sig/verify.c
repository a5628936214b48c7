/* SPDX-License-Identifier: Apache-2.0 */
/* Token verification in a fixed order, each failure with its own reason (see FORMAT.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "canon.h"
#include "grant.h"
#include "keyring.h"
#include "replay.h"
#include "token.h"
#include "verify.h"

/* MAC of req under k with or without the exec id bound; 0 when it equals want. */
static int mac_matches(const struct sg_key *k, const struct sg_request *req,
		       const struct sg_token *t, bool bind, bool *match, struct sg_error *err)
{
	struct sg_canon_params p = { .key_id = t->key_id, .timestamp = t->timestamp,
				     .nonce = t->nonce, .bind_exec_id = bind,
				     .version = t->version, .rel = t->rel };
	uint8_t mac[SG_MAC_LEN];
	char *input = NULL;
	size_t len = 0;
	int r;

	r = sg_canon_build(req, &p, &input, &len, err);
	if (r < 0)
		return r;
	r = sg_key_hmac(k, input, len, mac, err);
	sg_canon_free(input, len);
	if (r < 0)
		return r;
	*match = CRYPTO_memcmp(mac, t->mac, SG_MAC_LEN) == 0;
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

static enum sg_sig_status set_status(struct sg_request *req, enum sg_sig_status status, int code)
{
	req->sig.status = status;
	if (req->sig.why.code == 0)
		req->sig.why.code = code;
	return status;
}

static enum sg_sig_status set_invalid(struct sg_request *req, int code)
{
	return set_status(req, SG_SIG_INVALID, code);
}

/* The machinery failed (not the request): the hmac module reports an error, not a deny. */
static enum sg_sig_status set_failed(struct sg_request *req, int code)
{
	return set_status(req, SG_SIG_FAILED, code);
}

/* A signing input that cannot be built for this request (a token form that does not fit the
 * operation, a value the canonical form refuses) is the request's fault: invalid. Only memory
 * and the HMAC itself are the machinery's. */
static enum sg_sig_status mac_failed(struct sg_request *req, int code)
{
	if (code == -ENOMEM || code == -EIO)
		return set_failed(req, code);
	return set_invalid(req, code);
}

/* The refusal of a MAC that does not match: what the gate saw, short enough for a client's
 * error line (the full view goes to req->sig_view for the debug log). */
static void bad_signature(const struct sg_verify_opts *o, struct sg_request *req,
			  const struct sg_token *t)
{
	struct sg_canon_params p = { .key_id = t->key_id, .timestamp = t->timestamp,
				     .nonce = t->nonce, .version = t->version, .rel = t->rel,
				     .bind_exec_id = o->exec_id_required && req->exec_id };
	char view[448], full[896]; /* a grant's view has four more groups */

	sg_canon_view(req, &p, false, view, sizeof(view));
	sg_error_set(&req->sig.why, -EBADMSG,
		     "bad signature (key '%s'): the request is not what was signed%s; gate saw %s",
		     t->key_id,
		     req->op == SG_OP_EXEC && o->exec_id_required ? ", or the exec id is not bound" : "",
		     view);
	sg_canon_view(req, &p, true, full, sizeof(full));
	free(req->sig_view);
	req->sig_view = strdup(full);
}

/* A Kubernetes identity annotation, only in the form a grant binds (with the container type). */
static const char *cri_annotation(const struct sg_request *req, const char *key)
{
	const json_t *ann = json_object_get(req->doc, "annotations");

	if (!json_is_string(json_object_get(ann, SG_CRI_CONTAINER_TYPE)))
		return NULL;
	return json_string_value(json_object_get(ann, key));
}

/* A create grant (FORMAT.md section 8): valid until its not-after, never past its key's, in
 * the key's scope; no nonce, so nothing is recorded and a restart verifies again. */
static enum sg_sig_status verify_grant(const struct sg_verify_opts *o, struct sg_request *req,
				       int64_t now, const struct sg_key *k, const struct sg_token *t)
{
	struct sg_error *why = &req->sig.why;
	int r;

	if (now > t->timestamp) {
		sg_error_set(why, -ETIMEDOUT, "grant expired: not after %" PRId64 ", %" PRId64
			     " s ago", t->timestamp, now - t->timestamp);
		return set_invalid(req, -ETIMEDOUT);
	}
	if (o->grant_max_lifetime && t->timestamp - now > o->grant_max_lifetime) {
		sg_error_set(why, -ETIMEDOUT,
			     "grant valid for %" PRId64 " s more, the policy's grant_max_lifetime is %"
			     PRId64 " s", t->timestamp - now, o->grant_max_lifetime);
		return set_invalid(req, -ETIMEDOUT);
	}
	r = sg_key_check_grant(k, cri_annotation(req, SG_CRI_SANDBOX_NAMESPACE),
			       cri_annotation(req, SG_CRI_SANDBOX_NAME), t->timestamp, why);
	if (r == 0)
		r = sg_key_check_scope(k, req->op, req->ns, req->id, now, why);
	if (r < 0)
		return set_invalid(req, r);
	req->sig.status = SG_SIG_VALID;
	req->sig.grant_not_after = t->timestamp;
	return SG_SIG_VALID;
}

static enum sg_sig_status verify_token(const struct sg_verify_opts *o, struct sg_request *req,
				       int64_t now, struct sg_token *t)
{
	struct sg_error *why = &req->sig.why;
	const struct sg_key *k;
	bool match = false;
	int r;

	r = sg_token_parse(req->token, t, why);
	if (r < 0)
		return set_invalid(req, r);
	(void)snprintf(req->sig.key_id, sizeof(req->sig.key_id), "%s", t->key_id);
	k = sg_keyring_find(o->keyring, t->key_id);
	if (!k) {
		sg_error_set(why, -ENOKEY, "unknown key id '%s'", t->key_id);
		return set_invalid(req, -ENOKEY);
	}
	/* The MAC comes before time and scope, so those reasons are told only to a holder of
	 * a valid signature and cannot be used to probe a key's scope. */
	if (req->op == SG_OP_EXEC && req->exec_id) {
		r = mac_matches(k, req, t, true, &match, why);
		if (r < 0)
			return mac_failed(req, r);
	}
	if (!match && !(req->op == SG_OP_EXEC && o->exec_id_required)) {
		r = mac_matches(k, req, t, false, &match, why);
		if (r < 0)
			return mac_failed(req, r);
	}
	if (!match) {
		bad_signature(o, req, t);
		return set_invalid(req, -EBADMSG);
	}
	if (t->version == 3)
		return verify_grant(o, req, now, k, t);
	if (now - t->timestamp > o->max_age) {
		sg_error_set(why, -ETIMEDOUT,
			     "signature expired: signed at %" PRId64 ", %" PRId64
			     " s ago, max_age is %" PRId64 " s",
			     t->timestamp, now - t->timestamp, o->max_age);
		return set_invalid(req, -ETIMEDOUT);
	}
	if (t->timestamp - now > o->max_future) {
		sg_error_set(why, -ETIMEDOUT,
			     "signature from the future: signed at %" PRId64 ", %" PRId64
			     " s ahead, max_future is %" PRId64 " s",
			     t->timestamp, t->timestamp - now, o->max_future);
		return set_invalid(req, -ETIMEDOUT);
	}
	r = sg_key_check_scope(k, req->op, req->ns, req->id, now, why);
	if (r < 0)
		return set_invalid(req, r);
	/* The MAC covers "the container's own"; whether the exec's values are is checked here,
	 * before the nonce is spent on a request that will be refused. */
	r = sg_canon_rel_check(req, t->rel, why);
	if (r < 0) {
		sg_error_prefix(why, "bad signature (key '%s'): the request is not what was signed",
				t->key_id);
		return set_invalid(req, r);
	}
	/* Recorded only now: an unauthenticated request must not be able to burn nonces. */
	if (o->replay) {
		r = sg_replay_record(o->replay, t->key_id, t->nonce, t->timestamp + o->max_age + 1,
				     now, why);
		if (r == -EALREADY) {
			sg_error_set(why, r, "replayed signature: nonce of key '%s' already used",
				     t->key_id);
			return set_invalid(req, r);
		}
		if (r < 0) {
			sg_error_prefix(why, "cannot record the nonce");
			return set_failed(req, r);
		}
	}
	req->sig.status = SG_SIG_VALID;
	return SG_SIG_VALID;
}

static enum sg_sig_status verify_own(const struct sg_verify_opts *o, struct sg_request *req)
{
	struct sg_token t;
	enum sg_sig_status s;
	int64_t now = req->now ? req->now : (int64_t)time(NULL);

	if (req->sig.status != SG_SIG_UNCHECKED)
		return req->sig.status;
	memset(&req->sig, 0, sizeof(req->sig));
	if (!req->token) {
		req->sig.status = SG_SIG_ABSENT;
		sg_error_set(&req->sig.why, -ENOKEY, "no signature");
		return SG_SIG_ABSENT;
	}
	memset(&t, 0, sizeof(t));
	s = verify_token(o, req, now, &t);
	sg_token_clear(&t);
	sg_request_drop_token(req);
	return s;
}

enum sg_sig_status sg_verify_request(const struct sg_verify_opts *o, struct sg_request *req)
{
	struct sg_request *parent = req->parent;
	const struct sg_key *k;
	int64_t now;

	if (req->op != SG_OP_MOUNT)
		return verify_own(o, req);
	if (req->sig.status != SG_SIG_UNCHECKED)
		return req->sig.status;
	sg_request_drop_token(req); /* a mount carries nothing of its own */
	if (!parent || parent->op != SG_OP_CREATE) {
		sg_error_set(&req->sig.why, -EINVAL, "mount request without its create");
		return set_invalid(req, -EINVAL);
	}
	req->sig.status = verify_own(o, parent);
	memcpy(req->sig.key_id, parent->sig.key_id, sizeof(req->sig.key_id));
	req->sig.why = parent->sig.why;
	if (req->sig.status != SG_SIG_VALID)
		return req->sig.status;
	k = sg_keyring_find(o->keyring, parent->sig.key_id);
	now = req->now ? req->now : (int64_t)time(NULL);
	if (!k || sg_key_check_scope(k, SG_OP_MOUNT, req->ns, req->id, now, &req->sig.why) < 0) {
		if (!k)
			sg_error_set(&req->sig.why, -ENOKEY, "unknown key id '%s'",
				     parent->sig.key_id);
		return set_invalid(req, req->sig.why.code);
	}
	return SG_SIG_VALID;
}

int sg_sign_request(const struct sg_keyring *kr, const char *key_id, int64_t timestamp,
		    const char *nonce, bool bind_exec_id, const struct sg_request *req,
		    char *token, size_t token_size, struct sg_error *err)
{
	struct sg_canon_params p = { .key_id = key_id, .timestamp = timestamp, .nonce = nonce,
				     .bind_exec_id = bind_exec_id, .version = 1 };

	return sg_sign_request_params(kr, &p, req, token, token_size, err);
}

int sg_sign_request_params(const struct sg_keyring *kr, const struct sg_canon_params *p,
			   const struct sg_request *req, char *token, size_t token_size,
			   struct sg_error *err)
{
	const struct sg_key *k = sg_keyring_find(kr, p->key_id);
	struct sg_token t = { .timestamp = p->timestamp,
			      .version = p->version == 2 || p->version == 3 ? p->version : 1,
			      .rel = p->rel };
	const char *key_id = p->key_id;
	char *input = NULL;
	size_t len = 0;
	int r;

	if (!k)
		return sg_error_set(err, -ENOKEY, "unknown key id '%s'", key_id ? key_id : "");
	if (p->bind_exec_id && (req->op != SG_OP_EXEC || !req->exec_id))
		return sg_error_set(err, -EINVAL, "only an exec with an exec id can bind it");
	r = sg_canon_build(req, p, &input, &len, err);
	if (r < 0)
		return r;
	r = sg_key_hmac(k, input, len, t.mac, err);
	sg_canon_free(input, len);
	if (r < 0)
		return r;
	(void)snprintf(t.key_id, sizeof(t.key_id), "%s", key_id);
	if (t.version != 3) /* a grant has no nonce */
		(void)snprintf(t.nonce, sizeof(t.nonce), "%s", p->nonce);
	r = sg_token_format(&t, token, token_size, err);
	sg_token_clear(&t);
	return r;
}
