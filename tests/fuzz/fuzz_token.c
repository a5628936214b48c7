/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the signature token text (env SHIMGATE_TOKEN, argv[0], annotation). The
 * grammar is strict, so a token that parses formats back to the same text; a refusal names
 * the field but never quotes the MAC (token.h). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "sig/token.h"

/* The text after the last dot when it is long enough to be recognised in a message and
 * occurs nowhere else in the token, else NULL. */
static const char *mac_part(const char *s)
{
	const char *dot = strrchr(s, '.');
	const char *first;

	if (!dot || strlen(dot + 1) < 16)
		return NULL;
	first = strstr(s, dot + 1);
	return first == dot + 1 ? dot + 1 : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = sg_fuzz_cstr(data, size);
	char buf[SG_TOKEN_MAX + 1];
	struct sg_error err = { 0 };
	struct sg_token t;
	const char *mac;

	if (sg_token_parse(s, &t, &err) < 0) {
		mac = mac_part(s);
		sg_fuzz_refused(&err);
		if (mac && strstr(err.msg, mac))
			sg_fuzz_die("refusal quotes the MAC: %s", err.msg);
		free(s);
		return 0;
	}
	if (sg_token_format(&t, buf, sizeof(buf), &err) < 0)
		sg_fuzz_die("parsed token does not format: %s", err.msg);
	if (strcmp(buf, s) != 0)
		sg_fuzz_die("token '%s' formats as '%s'", s, buf);
	sg_token_clear(&t);
	free(s);
	return 0;
}
