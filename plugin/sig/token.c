/* SPDX-License-Identifier: Apache-2.0 */
/* The signature token grammar: strict parser and formatter (see FORMAT.md). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sys/random.h>

#include <openssl/crypto.h>

#include "lex.h"
#include "token.h"

int sg_nonce_generate(char out[SG_NONCE_HEX + 1], struct sg_error *err)
{
	uint8_t raw[SG_NONCE_BYTES];
	ssize_t n;

	/* The kernel's CSPRNG, not OpenSSL's DRBG: the gate links no EVP provider (digest.h). */
	do
		n = getrandom(raw, sizeof(raw), 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(raw))
		return sg_error_set(err, -EIO, "cannot draw a random nonce: %s",
				    n < 0 ? strerror(errno) : "short read");
	sg_hex_encode(raw, sizeof(raw), out);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

void sg_token_clear(struct sg_token *t)
{
	OPENSSL_cleanse(t, sizeof(*t));
}

#define MALFORMED(err, ...) sg_error_set(err, -EINVAL, "malformed signature token: " __VA_ARGS__)

void sg_rel_format(unsigned rel, char *buf)
{
	size_t n = 0;

	for (unsigned i = 0; i < SG_REL_MAX; i++)
		if (rel & (1u << i))
			buf[n++] = SG_REL_LETTERS[i];
	if (n == 0)
		buf[n++] = '-';
	buf[n] = '\0';
}

int sg_rel_parse(const char *s, size_t len, unsigned *rel)
{
	unsigned v = 0, next = 0;

	if (len == 1 && s[0] == '-') {
		*rel = 0;
		return 0;
	}
	if (len == 0 || len > SG_REL_MAX)
		return -EINVAL;
	/* One spelling per binding: letters in "ugsw" order, each at most once. */
	for (size_t i = 0; i < len; i++) {
		const char *at = memchr(SG_REL_LETTERS, s[i], SG_REL_MAX);
		unsigned bit;

		if (!at || (unsigned)(at - SG_REL_LETTERS) < next)
			return -EINVAL;
		bit = (unsigned)(at - SG_REL_LETTERS);
		v |= 1u << bit;
		next = bit + 1;
	}
	*rel = v;
	return 0;
}

/* Locates the dot-separated fields of s; more than max is an error. */
static int split_fields(const char *s, const char *field[6], size_t len[6], unsigned max,
			unsigned *count)
{
	const char *p = s;
	unsigned n = 0;

	for (;;) {
		const char *dot = strchr(p, '.');

		if (n == max)
			return -EINVAL;
		field[n] = p;
		len[n] = dot ? (size_t)(dot - p) : strlen(p);
		n++;
		if (!dot)
			break;
		p = dot + 1;
	}
	*count = n;
	return 0;
}

