/* SPDX-License-Identifier: Apache-2.0 */
/* The signature token, parsed strictly and formatted:
 *   sg1.<key-id>.<timestamp>.<nonce>.<mac>            (absolute values)
 *   sg2.<binding>.<key-id>.<timestamp>.<nonce>.<mac>  (exec; fields bound as the container's own)
 *   sg3.<key-id>.<not-after>.<mac>                    (create grant: no nonce, reusable) */
#ifndef SG_SIG_TOKEN_H
#define SG_SIG_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <shimgate/shimgate.h>

#include "core/limits.h"
#include "keyring.h"
#include "lex.h"

#define SG_TOKEN_PREFIX "sg1"
#define SG_TOKEN_PREFIX_V2 "sg2"
#define SG_TOKEN_PREFIX_V3 "sg3"
#define SG_TOKEN_TS_MAX 99999999999LL
#define SG_MAC_HEX (2u * SG_MAC_LEN)
/* The container-relative fields of a version 2 token, written in this order as letters
 * ("ugsw"), "-" when none. */
enum sg_rel_field {
	SG_REL_UID = 1u << 0,    /* u: process.user.uid */
	SG_REL_GID = 1u << 1,    /* g: process.user.gid */
	SG_REL_GROUPS = 1u << 2, /* s: supplementary groups (additionalGids) */
	SG_REL_CWD = 1u << 3,    /* w: process.cwd */
};
#define SG_REL_ALL (SG_REL_UID | SG_REL_GID | SG_REL_GROUPS | SG_REL_CWD)
#define SG_REL_LETTERS "ugsw"
#define SG_REL_MAX 4u
/* sg2 . binding . key-id . ts . nonce . mac (the longer form), without the NUL */
#define SG_TOKEN_MAX (3u + 1u + SG_REL_MAX + 1u + SG_LIMIT_KEY_ID + 1u + SG_TOKEN_TS_DIGITS + 1u + SG_NONCE_HEX + 1u + SG_MAC_HEX)

struct sg_token {
	unsigned version; /* 1, 2 or 3 (a create grant) */
	unsigned rel;     /* version 2: SG_REL_* bits */
	char key_id[SG_LIMIT_KEY_ID + 1];
	int64_t timestamp;            /* version 3: the grant's not_after */
	char nonce[SG_NONCE_HEX + 1]; /* lowercase hex, as in the token; version 3: empty */
	uint8_t mac[SG_MAC_LEN];
};

/* Parses s. Anything but the exact grammar is -EINVAL with a message naming the field
 * ("malformed signature token: timestamp has a leading zero"); the MAC never appears. */
int sg_token_parse(const char *s, struct sg_token *out, struct sg_error *err);
/* Writes the token text into buf (at least SG_TOKEN_MAX + 1 bytes). */
int sg_token_format(const struct sg_token *t, char *buf, size_t size, struct sg_error *err);
/* The binding letters of rel ("-" when none) into buf (at least SG_REL_MAX + 1 bytes). */
void sg_rel_format(unsigned rel, char *buf);
/* Parses binding letters ("ugsw" order, each at most once, or "-"); -EINVAL otherwise. */
int sg_rel_parse(const char *s, size_t len, unsigned *rel);
/* Wipes the MAC and nonce. */
void sg_token_clear(struct sg_token *t);

/* A fresh nonce from RAND_bytes, as lowercase hex. */
int sg_nonce_generate(char out[SG_NONCE_HEX + 1], struct sg_error *err);

#endif
