/* SPDX-License-Identifier: Apache-2.0 */
/* The gate's relay, run in a child between a client (containerd's side) and a fake real shim
 * played by the test: the gate's own answers keep the real shim's frames whole. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "intercept_fixture.h"
#include "shim/life/relay.h"
#include "shim/life/unixsock.h"
#include "shim/ttrpc.h"
#include "testutil.h"

#define TASK_V2 "containerd.task.v2.Task"
#define CONFIG_JSON                                                                  \
	"{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"user\":{\"uid\":0,\"gid\":0}," \
	"\"args\":[\"/bin/sh\"],\"cwd\":\"/\"},\"root\":{\"path\":\"rootfs\"}}"
#define FROBNICATE_REFUSED "shimgate: method containerd.task.v2.Task/Frobnicate is not allowed"
/* Longer than one read of the relay (64 KiB), as a large State or Pids answer can be. */
#define BIG_BODY (200u << 10)
#define BIG_PART (100u << 10)
/* How long a peer may take before the test calls it stuck. */
#define WAIT_MS 5000

struct relay_fixture {
	struct sg_test_ic *ic;
	char *gate_path, *real_path;
	struct sg_relay_config cfg;
	int real_listen; /* the fake real shim's listening socket */
	int watch_peer;  /* its end of the gate's watch connection */
	int upstream;    /* its end of the gate's connection for the client */
	int client;
	pid_t child;
};

static void write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n) {
		ssize_t w = write(fd, b, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			fail_msg("write: %s", strerror(errno));
		b += w;
		n -= (size_t)w;
	}
}

/* Waits up to ms for fd to become readable; true when it did. */
static bool readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r;

	do
		r = poll(&pfd, 1, ms);
	while (r < 0 && errno == EINTR);
	assert_true(r >= 0);
	return r > 0;
}

/* Reads exactly n bytes, or fails the test when the peer is stuck or closes first. */
static void read_exact(int fd, void *p, size_t n)
{
	uint8_t *b = p;

	while (n) {
		ssize_t r;

		if (!readable(fd, WAIT_MS))
			fail_msg("%zu bytes still awaited after %d ms", n, WAIT_MS);
		r = recv(fd, b, n, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0)
			fail_msg("recv: %s", r ? strerror(errno) : "closed early");
		b += r;
		n -= (size_t)r;
	}
}

/* Reads n bytes and asserts they are want. */
static void expect_bytes(int fd, const uint8_t *want, size_t n)
{
	uint8_t *got = malloc(n ? n : 1);

	assert_non_null(got);
	read_exact(fd, got, n);
	assert_memory_equal(got, want, n);
	free(got);
}

/* Reads one whole frame; its header's length decides how much. */
static struct sg_test_frame read_frame(int fd, struct sg_ttrpc_header *h)
{
	uint8_t hdr[SG_TTRPC_HEADER_LEN];
	struct sg_test_frame fr;

	read_exact(fd, hdr, sizeof(hdr));
	sg_ttrpc_header_decode(hdr, h);
	assert_true(h->length <= SG_TTRPC_FRAME_MAX);
	fr.len = SG_TTRPC_HEADER_LEN + h->length;
	fr.bytes = malloc(fr.len);
	assert_non_null(fr.bytes);
	memcpy(fr.bytes, hdr, sizeof(hdr));
	read_exact(fd, fr.bytes + SG_TTRPC_HEADER_LEN, h->length);
	return fr;
}

/* Reads the refusal of the Frobnicate call on sid: one whole, well-formed response. */
static void expect_refusal(int fd, uint32_t sid)
{
	struct sg_ttrpc_header h;
	struct sg_test_frame fr = read_frame(fd, &h);
	char *msg = sg_test_reply_message(fr.bytes, fr.len, sid, SG_GRPC_UNIMPLEMENTED);

	assert_string_equal(msg, FROBNICATE_REFUSED);
	free(msg);
}

/* The bytes of a response body the fake real shim sends: not ttrpc, only checked as they are. */
static uint8_t *pattern(size_t n, uint8_t seed)
{
	uint8_t *p = malloc(n);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + seed);
	return p;
}

/* Reads a whole response on sid from fd whose body is pattern(len, seed). */
static void expect_response(int fd, uint32_t sid, size_t len, uint8_t seed)
{
	struct sg_ttrpc_header h;
	struct sg_test_frame fr = read_frame(fd, &h);
	uint8_t *want = pattern(len, seed);

	assert_int_equal(h.stream_id, sid);
	assert_int_equal(h.type, SG_TTRPC_RESPONSE);
	assert_int_equal(h.length, len);
	assert_memory_equal(fr.bytes + SG_TTRPC_HEADER_LEN, want, len);
	free(want);
	free(fr.bytes);
}

