/* SPDX-License-Identifier: Apache-2.0 */
/* The Task API front end of the gate: every request frame containerd sends goes through
 * sg_intercept_frame, which looks the method up in the one method table and forwards it,
 * rewrites it (after the gate allowed it), or answers it (refusal). */
#ifndef SG_SHIM_INTERCEPT_H
#define SG_SHIM_INTERCEPT_H

#include <stddef.h>
#include <stdint.h>

#include <shimgate/shimgate.h>

#include "core/limits.h"
#include "shim/ttrpc.h"

struct sg_gate;
struct sg_runc_settings;
struct sg_audit;
struct sg_intercept;

enum sg_intercept_action {
	SG_INTERCEPT_FORWARD = 0, /* send the original frame upstream */
	SG_INTERCEPT_REWRITE,     /* send *out (a whole frame) upstream instead */
	SG_INTERCEPT_REPLY,       /* send *out (a whole Response frame) back downstream */
};

/* ns: the shim's -namespace. bundle_root: the directory holding every bundle of this
 * namespace (the parent of the shim's cwd), used to find <bundle_root>/<id>/config.json for
 * an exec. runc: what a create's runtime options may name. gate, runc and audit are
 * borrowed. */
int sg_intercept_new(struct sg_gate *gate, const struct sg_runc_settings *runc,
		     struct sg_audit *audit, const char *ns, const char *bundle_root,
		     struct sg_intercept **out, struct sg_error *err);
void sg_intercept_free(struct sg_intercept *ic);

/* Judges one complete frame from containerd (header and body). Never fails open: anything
 * it cannot handle becomes a REPLY with an error status. *out is malloc'ed. */
enum sg_intercept_action sg_intercept_frame(struct sg_intercept *ic,
					    const struct sg_ttrpc_header *h,
					    const uint8_t *body, uint8_t **out, size_t *out_len);

/* The descriptors the frame just judged (forwarded or rewritten) needs open until its
 * response comes back: moved to fds (room for SG_LIMIT_HELD_FDS), the count returned. The
 * caller closes them when the real shim answers that stream, or the connection ends. */
size_t sg_intercept_take_held(struct sg_intercept *ic, int *fds);

#endif
