/* SPDX-License-Identifier: Apache-2.0 */
/* The Task API front end: one frame from containerd in, forward / rewrite / answer out. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "gate_exec.h"
#include "intercept.h"
#include "methods.h"
#include "shim/log.h"
#include "ttrpc.pb-c.h"

/* Names from the wire are quoted in answers and logs, cut to this length. */
#define SG_NAME_SHOWN 128

struct sg_intercept {
	struct sg_gate *gate;
	const struct sg_runc_settings *runc;
	struct sg_audit *audit;
	char *ns;
	char *bundle_root;
	struct sg_exec_cache *exec_cache;
	/* what the last frame's handler left to hold (sg_intercept_take_held) */
	int held[SG_LIMIT_HELD_FDS];
	size_t n_held;
};

static void held_close(int *fds, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		(void)close(fds[i]);
	*n = 0;
}

size_t sg_intercept_take_held(struct sg_intercept *ic, int *fds)
{
	size_t n = ic->n_held;

	memcpy(fds, ic->held, n * sizeof(*fds));
	ic->n_held = 0;
	return n;
}

int sg_intercept_new(struct sg_gate *gate, const struct sg_runc_settings *runc,
		     struct sg_audit *audit, const char *ns, const char *bundle_root,
		     struct sg_intercept **out, struct sg_error *err)
{
	struct sg_intercept *ic;

	if (!gate || !runc || !audit || !ns || !*ns || !bundle_root || bundle_root[0] != '/')
		return sg_error_set(err, -EINVAL,
				    "intercept: gate, runc settings, audit, namespace and an absolute "
				    "bundle root are required");
	ic = calloc(1, sizeof(*ic));
	if (!ic)
		return sg_error_set(err, -ENOMEM, "intercept: out of memory");
	ic->gate = gate;
	ic->runc = runc;
	ic->audit = audit;
	ic->ns = strdup(ns);
	ic->bundle_root = strdup(bundle_root);
	ic->exec_cache = sg_exec_cache_new();
	if (!ic->ns || !ic->bundle_root || !ic->exec_cache) {
		sg_intercept_free(ic);
		return sg_error_set(err, -ENOMEM, "intercept: out of memory");
	}
	*out = ic;
	return 0;
}

void sg_intercept_free(struct sg_intercept *ic)
{
	if (!ic)
		return;
	held_close(ic->held, &ic->n_held);
	sg_exec_cache_free(ic->exec_cache);
	free(ic->ns);
	free(ic->bundle_root);
	free(ic);
}

/* Answers stream_id with code and message. If even the answer cannot be built (out of
 * memory), the frame is still not forwarded: the caller gets REPLY with *out NULL, which
 * the relay treats as a broken connection. */
static enum sg_intercept_action reply(uint32_t stream_id, int code, const char *message,
				      uint8_t **out, size_t *out_len)
{
	int r;

	if (code == SG_GRPC_INTERNAL)
		sg_log_error("stream %u: %s", stream_id, message);
	else
		sg_log_info("stream %u: refused (code %d): %s", stream_id, code, message);
	r = sg_ttrpc_error_frame(stream_id, code, message, out, out_len);
	if (r < 0) {
		sg_log_error("stream %u: cannot build the error answer: %s", stream_id,
			     strerror(-r));
		*out = NULL;
		*out_len = 0;
	}
	return SG_INTERCEPT_REPLY;
}

