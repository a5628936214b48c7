/* SPDX-License-Identifier: Apache-2.0 */
/* Per-host key derivation with OpenSSL's EVP_KDF "HKDF" (RFC 5869, SHA-256). */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "core/limits.h"
#include "core/strutil.h"
#include "derive.h"
#include "keyring.h"
#include "lex.h"

int sg_node_name_valid(const char *node)
{
	return sg_name_valid(node, SG_NODE_NAME_MAX, "._-") ? 0 : -EINVAL;
}

int sg_host_key_derive(const uint8_t *master, size_t master_len, const char *key_id,
		       const char *node, uint8_t out[SG_HOST_KEY_LEN], struct sg_error *err)
{
	char info[SG_LIMIT_KEY_ID + 1 + SG_NODE_NAME_MAX];
	size_t id_len, node_len;
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[5];
	int r = 0;

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

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)master,
						      master_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
						      (void *)SG_HOST_KEY_SALT,
						      sizeof(SG_HOST_KEY_SALT) - 1);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info,
						      id_len + 1 + node_len);
	params[4] = OSSL_PARAM_construct_end();
	kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	if (!ctx || EVP_KDF_derive(ctx, out, SG_HOST_KEY_LEN, params) != 1) {
		OPENSSL_cleanse(out, SG_HOST_KEY_LEN);
		r = sg_error_set(err, -EIO, "HKDF-SHA256 failed for key '%s', node '%s'", key_id,
				 node);
	}
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return r;
}