static void response_header(uint32_t sid, size_t len, uint8_t out[SG_TTRPC_HEADER_LEN])
{
	struct sg_ttrpc_header h = { .length = (uint32_t)len, .stream_id = sid,
				     .type = SG_TTRPC_RESPONSE };

	sg_ttrpc_header_encode(&h, out);
}

/* Sends fr from the client (and frees it). */
static void client_send(struct relay_fixture *f, struct sg_test_frame fr)
{
	write_all(f->client, fr.bytes, fr.len);
	free(fr.bytes);
}

/* The client calls State on sid; the fake real shim receives it unchanged. */
static void forward_state(struct relay_fixture *f, uint32_t sid)
{
	struct sg_test_frame fr = sg_test_request(sid, 0, TASK_V2, "State", NULL, 0);

	write_all(f->client, fr.bytes, fr.len);
	expect_bytes(f->upstream, fr.bytes, fr.len);
	free(fr.bytes);
}

/* Accepts on the fake real shim's socket, waiting up to WAIT_MS. */
static int fake_accept(struct relay_fixture *f)
{
	int fd;

	if (!readable(f->real_listen, WAIT_MS))
		fail_msg("nobody connected to the real shim in %d ms", WAIT_MS);
	fd = accept4(f->real_listen, NULL, NULL, SOCK_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* The client connects to the gate, which connects to the fake real shim for it. */
static void connect_client(struct relay_fixture *f)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	f->client = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->client >= 0);
	assert_true(strlen(f->gate_path) < sizeof(sa.sun_path));
	strcpy(sa.sun_path, f->gate_path);
	assert_int_equal(connect(f->client, (struct sockaddr *)&sa, sizeof(sa)), 0);
	f->upstream = fake_accept(f);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int setup(void **state)
{
	struct relay_fixture *f = calloc(1, sizeof(*f));
	struct sg_error err = { 0 };
	int listen_fd, watch;

	assert_non_null(f);
	f->client = f->upstream = f->watch_peer = -1;
	f->ic = sg_test_ic_new(CONFIG_JSON);
	assert_true(asprintf(&f->gate_path, "%s/gate.sock", f->ic->dir) > 0);
	assert_true(asprintf(&f->real_path, "%s/real.sock", f->ic->dir) > 0);
	f->real_listen = sg_unix_listen(f->real_path, &(ino_t){ 0 }, &err);
	if (f->real_listen < 0)
		fail_msg("real shim socket: %s", err.msg);
	listen_fd = sg_unix_listen(f->gate_path, &f->cfg.listen_ino, &err);
	if (listen_fd < 0)
		fail_msg("gate socket: %s", err.msg);
	watch = sg_unix_connect(f->real_path);
	assert_true(watch >= 0);
	f->watch_peer = fake_accept(f);
	f->cfg = (struct sg_relay_config){ .listen_fd = listen_fd,
					   .listen_path = f->gate_path,
					   .listen_ino = f->cfg.listen_ino,
					   .real_path = f->real_path,
					   .real_pid = getpid(), /* the fake real shim listens */
					   .real_watch_fd = watch,
					   .intercept = f->ic->ic };
	f->child = fork();
	assert_true(f->child >= 0);
	if (f->child == 0) {
		/* The fake real shim's ends stay with the test alone: closing them is how it
		 * goes away. */
		close(f->real_listen);
		close(f->watch_peer);
		_exit(sg_relay_run(&f->cfg, &err) < 0 ? 1 : 0);
	}
	close(listen_fd);
	close(watch);
	*state = f;
	return 0;
}

/* The fake real shim goes away and the client hangs up: the gate must exit by itself, 0. */
static int teardown(void **state)
{
	struct relay_fixture *f = *state;
	int status = 0;
	pid_t r = 0;

	close_fd(&f->client);
	close_fd(&f->upstream);
	close_fd(&f->watch_peer);
	close_fd(&f->real_listen);
	for (int i = 0; i < WAIT_MS / 10 && (r = waitpid(f->child, &status, WNOHANG)) == 0; i++)
		usleep(10 * 1000);
	if (r == 0) {
		(void)kill(f->child, SIGKILL);
		(void)waitpid(f->child, &status, 0);
	}
	sg_test_ic_free(f->ic);
	free(f->gate_path);
	free(f->real_path);
	free(f);
	if (r == 0)
		fail_msg("the gate did not exit once the real shim and the client were gone");
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return 0;
}

/* The real shim has sent part of a large response when the gate refuses a call itself: the
 * refusals wait for the end of that frame, then come whole, before the next frame. */
static void test_refusal_mid_frame(void **state)
{
	struct relay_fixture *f = *state;
	uint8_t hdr[SG_TTRPC_HEADER_LEN], *body = pattern(BIG_BODY, 1), *next = pattern(20, 2);
	size_t rest = BIG_BODY - BIG_PART, n = rest + SG_TTRPC_HEADER_LEN + 10;
	uint8_t *chunk = malloc(n);

	assert_non_null(chunk);
	connect_client(f);
	forward_state(f, 1);
	response_header(1, BIG_BODY, hdr);
	write_all(f->upstream, hdr, sizeof(hdr));
	write_all(f->upstream, body, BIG_PART);
	/* Read by the client, so certainly read by the gate. */
	expect_bytes(f->client, hdr, sizeof(hdr));
	expect_bytes(f->client, body, BIG_PART);
	client_send(f, sg_test_request(3, 0, TASK_V2, "Frobnicate", NULL, 0));
	client_send(f, sg_test_request(5, 0, TASK_V2, "Frobnicate", NULL, 0));
	if (readable(f->client, 1000))
		fail_msg("a refusal was spliced into the real shim's unfinished response");
	/* Answered by the gate alone. */
	assert_false(readable(f->upstream, 0));
	/* The rest of the response, then half of the next frame, in one write. */
	forward_state(f, 7);
	memcpy(chunk, body + BIG_PART, rest);
	response_header(7, 20, chunk + rest);
	memcpy(chunk + rest + SG_TTRPC_HEADER_LEN, next, 10);
	write_all(f->upstream, chunk, n);
	/* The rest of the stream-1 response: whole, nothing spliced in. */
	expect_bytes(f->client, body + BIG_PART, rest);
	expect_refusal(f->client, 3);
	expect_refusal(f->client, 5);
	write_all(f->upstream, next + 10, 10);
	expect_response(f->client, 7, 20, 2);
	assert_false(readable(f->client, 100));
	free(chunk);
	free(body);
	free(next);
}

/* The client calls Frobnicate on sid and has its refusal within 1 s. */
static void refused_at_once(struct relay_fixture *f, uint32_t sid)
{
	client_send(f, sg_test_request(sid, 0, TASK_V2, "Frobnicate", NULL, 0));
	if (!readable(f->client, 1000))
		fail_msg("no refusal within 1 s of the call on stream %u", sid);
	expect_refusal(f->client, sid);
}

/* Between two frames of the real shim, a refusal leaves at once. */
static void test_refusal_at_boundary(void **state)
{
	struct relay_fixture *f = *state;
	uint8_t hdr[SG_TTRPC_HEADER_LEN], *body = pattern(300, 3);

	connect_client(f);
	/* Before the real shim said anything. */
	refused_at_once(f, 1);
	/* After a whole response. */
	forward_state(f, 3);
	response_header(3, 300, hdr);
	write_all(f->upstream, hdr, sizeof(hdr));
	write_all(f->upstream, body, 300);
	expect_response(f->client, 3, 300, 3);
	refused_at_once(f, 5);
	/* After an empty response (a header alone ends the frame). */
	forward_state(f, 7);
	response_header(7, 0, hdr);
	write_all(f->upstream, hdr, sizeof(hdr));
	expect_response(f->client, 7, 0, 0);
	refused_at_once(f, 9);
	free(body);
}

/* The real shim dies mid-frame with refusals waiting: the client gets what the real shim sent
 * and then the end of its connection, no refusal after the truncated frame. */
static void test_refusal_upstream_gone(void **state)
{
	struct relay_fixture *f = *state;
	uint8_t hdr[SG_TTRPC_HEADER_LEN], *body = pattern(1000, 4), byte;
	ssize_t n;

	connect_client(f);
	forward_state(f, 1);
	response_header(1, 1000, hdr);
	write_all(f->upstream, hdr, sizeof(hdr));
	write_all(f->upstream, body, 400);
	expect_bytes(f->client, hdr, sizeof(hdr));
	expect_bytes(f->client, body, 400);
	client_send(f, sg_test_request(3, 0, TASK_V2, "Frobnicate", NULL, 0));
	assert_false(readable(f->client, 200));
	close_fd(&f->upstream);
	if (!readable(f->client, WAIT_MS))
		fail_msg("the gate kept the client's connection after the real shim's end");
	n = recv(f->client, &byte, 1, MSG_DONTWAIT);
	if (n != 0)
		fail_msg("recv after the real shim's end: %zd (want the connection closed)", n);
	free(body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refusal_mid_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_at_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_upstream_gone, setup, teardown),
	};

	/* A gate writing to a client that hung up must not kill the test. */
	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
