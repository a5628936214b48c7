/* SPDX-License-Identifier: Apache-2.0 */
/* What the gated method handlers share: refusals, and decide + audit + log of one request. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "core/decision.h"
#include "core/limits.h"
#include "core/request.h"
#include "gate/gate.h"
#include "gate_call.h"
#include "shim/log.h"
#include "shim/ttrpc.h"

void sg_call_refuse(struct sg_call_result *res, int code, const char *fmt, ...)
{
	va_list ap;

	res->code = code;
	va_start(ap, fmt);
	(void)vsnprintf(res->message, sizeof(res->message), fmt, ap);
	va_end(ap);
}

void sg_call_refuse_input(struct sg_call_result *res, int code, const char *what,
			  const char *msg)
{
	bool ours = code == -ENOMEM || code == -EIO || code == -ENOSPC;

	sg_call_refuse(res, ours ? SG_GRPC_INTERNAL : SG_GRPC_INVALID_ARGUMENT,
		       "shimgate: %s refused: %s", what, msg);
}

bool sg_call_decide(const struct sg_call_ctx *ctx, struct sg_request *req, const char *what,
		    struct sg_call_result *res)
{
	struct sg_decision d = { 0 };
	struct sg_error err = { 0 };
	bool ok = false;

	req->now = (int64_t)time(NULL);
	if (sg_gate_decide(ctx->gate, req, &d, &err) < 0) {
		sg_call_refuse(res, SG_GRPC_INTERNAL, "shimgate: %s refused: deciding failed: %s",
			       what, err.msg);
		goto out;
	}
	/* No audit line, no call: a decision that cannot be recorded is not made. */
	if (sg_audit_record(ctx->audit, req, &d, &err) < 0) {
		sg_call_refuse(res, SG_GRPC_INTERNAL, "shimgate: %s refused: audit failed: %s",
			       what, err.msg);
		goto out;
	}
	if (!d.allowed) {
		sg_call_refuse(res, SG_GRPC_PERMISSION_DENIED,
			       "shimgate: %s refused by %s policy %s (%s): %s", what,
			       sg_op_name(d.op), d.where[0] ? d.where : "(empty stack)",
			       d.module[0] ? d.module : "no module", d.reason);
		/* What the gate saw of a token that did not match (no secrets in it). */
		if (req->sig_view)
			sg_log_debug("%s: signature view: %s", what, req->sig_view);
		goto out;
	}
	if (d.audit_only)
		sg_log_warn("%s allowed in audit-only mode, policy refused: %s %s (%s): %s", what,
			    sg_op_name(d.op), d.where, d.module, d.reason);
	else
		sg_log_info("%s allowed (key %s)", what,
			    req->sig.status == SG_SIG_VALID ? req->sig.key_id : "none");
	ok = true;
out:
	sg_decision_clear(&d);
	return ok;
}

int sg_call_config_path(const struct sg_call_ctx *ctx, const char *id, char path[PATH_MAX],
			struct sg_error *err)
{
	if (!sg_id_valid(id, SG_LIMIT_ID))
		return sg_error_set(err, -EINVAL, "container id '%.128s' is not a plain name", id);
	if ((size_t)snprintf(path, PATH_MAX, "%s/%s/config.json", ctx->bundle_root, id) >=
	    PATH_MAX)
		return sg_error_set(err, -ENAMETOOLONG, "config.json path of '%s' too long", id);
	return 0;
}