static enum sg_intercept_action replyf(uint32_t stream_id, int code, uint8_t **out,
				       size_t *out_len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static enum sg_intercept_action replyf(uint32_t stream_id, int code, uint8_t **out,
				       size_t *out_len, const char *fmt, ...)
{
	char msg[SG_ERROR_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return reply(stream_id, code, msg, out, out_len);
}

/* Re-encodes req with its payload replaced (service, method, timeout_nano, metadata and
 * unknown fields kept) into a whole frame with h's stream id, type and flags. */
static int repack(const struct sg_ttrpc_header *h, Ttrpc__Request *req, uint8_t *payload,
		  size_t payload_len, uint8_t **out, size_t *out_len)
{
	ProtobufCBinaryData saved = req->payload;
	struct sg_ttrpc_header nh = *h;
	uint8_t *frame;
	size_t body;

	/* The unpacked request owns its payload; borrow the slot and put it back before
	 * free_unpacked sees it. */
	req->payload.data = payload;
	req->payload.len = payload_len;
	body = ttrpc__request__get_packed_size(req);
	if (body > SG_TTRPC_FRAME_MAX) {
		req->payload = saved;
		return -E2BIG;
	}
	frame = malloc(SG_TTRPC_HEADER_LEN + body);
	if (!frame) {
		req->payload = saved;
		return -ENOMEM;
	}
	(void)ttrpc__request__pack(req, frame + SG_TTRPC_HEADER_LEN);
	req->payload = saved;
	nh.length = (uint32_t)body;
	sg_ttrpc_header_encode(&nh, frame);
	*out = frame;
	*out_len = SG_TTRPC_HEADER_LEN + body;
	return 0;
}

static void request_freep(Ttrpc__Request **req)
{
	if (*req)
		ttrpc__request__free_unpacked(*req, NULL);
}

enum sg_intercept_action sg_intercept_frame(struct sg_intercept *ic,
					    const struct sg_ttrpc_header *h,
					    const uint8_t *body, uint8_t **out, size_t *out_len)
{
	_cleanup_(request_freep) Ttrpc__Request *req = NULL;
	struct sg_call_result res = { .code = SG_GRPC_OK };
	struct sg_ttrpc_names names;
	const struct sg_method *m;
	struct sg_call_ctx ctx;
	int r;

	*out = NULL;
	*out_len = 0;
	/* Not taken by the caller: nothing waits for them. */
	held_close(ic->held, &ic->n_held);
	/* containerd is the client of the Task API, which is unary: it sends Requests only.
	 * A Response or a Data frame from it is answered with an error, never relayed. */
	if (h->type != SG_TTRPC_REQUEST)
		return replyf(h->stream_id, SG_GRPC_INVALID_ARGUMENT, out, out_len,
			      "shimgate: ttrpc message type %u refused: the Task API is unary",
			      h->type);
	/* Malformed input like the rest: InvalidArgument, which containerd passes on as
	 * "invalid argument" (it turns ResourceExhausted into "unknown"). */
	if (h->length > SG_TTRPC_FRAME_MAX)
		return replyf(h->stream_id, SG_GRPC_INVALID_ARGUMENT, out, out_len,
			      "shimgate: ttrpc request of %u bytes refused: over the %u-byte "
			      "(4 MiB) frame limit", h->length, SG_TTRPC_FRAME_MAX);
	/* Client streams are odd; ttrpc servers refuse even ids the same way. */
	if (h->stream_id % 2 == 0)
		return replyf(h->stream_id, SG_GRPC_INVALID_ARGUMENT, out, out_len,
			      "shimgate: stream id %u is not a client stream", h->stream_id);
	/* Most calls (State, Wait, Start, ...) are forwarded untouched: their method is read
	 * in place and the frame relayed without decoding it. Anything else, odd envelopes
	 * included, takes the full decode below, which decides as before. */
	if (h->flags == 0 && sg_ttrpc_request_names(body, h->length, &names) == 0 &&
	    sg_task_service_n(names.service, names.service_len) &&
	    (m = sg_method_find_n(names.method, names.method_len)) && m->kind == SG_METHOD_PASS) {
		sg_log_debug("stream %u: %s forwarded", h->stream_id, m->name);
		return SG_INTERCEPT_FORWARD;
	}
	req = ttrpc__request__unpack(NULL, h->length, body);
	if (!req)
		return replyf(h->stream_id, SG_GRPC_INVALID_ARGUMENT, out, out_len,
			      "shimgate: ttrpc request on stream %u does not decode",
			      h->stream_id);
	if (!sg_task_service(req->service) || !(m = sg_method_find(req->method)))
		return replyf(h->stream_id, SG_GRPC_UNIMPLEMENTED, out, out_len,
			      "shimgate: method %.*s/%.*s is not allowed", SG_NAME_SHOWN,
			      req->service, SG_NAME_SHOWN, req->method);
	if (h->flags != 0)
		return replyf(h->stream_id, SG_GRPC_INVALID_ARGUMENT, out, out_len,
			      "shimgate: streaming flags 0x%02x refused on %s/%s: the Task API "
			      "is unary",
			      h->flags, req->service, m->name);

	switch (m->kind) {
	case SG_METHOD_PASS:
		sg_log_debug("stream %u: %s/%s forwarded", h->stream_id, req->service, m->name);
		return SG_INTERCEPT_FORWARD;
	case SG_METHOD_DENIED:
		return replyf(h->stream_id, SG_GRPC_PERMISSION_DENIED, out, out_len,
			      "shimgate: method %s/%s is not allowed: %s", req->service, m->name,
			      m->why);
	case SG_METHOD_GATED:
	case SG_METHOD_CHECKED:
		break;
	default:
		return replyf(h->stream_id, SG_GRPC_INTERNAL, out, out_len,
			      "shimgate: method %s/%s has no rule", req->service, m->name);
	}

	ctx = (struct sg_call_ctx){
		.gate = ic->gate,
		.runc = ic->runc,
		.audit = ic->audit,
		.ns = ic->ns,
		.bundle_root = ic->bundle_root,
		.exec_cache = ic->exec_cache,
		.service = req->service,
	};
	m->handle(&ctx, req->payload.data, req->payload.len, &res);
	if (res.code != SG_GRPC_OK) {
		held_close(res.held, &res.n_held);
		free(res.payload);
		return reply(h->stream_id, res.code, res.message, out, out_len);
	}
	memcpy(ic->held, res.held, res.n_held * sizeof(*res.held));
	ic->n_held = res.n_held;
	if (!res.payload)
		return SG_INTERCEPT_FORWARD;
	r = repack(h, req, res.payload, res.payload_len, out, out_len);
	free(res.payload);
	if (r < 0)
		held_close(ic->held, &ic->n_held);
	if (r == -E2BIG)
		return replyf(h->stream_id, SG_GRPC_INVALID_ARGUMENT, out, out_len,
			      "shimgate: %s/%s refused: the rewritten request is over the %u-byte "
			      "(4 MiB) frame limit", req->service, m->name, SG_TTRPC_FRAME_MAX);
	if (r < 0)
		return replyf(h->stream_id, SG_GRPC_INTERNAL, out, out_len,
			      "shimgate: cannot re-encode %s/%s: %s", req->service, m->name,
			      strerror(-r));
	return SG_INTERCEPT_REWRITE;
}
