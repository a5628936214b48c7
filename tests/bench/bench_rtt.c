/* SPDX-License-Identifier: Apache-2.0 */
/* Round trips of ttrpc State requests on two unix sockets (the real shim's and the gate's),
 * interleaved in blocks; prints the figures of each and their ratio as one JSON object.
 *
 * Usage: bench_rtt --direct SOCKET --gate SOCKET --id CONTAINER [--calls N] [--block K] */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "frame.h"
#include "ttrpc.pb-c.h"

#define MAX_BODY (4u << 20)

struct conn {
	const char *name, *path;
	int fd;
	uint32_t sid;
	uint64_t *t;
	size_t n;
	uint8_t *body;
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_rtt: %s: %s\n", what, why);
	exit(2);
}

static void conn_open(struct conn *c, size_t calls)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *p = c->path;

	if (!strncmp(p, "unix://", 7))
		p += 7;
	if (strlen(p) >= sizeof(sa.sun_path))
		die(p, "socket path too long");
	strcpy(sa.sun_path, p);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die(p, strerror(errno));
	c->sid = 1;
	c->t = calloc(calls, sizeof(*c->t));
	c->body = malloc(MAX_BODY);
	if (!c->t || !c->body)
		die("calloc", "out of memory");
}

static void full_write(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("write", n < 0 ? strerror(errno) : "closed");
		p += n;
		len -= (size_t)n;
	}
}

static void full_read(int fd, uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = read(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("read", n < 0 ? strerror(errno) : "connection closed");
		p += n;
		len -= (size_t)n;
	}
}

/* One State round trip; the answer must be a success on the same stream. */
static void call(struct conn *c, const char *id)
{
	uint8_t hdr[10];
	size_t flen;
	uint8_t *frame = sg_bench_state_frame(id, c->sid, &flen);
	uint32_t len, sid;
	uint64_t t0;
	Ttrpc__Response *r;

	if (!frame)
		die("frame", "out of memory");
	t0 = sg_bench_now_ns();
	full_write(c->fd, frame, flen);
	full_read(c->fd, hdr, sizeof(hdr));
	len = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
	sid = (uint32_t)hdr[4] << 24 | (uint32_t)hdr[5] << 16 | (uint32_t)hdr[6] << 8 | hdr[7];
	if (len > MAX_BODY)
		die(c->name, "oversized answer");
	full_read(c->fd, c->body, len);
	c->t[c->n++] = sg_bench_now_ns() - t0;
	free(frame);
	if (sid != c->sid || hdr[8] != 2)
		die(c->name, "answer on another stream or not a Response");
	r = ttrpc__response__unpack(NULL, len, c->body);
	if (!r)
		die(c->name, "undecodable Response");
	if (r->status && r->status->code != 0) {
		fprintf(stderr, "bench_rtt: %s: State failed: code %d: %s\n", c->name,
			r->status->code, r->status->message);
		exit(2);
	}
	ttrpc__response__free_unpacked(r, NULL);
	c->sid += 2;
}


int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "direct", required_argument, NULL, 'd' }, { "gate", required_argument, NULL, 'g' },
		{ "id", required_argument, NULL, 'i' },     { "calls", required_argument, NULL, 'n' },
		{ "block", required_argument, NULL, 'b' },  { NULL, 0, NULL, 0 }
	};
	struct conn direct = { .name = "direct" }, gate = { .name = "gate" };
	struct sg_bench_stats sd, sg;
	size_t calls = 5000, block = 50;
	const char *id = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': direct.path = optarg; break;
		case 'g': gate.path = optarg; break;
		case 'i': id = optarg; break;
		case 'n': calls = sg_bench_parse_size("bench_rtt", "--calls", optarg); break;
		case 'b': block = sg_bench_parse_size("bench_rtt", "--block", optarg); break;
		default: die("usage", "--direct SOCKET --gate SOCKET --id ID [--calls N] [--block K]");
		}
	}
	if (!direct.path || !gate.path || !id)
		die("usage", "--direct SOCKET --gate SOCKET --id ID [--calls N] [--block K]");
	conn_open(&direct, calls);
	conn_open(&gate, calls);
	/* Warm both paths (page faults, the gate's first upstream connection). */
	for (size_t i = 0; i < 20 && i < calls; i++) {
		call(&direct, id);
		call(&gate, id);
	}
	direct.n = gate.n = 0;
	/* Interleaved blocks, alternating which goes first. */
	for (size_t done = 0, k = 0; done < calls; k++) {
		size_t n = calls - done < block ? calls - done : block;
		struct conn *first = k % 2 ? &gate : &direct, *second = k % 2 ? &direct : &gate;

		for (size_t i = 0; i < n; i++)
			call(first, id);
		for (size_t i = 0; i < n; i++)
			call(second, id);
		done += n;
	}
	sg_bench_stats(direct.t, direct.n, &sd);
	sg_bench_stats(gate.t, gate.n, &sg);
	putchar('{');
	sg_bench_stats_json(stdout, "direct", &sd);
	putchar(',');
	sg_bench_stats_json(stdout, "gate", &sg);
	printf(",\"ratio_median\":%.3f,\"overhead_median_ns\":%.0f,\"overhead_p99_ns\":%.0f}\n",
	       sg.median_ns / sd.median_ns, sg.median_ns - sd.median_ns, sg.p99_ns - sd.p99_ns);
	close(direct.fd);
	close(gate.fd);
	return 0;
}
