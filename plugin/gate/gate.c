/* SPDX-License-Identifier: Apache-2.0 */
/* The gate: configuration, keyring, replay store and policy loaded all or nothing, and decide(). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "builtins.h"
#include "core/cleanup.h"
#include "core/config.h"
#include "core/request.h"
#include "core/stack.h"
#include "gate.h"
#include "sig/keyring.h"
#include "sig/replay.h"

struct sg_gate {
	struct sg_config *config;
	struct sg_keyring *keyring;
	struct sg_replay *replay;
	/* Borrowed by module states: it lives as long as the stacks. */
	struct sg_context ctx;
	struct sg_stack *stacks[SG_OP_COUNT];
	/* How a change of key_dir is seen: an inotify instance watching key_dir's inode
	 * (key_dev, key_ino) and every entry's, or, when it cannot be had, -1 and the
	 * fingerprint of key_dir taken before the keyring was loaded. */
	int key_watch;
	dev_t key_dev;
	ino_t key_ino;
	uint64_t key_dir_print;
	bool key_stale; /* a change was seen and the keys did not load: look again each time */
	bool key_no_watch; /* SG_GATE_KEYS_FINGERPRINT */
};

void sg_gate_free(struct sg_gate *gate)
{
	if (!gate)
		return;
	/* Stacks first: module states borrow the context. */
	sg_policy_free(gate->stacks);
	sg_replay_free(gate->replay);
	sg_keyring_free(gate->keyring);
	sg_config_free(gate->config);
	if (gate->key_watch >= 0)
		(void)close(gate->key_watch);
	free(gate);
}

SG_DEFINE_FREEP(struct sg_keyring *, sg_keyring_free)

/* FNV-1a over n bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * UINT64_C(0x100000001b3);
	return h;
}

static uint64_t fnv_stat(uint64_t h, const struct stat *st)
{
	h = fnv(h, &st->st_ino, sizeof(st->st_ino));
	h = fnv(h, &st->st_mode, sizeof(st->st_mode));
	h = fnv(h, &st->st_uid, sizeof(st->st_uid));
	h = fnv(h, &st->st_gid, sizeof(st->st_gid));
	h = fnv(h, &st->st_size, sizeof(st->st_size));
	h = fnv(h, &st->st_mtim, sizeof(st->st_mtim));
	return fnv(h, &st->st_ctim, sizeof(st->st_ctim));
}

/* Calls fn(fd, name, arg) for each entry of the directory fd but "." and ".."; a negative
 * return ends the walk and is returned, a failed getdents64 is -errno. Read into a stack
 * buffer: opendir's 32 KiB buffer would be an mmap and a munmap per decision (the gate maps
 * allocations of 32 KiB and more on their own). */
static int key_dir_each(int fd, int (*fn)(int fd, const char *name, void *arg), void *arg)
{
	char buf[2048] __attribute__((aligned(8)));
	ssize_t n;
	int r;

	while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < n;) {
			const struct dirent64 *e = (const struct dirent64 *)(buf + off);

			off += e->d_reclen;
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			r = fn(fd, e->d_name, arg);
			if (r < 0)
				return r;
		}
	}
	return n < 0 ? -errno : 0;
}

static int print_entry(int fd, const char *name, void *arg)
{
	uint64_t *h = arg;
	struct stat st;

	*h = fnv(*h, name, strlen(name) + 1);
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		*h = fnv_stat(*h, &st);
	return 0;
}

/* What the keyring's safety depends on: key_dir's and every entry's inode, mode, owner, size
 * and times. A key written or removed changes the directory's mtime; a chmod or chown of the
 * directory or of one key file changes only that inode's ctime, so each entry is looked at. */
static int key_dir_fingerprint(const char *dir, uint64_t *print, struct sg_error *err)
{
	_cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	struct stat st;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return sg_error_set(err, -errno, "key_dir %s: %s", dir, strerror(errno));
	h = fnv_stat(h, &st);
	r = key_dir_each(fd, print_entry, &h);
	if (r < 0)
		return sg_error_set(err, r, "key_dir %s: %s", dir, strerror(-r));
	*print = h;
	return 0;
}

/* What changes key_dir (entries created, removed, renamed in or out; key_dir itself chmod'ed,
 * renamed or removed) and what changes a key file (written, chmod'ed, chown'ed, renamed,
 * removed). Each key file has its own watch, on its inode: a change made through another
 * hard link, which names another parent, is still seen. */
#define KEY_DIR_EVENTS                                                                  \
	(IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_CLOSE_WRITE | IN_MODIFY | \
	 IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)
#define KEY_FILE_EVENTS \
	(IN_CLOSE_WRITE | IN_MODIFY | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_DONT_FOLLOW)

