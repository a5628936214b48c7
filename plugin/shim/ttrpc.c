/* SPDX-License-Identifier: Apache-2.0 */
/* ttrpc framing: the 10-byte header codec, the Request envelope's names read in place, and the
 * Response frames the gate answers with. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	if (body > SG_TTRPC_FRAME_MAX)
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

enum wire_type { WT_VARINT = 0, WT_FIXED64 = 1, WT_LEN = 2, WT_FIXED32 = 5 };

/* A varint of at most max bytes (protobuf-c's bounds: 5 for tags and lengths, 10 else). */
static int varint(const uint8_t **p, const uint8_t *end, unsigned max, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned i = 0; i < max && *p < end; i++) {
		uint8_t b = *(*p)++;

		r |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
	return -EINVAL;
}

struct field {
	uint64_t num;
	unsigned wt;
	const uint8_t *data; /* WT_LEN */
	size_t len;
};

/* The next field at *p; -EINVAL for a malformed one (groups included: ttrpc has none). */
static int next_field(const uint8_t **p, const uint8_t *end, struct field *f)
{
	uint64_t tag, v;

	if (varint(p, end, 5, &tag) < 0 || tag >> 3 == 0 || tag >> 3 > UINT32_MAX)
		return -EINVAL;
	f->num = tag >> 3;
	f->wt = tag & 7;
	switch (f->wt) {
	case WT_VARINT:
		return varint(p, end, 10, &v);
	case WT_FIXED64:
	case WT_FIXED32: {
		size_t n = f->wt == WT_FIXED64 ? 8 : 4;

		if ((size_t)(end - *p) < n)
			return -EINVAL;
		*p += n;
		return 0;
	}
	case WT_LEN:
		if (varint(p, end, 5, &v) < 0 || v > (uint64_t)(end - *p))
			return -EINVAL;
		f->data = *p;
		f->len = (size_t)v;
		*p += v;
		return 0;
	default:
		return -EINVAL;
	}
}

/* A metadata entry (KeyValue): key and value length-delimited, like any other field valid. */
static int check_key_value(const uint8_t *p, size_t len)
{
	const uint8_t *end = p + len;
	struct field f;

	while (p < end)
		if (next_field(&p, end, &f) < 0 || (f.num <= 2 && f.wt != WT_LEN))
			return -EINVAL;
	return 0;
}

int sg_ttrpc_request_names(const uint8_t *body, size_t len, struct sg_ttrpc_names *out)
{
	const uint8_t *p = body, *end = body + len;
	struct field f;

	*out = (struct sg_ttrpc_names){ .service = body, .method = body };
	while (p < end) {
		if (next_field(&p, end, &f) < 0)
			return -EINVAL;
		if (f.num == 4 ? f.wt != WT_VARINT : f.num <= 5 && f.wt != WT_LEN)
			return -EINVAL;
		if (f.num == 1) {
			out->service = f.data;
			out->service_len = f.len;
		} else if (f.num == 2) {
			out->method = f.data;
			out->method_len = f.len;
		} else if (f.num == 5 && check_key_value(f.data, f.len) < 0) {
			return -EINVAL;
		}
	}
	return 0;
}
