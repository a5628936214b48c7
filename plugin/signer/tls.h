/* SPDX-License-Identifier: Apache-2.0 */
/* The signer's TLS: a TLS 1.3-only server context that requires and verifies a client
 * certificate against the signer's own CA bundle and CRL, and the identity it names. */
#ifndef SG_SIGNER_TLS_H
#define SG_SIGNER_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

#include "signer.h"

#define SG_SIGNER_IDENTITY_MAX 256u

/* Builds the server context from cfg's server_cert, server_key (safe-path checked, a
 * secret), client_ca and crl. There is no way to build it without peer verification. */
int sg_signer_tls_ctx(const struct sg_signer_config *cfg, SSL_CTX **out, struct sg_error *err);

/* The identity of a verified peer: its certificate's subject CN, or its only DNS, email or
 * URI subjectAltName (src). Refused (-EACCES) when the handshake did not verify a
 * certificate, or the name is missing, ambiguous, too long or has control characters. */
int sg_signer_tls_identity(const SSL *ssl, enum sg_signer_idsrc src,
			   char out[SG_SIGNER_IDENTITY_MAX + 1], struct sg_error *err);

#endif
