/* SPDX-License-Identifier: Apache-2.0 */
/* The audit trail: one JSON line per decision, to a file, to syslog, or nowhere. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "cleanup.h"
#include "request.h"

enum audit_kind {
	AUDIT_NONE,
	AUDIT_SYSLOG,
	AUDIT_FILE,
};

struct sg_audit {
	enum audit_kind kind;
	int fd;
	char *path;
	dev_t dev; /* of the file fd writes to: a rotated file is noticed and reopened */
	ino_t ino;
};

/* Opens (or reopens) the trail's file. Not following a symlink: the trail goes where the
 * configuration says. */
static int file_open(struct sg_audit *a, struct sg_error *err)
{
	struct stat st;
	int fd;

	fd = open(a->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;

		if (fd >= 0)
			(void)close(fd);
		return sg_error_set(err, -e, "audit %s: %s", a->path, strerror(e));
	}
	if (a->fd >= 0)
		(void)close(a->fd);
	a->fd = fd;
	a->dev = st.st_dev;
	a->ino = st.st_ino;
	return 0;
}

/* logrotate renames the trail (or removes it) under a running gate: the next line goes to a
 * new file at the configured path, never to the rotated one. */
static int file_follow(struct sg_audit *a, struct sg_error *err)
{
	struct stat st;

	if (stat(a->path, &st) == 0 && st.st_dev == a->dev && st.st_ino == a->ino)
		return 0;
	return file_open(a, err);
}

int sg_audit_open(const char *dest, struct sg_audit **out, struct sg_error *err)
{
	_cleanup_free_ struct sg_audit *a = calloc(1, sizeof(*a));

	if (!a)
		return sg_error_set(err, -ENOMEM, "out of memory");
	a->fd = -1;
	if (strcmp(dest, "none") == 0) {
		a->kind = AUDIT_NONE;
	} else if (strcmp(dest, "syslog") == 0) {
		a->kind = AUDIT_SYSLOG;
		/* syslog's ident and facility are process-wide by nature; the shim has one trail. */
		openlog("shimgate", LOG_PID, LOG_AUTHPRIV);
	} else if (dest[0] == '/') {
		a->kind = AUDIT_FILE;
		a->path = strdup(dest);
		if (!a->path)
			return sg_error_set(err, -ENOMEM, "out of memory");
		if (file_open(a, err) < 0) {
			free(a->path);
			return err ? err->code : -EIO;
		}
	} else {
		return sg_error_set(err, -EINVAL, "audit '%s': not none, syslog or an absolute path",
				    dest);
	}
	*out = steal_pointer(&a);
	return 0;
}

void sg_audit_free(struct sg_audit *audit)
{
	if (!audit)
		return;
	if (audit->kind == AUDIT_SYSLOG)
		closelog();
	if (audit->fd >= 0)
		(void)close(audit->fd); /* nothing is buffered: every line was one write */
	free(audit->path);
	free(audit);
}

static json_t *string_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

static const char *decision_name(const struct sg_decision *d)
{
	if (!d->allowed)
		return "deny";
	return d->audit_only ? "allow-audit-only" : "allow";
}

/* The refused mount, so a query on mount refusals finds its index, destination and source.
 * index counts in its own list: the spec's mounts, or (rootfs true) the Create's rootfs. */
static json_t *mount_object(const struct sg_mount *m)
{
	return json_pack("{s:I, s:b, s:o, s:o, s:o}", "index", (json_int_t)m->index, "rootfs",
			 m->rootfs, "type", string_or_null(m->type), "source",
			 string_or_null(m->source), "destination", string_or_null(m->destination));
}

static json_t *notes_array(const struct sg_request *req)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < req->notes.n; i++)
		if (json_array_append_new(a, json_string(req->notes.v[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

char *sg_audit_format(const struct sg_request *req, const struct sg_decision *d)
{
	json_auto_t *o = json_object();
	json_t *notes = notes_array(req);
	char when[32];
	struct tm tm;
	time_t t = req->now > 0 ? (time_t)req->now : time(NULL);
	enum sg_op op = d->mount ? SG_OP_MOUNT : req->op;
	int bad = 0;

	if (!o || !notes || !gmtime_r(&t, &tm) ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		json_decref(notes);
		return NULL;
	}
	bad |= json_object_set_new(o, "time", json_string(when));
	bad |= json_object_set_new(o, "op", json_string(sg_op_name(op)));
	bad |= json_object_set_new(o, "namespace", string_or_null(req->ns));
	bad |= json_object_set_new(o, "container", string_or_null(req->id));
	if (req->op == SG_OP_EXEC)
		bad |= json_object_set_new(o, "exec_id", string_or_null(req->exec_id));
	if (d->mount)
		bad |= json_object_set_new(o, "mount", mount_object(d->mount));
	bad |= json_object_set_new(o, "key_id", string_or_null(sg_request_key_id(req)));
	/* A create grant is reused until it expires: its end says how long this one is good. */
	if (sg_request_grant_not_after(req))
		bad |= json_object_set_new(o, "grant_not_after",
					   json_integer(sg_request_grant_not_after(req)));
	bad |= json_object_set_new(o, "decision", json_string(decision_name(d)));
	bad |= json_object_set_new(o, "module", string_or_null(d->module));
	bad |= json_object_set_new(o, "where", string_or_null(d->where));
	bad |= json_object_set_new(o, "reason", string_or_null(d->reason));
	/* A refused call is not carried out: the rewrites its stacks computed were not applied,
	 * and are listed as such rather than as changes. */
	if (d->allowed) {
		bad |= json_object_set_new(o, "changes", notes);
	} else {
		bad |= json_object_set_new(o, "changes", json_array());
		bad |= json_object_set_new(o, "not_applied", notes);
	}
	bad |= json_object_set_new(o, "mode", json_string(d->audit_mode ? "audit-only" : "enforce"));
	if (bad)
		return NULL;
	return json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
}

static int write_line(struct sg_audit *a, const char *line, struct sg_error *err)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;
	ssize_t n;

	if (asprintf(&buf, "%s\n", line) < 0) {
		buf = NULL;
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	len = strlen(buf);
	if (file_follow(a, err) < 0)
		return err ? err->code : -EIO;
	/* One write per line: with O_APPEND, concurrent shims never interleave lines. */
	do {
		n = write(a->fd, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return sg_error_set(err, -errno, "audit %s: %s", a->path, strerror(errno));
	if ((size_t)n != len)
		return sg_error_set(err, -EIO, "audit %s: short write", a->path);
	return 0;
}

int sg_audit_record(struct sg_audit *audit, const struct sg_request *req,
		    const struct sg_decision *d, struct sg_error *err)
{
	_cleanup_free_ char *line = NULL;

	if (audit->kind == AUDIT_NONE)
		return 0;
	line = sg_audit_format(req, d);
	if (!line)
		return sg_error_set(err, -ENOMEM, "audit: cannot format the record");
	if (audit->kind == AUDIT_SYSLOG) {
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "%s", line);
		return 0;
	}
	return write_line(audit, line, err);
}
