/* SPDX-License-Identifier: Apache-2.0 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "realrecord.h"
#include "relay.h"
#include "shim/firewall/intercept.h"
#include "shim/log.h"
#include "shim/ttrpc.h"
#include "unixsock.h"

#define RELAY_CHUNK (64u << 10)
/* Bytes queued towards one side before the relay stops reading what produces them: a
 * client that does not read cannot make the gate buffer without bound. */
#define RELAY_HIGH (1u << 20)
/* containerd opens one connection per task; a pod has a few dozen at most. */
#define RELAY_MAX_CONNS 256

struct buf {
	uint8_t *data;
	size_t len, off, cap;
};

enum side { DOWN = 0, UP = 1 };

struct conn;

struct endpoint {
	struct conn *conn; /* NULL for the listening socket */
	enum side side;
	int fd;
	uint32_t events;
};

/* A descriptor a forwarded request needs open until its response (see sg_call_result). */
struct held {
	uint32_t stream;
	int fd;
};

struct conn {
	struct endpoint ep[2];
	struct buf in;     /* bytes from containerd that do not make a whole frame yet */
	struct buf out[2]; /* queued towards containerd (DOWN) and the real shim (UP) */
	size_t skip;       /* bytes of an oversized body still to discard */
	bool draining;     /* the real shim closed: flush out[DOWN], then close */
	bool closed;       /* freed after the current batch of events */
	struct conn *prev, *next;
	struct held *held; /* closed when the real shim answers their stream */
	size_t n_held;
	/* Where the real shim's byte stream stands: a header being read, or body bytes left. */
	uint8_t up_hdr[SG_TTRPC_HEADER_LEN];
	size_t up_hdr_len, up_body;
};

struct relay {
	const struct sg_relay_config *cfg;
	int epfd;
	struct endpoint listener;
	struct endpoint watch; /* an idle connection to the real shim: it ends with it */
	bool real_gone;
	struct conn *conns;
	size_t nconns;
	struct conn *dead; /* closed during this batch: events may still point at them */
};

static size_t buf_pending(const struct buf *b)
{
	return b->len - b->off;
}

static int buf_reserve(struct buf *b, size_t extra)
{
	uint8_t *p;
	size_t cap;

	if (b->off && b->off == b->len)
		b->off = b->len = 0;
	if (b->cap - b->len >= extra)
		return 0;
	if (b->off) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= extra)
			return 0;
	}
	cap = b->cap ? b->cap : RELAY_CHUNK;
	while (cap - b->len < extra)
		cap *= 2;
	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

static int buf_append(struct buf *b, const void *p, size_t n)
{
	int r = buf_reserve(b, n);

	if (r < 0)
		return r;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off == b->len)
		b->off = b->len = 0;
}

/* Idle buffers give their memory back: 10,000 execs must leave the gate as small as 1. */
static void buf_trim(struct buf *b)
{
	if (buf_pending(b) == 0 && b->cap > RELAY_CHUNK) {
		free(b->data);
		*b = (struct buf){ 0 };
	}
}

/* Closes what was held for stream (every stream when all). */
static void held_release(struct conn *c, uint32_t stream, bool all)
{
	size_t j = 0;

	for (size_t i = 0; i < c->n_held; i++) {
		if (all || c->held[i].stream == stream)
			(void)close(c->held[i].fd);
		else
			c->held[j++] = c->held[i];
	}
	c->n_held = j;
	if (!j) {
		free(c->held);
		c->held = NULL;
	}
}

/* Keeps the n descriptors in fds open until the answer to stream; on failure they are
 * closed (the request is still forwarded: runc then fails to open the path, closed). */
static void held_add(struct conn *c, uint32_t stream, const int *fds, size_t n)
{
	struct held *p = n ? realloc(c->held, (c->n_held + n) * sizeof(*p)) : NULL;

	if (!p) {
		for (size_t i = 0; i < n; i++)
			(void)close(fds[i]);
		return;
	}
	c->held = p;
	for (size_t i = 0; i < n; i++)
		c->held[c->n_held++] = (struct held){ .stream = stream, .fd = fds[i] };
}

/* Follows the frames in n bytes the real shim sent: at the header of a response, what its
 * request held is released (the real shim answers a Create once runc has returned). The
 * bytes themselves are relayed as they are. */
static void scan_upstream(struct conn *c, const uint8_t *p, size_t n)
{
	while (n) {
		size_t k;

		if (c->up_body) {
			k = n < c->up_body ? n : c->up_body;
			c->up_body -= k;
		} else {
			struct sg_ttrpc_header h;

			k = SG_TTRPC_HEADER_LEN - c->up_hdr_len;
			k = n < k ? n : k;
			memcpy(c->up_hdr + c->up_hdr_len, p, k);
			c->up_hdr_len += k;
			if (c->up_hdr_len == SG_TTRPC_HEADER_LEN) {
				sg_ttrpc_header_decode(c->up_hdr, &h);
				c->up_hdr_len = 0;
				c->up_body = h.length;
				if (h.type == SG_TTRPC_RESPONSE && c->n_held)
					held_release(c, h.stream_id, false);
			}
		}
		p += k;
		n -= k;
	}
}

