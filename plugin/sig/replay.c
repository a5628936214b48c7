/* SPDX-License-Identifier: Apache-2.0 */
/* The replay store: a fixed table of (nonce digest, expiry) slots in one flock'ed file. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/safepath.h"
#include "digest.h"
#include "replay.h"

#define REPLAY_MAGIC "SGREPLAY"
#define REPLAY_VERSION 1u
#define REPLAY_WINDOW 64u
#define REPLAY_DIGEST 16u

struct replay_header {
	char magic[8];
	uint32_t version;
	uint32_t capacity;
	uint32_t slot_size;
	uint8_t reserved[44];
};

struct replay_slot {
	uint8_t digest[REPLAY_DIGEST];
	int64_t expires_at; /* 0: never used */
};

_Static_assert(sizeof(struct replay_header) == 64, "replay header layout");
_Static_assert(sizeof(struct replay_slot) == 24, "replay slot layout");

/* Slots are read and written with pread/pwrite, not through a mapping: a mapped store is
 * faulted in 64 KiB at a time around each slot touched (the kernel's fault-around), so a
 * gate would soon map the whole table (1.5 MiB at the default capacity), most of a pod's PSS
 * when it is the only one. */
struct sg_replay {
	int fd;
	char *path;
	uint32_t capacity;
	size_t size;
};

void sg_replay_free(struct sg_replay *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		(void)close(r->fd);
	free(r->path);
	free(r);
}

static void replay_freep(struct sg_replay **r)
{
	sg_replay_free(*r);
}

/* Creates the store's directory (0700) when missing, then checks it like a key directory. */
static int ensure_dir(const char *path, struct sg_error *err)
{
	_cleanup_free_ char *dir = strdup(path);
	char *slash;

	if (!dir)
		return sg_error_set(err, -ENOMEM, "out of memory");
	slash = strrchr(dir, '/');
	if (!slash || path[0] != '/')
		return sg_error_set(err, -EINVAL, "replay store %s: not an absolute path", path);
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return sg_error_set(err, -errno, "replay store directory %s: %s", dir,
				    strerror(errno));
	return sg_safepath_check(dir, SG_SAFEPATH_DIR, err);
}

static int lock(struct sg_replay *r, struct sg_error *err)
{
	while (flock(r->fd, LOCK_EX) < 0) {
		if (errno != EINTR)
			return sg_error_set(err, -errno, "replay store %s: lock: %s", r->path,
					    strerror(errno));
	}
	return 0;
}

static void unlock(struct sg_replay *r)
{
	/* Closing the descriptor would release it anyway; nothing to report here. */
	(void)flock(r->fd, LOCK_UN);
}

/* Every block of the table is allocated when the store opens: a record written into a hole
 * of a sparse file on a full file system would fail, and with it every signed call from then
 * on. A full file system must refuse to open the store instead, where the error is reported
 * at start. */
static int reserve(struct sg_replay *r, struct sg_error *err)
{
	int e;

	do
		e = posix_fallocate(r->fd, 0, (off_t)r->size);
	while (e == EINTR);
	if (e != 0)
		return sg_error_set(err, -e, "replay store %s: cannot allocate its %zu bytes: %s",
				    r->path, r->size, strerror(e));
	return 0;
}

/* Under the lock: a new (empty) file gets its header, an existing one must match. */
static int init_or_check(struct sg_replay *r, struct sg_error *err)
{
	struct replay_header want = { .version = REPLAY_VERSION,
				      .capacity = r->capacity,
				      .slot_size = sizeof(struct replay_slot) };
	struct stat st;

	memcpy(want.magic, REPLAY_MAGIC, sizeof(want.magic));
	if (fstat(r->fd, &st) < 0)
		return sg_error_set(err, -errno, "replay store %s: %s", r->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return sg_error_set(err, -EPERM, "replay store %s: not a regular file", r->path);
	if (st.st_uid != 0 || (st.st_mode & 077))
		return sg_error_set(err, -EPERM,
				    "replay store %s: must be owned by root with mode 0600 (uid %u, mode %04o)",
				    r->path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777));
	if (r->capacity == 0) {
		/* Open as found (shimgate verify): the header says how big the table is. */
		struct replay_header have;

		if (pread(r->fd, &have, sizeof(have), 0) != (ssize_t)sizeof(have) ||
		    memcmp(have.magic, REPLAY_MAGIC, sizeof(have.magic)) != 0 ||
		    have.capacity == 0 || have.capacity > SG_LIMIT_REPLAY_CAPACITY)
			return sg_error_set(err, -EINVAL, "replay store %s: bad header", r->path);
		r->capacity = have.capacity;
		r->size = sizeof(struct replay_header) +
			  (size_t)r->capacity * sizeof(struct replay_slot);
	} else if (st.st_size == 0) {
		/* Allocated before the header: on a full file system the file stays empty
		 * (the next gate tries again), never half made. */
		int rc = reserve(r, err);
		ssize_t n;

		if (rc < 0)
			return rc;
		n = pwrite(r->fd, &want, sizeof(want), 0);
		if (n != (ssize_t)sizeof(want))
			return sg_error_set(err, n < 0 ? -errno : -EIO,
					    "replay store %s: cannot write its header: %s", r->path,
					    n < 0 ? strerror(errno) : "short write");
		return 0;
	}
	if ((uint64_t)st.st_size != r->size)
		return sg_error_set(err, -EINVAL,
				    "replay store %s: size %lld does not match capacity %u",
				    r->path, (long long)st.st_size, r->capacity);
	return 0;
}

