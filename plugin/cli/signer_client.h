/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate sign --signer URL: asks a shimgate-signer for the token over mutual TLS. */
#ifndef SG_CLI_SIGNER_CLIENT_H
#define SG_CLI_SIGNER_CLIENT_H

#include <stdio.h>

#include "sig/token.h"

struct sg_reqflags;

/* Where to ask and as whom: the signer's URL, the client certificate and its key, the CA of
 * the signer's certificate (the only trust anchor), the node the token is for. */
struct sg_signer_opts {
	const char *url, *cert, *key, *cacert, *node;
};

/* Builds the request of rf (its --key is ignored: o->key is the client key), sends the
 * fields the local `shimgate sign` would bind, and copies the signer's token to token.
 * A refusal is -EACCES with the signer's reason. */
int sg_signer_ask(const struct sg_signer_opts *o, const struct sg_reqflags *rf,
		  char token[SG_TOKEN_MAX + 1], struct sg_error *err);

/* -1 when argv has no --signer (sign reads a key as before); else the exit status of
 * asking the signer. */
int sg_signer_client_main(int argc, char **argv);
/* The usage lines of the --signer form. */
void sg_signer_client_usage(FILE *out);

#endif
