/* SPDX-License-Identifier: Apache-2.0 */
/* sg_oci_update_check's device rules: each field checked (type a, b or c; major/minor a number
 * or -1) and refused with its JSON path before the rules are compared as keys. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci_testutil.h"

#include "oci/oci.h"

static const char config[] =
	"{\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
	"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}}}";

/* The update {"devices":[DENY_ALL, rule]} against config: 0 or the refusal's message. */
static int check(const char *rule, struct sg_error *err)
{
	char *text = NULL;
	json_t *cfg = sg_test_json(config), *res;
	int r;

	assert_true(asprintf(&text, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},%s]}",
			     rule) > 0);
	res = sg_test_json(text);
	r = sg_oci_update_check(res, cfg, err);
	json_decref(res);
	json_decref(cfg);
	free(text);
	return r;
}

static void refused(const char *rule, const char *want)
{
	struct sg_error err = { 0 };

	if (check(rule, &err) != -EINVAL || strcmp(err.msg, want) != 0)
		fail_msg("%s: want -EINVAL '%s', got '%s'", rule, want, err.msg);
}

static void test_device_fields(void **state)
{
	struct sg_error err = { 0 };

	(void)state;
	assert_int_equal(check("{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,"
			       "\"access\":\"mwr\"}", &err), 0);
	assert_int_equal(check("{\"allow\":false,\"type\":\"b\",\"major\":-1}", &err), 0);
	assert_int_equal(check("{\"allow\":false}", &err), 0);
	/* Once cut to 64 bytes, this type made a key that named another rule. */
	refused("{\"allow\":true,\"type\":\"c 1:3 rwm                                          "
		"   x\",\"access\":\"rwm\"}",
		"resources.devices[1].type: 'c 1:3 rwm       ' is not a, b or c");
	refused("{\"allow\":false,\"type\":\"\"}", "resources.devices[1].type: '' is not a, b or c");
	refused("{\"allow\":false,\"type\":\"u\"}", "resources.devices[1].type: 'u' is not a, b or c");
	refused("{\"allow\":false,\"type\":7}",
		"resources.devices[1].type: '(not a string)' is not a, b or c");
	refused("{\"allow\":false,\"type\":\"c\",\"major\":-2}",
		"resources.devices[1].major: not a device number or -1");
	refused("{\"allow\":false,\"type\":\"c\",\"minor\":\"3\"}",
		"resources.devices[1].minor: not a device number or -1");
	refused("{\"allow\":false,\"type\":\"c\",\"minor\":1.5}",
		"resources.devices[1].minor: not a device number or -1");
	refused("{\"allow\":\"yes\"}", "resources.devices[1].allow: not a boolean");
	refused("{\"allow\":false,\"access\":\"rwx\"}",
		"resources.devices[1].access: 'rwx' is not made of r, w, m");
	refused("[]", "resources.devices[1]: not a device rule");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