int sg_replay_open(const char *path, uint32_t capacity, struct sg_replay **out,
		   struct sg_error *err)
{
	_cleanup_(replay_freep) struct sg_replay *r = NULL;
	struct replay_header hdr;
	int rc;

	if (capacity > SG_LIMIT_REPLAY_CAPACITY)
		return sg_error_set(err, -EINVAL, "replay store capacity %u over %u", capacity,
				    SG_LIMIT_REPLAY_CAPACITY);
	rc = ensure_dir(path, err);
	if (rc < 0)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r)
		return sg_error_set(err, -ENOMEM, "out of memory");
	r->fd = -1;
	r->capacity = capacity;
	r->size = sizeof(struct replay_header) + (size_t)capacity * sizeof(struct replay_slot);
	r->path = strdup(path);
	if (!r->path)
		return sg_error_set(err, -ENOMEM, "out of memory");
	/* Capacity 0 opens an existing store only. */
	r->fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | (capacity ? O_CREAT : 0),
		     0600);
	if (r->fd < 0)
		return sg_error_set(err, -errno, "replay store %s: %s", path, strerror(errno));
	rc = lock(r, err);
	if (rc < 0)
		return rc;
	rc = init_or_check(r, err);
	unlock(r);
	if (rc < 0)
		return rc;
	rc = reserve(r, err);
	if (rc < 0)
		return rc;
	if (pread(r->fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr.magic, REPLAY_MAGIC, sizeof(hdr.magic)) != 0 ||
	    hdr.version != REPLAY_VERSION || hdr.capacity != r->capacity ||
	    hdr.slot_size != sizeof(struct replay_slot))
		return sg_error_set(err, -EINVAL,
				    "replay store %s: bad header (not a version %u store of %u slots)",
				    path, REPLAY_VERSION, r->capacity);
	*out = steal_pointer(&r);
	return 0;
}

static int nonce_digest(const char *key_id, const char *nonce, uint8_t out[REPLAY_DIGEST],
			struct sg_error *err)
{
	uint8_t full[SG_SHA256_LEN];

	(void)err; /* cannot fail: no allocation */
	/* The NUL separates the key id from the nonce: ids never contain one. */
	sg_sha256(key_id, strlen(key_id) + 1, nonce, strlen(nonce), full);
	memcpy(out, full, REPLAY_DIGEST);
	OPENSSL_cleanse(full, sizeof(full));
	return 0;
}

/* Offset of slot i in the file. */
static off_t slot_off(uint32_t i)
{
	return (off_t)sizeof(struct replay_header) + (off_t)i * (off_t)sizeof(struct replay_slot);
}

/* Under the lock: reads n slots from slot first on (no wrap) into out. */
static int read_slots(struct sg_replay *r, uint32_t first, uint32_t n, struct replay_slot *out,
		      struct sg_error *err)
{
	size_t len = (size_t)n * sizeof(*out);
	ssize_t got = pread(r->fd, out, len, slot_off(first));

	if (got != (ssize_t)len)
		return sg_error_set(err, got < 0 ? -errno : -EIO, "replay store %s: read: %s",
				    r->path, got < 0 ? strerror(errno) : "short read");
	return 0;
}

int sg_replay_record(struct sg_replay *r, const char *key_id, const char *nonce,
		     int64_t expires_at, int64_t now, struct sg_error *err)
{
	uint8_t digest[REPLAY_DIGEST];
	struct replay_slot slots[REPLAY_WINDOW], mine;
	uint32_t window = r->capacity < REPLAY_WINDOW ? r->capacity : REPLAY_WINDOW;
	uint32_t first, head, free_at = UINT32_MAX;
	uint64_t start = 0;
	ssize_t put;
	int rc;

	if (expires_at <= now)
		return sg_error_set(err, -EINVAL, "nonce would expire before it is recorded");
	rc = nonce_digest(key_id, nonce, digest, err);
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < 8; i++)
		start = start << 8 | digest[i];
	first = (uint32_t)(start % r->capacity);
	/* The window, wrapping at the end of the table. */
	head = r->capacity - first < window ? r->capacity - first : window;
	rc = lock(r, err);
	if (rc < 0)
		return rc;
	rc = read_slots(r, first, head, slots, err);
	if (rc == 0 && head < window)
		rc = read_slots(r, 0, window - head, slots + head, err);
	if (rc < 0) {
		unlock(r);
		return rc;
	}
	for (uint32_t i = 0; i < window; i++) {
		bool live = slots[i].expires_at > now;

		if (live && memcmp(slots[i].digest, digest, REPLAY_DIGEST) == 0) {
			unlock(r);
			return sg_error_set(err, -EALREADY, "nonce already used (replay)");
		}
		if (!live && free_at == UINT32_MAX)
			free_at = i;
	}
	if (free_at == UINT32_MAX) {
		unlock(r);
		return sg_error_set(err, -ENOSPC, "replay store full");
	}
	memcpy(mine.digest, digest, REPLAY_DIGEST);
	mine.expires_at = expires_at;
	put = pwrite(r->fd, &mine, sizeof(mine), slot_off((first + free_at) % r->capacity));
	unlock(r);
	if (put != (ssize_t)sizeof(mine))
		return sg_error_set(err, put < 0 ? -errno : -EIO, "replay store %s: write: %s",
				    r->path, put < 0 ? strerror(errno) : "short write");
	return 0;
}
