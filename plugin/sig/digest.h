/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 and HMAC-SHA256 straight on OpenSSL's SHA-256 block function, without the EVP layer:
 * no provider store, configuration or method fetch in the gate (some 90 KiB of heap and most
 * of a millisecond per gate), and an HMAC key prepared once whose state lives where the
 * caller puts it (the keyring's wiped, undumpable region). */
#ifndef SG_SIG_DIGEST_H
#define SG_SIG_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/sha.h>

#define SG_SHA256_LEN 32u

/* HMAC-SHA256 under one key: the hash states after the key's inner and outer pads
 * (RFC 2104). They are as secret as the key. */
struct sg_hmac_key {
	SHA256_CTX inner, outer;
};

/* SHA-256 of a then b (b may be NULL with blen 0). */
void sg_sha256(const void *a, size_t alen, const void *b, size_t blen,
	       uint8_t out[SG_SHA256_LEN]);

/* Prepares k for key (any length; longer than a block is hashed first, as RFC 2104 says). */
void sg_hmac_key_init(struct sg_hmac_key *k, const uint8_t *key, size_t len);

/* HMAC-SHA256 of data under k. Whatever key-derived state it copies is wiped before return. */
void sg_hmac_sha256(const struct sg_hmac_key *k, const void *data, size_t len,
		    uint8_t mac[SG_SHA256_LEN]);

#endif
