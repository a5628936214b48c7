/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a key file of keys.d (secret, scope keywords). A key that loads is checked
 * against every operation and used once; a refusal never quotes the secret. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sig/keyring.h"

/* The value of the first "secret" line when it looks like one (hex), is long enough to be
 * recognised in a message and occurs only once in the file, else NULL (malloc'ed). */
static char *secret_of(const char *text)
{
	const char *k = strstr(text, "secret");
	char *v;

	if (!k)
		return NULL;
	k += strlen("secret");
	k += strspn(k, " \t=");
	v = strndup(k, strcspn(k, " \t\r\n#"));
	if (v && (strlen(v) < 16 || strspn(v, "0123456789abcdefABCDEF") != strlen(v) ||
		  strstr(strstr(text, v) + 1, v))) {
		free(v);
		v = NULL;
	}
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = { "c1", "web-1", "" };
	char *path = sg_fuzz_mkdir("keys.d-fuzz", 0700);
	struct sg_keyring *kr = NULL;
	struct sg_error err = { 0 };
	const struct sg_key *k;
	uint8_t mac[SG_MAC_LEN];
	char *text, *secret;

	free(path);
	path = sg_fuzz_write("keys.d-fuzz/fuzzkey", data, size, 0600);
	if (sg_keyring_load_file(path, &kr, &err) < 0) {
		text = sg_fuzz_cstr(data, size);
		secret = secret_of(text);
		sg_fuzz_refused(&err);
		if (secret && strstr(err.msg, secret))
			sg_fuzz_die("refusal quotes the secret: %s", err.msg);
		free(secret);
		free(text);
		free(path);
		return 0;
	}
	k = sg_keyring_find(kr, "fuzzkey");
	if (sg_keyring_count(kr) != 1 || !k || strcmp(sg_key_id(k), "fuzzkey") != 0)
		sg_fuzz_die("loaded key file is not key 'fuzzkey'");
	for (unsigned op = 0; op < SG_OP_COUNT; op++)
		for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
			(void)sg_key_check_scope(k, (enum sg_op)op, SG_FUZZ_NS, ids[i],
						 SG_FUZZ_NOW, &err);
	if (sg_key_hmac(k, data, size, mac, &err) < 0)
		sg_fuzz_die("hmac failed: %s", err.msg);
	sg_keyring_free(kr);
	free(path);
	return 0;
}
