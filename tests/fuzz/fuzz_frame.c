/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: the bytes containerd writes to the shim's socket, cut into ttrpc frames the
 * way the relay cuts them, each judged by sg_intercept_frame through a real gate. Checks
 * every answer is a well-formed frame for the same stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "shim/firewall/intercept.h"
#include "shim/ttrpc.h"
#include "ttrpc.pb-c.h"

static void check_answer(const struct sg_ttrpc_header *in, enum sg_intercept_action act,
			 const uint8_t *out, size_t out_len)
{
	struct sg_ttrpc_header h;
	Ttrpc__Response *resp;
	Ttrpc__Request *req;

	if (sg_fuzz_trace() && act != SG_INTERCEPT_REPLY)
		fprintf(stderr, "stream %u: %s\n", in->stream_id,
			act == SG_INTERCEPT_FORWARD ? "forward" : "rewrite");
	if (act == SG_INTERCEPT_FORWARD) {
		if (out)
			sg_fuzz_die("forward with an output frame");
		return;
	}
	if (!out || out_len < SG_TTRPC_HEADER_LEN)
		sg_fuzz_die("action %d without a whole output frame", act);
	sg_ttrpc_header_decode(out, &h);
	if (h.length != out_len - SG_TTRPC_HEADER_LEN || h.stream_id != in->stream_id)
		sg_fuzz_die("output header: length %u of %zu, stream %u for %u", h.length, out_len,
			    h.stream_id, in->stream_id);
	if (act == SG_INTERCEPT_REPLY) {
		resp = ttrpc__response__unpack(NULL, h.length, out + SG_TTRPC_HEADER_LEN);
		if (h.type != SG_TTRPC_RESPONSE || !resp || !resp->status ||
		    resp->status->code == 0 || !resp->status->message[0])
			sg_fuzz_die("reply is not an error Response");
		if (sg_fuzz_trace())
			fprintf(stderr, "stream %u: reply %d: %s\n", h.stream_id,
				resp->status->code, resp->status->message);
		ttrpc__response__free_unpacked(resp, NULL);
		return;
	}
	/* A rewrite is the same Request, sent upstream. */
	req = ttrpc__request__unpack(NULL, h.length, out + SG_TTRPC_HEADER_LEN);
	if (h.type != SG_TTRPC_REQUEST || h.flags != 0 || !req)
		sg_fuzz_die("rewrite is not a Request");
	ttrpc__request__free_unpacked(req, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sg_fuzz_gate *g = sg_fuzz_gate();
	size_t off = 0;

	while (size - off >= SG_TTRPC_HEADER_LEN) {
		struct sg_ttrpc_header h;
		enum sg_intercept_action act;
		uint8_t *body = NULL, *out = NULL;
		size_t out_len = 0;

		sg_ttrpc_header_decode(data + off, &h);
		off += SG_TTRPC_HEADER_LEN;
		if (h.length > SG_TTRPC_FRAME_MAX) {
			/* The relay discards such a body unread and judges the header alone. */
			off = size;
		} else {
			if (h.length > size - off)
				break; /* the relay waits for the rest */
			/* A buffer of its own, so reading past the body is caught. */
			body = malloc(h.length ? h.length : 1);
			if (!body)
				sg_fuzz_die("out of memory");
			memcpy(body, data + off, h.length);
			off += h.length;
		}
		act = sg_intercept_frame(g->ic, &h, body, &out, &out_len);
		check_answer(&h, act, out, out_len);
		free(out);
		free(body);
	}
	sg_fuzz_bundle_restore();
	return 0;
}
