/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 and HMAC-SHA256 on the low-level SHA-256: RFC 4231 vectors, and the same answers as
 * OpenSSL's EVP for every key and data length around the block size. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "sig/digest.h"
#include "testutil.h"

static void hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* RFC 4231 test cases 2 and 6 (a key longer than the block is hashed first). */
static void test_rfc4231(void **state)
{
	static const char tc2[] = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
	static const char tc6[] = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
	static const char data6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	struct sg_hmac_key k;
	uint8_t key6[131], mac[SG_SHA256_LEN];
	char got[2 * SG_SHA256_LEN + 1];

	(void)state;
	sg_hmac_key_init(&k, (const uint8_t *)"Jefe", 4);
	sg_hmac_sha256(&k, "what do ya want for nothing?", 28, mac);
	hex(mac, sizeof(mac), got);
	assert_string_equal(got, tc2);
	memset(key6, 0xaa, sizeof(key6));
	sg_hmac_key_init(&k, key6, sizeof(key6));
	sg_hmac_sha256(&k, data6, strlen(data6), mac);
	hex(mac, sizeof(mac), got);
	assert_string_equal(got, tc6);
}

static void test_same_as_evp(void **state)
{
	static const size_t key_lens[] = { 1, 31, 32, 63, 64, 65, 100, 128 };
	static const size_t data_lens[] = { 0, 1, 55, 56, 63, 64, 65, 119, 120, 261, 1000 };
	uint8_t key[128], data[1000], a[SG_SHA256_LEN], b[EVP_MAX_MD_SIZE];

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 3);
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + 1);
	for (size_t d = 0; d < sizeof(data_lens) / sizeof(data_lens[0]); d++) {
		size_t n = data_lens[d], blen = 0;
		unsigned int dlen = 0;

		for (size_t kl = 0; kl < sizeof(key_lens) / sizeof(key_lens[0]); kl++) {
			struct sg_hmac_key k;

			sg_hmac_key_init(&k, key, key_lens[kl]);
			sg_hmac_sha256(&k, data, n, a);
			assert_non_null(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key,
						  key_lens[kl], data, n, b, sizeof(b), &blen));
			assert_int_equal(blen, SG_SHA256_LEN);
			assert_memory_equal(a, b, SG_SHA256_LEN);
		}
		/* Split anywhere, the digest is of the concatenation. */
		sg_sha256(data, n / 3, data + n / 3, n - n / 3, a);
		assert_int_equal(EVP_Digest(data, n, b, &dlen, EVP_sha256(), NULL), 1);
		assert_memory_equal(a, b, SG_SHA256_LEN);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4231),
		cmocka_unit_test(test_same_as_evp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