static void conn_close(struct relay *rl, struct conn *c)
{
	for (int s = DOWN; s <= UP; s++) {
		if (c->ep[s].fd >= 0) {
			(void)epoll_ctl(rl->epfd, EPOLL_CTL_DEL, c->ep[s].fd, NULL);
			close(c->ep[s].fd);
			c->ep[s].fd = -1;
		}
	}
	held_release(c, 0, true);
	if (c->prev)
		c->prev->next = c->next;
	else
		rl->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	rl->nconns--;
	c->closed = true;
	c->prev = NULL;
	c->next = rl->dead;
	rl->dead = c;
}

static void conn_free_dead(struct relay *rl)
{
	while (rl->dead) {
		struct conn *c = rl->dead;

		rl->dead = c->next;
		free(c->in.data);
		free(c->out[DOWN].data);
		free(c->out[UP].data);
		free(c);
	}
}

/* The real shim is gone: containerd must see its connection close (it then runs `delete`
 * and cleans up), but only after what the real shim said last has reached it. */
static void upstream_gone(struct relay *rl, struct conn *c)
{
	if (c->ep[UP].fd >= 0) {
		(void)epoll_ctl(rl->epfd, EPOLL_CTL_DEL, c->ep[UP].fd, NULL);
		close(c->ep[UP].fd);
		c->ep[UP].fd = -1;
	}
	/* no answer will come */
	held_release(c, 0, true);
	c->draining = true;
}

/* Returns -1 when the connection had to be closed. */
static int update_interest(struct relay *rl, struct conn *c)
{
	size_t to_down = buf_pending(&c->out[DOWN]), to_up = buf_pending(&c->out[UP]);
	uint32_t want[2];

	if (c->draining && to_down == 0) {
		conn_close(rl, c);
		return -1;
	}
	want[DOWN] = (to_down ? EPOLLOUT : 0) |
		     (!c->draining && to_up < RELAY_HIGH && to_down < RELAY_HIGH ? EPOLLIN : 0);
	want[UP] = (to_up ? EPOLLOUT : 0) | (to_down < RELAY_HIGH ? EPOLLIN : 0);
	for (int s = DOWN; s <= UP; s++) {
		struct epoll_event ev = { .events = want[s], .data.ptr = &c->ep[s] };

		if (c->ep[s].fd < 0 || c->ep[s].events == want[s])
			continue;
		if (epoll_ctl(rl->epfd, EPOLL_CTL_MOD, c->ep[s].fd, &ev) < 0) {
			sg_log_error("epoll_ctl: %s", strerror(errno));
			conn_close(rl, c);
			return -1;
		}
		c->ep[s].events = want[s];
	}
	return 0;
}

/* Writes what is queued for side s. Returns -1 on a broken peer. */
static int flush(struct conn *c, enum side s)
{
	struct buf *b = &c->out[s];

	while (buf_pending(b) && c->ep[s].fd >= 0) {
		ssize_t n = send(c->ep[s].fd, b->data + b->off, buf_pending(b), MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0)
			return -1;
		buf_consume(b, (size_t)n);
	}
	buf_trim(b);
	return 0;
}

/* Queues n bytes towards side s, first sending what the socket takes when nothing is queued
 * before them: a forwarded frame leaves from the read buffer, without a copy. A send error
 * is left to flush, which meets it again and reports it. */