int sg_token_parse(const char *s, struct sg_token *out, struct sg_error *err)
{
	const char *f[6];
	size_t len[6];
	char ts[SG_TOKEN_TS_DIGITS + 1];
	struct sg_token t = { .version = 1 };
	unsigned nf = 0, k = 1; /* k: index of the key id field */
	size_t n;

	if (!s || !*s)
		return MALFORMED(err, "empty");
	n = strnlen(s, SG_TOKEN_MAX + 1);
	if (n > SG_TOKEN_MAX)
		return MALFORMED(err, "longer than %u bytes", SG_TOKEN_MAX);
	for (size_t i = 0; i < n; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return MALFORMED(err, "contains a space or a non-printable character");
	if (split_fields(s, f, len, 6, &nf) < 0)
		nf = 0;
	if (len[0] == 3 && memcmp(f[0], SG_TOKEN_PREFIX_V2, 3) == 0) {
		if (nf != 6)
			return MALFORMED(err, "want 6 fields separated by dots (version, binding, key id, timestamp, nonce, mac)");
		if (sg_rel_parse(f[1], len[1], &t.rel) < 0)
			return MALFORMED(err, "binding is not '-' or letters of '" SG_REL_LETTERS "' in that order");
		t.version = 2;
		k = 2;
	} else if (len[0] == 3 && memcmp(f[0], SG_TOKEN_PREFIX_V3, 3) == 0) {
		if (nf != 4)
			return MALFORMED(err, "want 4 fields separated by dots (version, key id, not-after, mac)");
		t.version = 3;
	} else if (len[0] == 3 && memcmp(f[0], SG_TOKEN_PREFIX, 3) == 0) {
		if (nf != 5)
			return MALFORMED(err, "want 5 fields separated by dots (version, key id, timestamp, nonce, mac)");
	} else {
		return MALFORMED(err, "version prefix is not '" SG_TOKEN_PREFIX "', '" SG_TOKEN_PREFIX_V2
				 "' or '" SG_TOKEN_PREFIX_V3 "'");
	}

	if (len[k] == 0 || len[k] > SG_LIMIT_KEY_ID)
		return MALFORMED(err, "key id is empty or longer than %u characters", SG_LIMIT_KEY_ID);
	memcpy(t.key_id, f[k], len[k]);
	if (sg_key_id_valid(t.key_id) < 0)
		return MALFORMED(err, "key id is not [A-Za-z0-9][A-Za-z0-9_-]*");

	if (len[k + 1] == 0 || len[k + 1] > SG_TOKEN_TS_DIGITS)
		return MALFORMED(err, "%s is empty or longer than %u digits",
				 t.version == 3 ? "not-after" : "timestamp", SG_TOKEN_TS_DIGITS);
	memcpy(ts, f[k + 1], len[k + 1]);
	ts[len[k + 1]] = '\0';
	if (sg_timestamp_parse(ts, &t.timestamp) < 0)
		return MALFORMED(err, "%s is not a plain decimal (no sign, no leading zero)",
				 t.version == 3 ? "not-after" : "timestamp");
	/* A grant has no nonce: its MAC follows its not-after. */
	if (t.version == 3) {
		k--;
	} else {
		if (len[k + 2] != SG_NONCE_HEX)
			return MALFORMED(err, "nonce is not %u hex characters", SG_NONCE_HEX);
		memcpy(t.nonce, f[k + 2], len[k + 2]);
		if (sg_nonce_valid(t.nonce) < 0)
			return MALFORMED(err, "nonce is not lowercase hex");
	}

	if (len[k + 3] != SG_MAC_HEX || sg_hex_decode(f[k + 3], len[k + 3], t.mac) < 0) {
		sg_token_clear(&t);
		return MALFORMED(err, "mac is not %u lowercase hex characters", SG_MAC_HEX);
	}
	*out = t;
	sg_token_clear(&t);
	return 0;
}

int sg_token_format(const struct sg_token *t, char *buf, size_t size, struct sg_error *err)
{
	char mac[SG_MAC_HEX + 1];
	char rel[SG_REL_MAX + 2];
	int n;

	if (sg_key_id_valid(t->key_id) < 0 || t->timestamp < 0 || t->timestamp > SG_TOKEN_TS_MAX ||
	    (t->version != 3 && sg_nonce_valid(t->nonce) < 0) ||
	    (t->version < 1 || t->version > 3) || (t->rel & ~(unsigned)SG_REL_ALL) ||
	    (t->version != 2 && t->rel))
		return sg_error_set(err, -EINVAL, "cannot format a token from invalid fields");
	sg_hex_encode(t->mac, SG_MAC_LEN, mac);
	/* Version 2 puts its binding after the version word: "sg2.<binding>." */
	sg_rel_format(t->rel, rel + 1);
	rel[0] = '.';
	if (t->version == 3)
		n = snprintf(buf, size, SG_TOKEN_PREFIX_V3 ".%s.%" PRId64 ".%s", t->key_id,
			     t->timestamp, mac);
	else
		n = snprintf(buf, size, "%s%s.%s.%" PRId64 ".%s.%s",
			     t->version == 2 ? SG_TOKEN_PREFIX_V2 : SG_TOKEN_PREFIX,
			     t->version == 2 ? rel : "", t->key_id, t->timestamp, t->nonce, mac);
	OPENSSL_cleanse(mac, sizeof(mac));
	if (n < 0 || (size_t)n >= size)
		return sg_error_set(err, -ENOBUFS, "token buffer too small");
	return 0;
}
