/* SPDX-License-Identifier: Apache-2.0 */
/* Taking the signature token out of its carriers (env, argv[0], annotation), in the typed
 * request and in the JSON document alike. Internal to plugin/oci. */
#ifndef SG_OCI_CARRIER_H
#define SG_OCI_CARRIER_H

#include <jansson.h>

#include "core/request.h"

/* Tokens found so far: the first value, and how many carriers held one. */
struct sg_carrier {
	char *value;
	unsigned count;
	char where[96]; /* "env[2]", "argv[0]", "annotation", joined with ", " (truncated past that) */
};

/* Every env entry named SHIMGATE_TOKEN: removed from env and from process["env"]. */
int sg_carrier_take_env(struct sg_strv *env, json_t *process, struct sg_carrier *c,
			struct sg_error *err);
/* argv[0] "SHIMGATE_TOKEN=<token>": removed from args and from process["args"], and so is
 * every carrier that follows it at the start of argv (each counts as a token). */
int sg_carrier_take_argv0(struct sg_strv *args, json_t *process, struct sg_carrier *c,
			  struct sg_error *err);
/* config["annotations"]["io.shimgate.token"]: removed (also when it is not a string, which
 * is then an error). */
int sg_carrier_take_annotation(json_t *config, struct sg_carrier *c, struct sg_error *err);
/* Moves the token into req->token; more than one carrier is an error (which one would be
 * the signed one is ambiguous). Always wipes c. */
int sg_carrier_finish(struct sg_carrier *c, struct sg_request *req, struct sg_error *err);
void sg_carrier_clear(struct sg_carrier *c);

#endif