static int relay_bytes(struct conn *c, enum side s, const uint8_t *p, size_t n)
{
	if (!buf_pending(&c->out[s]) && c->ep[s].fd >= 0) {
		ssize_t w;

		do
			w = send(c->ep[s].fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		while (w < 0 && errno == EINTR);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
	}
	return n ? buf_append(&c->out[s], p, n) : 0;
}

/* Judges every whole frame in c->in. Returns -1 when the connection must close. */
static int judge_frames(struct conn *c, struct sg_intercept *ic)
{
	for (;;) {
		struct sg_ttrpc_header h;
		enum sg_intercept_action act;
		uint8_t *out = NULL;
		size_t out_len = 0, frame;
		int r = 0;

		if (c->skip) {
			size_t n = buf_pending(&c->in) < c->skip ? buf_pending(&c->in) : c->skip;

			buf_consume(&c->in, n);
			c->skip -= n;
			if (c->skip)
				return 0;
			continue;
		}
		if (buf_pending(&c->in) < SG_TTRPC_HEADER_LEN)
			return 0;
		sg_ttrpc_header_decode(c->in.data + c->in.off, &h);
		if (h.length > SG_TTRPC_FRAME_MAX) {
			/* Never buffered: the body is discarded as it arrives, as ttrpc does,
			 * and the stream gets its InvalidArgument answer. */
			buf_consume(&c->in, SG_TTRPC_HEADER_LEN);
			c->skip = h.length;
			act = sg_intercept_frame(ic, &h, NULL, &out, &out_len);
			frame = 0;
		} else {
			frame = SG_TTRPC_HEADER_LEN + (size_t)h.length;
			if (buf_pending(&c->in) < frame)
				return buf_reserve(&c->in, frame - buf_pending(&c->in)) < 0 ? -1
											     : 0;
			act = sg_intercept_frame(ic, &h, c->in.data + c->in.off + SG_TTRPC_HEADER_LEN,
						 &out, &out_len);
		}
		if (act != SG_INTERCEPT_REPLY) {
			int fds[SG_LIMIT_HELD_FDS];

			held_add(c, h.stream_id, fds, sg_intercept_take_held(ic, fds));
		}
		switch (act) {
		case SG_INTERCEPT_FORWARD:
			r = relay_bytes(c, UP, c->in.data + c->in.off, frame);
			break;
		case SG_INTERCEPT_REWRITE:
			r = relay_bytes(c, UP, out, out_len);
			break;
		case SG_INTERCEPT_REPLY:
			r = out ? relay_bytes(c, DOWN, out, out_len) : -ENOMEM;
			break;
		}
		free(out);
		if (r < 0) {
			sg_log_error("stream %u: cannot queue the frame: %s", h.stream_id,
				     strerror(-r));
			return -1;
		}
		buf_consume(&c->in, frame);
	}
}

/* Reads what side s has to say. Returns -1 when the connection was closed. */
static int on_readable(struct relay *rl, struct conn *c, enum side s)
{
	struct buf *b = s == DOWN ? &c->in : &c->out[DOWN];
	ssize_t n;

	if (buf_reserve(b, RELAY_CHUNK) < 0) {
		sg_log_error("out of memory on a connection: closing it");
		conn_close(rl, c);
		return -1;
	}
	do
		n = recv(c->ep[s].fd, b->data + b->len, b->cap - b->len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		if (s == UP) {
			sg_log_info("the real shim closed a connection");
			upstream_gone(rl, c);
			return 0;
		}
		/* containerd went away (restart, or done with the task): the real shim and
		 * the container live on, only this pair ends. */
		sg_log_debug("containerd closed a connection");
		conn_close(rl, c);
		return -1;
	}
	b->len += (size_t)n;
	if (s == UP)
		scan_upstream(c, b->data + b->len - (size_t)n, (size_t)n);
	if (s == DOWN) {
		if (judge_frames(c, rl->cfg->intercept) < 0) {
			conn_close(rl, c);
			return -1;
		}
		buf_trim(&c->in);
	}
	return 0;
}

static void on_accept(struct relay *rl)
{
	for (;;) {
		struct conn *c;
		pid_t peer;
		uid_t uid;
		int fd, up;

		fd = accept4(rl->listener.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				sg_log_error("accept: %s", strerror(errno));
			return;
		}
		/* The same check ttrpc makes: only our own uid (root) may talk to the shim. */
		if (sg_unix_peer_uid(fd, &uid) < 0 || uid != geteuid()) {
			sg_log_warn("connection from uid %u refused", (unsigned)uid);
			close(fd);
			continue;
		}
		if (rl->nconns >= RELAY_MAX_CONNS) {
			sg_log_warn("%u connections open: one more refused", RELAY_MAX_CONNS);
			close(fd);
			continue;
		}
		/* Once its real shim is gone a gate serves nobody: a later real shim on the same
		 * path (the same namespace and id again) has a gate of its own. */
		up = rl->real_gone ? -ESRCH : sg_unix_connect(rl->cfg->real_path);
		if (up >= 0 && (sg_unix_peer_pid(up, &peer) < 0 || peer != rl->cfg->real_pid)) {
			close(up);
			up = -ESRCH;
		}
		if (up < 0) {
			sg_log_error("cannot reach the real shim (listening since pid %ld) at %s: %s",
				     (long)rl->cfg->real_pid, rl->cfg->real_path, strerror(-up));
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			close(up);
			continue;
		}
		c->ep[DOWN] = (struct endpoint){ .conn = c, .side = DOWN, .fd = fd };
		c->ep[UP] = (struct endpoint){ .conn = c, .side = UP, .fd = up };
		for (int s = DOWN; s <= UP; s++) {
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &c->ep[s] };

			c->ep[s].events = EPOLLIN;
			if (epoll_ctl(rl->epfd, EPOLL_CTL_ADD, c->ep[s].fd, &ev) < 0)
				c->ep[s].events = 0;
		}
		if (!c->ep[DOWN].events || !c->ep[UP].events) {
			sg_log_error("epoll_ctl: %s", strerror(errno));
			(void)epoll_ctl(rl->epfd, EPOLL_CTL_DEL, fd, NULL);
			(void)epoll_ctl(rl->epfd, EPOLL_CTL_DEL, up, NULL);
			close(fd);
			close(up);
			free(c);
			continue;
		}
		c->next = rl->conns;
		if (rl->conns)
			rl->conns->prev = c;
		rl->conns = c;
		rl->nconns++;
		sg_log_debug("containerd connected (%zu connections)", rl->nconns);
	}
}

