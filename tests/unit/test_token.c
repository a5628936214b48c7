/* SPDX-License-Identifier: Apache-2.0 */
/* Token grammar: the valid form round-trips; every malformation is refused, naming the field. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#include "sig/token.h"

#define NONCE "0123456789abcdef0123456789abcdef"
#define MAC "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define GOOD "sg1.k1.1700000000." NONCE "." MAC

static void test_parse_good(void **state)
{
	struct sg_token t;
	struct sg_error err = { 0 };
	char buf[SG_TOKEN_MAX + 1];

	(void)state;
	assert_int_equal(sg_token_parse(GOOD, &t, &err), 0);
	assert_string_equal(t.key_id, "k1");
	assert_int_equal(t.timestamp, 1700000000);
	assert_string_equal(t.nonce, NONCE);
	assert_int_equal(t.mac[0], 0x00);
	assert_int_equal(t.mac[31], 0xff);
	assert_int_equal(sg_token_format(&t, buf, sizeof(buf), &err), 0);
	assert_string_equal(buf, GOOD);
	/* Edge values that are valid. */
	assert_int_equal(sg_token_parse("sg1.A-b_9.0." NONCE "." MAC, &t, &err), 0);
	assert_int_equal(t.timestamp, 0);
	assert_int_equal(sg_token_parse("sg1.k.99999999999." NONCE "." MAC, &t, &err), 0);
	assert_int_equal(t.timestamp, 99999999999LL);
}

/* Version 2: the binding after the version word, each form round-trips. */
static void test_parse_v2(void **state)
{
	static const struct {
		const char *binding;
		unsigned rel;
	} forms[] = {
		{ "-", 0 },
		{ "ugsw", SG_REL_ALL },
		{ "gsw", SG_REL_GID | SG_REL_GROUPS | SG_REL_CWD },
		{ "w", SG_REL_CWD },
		{ "us", SG_REL_UID | SG_REL_GROUPS },
	};
	struct sg_token t;
	struct sg_error err = { 0 };
	char in[SG_TOKEN_MAX + 1], out[SG_TOKEN_MAX + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		snprintf(in, sizeof(in), "sg2.%s.k1.1700000000." NONCE "." MAC, forms[i].binding);
		if (sg_token_parse(in, &t, &err) != 0)
			fail_msg("%s: %s", in, err.msg);
		assert_int_equal(t.version, 2);
		assert_int_equal(t.rel, forms[i].rel);
		assert_string_equal(t.key_id, "k1");
		assert_int_equal(sg_token_format(&t, out, sizeof(out), &err), 0);
		assert_string_equal(out, in);
	}
	assert_int_equal(sg_token_parse(GOOD, &t, &err), 0);
	assert_int_equal(t.version, 1);
	assert_int_equal(t.rel, 0);
	/* The longest version 2 token fits SG_TOKEN_MAX. */
	snprintf(in, sizeof(in), "sg2.ugsw.%064d.99999999999." NONCE "." MAC, 0);
	assert_int_equal(strlen(in), SG_TOKEN_MAX);
	assert_int_equal(sg_token_parse(in, &t, &err), 0);
}

struct bad_case {
	const char *token;
	const char *why; /* substring of the message */
};

