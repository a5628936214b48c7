/* SPDX-License-Identifier: Apache-2.0 */
/* Asking a real shim to shut down: Task/Shutdown on a connection of our own, with a deadline. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "containerd/task/v2/shim.pb-c.h"
#include "core/cleanup.h"
#include "core/limits.h"
#include "shim/ttrpc.h"
#include "shutdown.h"
#include "ttrpc.pb-c.h"
#include "unixsock.h"

#define SHUTDOWN_TIMEOUT_MS 3000

static int send_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n;

		if (poll(&pfd, 1, SHUTDOWN_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Waits for the response header: its arrival (or EOF, the shim exiting) is the answer. */
static int await_answer(int fd)
{
	uint8_t header[SG_TTRPC_HEADER_LEN];
	size_t got = 0;

	while (got < sizeof(header)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, SHUTDOWN_TIMEOUT_MS) <= 0)
			return -ETIMEDOUT;
		n = recv(fd, header + got, sizeof(header) - got, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return 0;
		got += (size_t)n;
	}
	return 0;
}

/* One unary call on fd: method(payload), waiting for its answer. */
static int call(int fd, const struct sg_bootstrap *real, uint32_t stream_id, const char *method,
		const uint8_t *payload, size_t plen)
{
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	struct sg_ttrpc_header h = { .stream_id = stream_id, .type = SG_TTRPC_REQUEST };
	_cleanup_free_ uint8_t *frame = NULL;
	size_t blen;
	int r;

	/* v3 (containerd 2.x) has the same messages under another service name. */
	req.service = (char *)(real->version >= 3 ? "containerd.task.v3.Task"
						  : "containerd.task.v2.Task");
	req.method = (char *)method;
	req.payload.data = (uint8_t *)payload;
	req.payload.len = plen;
	blen = ttrpc__request__get_packed_size(&req);
	frame = malloc(SG_TTRPC_HEADER_LEN + blen);
	if (!frame)
		return -ENOMEM;
	h.length = (uint32_t)blen;
	sg_ttrpc_header_encode(&h, frame);
	(void)ttrpc__request__pack(&req, frame + SG_TTRPC_HEADER_LEN);
	r = send_all(fd, frame, SG_TTRPC_HEADER_LEN + blen);
	return r < 0 ? r : await_answer(fd);
}

int sg_realshim_shutdown(const struct sg_bootstrap *real, const char *id, struct sg_error *err)
{
	Containerd__Task__V2__DeleteRequest dreq = CONTAINERD__TASK__V2__DELETE_REQUEST__INIT;
	Containerd__Task__V2__ShutdownRequest sreq = CONTAINERD__TASK__V2__SHUTDOWN_REQUEST__INIT;
	uint8_t dbuf[SG_LIMIT_ID + 16], sbuf[SG_LIMIT_ID + 16];
	_cleanup_close_ int fd = -1;
	size_t dlen, slen;
	int r;

	if (strlen(id) > SG_LIMIT_ID)
		return sg_error_set(err, -EINVAL, "container id too long");
	dreq.id = sreq.id = (char *)id;
	dlen = containerd__task__v2__delete_request__pack(&dreq, dbuf);
	slen = containerd__task__v2__shutdown_request__pack(&sreq, sbuf);
	fd = sg_unix_connect(real->path);
	if (fd < 0)
		return sg_error_set(err, fd, "cannot reach the real shim at %s: %s", real->path,
				    strerror(-fd));
	/* The real shim forgets a container only on Delete, and Shutdown is a no-op while it
	 * remembers one; the container itself is already gone (the real `delete` ran). */
	r = call(fd, real, 1, "Delete", dbuf, dlen);
	if (r == 0)
		r = call(fd, real, 3, "Shutdown", sbuf, slen);
	if (r < 0)
		return sg_error_set(err, r, "shutdown of the real shim at %s: %s", real->path,
				    strerror(-r));
	return 0;
}
