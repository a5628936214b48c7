/* SPDX-License-Identifier: Apache-2.0 */
/* The signer's HTTPS service: evhttp over bufferevent_openssl, one request per connection,
 * every connection under a deadline, a cap on open connections. */
#ifndef SG_SIGNER_HTTP_H
#define SG_SIGNER_HTTP_H

#include <shimgate/shimgate.h>

#include "signer.h"

#define SG_SIGNER_PATH_SIGN "/v1/sign"
#define SG_SIGNER_PATH_HEALTH "/v1/health"

/* Loads the master keys, the TLS context and the audit trail named by cfg, listens, and
 * serves until SIGTERM or SIGINT. Returns 0 after a signal, -errno when it cannot start. */
int sg_signer_serve(struct sg_signer_config *cfg, struct sg_error *err);

#endif
