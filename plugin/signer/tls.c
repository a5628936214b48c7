/* SPDX-License-Identifier: Apache-2.0 */
/* The signer's TLS context and the identity of a verified client certificate. */
#include <errno.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/safepath.h"
#include "tls.h"

/* Clients sign with a certificate from the signer's CA, maybe through intermediates. */
#define VERIFY_DEPTH 4

static int ssl_fail(struct sg_error *err, const char *what, const char *path)
{
	unsigned long e = ERR_peek_last_error();
	const char *why = e ? ERR_reason_error_string(e) : NULL;

	ERR_clear_error();
	return sg_error_set(err, -EINVAL, "%s %s: %s", what, path, why ? why : "failed");
}

/* Every CRL in the PEM file goes into the store; a file without one is refused, since
 * X509_V_FLAG_CRL_CHECK would then refuse every client anyway, which is a config error. */
static int load_crls(X509_STORE *store, const char *path, struct sg_error *err)
{
	BIO *bio = BIO_new_file(path, "r");
	X509_CRL *crl;
	unsigned n = 0;

	if (!bio)
		return ssl_fail(err, "crl", path);
	while ((crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL))) {
		int ok = X509_STORE_add_crl(store, crl);

		X509_CRL_free(crl);
		if (!ok) {
			BIO_free(bio);
			return ssl_fail(err, "crl", path);
		}
		n++;
	}
	BIO_free(bio);
	/* The loop ends on "no start line" at the end of the file: expected. */
	ERR_clear_error();
	if (n == 0)
		return sg_error_set(err, -EINVAL, "crl %s: no CRL in the file", path);
	return 0;
}

int sg_signer_tls_ctx(const struct sg_signer_config *cfg, SSL_CTX **out, struct sg_error *err)
{
	STACK_OF(X509_NAME) *names;
	X509_STORE *store;
	SSL_CTX *ctx;
	int r;

	r = sg_safepath_check(cfg->server_key, SG_SAFEPATH_SECRET, err);
	if (r < 0)
		return r;
	ctx = SSL_CTX_new(TLS_server_method());
	if (!ctx)
		return sg_error_set(err, -ENOMEM, "cannot make a TLS context");
	r = -EINVAL;
	/* TLS 1.3 only: no downgrade to older versions, no renegotiation. */
	if (!SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
		r = ssl_fail(err, "TLS", "versions");
		goto fail;
	}
	/* No resumption: every connection presents its certificate and meets the current CRL. */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	if (!SSL_CTX_set_num_tickets(ctx, 0)) {
		r = ssl_fail(err, "TLS", "tickets");
		goto fail;
	}
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->server_cert) != 1) {
		r = ssl_fail(err, "server_cert", cfg->server_cert);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->server_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		r = ssl_fail(err, "server_key", cfg->server_key);
		goto fail;
	}
	/* The trust anchors are the client_ca bundle and nothing else: the context starts with
	 * an empty store and the system's default paths are never loaded. */
	store = SSL_CTX_get_cert_store(ctx);
	if (X509_STORE_load_file(store, cfg->client_ca) != 1) {
		r = ssl_fail(err, "client_ca", cfg->client_ca);
		goto fail;
	}
	r = load_crls(store, cfg->crl, err);
	if (r < 0)
		goto fail;
	r = -EINVAL;
	/* Every certificate of the chain below the anchor must have a current CRL of its issuer:
	 * a missing or expired CRL refuses the client, it never skips the check. */
	X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL |
			     X509_V_FLAG_X509_STRICT);
	X509_STORE_set_purpose(store, X509_PURPOSE_SSL_CLIENT);
	names = SSL_load_client_CA_file(cfg->client_ca);
	if (!names) {
		r = ssl_fail(err, "client_ca", cfg->client_ca);
		goto fail;
	}
	SSL_CTX_set_client_CA_list(ctx, names);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	SSL_CTX_set_verify_depth(ctx, VERIFY_DEPTH);
	*out = ctx;
	return 0;
fail:
	SSL_CTX_free(ctx);
	return r;
}

/* Copies an ASN.1 string that must be plain printable text (no NUL, no control characters). */
static int take_name(const unsigned char *s, int len, char out[SG_SIGNER_IDENTITY_MAX + 1],
		     struct sg_error *err)
{
	if (len <= 0 || (size_t)len > SG_SIGNER_IDENTITY_MAX)
		return sg_error_set(err, -EACCES, "certificate name empty or longer than %u bytes",
				    SG_SIGNER_IDENTITY_MAX);
	for (int i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f)
			return sg_error_set(err, -EACCES, "certificate name has a control character");
	memcpy(out, s, (size_t)len);
	out[len] = '\0';
	return 0;
}

static int identity_cn(X509 *cert, char out[SG_SIGNER_IDENTITY_MAX + 1], struct sg_error *err)
{
	X509_NAME *name = X509_get_subject_name(cert);
	int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	unsigned char *utf8 = NULL;
	int len, r;

	if (i < 0)
		return sg_error_set(err, -EACCES, "client certificate has no subject CN");
	if (X509_NAME_get_index_by_NID(name, NID_commonName, i) >= 0)
		return sg_error_set(err, -EACCES, "client certificate has more than one subject CN");
	len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
	if (len < 0)
		return sg_error_set(err, -EACCES, "client certificate CN is not text");
	r = take_name(utf8, len, out, err);
	OPENSSL_free(utf8);
	return r;
}

static int identity_san(X509 *cert, char out[SG_SIGNER_IDENTITY_MAX + 1], struct sg_error *err)
{
	GENERAL_NAMES *sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	const ASN1_IA5STRING *found = NULL;
	unsigned n = 0;
	int r;

	for (int i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);

		if (g->type == GEN_DNS || g->type == GEN_EMAIL || g->type == GEN_URI) {
			found = g->d.ia5;
			n++;
		}
	}
	if (n != 1)
		r = sg_error_set(err, -EACCES, "client certificate has %u DNS/email/URI "
				 "subjectAltNames, want exactly one", n);
	else
		r = take_name(ASN1_STRING_get0_data(found), ASN1_STRING_length(found), out, err);
	GENERAL_NAMES_free(sans);
	return r;
}

int sg_signer_tls_identity(const SSL *ssl, enum sg_signer_idsrc src,
			   char out[SG_SIGNER_IDENTITY_MAX + 1], struct sg_error *err)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);

	/* The handshake cannot finish without a verified certificate (SSL_VERIFY_PEER |
	 * SSL_VERIFY_FAIL_IF_NO_PEER_CERT); checked again so no path hands out a token without. */
	if (!cert || SSL_get_verify_result(ssl) != X509_V_OK)
		return sg_error_set(err, -EACCES, "no verified client certificate");
	return src == SG_SIGNER_ID_SAN ? identity_san(cert, out, err) : identity_cn(cert, out, err);
}
