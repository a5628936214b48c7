/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: sg_oci_parse_as's pre-pass that lifts integers above 2^63-1 out of jansson's
 * range, with jansson itself as the oracle. Without lifting (root NULL) the parser must agree
 * with jansson exactly: same accept/refuse, equal documents (apart from the depth bound). With
 * lifting (root config.json) it may accept only what jansson refused as "too big integer";
 * and what it accepts must write back (sg_oci_dump) and parse again to the same document and
 * the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "oci/fields.h"
#include "oci/oci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_auto_t *oracle = NULL;
	json_auto_t *plain = NULL;
	json_auto_t *lifted = NULL;
	json_auto_t *again = NULL;
	struct sg_error err = { 0 };
	char *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;
	json_error_t jerr;
	int r_plain, r_lifted;

	if (size > (1u << 16))
		return 0;
	oracle = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	r_plain = sg_oci_parse((const char *)data, size, &plain, &err);
	if (oracle && r_plain < 0 && strstr(err.msg, "nested deeper") == NULL)
		sg_fuzz_die("jansson accepts what sg_oci_parse refuses: %s", err.msg);
	if (!oracle && r_plain == 0)
		sg_fuzz_die("sg_oci_parse accepts what jansson refuses: %s", jerr.text);
	if (oracle && r_plain == 0 && !json_equal(oracle, plain))
		sg_fuzz_die("sg_oci_parse and jansson read different documents");

	r_lifted = sg_oci_parse_as((const char *)data, size, SG_FIELDS_ROOT_CONFIG, &lifted, &err);
	if (r_lifted < 0)
		return 0;
	if (oracle && !json_equal(oracle, lifted))
		sg_fuzz_die("lifting changed a document jansson reads");
	if (!oracle && !strstr(jerr.text, "too big integer"))
		sg_fuzz_die("lifting accepts what jansson refuses for another reason: %s", jerr.text);
	if (sg_oci_dump(lifted, &out, &len, &err) < 0)
		sg_fuzz_die("a lifted document does not write back: %s", err.msg);
	if (sg_oci_parse_as(out, len, SG_FIELDS_ROOT_CONFIG, &again, &err) < 0)
		sg_fuzz_die("a lifted document does not read back: %s\n%s", err.msg, out);
	if (!json_equal(lifted, again))
		sg_fuzz_die("a lifted document reads back different:\n%s", out);
	if (sg_oci_dump(again, &out2, &len2, &err) < 0 || len != len2 || memcmp(out, out2, len) != 0)
		sg_fuzz_die("a lifted document is not written back byte for byte:\n%s", out);
	free(out);
	free(out2);
	return 0;
}
