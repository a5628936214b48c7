/* SPDX-License-Identifier: Apache-2.0 */
/* ttrpc framing: the 10-byte header codec and the Response frames the gate answers with. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "google/rpc/status.pb-c.h"
#include "ttrpc.h"
#include "ttrpc.pb-c.h"

static uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void sg_ttrpc_header_decode(const uint8_t in[SG_TTRPC_HEADER_LEN], struct sg_ttrpc_header *h)
{
	h->length = be32_get(in);
	h->stream_id = be32_get(in + 4);
	h->type = in[8];
	h->flags = in[9];
}

void sg_ttrpc_header_encode(const struct sg_ttrpc_header *h, uint8_t out[SG_TTRPC_HEADER_LEN])
{
	be32_put(out, h->length);
	be32_put(out + 4, h->stream_id);
	out[8] = h->type;
	out[9] = h->flags;
}

int sg_ttrpc_error_frame(uint32_t stream_id, int code, const char *message, uint8_t **out,
			 size_t *len)
{
	Google__Rpc__Status status = GOOGLE__RPC__STATUS__INIT;
	Ttrpc__Response resp = TTRPC__RESPONSE__INIT;
	struct sg_ttrpc_header h = {
		.stream_id = stream_id,
		.type = SG_TTRPC_RESPONSE,
		.flags = 0,
	};
	size_t body;
	uint8_t *frame;

	status.code = code;
	/* protobuf-c only reads the string; the cast drops a const it never writes through. */
	status.message = (char *)(message ? message : "");
	resp.status = &status;
	body = ttrpc__response__get_packed_size(&resp);
	if (body > SG_LIMIT_FRAME_MAX)
		return -E2BIG;
	frame = malloc(SG_TTRPC_HEADER_LEN + body);
	if (!frame)
		return -ENOMEM;
	h.length = (uint32_t)body;
	sg_ttrpc_header_encode(&h, frame);
	(void)ttrpc__response__pack(&resp, frame + SG_TTRPC_HEADER_LEN);
	*out = frame;
	*len = SG_TTRPC_HEADER_LEN + body;
	return 0;
}
