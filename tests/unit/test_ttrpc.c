/* SPDX-License-Identifier: Apache-2.0 */
/* ttrpc framing: header round trip and the exact bytes of a denial frame. */
#include <stdlib.h>
#include <string.h>

#include "google/rpc/status.pb-c.h"
#include "shim/ttrpc.h"
#include "testutil.h"
#include "ttrpc.pb-c.h"

static void test_header_round_trip(void **state)
{
	static const uint8_t wire[SG_TTRPC_HEADER_LEN] = { 0x00, 0x40, 0x00, 0x00, 0x80, 0x00,
							   0x00, 0x2b, 0x01, 0x02 };
	struct sg_ttrpc_header h = { 0 };
	uint8_t out[SG_TTRPC_HEADER_LEN];

	(void)state;
	sg_ttrpc_header_decode(wire, &h);
	assert_int_equal(h.length, 4u << 20);
	assert_int_equal(h.stream_id, 0x8000002bu);
	assert_int_equal(h.type, SG_TTRPC_REQUEST);
	assert_int_equal(h.flags, 0x02);
	sg_ttrpc_header_encode(&h, out);
	assert_memory_equal(out, wire, sizeof(wire));
}

static void expect_frame(uint32_t sid, const char *msg, const uint8_t *want, size_t want_len)
{
	uint8_t *frame = NULL;
	size_t len = 0;

	assert_int_equal(sg_ttrpc_error_frame(sid, SG_GRPC_PERMISSION_DENIED, msg, &frame, &len), 0);
	assert_int_equal(len, want_len);
	assert_memory_equal(frame, want, want_len);
	free(frame);
}

/* PROTOCOL 3.2: the denial frame containerd 1.6 understood. Its lengths (body 0x21, status
 * 0x1f, message 0x1b) are those of a 27-byte message; the sheet quotes only its first 21
 * bytes, so the frame is checked with a 27-byte message and with the 21-byte one. */
static void test_denial_frame_bytes(void **state)
{
	static const uint8_t observed[] = {
		0x00, 0x00, 0x00, 0x21, 0x00, 0x00, 0x00, 0x05, 0x02, 0x00, 0x0a, 0x1f, 0x08, 0x07,
		0x12, 0x1b, 's',  'h',  'i',  'm',  'g',  'a',  't',  'e',  ':',  ' ',  'e',  'x',
		'e',  'c',  ' ',  'd',  'e',  'n',  'i',  'e',  'd',  ':',  ' ',  't',  'e',  's',
		't',
	};
	static const uint8_t short_msg[] = {
		0x00, 0x00, 0x00, 0x1b, 0x00, 0x00, 0x00, 0x07, 0x02, 0x00, 0x0a, 0x19, 0x08, 0x07,
		0x12, 0x15, 's',  'h',  'i',  'm',  'g',  'a',  't',  'e',  ':',  ' ',  'e',  'x',
		'e',  'c',  ' ',  'd',  'e',  'n',  'i',  'e',  'd',
	};

	(void)state;
	expect_frame(5, "shimgate: exec denied: test", observed, sizeof(observed));
	expect_frame(7, "shimgate: exec denied", short_msg, sizeof(short_msg));
}

/* The frame decodes as a ttrpc Response with the status and no payload. */
static void test_error_frame_decodes(void **state)
{
	struct sg_ttrpc_header h = { 0 };
	Ttrpc__Response *resp;
	uint8_t *frame = NULL;
	size_t len = 0;

	(void)state;
	assert_int_equal(sg_ttrpc_error_frame(0xfffffffdu, SG_GRPC_UNIMPLEMENTED, "no 'x'", &frame,
					      &len),
			 0);
	sg_ttrpc_header_decode(frame, &h);
	assert_int_equal(h.stream_id, 0xfffffffdu);
	assert_int_equal(h.type, SG_TTRPC_RESPONSE);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.length, len - SG_TTRPC_HEADER_LEN);
	resp = ttrpc__response__unpack(NULL, h.length, frame + SG_TTRPC_HEADER_LEN);
	assert_non_null(resp);
	assert_non_null(resp->status);
	assert_int_equal(resp->status->code, 12);
	assert_string_equal(resp->status->message, "no 'x'");
	assert_int_equal(resp->payload.len, 0);
	ttrpc__response__free_unpacked(resp, NULL);
	free(frame);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_denial_frame_bytes),
		cmocka_unit_test(test_error_frame_decodes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
