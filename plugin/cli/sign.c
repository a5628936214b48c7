/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate sign: builds the request from flags or OCI documents and prints its token. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "reqflags.h"
#include "signer_client.h"
#include "oci/oci.h"
#include "sig/grant.h"
#include "sig/keyring.h"
#include "sig/token.h"
#include "sig/verify.h"

static void sign_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate sign exec|create --key FILE [REQUEST FLAGS] [-- ARGV...]\n"
		"       shimgate sign --key FILE --request req.json\n"
		"Prints the signature token for the request. An exec token binds what the flags do\n"
		"not give (user, groups, cwd) as the container's own, so a signer needs only the\n"
		"namespace, container id, argv, --terminal and the env the client adds; the gate\n"
		"requires those fields to equal the container's config.json. Give it to the client as\n"
		"env SHIMGATE_TOKEN=<token>, as argv[0] SHIMGATE_TOKEN=<token> (ctr task exec), or\n"
		"as the annotation io.shimgate.token (create).\n"
		"A create grant (--pod NS/NAME --container C | --sandbox, or --grant for Docker;\n"
		"with --spec) binds the pod identity instead of the container id, has no nonce and\n"
		"is valid until --not-after: the second line says where it goes.\n"
		"  --key FILE           the key file (its name is the key id)\n"
		"  --key-dir DIR --key-id ID   or a key directory and the key id\n"
		"  --timestamp N        signing time (default: now)\n"
		"  --nonce HEX          32 lowercase hex characters (default: random; tests only)\n");
	sg_signer_client_usage(out);
	sg_reqflags_usage(out);
}

/* Where a grant goes: the pod annotation for this container (containerd passes it through
 * with pod_annotations), or Docker's env. The token alone stays on the first line. */
static void print_carrier(const struct sg_reqflags *rf, const char *token)
{
	if (!rf->grant)
		return;
	if (rf->pod || rf->pod_json)
		printf("# pod annotation: " SG_GRANT_ANNOTATION_PREFIX "%s: \"%s\"\n",
		       rf->sandbox ? SG_GRANT_SANDBOX_NAME : rf->container_name, token);
	else
		printf("# docker run -e " SG_TOKEN_ENV "=%s ...\n", token);
}

int sg_cmd_sign(int argc, char **argv)
{
	struct sg_reqflags rf;
	struct sg_keyring *kr = NULL;
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	char token[SG_TOKEN_MAX + 1];
	int rc = sg_signer_client_main(argc, argv);

	if (rc >= 0)
		return rc; /* --signer: the signer made the token */
	rc = SG_EXIT_USAGE;
	if (sg_reqflags_parse(argc, argv, SG_RF_KEY | SG_RF_SIGNING, &rf) < 0)
		goto out;
	if (rf.help) {
		sign_usage(stdout);
		rc = SG_EXIT_OK;
		goto out;
	}
	if (rf.nonce && sg_nonce_valid(rf.nonce) < 0) {
		sg_error_set(&err, -EINVAL, "--nonce: want %u lowercase hex characters", SG_NONCE_HEX);
		rc = sg_reqflags_fail("sign", &err);
		goto out;
	}
	if (sg_reqflags_keyring(&rf, &kr, &err) < 0 || sg_reqflags_build(&rf, &req, &err) < 0) {
		rc = sg_reqflags_fail("sign", &err);
		goto out;
	}
	/* A token the documents carried is not part of what is signed. */
	sg_request_drop_token(req);
	if (sg_reqflags_sign(&rf, kr, req, token, &err) < 0) {
		rc = sg_reqflags_fail("sign", &err);
		goto out;
	}
	printf("%s\n", token);
	print_carrier(&rf, token);
	OPENSSL_cleanse(token, sizeof(token));
	rc = SG_EXIT_OK;
out:
	sg_request_free(req);
	sg_keyring_free(kr);
	sg_reqflags_clear(&rf);
	return rc;
}
