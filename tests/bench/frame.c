/* SPDX-License-Identifier: Apache-2.0 */
/* Bench helpers: ttrpc Request frames, and latency samples reduced to figures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "containerd/task/v2/shim.pb-c.h"
#include "frame.h"
#include "ttrpc.pb-c.h"

uint8_t *sg_bench_frame(const char *service, const char *method, const uint8_t *payload,
			size_t payload_len, uint32_t stream_id, size_t *frame_len)
{
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	uint8_t *frame;
	size_t body;

	req.service = (char *)service;
	req.method = (char *)method;
	req.payload.data = (uint8_t *)payload;
	req.payload.len = payload_len;
	body = ttrpc__request__get_packed_size(&req);
	frame = malloc(10 + body);
	if (!frame)
		return NULL;
	frame[0] = (uint8_t)(body >> 24);
	frame[1] = (uint8_t)(body >> 16);
	frame[2] = (uint8_t)(body >> 8);
	frame[3] = (uint8_t)body;
	frame[4] = (uint8_t)(stream_id >> 24);
	frame[5] = (uint8_t)(stream_id >> 16);
	frame[6] = (uint8_t)(stream_id >> 8);
	frame[7] = (uint8_t)stream_id;
	frame[8] = 1; /* Request */
	frame[9] = 0; /* unary */
	ttrpc__request__pack(&req, frame + 10);
	*frame_len = 10 + body;
	return frame;
}

uint8_t *sg_bench_state_frame(const char *id, uint32_t stream_id, size_t *frame_len)
{
	Containerd__Task__V2__StateRequest st = CONTAINERD__TASK__V2__STATE_REQUEST__INIT;
	uint8_t payload[512];
	size_t n;

	st.id = (char *)id;
	n = containerd__task__v2__state_request__get_packed_size(&st);
	if (n > sizeof(payload))
		return NULL;
	containerd__task__v2__state_request__pack(&st, payload);
	return sg_bench_frame(SG_BENCH_TASK_SERVICE, "State", payload, n, stream_id, frame_len);
}

size_t sg_bench_parse_size(const char *prog, const char *opt, const char *v)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v || *end || n == 0 || n > 10000000) {
		fprintf(stderr, "%s: %s: want a positive integer\n", prog, opt);
		exit(2);
	}
	return (size_t)n;
}

uint64_t sg_bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void sg_bench_stats(uint64_t *v, size_t n, struct sg_bench_stats *out)
{
	double sum = 0;

	memset(out, 0, sizeof(*out));
	out->n = n;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), cmp_u64);
	for (size_t i = 0; i < n; i++)
		sum += (double)v[i];
	out->median_ns = n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2;
	out->p99_ns = (double)v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
	out->mean_ns = sum / (double)n;
	out->min_ns = (double)v[0];
	out->max_ns = (double)v[n - 1];
}

void sg_bench_stats_json(FILE *f, const char *name, const struct sg_bench_stats *s)
{
	fprintf(f,
		"\"%s\":{\"n\":%zu,\"median_ns\":%.0f,\"p99_ns\":%.0f,\"mean_ns\":%.0f,"
		"\"min_ns\":%.0f,\"max_ns\":%.0f,\"per_s\":%.0f}",
		name, s->n, s->median_ns, s->p99_ns, s->mean_ns, s->min_ns, s->max_ns,
		s->mean_ns > 0 ? 1e9 / s->mean_ns : 0);
}
