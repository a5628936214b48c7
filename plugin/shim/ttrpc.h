/* SPDX-License-Identifier: Apache-2.0 */
/* ttrpc framing: the 10-byte header, and the Response frames the gate writes itself. */
#ifndef SG_SHIM_TTRPC_H
#define SG_SHIM_TTRPC_H

#include <stddef.h>
#include <stdint.h>

#define SG_TTRPC_HEADER_LEN 10u
/* The largest frame body, ttrpc's own limit: over it a frame is refused, its body unread. */
#define SG_TTRPC_FRAME_MAX (4u << 20)

enum sg_ttrpc_type {
	SG_TTRPC_REQUEST = 1,
	SG_TTRPC_RESPONSE = 2,
	SG_TTRPC_DATA = 3,
};

/* gRPC status codes the gate answers with. */
enum sg_grpc_code {
	SG_GRPC_OK = 0,
	SG_GRPC_INVALID_ARGUMENT = 3,
	SG_GRPC_PERMISSION_DENIED = 7,
	SG_GRPC_RESOURCE_EXHAUSTED = 8,
	SG_GRPC_FAILED_PRECONDITION = 9,
	SG_GRPC_UNIMPLEMENTED = 12,
	SG_GRPC_INTERNAL = 13,
};

struct sg_ttrpc_header {
	uint32_t length; /* body length, big-endian on the wire */
	uint32_t stream_id;
	uint8_t type;
	uint8_t flags;
};

void sg_ttrpc_header_decode(const uint8_t in[SG_TTRPC_HEADER_LEN], struct sg_ttrpc_header *h);
void sg_ttrpc_header_encode(const struct sg_ttrpc_header *h, uint8_t out[SG_TTRPC_HEADER_LEN]);

/* Service and method of a Request envelope, pointing into its bytes (not NUL-terminated). */
struct sg_ttrpc_names {
	const uint8_t *service, *method;
	size_t service_len, method_len;
};

/* Finds service and method in a Request envelope without decoding it: the last occurrence of
 * each, as protobuf decoders (protobuf-c, Go) take it. The whole envelope is walked: every
 * tag, length and wire type must be well formed, fields 1-3 and 5 (and the key and value of
 * each metadata entry) length-delimited, field 4 a varint. Returns 0, or -EINVAL for an
 * envelope that is not a well-formed Request. */
int sg_ttrpc_request_names(const uint8_t *body, size_t len, struct sg_ttrpc_names *out);

/* A whole Response frame {status{code, message}} for stream_id. Caller frees *out. */
int sg_ttrpc_error_frame(uint32_t stream_id, int code, const char *message, uint8_t **out,
			 size_t *len);

#endif