/* A watch on key_dir's entry name, through /proc/self/fd/<fd of key_dir> (arg: the inotify
 * fd). A name too long for a key id fails the load anyway. An entry gone already is an
 * IN_DELETE queued on key_dir's watch. */
static int watch_entry(int fd, const char *name, void *arg)
{
	char proc[64 + 256];

	if ((size_t)snprintf(proc, sizeof(proc), "/proc/self/fd/%d/%s", fd, name) < sizeof(proc) &&
	    inotify_add_watch(*(const int *)arg, proc, KEY_FILE_EVENTS) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

/* Watches key_dir and its entries with a new inotify instance (the old one, if any, closed).
 * The watches go on the inodes of the one directory fd, through /proc/self/fd, so the inode
 * watched is the one whose dev/ino is recorded, even if key_dir is swapped meanwhile. Armed
 * before the keyring is loaded: a change made while it loads is seen at the next decision.
 * An error (no inotify, no /proc, no watch left) means: use the fingerprint instead. */
static int key_watch_arm(struct sg_gate *gate, const char *dir)
{
	_cleanup_close_ int ifd = -1, fd = -1;
	char proc[64];
	struct stat st;

	if (gate->key_watch >= 0)
		(void)close(gate->key_watch);
	gate->key_watch = -1;
	ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ifd < 0 || fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	(void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (inotify_add_watch(ifd, proc, KEY_DIR_EVENTS) < 0 || key_dir_each(fd, watch_entry, &ifd) < 0)
		return -1;
	gate->key_dev = st.st_dev;
	gate->key_ino = st.st_ino;
	gate->key_watch = steal_fd(&ifd);
	return 0;
}

/* Starts following key_dir before (re)loading its keys: the watch, or else the fingerprint. */
static int key_watch_start(struct sg_gate *gate, const char *dir, struct sg_error *err)
{
	if (!gate->key_no_watch && key_watch_arm(gate, dir) == 0)
		return 0;
	return key_dir_fingerprint(dir, &gate->key_dir_print, err);
}

/* Whether key_dir may have changed since key_watch_start: an event queued (a read that does
 * not fail with EAGAIN: events, an overflow, a watch removed, or an error, all taken as a
 * change), or key_dir's path now naming another inode (key_dir or a directory above it
 * renamed or mounted over, which no event on key_dir's own inode says). One read and one
 * stat when nothing changed, against an open, a getdents64 pair, an fstatat per key and a
 * close for the fingerprint. fsnotify queues an event in the syscall that makes the change,
 * so a decision after a revocation returned sees it. One process reads the queue: the gate
 * is opened before the daemon forks and the parent, which exits, decides nothing. What no
 * event says and the fingerprint saw: a file system mounted over one key file (root's act,
 * as writing a key is); it is seen at the next change of key_dir. */
static int key_dir_changed(struct sg_gate *gate, const char *dir, bool *changed,
			   struct sg_error *err)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct stat st;
	uint64_t print;
	int r;

	if (gate->key_watch < 0) {
		r = key_dir_fingerprint(dir, &print, err);
		*changed = r == 0 && print != gate->key_dir_print;
		return r;
	}
	if (stat(dir, &st) < 0)
		return sg_error_set(err, -errno, "key_dir %s: %s", dir, strerror(errno));
	*changed = st.st_dev != gate->key_dev || st.st_ino != gate->key_ino ||
		   read(gate->key_watch, buf, sizeof(buf)) >= 0 || errno != EAGAIN;
	return 0;
}

static void sg_gate_freep(struct sg_gate **gate)
{
	sg_gate_free(*gate);
}

/* Every load error names the file; add it when the callee's message does not. */
static int name_file(struct sg_error *err, const char *what, const char *path)
{
	if (err && !strstr(err->msg, path))
		return sg_error_prefix(err, "%s %s", what, path);
	return err ? err->code : -EINVAL;
}

int sg_gate_open_config(struct sg_config *cfg, unsigned flags, struct sg_gate **out,
			struct sg_error *err)
{
	_cleanup_(sg_gate_freep) struct sg_gate *gate = calloc(1, sizeof(*gate));
	int r;

	if (!gate) {
		sg_config_free(cfg);
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	gate->config = cfg;
	gate->key_watch = -1;
	gate->key_no_watch = flags & SG_GATE_KEYS_FINGERPRINT;
	if (!(flags & SG_GATE_NO_KEYRING)) {
		r = key_watch_start(gate, cfg->key_dir, err);
		if (r < 0)
			return r;
		r = sg_keyring_load(cfg->key_dir, &gate->keyring, err);
		if (r < 0)
			return name_file(err, "key_dir", cfg->key_dir);
	}
	r = sg_replay_open(cfg->replay_store, cfg->replay_capacity, &gate->replay, err);
	if (r < 0)
		return name_file(err, "replay_store", cfg->replay_store);
	gate->ctx = (struct sg_context){
		.config = cfg,
		.keyring = gate->keyring,
		.replay = gate->replay,
	};
	r = sg_policy_load(&gate->ctx, cfg->policy_dir, sg_builtin_modules, cfg->module_dir,
			   gate->stacks, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&gate);
	return 0;
}

int sg_gate_open(const char *config_path, struct sg_gate **out, struct sg_error *err)
{
	struct sg_config *cfg = NULL;
	int r;

	r = sg_config_load(config_path, NULL, &cfg, err);
	if (r < 0)
		return r;
	return sg_gate_open_config(cfg, 0, out, err);
}

const struct sg_config *sg_gate_config(const struct sg_gate *gate)
{
	return gate->config;
}

const struct sg_stack *sg_gate_stack(const struct sg_gate *gate, enum sg_op op)
{
	return (unsigned)op < SG_OP_COUNT ? gate->stacks[op] : NULL;
}

/* Runs the mount stack once per mount of a create; the first refusal decides. */
static int decide_mounts(struct sg_gate *gate, struct sg_request *req, struct sg_decision *d,
			 struct sg_error *err)
{
	struct sg_decision create = *d;

	for (size_t i = 0; i < req->n_mounts; i++) {
		_cleanup_request_ struct sg_request *m = NULL;
		struct sg_error why = { 0 };
		char name[SG_ERROR_MSG_MAX / 2];
		int r;

		r = sg_request_for_mount(req, i, &m, err);
		if (r < 0)
			return r;
		r = sg_stack_eval(gate->stacks[SG_OP_MOUNT], m, d, err);
		if (r < 0)
			return r;
		if (d->allowed)
			continue;
		/* Name the mount, unless the module that refused it did already. */
		sg_mount_describe(&req->mounts[i], name, sizeof(name));
		if (strncmp(d->reason, name, strlen(name)) != 0) {
			memcpy(why.msg, d->reason, sizeof(why.msg));
			(void)sg_error_prefix(&why, "%s", name);
			memcpy(d->reason, why.msg, sizeof(d->reason));
		}
		d->mount = &req->mounts[i];
		d->op = SG_OP_MOUNT;
		return 0;
	}
	/* Every mount passed: the create stack's decision is the one to report. The trace (which
	 * the mount stacks extended) stays as it is now. */
	create.trace = d->trace;
	create.n_trace = d->n_trace;
	*d = create;
	return 0;
}

/* A key file added to or removed from key_dir (keygen, rotation, revocation), a key file
 * written, or a mode or owner change of key_dir or of a key file, is seen (key_dir_changed):
 * the keyring is loaded again, with every safety check, before the next decision, so a
 * revoked key stops signing in running gates too. A key_dir that no longer loads (a key
 * file made group-writable) fails every decision (closed) with the reason until it is
 * fixed: the watch is armed again and the load tried again at each one. */
static int keyring_follow(struct sg_gate *gate, struct sg_error *err)
{
	_cleanup_(sg_keyring_freep) struct sg_keyring *fresh = NULL;
	const char *dir = gate->config->key_dir;
	bool changed = gate->key_stale;
	int r;

	if (!gate->keyring)
		return 0;
	if (!changed) {
		r = key_dir_changed(gate, dir, &changed, err);
		if (r < 0 || !changed)
			return r;
	}
	gate->key_stale = true;
	r = key_watch_start(gate, dir, err);
	if (r < 0)
		return r;
	r = sg_keyring_load(dir, &fresh, err);
	if (r < 0) {
		(void)name_file(err, "key_dir", dir);
		return sg_error_prefix(err, "keys changed and do not load");
	}
	sg_keyring_swap(gate->keyring, fresh);
	gate->key_stale = false;
	return 0;
}

int sg_gate_decide(struct sg_gate *gate, struct sg_request *req, struct sg_decision *d,
		   struct sg_error *err)
{
	int r;

	sg_decision_clear(d);
	d->audit_mode = gate->config->mode == SG_MODE_AUDIT_ONLY;
	if ((unsigned)req->op >= SG_OP_COUNT)
		return sg_error_set(err, -EINVAL, "unknown operation %d", (int)req->op);
	if (req->now == 0)
		req->now = (int64_t)time(NULL);
	r = keyring_follow(gate, err);
	if (r < 0)
		return r;
	r = sg_stack_eval(gate->stacks[req->op], req, d, err);
	if (r < 0)
		return r;
	if (req->op == SG_OP_CREATE && d->allowed) {
		r = decide_mounts(gate, req, d, err);
		if (r < 0)
			return r;
	}
	if (!d->allowed && d->audit_mode) {
		/* Audit-only: the refusal is recorded (decision "allow-audit-only"), not enforced. */
		d->audit_only = true;
		d->allowed = true;
	}
	return 0;
}
