/* SPDX-License-Identifier: Apache-2.0 */
/* Per-host keys: HKDF-SHA256 of a master secret, the key id and the node name (FORMAT.md 6). */
#ifndef SG_SIG_DERIVE_H
#define SG_SIG_DERIVE_H

#include <stddef.h>
#include <stdint.h>

#include <shimgate/shimgate.h>

#define SG_HOST_KEY_LEN 32u
#define SG_NODE_NAME_MAX 253u
/* The HKDF salt: names the scheme and its version, so no other use of the master secret
 * can produce the same bytes. */
#define SG_HOST_KEY_SALT "shimgate-host-key-v1"

/* A node name: a host name, [A-Za-z0-9][A-Za-z0-9._-]{0,252}. */
int sg_node_name_valid(const char *node);

/* out = HKDF-SHA256(ikm = master, salt = SG_HOST_KEY_SALT, info = key_id || 0x00 || node,
 * L = 32). The NUL separates the two names, which cannot contain it, so no (key id, node)
 * pair shares its info with another. */
int sg_host_key_derive(const uint8_t *master, size_t master_len, const char *key_id,
		       const char *node, uint8_t out[SG_HOST_KEY_LEN], struct sg_error *err);

#endif
