/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate explain: prints the exact signing input of a request, without any key. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "reqflags.h"
#include "sig/canon.h"
#include "sig/token.h"

#define EXPLAIN_KEY_ID "unset"
#define EXPLAIN_NONCE "00000000000000000000000000000000"

static void explain_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate explain exec|create [REQUEST FLAGS] [--token TOKEN |\n"
		"                        --key-id ID --timestamp N --nonce HEX] [-- ARGV...]\n"
		"Prints the exact bytes a token for this request signs (see FORMAT.md). With\n"
		"--token, its key id, timestamp and nonce are used (the MAC is ignored); otherwise\n"
		"the defaults are key id '" EXPLAIN_KEY_ID "', timestamp now, nonce all zeros.\n"
		"A grant (--token sg3..., or the grant flags) prints what it covers: the pod\n"
		"identity, process, env, host mounts, host namespaces, devices, capabilities and\n"
		"hooks, and its not-after (default +30 days, or --not-after).\n"
		"  --view       print instead the view a refused exec's message shows ('gate saw\n"
		"               ...'): user, groups, cwd, terminal, names of the signed env\n"
		"               entries, argc and a digest of each group of fields; compare the\n"
		"               two side by side (the field whose digest differs is the one)\n"
		"  --full-view  the same with namespace, container and exec id (the gate's debug log)\n");
	sg_reqflags_usage(out);
}

int sg_cmd_explain(int argc, char **argv)
{
	struct sg_reqflags rf;
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	struct sg_token t = { 0 };
	struct sg_canon_params p = { .key_id = EXPLAIN_KEY_ID, .nonce = EXPLAIN_NONCE };
	char *input = NULL;
	size_t len = 0;
	int rc = SG_EXIT_USAGE;

	if (sg_reqflags_parse(argc, argv, SG_RF_TOKEN | SG_RF_SIGNING | SG_RF_VIEW, &rf) < 0)
		goto out;
	if (rf.help) {
		explain_usage(stdout);
		rc = SG_EXIT_OK;
		goto out;
	}
	p.timestamp = rf.timestamp_set ? rf.timestamp : (int64_t)time(NULL);
	if (rf.key_id)
		p.key_id = rf.key_id;
	if (rf.nonce)
		p.nonce = rf.nonce;
	if (rf.token) {
		if (rf.key_id || rf.timestamp_set || rf.nonce) {
			sg_error_set(&err, -EINVAL, "--token already gives key id, timestamp and nonce");
			rc = sg_reqflags_fail("explain", &err);
			goto out;
		}
		if (sg_token_parse(rf.token, &t, &err) < 0) {
			rc = sg_reqflags_fail("explain", &err);
			goto out;
		}
		p.key_id = t.key_id;
		p.timestamp = t.timestamp;
		p.nonce = t.nonce;
		rf.grant |= t.version == 3; /* a grant's request is built as one */
	}
	if (sg_reqflags_build(&rf, &req, &err) < 0) {
		rc = sg_reqflags_fail("explain", &err);
		goto out;
	}
	if (sg_reqflags_params(&rf, req, &p, &err) < 0) {
		rc = sg_reqflags_fail("explain", &err);
		goto out;
	}
	if (rf.token) {
		/* The token says which form it signed. */
		p.version = t.version;
		p.rel = t.rel;
	} else if (p.version == 3 &&
		   sg_reqflags_not_after(&rf, NULL, p.timestamp, &p.timestamp, &err) < 0) {
		rc = sg_reqflags_fail("explain", &err);
		goto out;
	}
	if (rf.view) {
		char view[768];

		sg_canon_view(req, &p, rf.full_view, view, sizeof(view));
		printf("%s\n", view);
		rc = SG_EXIT_OK;
		goto out;
	}
	if (sg_canon_build(req, &p, &input, &len, &err) < 0) {
		rc = sg_reqflags_fail("explain", &err);
		goto out;
	}
	/* The signing input is shown on purpose here: it is what the operator asked for, and
	 * without the key it proves nothing. */
	if (fwrite(input, 1, len, stdout) != len) {
		rc = SG_EXIT_USAGE;
		goto out;
	}
	rc = SG_EXIT_OK;
out:
	sg_canon_free(input, len);
	sg_token_clear(&t);
	sg_request_free(req);
	sg_reqflags_clear(&rf);
	return rc;
}