static const struct bad_case bad_cases[] = {
	{ "", "empty" },
	{ "sg1", "5 fields separated by dots" },
	{ "sg1.k1.1700000000." NONCE, "5 fields separated by dots" },
	{ "sg1.k1.1700000000." NONCE "." MAC ".x", "5 fields separated by dots" },
	{ "sg1.k1.1700000000." NONCE "." "00112233", "mac is not 64" },
	{ "sg4.k1.1700000000." NONCE "." MAC, "version prefix" },
	{ "sg3.k1.1700000000." NONCE "." MAC, "want 4 fields" },
	{ "sg3.k1.1700000000", "want 4 fields" },
	{ "sg3.k1.01700000000." MAC, "not-after is not a plain decimal" },
	{ "sg3.k1.." MAC, "not-after is empty" },
	{ "sg3._k.1700000000." MAC, "key id is not" },
	{ "sg3.k1.1700000000." NONCE, "mac is not 64" },
	{ "sg2.k1.1700000000." NONCE "." MAC, "6 fields separated by dots" },
	{ "sg2.ugsw.k1.1700000000." NONCE, "6 fields separated by dots" },
	{ "sg2.wu.k1.1700000000." NONCE "." MAC, "binding is not" },
	{ "sg2.uu.k1.1700000000." NONCE "." MAC, "binding is not" },
	{ "sg2.x.k1.1700000000." NONCE "." MAC, "binding is not" },
	{ "sg2..k1.1700000000." NONCE "." MAC, "binding is not" },
	{ "sg2.ugswu.k1.1700000000." NONCE "." MAC, "binding is not" },
	{ "sg2.--.k1.1700000000." NONCE "." MAC, "binding is not" },
	{ "sg1.ugsw.k1.1700000000." NONCE "." MAC, "5 fields separated by dots" },
	{ "SG1.k1.1700000000." NONCE "." MAC, "version prefix" },
	{ "sg1..1700000000." NONCE "." MAC, "key id is empty" },
	{ "sg1._k.1700000000." NONCE "." MAC, "key id is not" },
	{ "sg1.k/1.1700000000." NONCE "." MAC, "key id is not" },
	{ "sg1.k1.+1700000000." NONCE "." MAC, "timestamp is not a plain decimal" },
	{ "sg1.k1.-1700000000." NONCE "." MAC, "timestamp is not a plain decimal" },
	{ "sg1.k1.01700000000." NONCE "." MAC, "timestamp is not a plain decimal" },
	{ "sg1.k1.00." NONCE "." MAC, "timestamp is not a plain decimal" },
	{ "sg1.k1.." NONCE "." MAC, "timestamp is empty" },
	{ "sg1.k1.999999999999." NONCE "." MAC, "longer than 11 digits" },
	{ "sg1.k1.18446744073709551617." NONCE "." MAC, "longer than 11 digits" },
	{ "sg1.k1.17e9." NONCE "." MAC, "timestamp is not a plain decimal" },
	{ "sg1.k1.1700000000 ." NONCE "." MAC, "space" },
	{ " sg1.k1.1700000000." NONCE "." MAC, "space" },
	{ "sg1.k1.1700000000." NONCE "." MAC "\n", "space" },
	{ "sg1.k1.1700000000.0123456789abcdef." MAC, "nonce is not 32" },
	{ "sg1.k1.1700000000.0123456789ABCDEF0123456789abcdef." MAC, "nonce is not lowercase" },
	{ "sg1.k1.1700000000.0123456789abcdeg0123456789abcdef." MAC, "nonce is not lowercase" },
	{ "sg1.k1.1700000000." NONCE ".00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff",
	  "mac is not 64 lowercase hex" },
	{ "sg1.k1.1700000000." NONCE ".zz112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	  "mac is not 64 lowercase hex" },
	{ "sg1.k1.1700000000." NONCE "." MAC "00", "mac is not 64" },
};

static void test_parse_bad(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		struct sg_token t;
		struct sg_error err = { 0 };
		int r = sg_token_parse(bad_cases[i].token, &t, &err);

		if (r != -EINVAL || !strstr(err.msg, bad_cases[i].why) ||
		    strncmp(err.msg, "malformed signature token: ", 27) != 0)
			fail_msg("case %zu '%s': r=%d msg '%s', want '%s'", i, bad_cases[i].token, r,
				 err.msg, bad_cases[i].why);
		/* The MAC hex never appears in a message. */
		assert_null(strstr(err.msg, "00112233"));
	}
}

/* A grant has no nonce and keeps its not-after where the timestamp was. */
static void test_parse_v3(void **state)
{
	const char *in = "sg3.k1.1800000000." MAC;
	struct sg_error err = { 0 };
	char out[SG_TOKEN_MAX + 1];
	struct sg_token t;

	(void)state;
	assert_int_equal(sg_token_parse(in, &t, &err), 0);
	assert_int_equal(t.version, 3);
	assert_int_equal(t.timestamp, 1800000000);
	assert_string_equal(t.nonce, "");
	assert_int_equal(sg_token_format(&t, out, sizeof(out), &err), 0);
	assert_string_equal(out, in);
	t.rel = SG_REL_UID;
	assert_int_equal(sg_token_format(&t, out, sizeof(out), &err), -EINVAL);
}

static void test_overlong(void **state)
{
	char buf[SG_TOKEN_MAX + 16];
	struct sg_token t;
	struct sg_error err = { 0 };

	(void)state;
	memset(buf, 'a', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(sg_token_parse(buf, &t, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "longer than"));
}

static void test_timestamp_parse(void **state)
{
	int64_t v = -1;

	(void)state;
	assert_int_equal(sg_timestamp_parse("0", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(sg_timestamp_parse("12", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(sg_timestamp_parse("012", &v), -EINVAL);
	assert_int_equal(sg_timestamp_parse(" 12", &v), -EINVAL);
	assert_int_equal(sg_timestamp_parse("12 ", &v), -EINVAL);
	assert_int_equal(sg_timestamp_parse("+1", &v), -EINVAL);
	assert_int_equal(sg_timestamp_parse("", &v), -EINVAL);
	assert_int_equal(sg_timestamp_parse("100000000000", &v), -EINVAL);
}

static void test_nonce_generate(void **state)
{
	char a[SG_NONCE_HEX + 1], b[SG_NONCE_HEX + 1];
	struct sg_error err = { 0 };

	(void)state;
	assert_int_equal(sg_nonce_generate(a, &err), 0);
	assert_int_equal(sg_nonce_generate(b, &err), 0);
	assert_int_equal(sg_nonce_valid(a), 0);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_v2),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_parse_v3),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_timestamp_parse),
		cmocka_unit_test(test_nonce_generate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
