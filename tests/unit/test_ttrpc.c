/* SPDX-License-Identifier: Apache-2.0 */
/* ttrpc framing: header round trip, the exact bytes of a denial frame, and the Request names
 * read in place (against protobuf-c). */
#include <errno.h>
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

static size_t pack_request(const char *service, const char *method, size_t nmeta, uint8_t *buf)
{
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT, *meta[1] = { &kv };
	static uint8_t payload[] = { 0x0a, 0x03, 'a', 'b', 'c' };

	req.service = (char *)service;
	req.method = (char *)method;
	req.payload.data = payload;
	req.payload.len = sizeof(payload);
	req.timeout_nano = 1000000000;
	kv.key = (char *)"k";
	kv.value = (char *)"v";
	req.n_metadata = nmeta;
	req.metadata = meta;
	return ttrpc__request__pack(&req, buf);
}

/* The names read in place: as packed, the last occurrence when a field repeats, and a
 * malformed envelope refused. */
static void test_request_names(void **state)
{
	static const uint8_t twice[] = { 0x0a, 0x01, 'a', 0x12, 0x05, 'S', 't', 'a', 't', 'e',
					 0x12, 0x04, 'E', 'x', 'e', 'c', 0x0a, 0x01, 'b' };
	static const uint8_t bad[][4] = {
		{ 0x12, 0x05, 'S', 't' },  /* length past the end */
		{ 0x10, 0x01, 0x00, 0x00 }, /* method as a varint */
		{ 0x22, 0x01, 0x00, 0x00 }, /* timeout_nano length-delimited */
		{ 0x03, 0x00, 0x00, 0x00 }, /* field 0 */
		{ 0x2a, 0x02, 0x08, 0x01 }, /* metadata key as a varint */
	};
	struct sg_ttrpc_names n;
	uint8_t buf[256];
	size_t len = pack_request("containerd.task.v2.Task", "State", 1, buf);

	(void)state;
	assert_int_equal(sg_ttrpc_request_names(buf, len, &n), 0);
	assert_int_equal(n.service_len, strlen("containerd.task.v2.Task"));
	assert_memory_equal(n.service, "containerd.task.v2.Task", n.service_len);
	assert_int_equal(n.method_len, 5);
	assert_memory_equal(n.method, "State", 5);
	assert_int_equal(sg_ttrpc_request_names(twice, sizeof(twice), &n), 0);
	assert_int_equal(n.method_len, 4);
	assert_memory_equal(n.method, "Exec", 4);
	assert_int_equal(n.service_len, 1);
	assert_memory_equal(n.service, "b", 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sg_ttrpc_request_names(bad[i], sizeof(bad[i]), &n), -EINVAL);
}

/* Against protobuf-c on every one- and two-byte corruption of a real envelope: what the
 * in-place reader accepts, protobuf-c decodes to the same service and method. */
static void test_request_names_differential(void **state)
{
	uint8_t orig[256], buf[256];
	size_t len = pack_request("containerd.task.v3.Task", "State", 1, orig);
	size_t accepted = 0;

	(void)state;
	for (size_t i = 0; i < len; i++) {
		for (unsigned v = 0; v < 256; v++) {
			for (size_t j = i; j < len && j < i + 3; j++) {
				struct sg_ttrpc_names n;
				Ttrpc__Request *req;

				memcpy(buf, orig, len);
				buf[i] = (uint8_t)v;
				buf[j] ^= (uint8_t)(j == i ? 0 : 0x80);
				if (sg_ttrpc_request_names(buf, len, &n) < 0)
					continue;
				accepted++;
				req = ttrpc__request__unpack(NULL, len, buf);
				assert_non_null(req);
				assert_int_equal(strlen(req->service) <= n.service_len, 1);
				assert_memory_equal(req->service, n.service, strlen(req->service));
				assert_memory_equal(req->method, n.method, strlen(req->method));
				if (!memchr(n.method, 0, n.method_len))
					assert_int_equal(strlen(req->method), n.method_len);
				ttrpc__request__free_unpacked(req, NULL);
			}
		}
	}
	assert_true(accepted > len * 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_round_trip),
		cmocka_unit_test(test_denial_frame_bytes),
		cmocka_unit_test(test_error_frame_decodes),
		cmocka_unit_test(test_request_names),
		cmocka_unit_test(test_request_names_differential),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
