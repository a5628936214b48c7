/* SPDX-License-Identifier: Apache-2.0 */
/* Per-host key derivation: HKDF (RFC 5869) with HMAC-SHA256. */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>

#include "core/limits.h"
#include "core/strutil.h"
#include "derive.h"
#include "digest.h"
#include "keyring.h"
#include "lex.h"

int sg_node_name_valid(const char *node)
{
	return sg_name_valid(node, SG_NODE_NAME_MAX, "._-") ? 0 : -EINVAL;
}

int sg_host_key_derive(const uint8_t *master, size_t master_len, const char *key_id,
		       const char *node, uint8_t out[SG_HOST_KEY_LEN], struct sg_error *err)
{
	char info[SG_LIMIT_KEY_ID + 1 + SG_NODE_NAME_MAX + 1];
	uint8_t prk[SG_SHA256_LEN];
	struct sg_hmac_key k;
	size_t id_len, node_len;

	if (sg_key_id_valid(key_id) < 0)
		return sg_error_set(err, -EINVAL, "key id '%s' is not [A-Za-z0-9][A-Za-z0-9_-]{0,63}",
				    key_id ? key_id : "");
	if (sg_node_name_valid(node) < 0)
		return sg_error_set(err, -EINVAL,
				    "node name '%.64s' is not [A-Za-z0-9][A-Za-z0-9._-]{0,252}",
				    node ? node : "");
	if (master_len < SG_KEY_SECRET_MIN)
		return sg_error_set(err, -EINVAL, "master secret of key '%s' is shorter than %u bytes",
				    key_id, SG_KEY_SECRET_MIN);
	id_len = strlen(key_id);
	node_len = strlen(node);
	memcpy(info, key_id, id_len);
	info[id_len] = '\0';
	memcpy(info + id_len + 1, node, node_len);

	/* RFC 5869 on the gate's own HMAC (digest.h), so that no EVP provider is loaded for it:
	 * PRK = HMAC(salt, master); out = T(1) = HMAC(PRK, info || 0x01), L = 32 = one block. */
	sg_hmac_key_init(&k, (const uint8_t *)SG_HOST_KEY_SALT, sizeof(SG_HOST_KEY_SALT) - 1);
	sg_hmac_sha256(&k, master, master_len, prk);
	sg_hmac_key_init(&k, prk, sizeof(prk));
	info[id_len + 1 + node_len] = 0x01;
	sg_hmac_sha256(&k, info, id_len + 1 + node_len + 1, out);
	OPENSSL_cleanse(&k, sizeof(k));
	OPENSSL_cleanse(prk, sizeof(prk));
	return 0;
}
