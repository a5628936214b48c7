/* SPDX-License-Identifier: Apache-2.0 */
/* The audit trail: one JSON line per decision. Never a key, a MAC, a token or a signing input. */
#ifndef SG_CORE_AUDIT_H
#define SG_CORE_AUDIT_H

#include <shimgate/shimgate.h>

#include "decision.h"

struct sg_audit;
struct sg_request;

/* dest: "none", "syslog", or an absolute path (opened O_APPEND, created 0600). */
int sg_audit_open(const char *dest, struct sg_audit **out, struct sg_error *err);
void sg_audit_free(struct sg_audit *audit);

/* Writes {"time","op","namespace","container","exec_id","key_id","decision","module",
 * "where","reason","changes":[...],"mode"} as one line. */
int sg_audit_record(struct sg_audit *audit, const struct sg_request *req,
		    const struct sg_decision *d, struct sg_error *err);

/* The same line, as a string (caller frees), for tests and the CLI. */
char *sg_audit_format(const struct sg_request *req, const struct sg_decision *d);

#endif
