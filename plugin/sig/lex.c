/* SPDX-License-Identifier: Apache-2.0 */
/* The lexical pieces tokens and key files share: lowercase hex, decimal timestamps, nonces and
 * key ids. Both token.c and keyring.c call here, and nothing here calls either. */
#include <errno.h>
#include <string.h>

#include "core/limits.h"
#include "core/strutil.h"
#include "lex.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1; /* uppercase is refused: one spelling per token */
}

void sg_hex_encode(const uint8_t *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

int sg_hex_decode(const char *in, size_t hexlen, uint8_t *out)
{
	if (hexlen % 2 != 0 || strnlen(in, hexlen + 1) != hexlen)
		return -EINVAL;
	for (size_t i = 0; i < hexlen; i += 2) {
		int hi = hexval(in[i]), lo = hexval(in[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int sg_timestamp_parse(const char *s, int64_t *out)
{
	int64_t v = 0;
	size_t n = strlen(s);

	if (n == 0 || n > SG_TOKEN_TS_DIGITS)
		return -EINVAL;
	if (s[0] == '0' && n > 1)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (s[i] - '0'); /* 11 digits cannot overflow int64 */
	}
	*out = v;
	return 0;
}

int sg_nonce_valid(const char *s)
{
	if (strnlen(s, SG_NONCE_HEX + 1) != SG_NONCE_HEX)
		return -EINVAL;
	for (size_t i = 0; i < SG_NONCE_HEX; i++)
		if (hexval(s[i]) < 0)
			return -EINVAL;
	return 0;
}

int sg_key_id_valid(const char *key_id)
{
	return sg_name_valid(key_id, SG_LIMIT_KEY_ID, "_-") ? 0 : -EINVAL;
}
