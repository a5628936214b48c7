/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the process spec JSON of an exec (ExecProcessRequest.spec), read into a request
 * through the shim's parse entry (sg_oci_parse_doc: bounds, then Go's key folding)
 * against the container's config.json, judged by the exec stack and, when allowed, written
 * back. What is written back must read again and carry no token. */
#include <stdlib.h>

#include "core/request.h"
#include "fuzz.h"
#include "oci/oci.h"

static json_t *container_doc(void)
{
	static json_t *doc;
	struct sg_error err = { 0 };
	size_t len;
	char *text;

	if (doc)
		return doc;
	text = sg_fuzz_src_read("tests/bench/fixtures/config.json", &len);
	if (sg_oci_parse(text, len, &doc, &err) < 0)
		sg_fuzz_die("fixture config.json: %s", err.msg);
	free(text);
	return doc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_request_ struct sg_request *req = NULL;
	_cleanup_request_ struct sg_request *again = NULL;
	struct sg_error err = { 0 };
	char *out = NULL;
	size_t out_len = 0;

	if (sg_oci_exec_request(SG_FUZZ_NS, SG_FUZZ_ID, "e1", (const char *)data, size,
				container_doc(), &req, &err) < 0) {
		sg_fuzz_refused(&err);
		return 0;
	}
	sg_fuzz_check_no_carrier(req->doc, true);
	if (!sg_fuzz_decide(req))
		return 0;
	if (sg_oci_exec_serialize(req, &out, &out_len, &err) < 0)
		sg_fuzz_die("allowed exec does not serialise: %s", err.msg);
	/* What runc gets is a process spec the gate itself accepts, without a token. */
	if (sg_oci_exec_request(SG_FUZZ_NS, SG_FUZZ_ID, "e1", out, out_len, container_doc(),
				&again, &err) < 0)
		sg_fuzz_die("serialised exec does not read back: %s\n%s", err.msg, out);
	if (again->token)
		sg_fuzz_die("serialised exec carries a token");
	sg_fuzz_check_no_carrier(again->doc, true);
	free(out);
	return 0;
}