static void on_event(struct relay *rl, struct endpoint *ep, uint32_t events)
{
	struct conn *c = ep->conn;
	enum side s = ep->side;

	if (events & EPOLLOUT && flush(c, s) < 0) {
		if (s == DOWN) {
			conn_close(rl, c);
			return;
		}
		upstream_gone(rl, c);
	}
	if (c->ep[s].fd >= 0 && events & (EPOLLIN | EPOLLHUP | EPOLLERR) &&
	    on_readable(rl, c, s) < 0)
		return;
	/* Send at once what was just queued: the common case needs no second wake-up. */
	if (flush(c, DOWN) < 0) {
		conn_close(rl, c);
		return;
	}
	if (flush(c, UP) < 0)
		upstream_gone(rl, c);
	(void)update_interest(rl, c);
}

static void cleanup_files(const struct sg_relay_config *cfg)
{
	struct stat st;

	/* The real shim may have removed our file already, or a new gate may own the path. */
	if (stat(cfg->listen_path, &st) == 0 && st.st_ino == cfg->listen_ino)
		(void)unlink(cfg->listen_path);
	sg_real_record_remove(cfg->listen_path);
	/* The real shim removes the socket its bundle's address names, which is ours, so its
	 * own is ours to remove. It closes our connections a moment before its listening socket;
	 * a later real shim on the path (another pid) is left alone. */
	for (int i = 0; i < 100; i++) {
		pid_t pid;

		if (sg_unix_listener_pid(cfg->real_path, &pid) < 0) {
			(void)unlink(cfg->real_path);
			break;
		}
		if (pid != cfg->real_pid)
			break;
		usleep(10 * 1000);
	}
}

static int watch_add(int epfd, struct endpoint *ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ep };

	*ep = (struct endpoint){ .conn = NULL, .fd = fd, .events = EPOLLIN };
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

/* The real shim never writes on a connection that sent nothing: readable means closed. */
static void watch_event(struct relay *rl)
{
	char byte;

	if (recv(rl->watch.fd, &byte, 1, MSG_DONTWAIT) < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	sg_log_info("the real shim at %s (listening since pid %ld) closed: serving no new "
		    "connection",
		    rl->cfg->real_path, (long)rl->cfg->real_pid);
	(void)epoll_ctl(rl->epfd, EPOLL_CTL_DEL, rl->watch.fd, NULL);
	rl->real_gone = true;
}

int sg_relay_run(const struct sg_relay_config *cfg, struct sg_error *err)
{
	struct relay rl = { .cfg = cfg };
	int r;

	rl.epfd = epoll_create1(EPOLL_CLOEXEC);
	if (rl.epfd < 0)
		return sg_error_set(err, -errno, "epoll_create1: %s", strerror(errno));
	r = watch_add(rl.epfd, &rl.listener, cfg->listen_fd);
	if (r == 0)
		r = watch_add(rl.epfd, &rl.watch, cfg->real_watch_fd);
	if (r < 0) {
		close(rl.epfd);
		return sg_error_set(err, r, "epoll_ctl: %s", strerror(-r));
	}
	for (;;) {
		struct epoll_event events[64];
		int n = epoll_wait(rl.epfd, events, 64, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			close(rl.epfd);
			return sg_error_set(err, r, "epoll_wait: %s", strerror(-r));
		}
		for (int i = 0; i < n; i++) {
			struct endpoint *ep = events[i].data.ptr;

			if (ep == &rl.watch) {
				watch_event(&rl);
				continue;
			}
			if (!ep->conn) {
				on_accept(&rl);
				continue;
			}
			/* An earlier event of this batch may have closed the connection. */
			if (!ep->conn->closed)
				on_event(&rl, ep, events[i].events);
		}
		conn_free_dead(&rl);
		if (rl.nconns == 0 && rl.real_gone) {
			sg_log_info("the real shim is gone and no connection remains: exiting");
			break;
		}
	}
	close(rl.epfd);
	cleanup_files(cfg);
	return 0;
}
