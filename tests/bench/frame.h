/* SPDX-License-Identifier: Apache-2.0 */
/* Bench helpers: ttrpc Request frames, and latency samples reduced to figures. */
#ifndef SG_BENCH_FRAME_H
#define SG_BENCH_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SG_BENCH_TASK_SERVICE "containerd.task.v2.Task"

/* A whole ttrpc Request frame (10-byte header + Request{service, method, payload}) for
 * stream_id. Returns NULL when out of memory. */
uint8_t *sg_bench_frame(const char *service, const char *method, const uint8_t *payload,
			size_t payload_len, uint32_t stream_id, size_t *frame_len);

/* A State request frame for container id. */
uint8_t *sg_bench_state_frame(const char *id, uint32_t stream_id, size_t *frame_len);

/* A count option: a decimal in 1..10^7, or the program (prog) exits with a message. */
size_t sg_bench_parse_size(const char *prog, const char *opt, const char *v);

/* Nanoseconds from CLOCK_MONOTONIC. */
uint64_t sg_bench_now_ns(void);

struct sg_bench_stats {
	size_t n;
	double median_ns, p99_ns, mean_ns, min_ns, max_ns;
};

/* Sorts v in place and reduces it. */
void sg_bench_stats(uint64_t *v, size_t n, struct sg_bench_stats *out);
/* Writes "name":{"n":..,"median_ns":..,...,"per_s":..} (per_s = 1e9 / mean). */
void sg_bench_stats_json(FILE *f, const char *name, const struct sg_bench_stats *s);

#endif
