/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate sign --signer URL: asks a shimgate-signer for the token over mutual TLS. */
#ifndef SG_CLI_SIGNER_CLIENT_H
#define SG_CLI_SIGNER_CLIENT_H

#include <stdio.h>

/* -1 when argv has no --signer (sign reads a key as before); else the exit status of
 * asking the signer. */
int sg_signer_client_main(int argc, char **argv);
/* The usage lines of the --signer form. */
void sg_signer_client_usage(FILE *out);

#endif
