/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 and HMAC-SHA256 on OpenSSL's low-level SHA-256 (see digest.h). */
/* SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP, whose fetch and
 * provider machinery is what this file exists to avoid; they stay in 3.x. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <string.h>

#include <openssl/crypto.h>

#include "digest.h"

#define BLOCK 64u

void sg_sha256(const void *a, size_t alen, const void *b, size_t blen,
	       uint8_t out[SG_SHA256_LEN])
{
	SHA256_CTX c;

	/* The low-level calls cannot fail (they return 1). */
	(void)SHA256_Init(&c);
	(void)SHA256_Update(&c, a, alen);
	if (blen)
		(void)SHA256_Update(&c, b, blen);
	(void)SHA256_Final(out, &c);
	OPENSSL_cleanse(&c, sizeof(c));
}

void sg_hmac_key_init(struct sg_hmac_key *k, const uint8_t *key, size_t len)
{
	uint8_t block[BLOCK] = { 0 }, pad[BLOCK];

	if (len > BLOCK)
		sg_sha256(key, len, NULL, 0, block);
	else
		memcpy(block, key, len);
	for (unsigned i = 0; i < BLOCK; i++)
		pad[i] = block[i] ^ 0x36;
	(void)SHA256_Init(&k->inner);
	(void)SHA256_Update(&k->inner, pad, BLOCK);
	for (unsigned i = 0; i < BLOCK; i++)
		pad[i] = block[i] ^ 0x5c;
	(void)SHA256_Init(&k->outer);
	(void)SHA256_Update(&k->outer, pad, BLOCK);
	OPENSSL_cleanse(block, sizeof(block));
	OPENSSL_cleanse(pad, sizeof(pad));
}

void sg_hmac_sha256(const struct sg_hmac_key *k, const void *data, size_t len,
		    uint8_t mac[SG_SHA256_LEN])
{
	SHA256_CTX c = k->inner;
	uint8_t inner[SG_SHA256_LEN];

	(void)SHA256_Update(&c, data, len);
	(void)SHA256_Final(inner, &c);
	c = k->outer;
	(void)SHA256_Update(&c, inner, sizeof(inner));
	(void)SHA256_Final(mac, &c);
	OPENSSL_cleanse(&c, sizeof(c));
	OPENSSL_cleanse(inner, sizeof(inner));
}
