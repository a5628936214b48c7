/* SPDX-License-Identifier: Apache-2.0 */
/* The replay store: a host-wide, persistent, bounded record of used nonces, shared by every
 * shim process through one locked, memory-mapped file. */
#ifndef SG_SIG_REPLAY_H
#define SG_SIG_REPLAY_H

#include <stdint.h>

#include <shimgate/shimgate.h>

struct sg_replay;

/* Slots of a store shimgate verify creates (the shim takes replay_capacity from its config). */
#define SG_REPLAY_CAPACITY_DEFAULT 65536u

/* Opens (creating if needed, 0600, in a safe directory) the store at path with capacity
 * slots. An existing file with another capacity or a bad header is refused. Capacity 0
 * opens an existing store with the capacity its header gives (shimgate verify). */
int sg_replay_open(const char *path, uint32_t capacity, struct sg_replay **out,
		   struct sg_error *err);
void sg_replay_free(struct sg_replay *r);

/* Records (key_id, nonce) as used until expires_at. Returns 0 for a first use, -EALREADY for
 * a nonce seen before and not expired (a replay), and any other -errno when it cannot record
 * (store full, I/O error): the caller refuses then. */
int sg_replay_record(struct sg_replay *r, const char *key_id, const char *nonce,
		     int64_t expires_at, int64_t now, struct sg_error *err);

#endif
