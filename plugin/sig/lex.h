/* SPDX-License-Identifier: Apache-2.0 */
/* The lexical pieces tokens and key files share: lowercase hex, decimal timestamps, nonces and
 * key ids. */
#ifndef SG_SIG_LEX_H
#define SG_SIG_LEX_H

#include <stddef.h>
#include <stdint.h>

#define SG_TOKEN_TS_DIGITS 11u /* at most 99999999999 (year 5138) */
#define SG_NONCE_BYTES 16u
#define SG_NONCE_HEX (2u * SG_NONCE_BYTES)

/* A strict decimal timestamp: digits only, no leading zero, at most 11 digits. */
int sg_timestamp_parse(const char *s, int64_t *out);
/* A nonce: exactly SG_NONCE_HEX lowercase hex characters. */
int sg_nonce_valid(const char *s);

/* Lowercase hex helpers. sg_hex_decode accepts only lowercase and an exact length. */
void sg_hex_encode(const uint8_t *in, size_t n, char *out);
int sg_hex_decode(const char *in, size_t hexlen, uint8_t *out);

/* A key id is a plain name, never a path: [A-Za-z0-9][A-Za-z0-9_-]{0,63}. */
int sg_key_id_valid(const char *key_id);

#endif
