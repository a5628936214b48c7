/* SPDX-License-Identifier: Apache-2.0 */
/* The signer's audit trail: one JSON line per issuance and per refusal. Never a MAC, a
 * token or a key. */
#ifndef SG_SIGNER_AUDIT_H
#define SG_SIGNER_AUDIT_H

#include <shimgate/shimgate.h>

struct sg_sign_req;
struct sg_signer_audit;

struct sg_signer_event {
	const char *identity;          /* NULL before the client certificate verified */
	const char *peer;              /* "address:port" */
	const char *decision;          /* "issue" or "refuse" */
	const char *reason;            /* why refused; NULL for an issuance */
	int status;                    /* the HTTP status answered, 0 when none */
	const struct sg_sign_req *req; /* NULL when no request parsed */
	const char *key_id, *nonce;    /* of an issued token */
	long long timestamp;           /* of an issued token */
};

/* dest: an absolute path (O_APPEND, created 0600) or "stderr". */
int sg_signer_audit_open(const char *dest, struct sg_signer_audit **out, struct sg_error *err);
void sg_signer_audit_free(struct sg_signer_audit *a);
/* Writes the event as one line with one write(2), so lines never interleave. */
int sg_signer_audit_write(struct sg_signer_audit *a, const struct sg_signer_event *ev,
			  struct sg_error *err);
/* The line without its newline (caller frees); NULL when out of memory. */
char *sg_signer_audit_format(const struct sg_signer_event *ev);

#endif
