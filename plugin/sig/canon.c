/* SPDX-License-Identifier: Apache-2.0 */
/* The canonical signing input: length-prefixed fields in a fixed order, nothing optional. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "canon.h"
#include "core/request.h"
#include "token.h"

/* A growing buffer whose old copies are wiped: it holds what the MAC covers. */
struct canon_buf {
	char *p;
	size_t len, cap;
	int err;
};

static void buf_put(struct canon_buf *b, const void *data, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		char *np;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = malloc(cap);
		if (!np) {
			b->err = -ENOMEM;
			return;
		}
		if (b->p) {
			memcpy(np, b->p, b->len);
			OPENSSL_cleanse(b->p, b->cap);
			free(b->p);
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_printf(struct canon_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_printf(struct canon_buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->err = -EOVERFLOW;
		return;
	}
	buf_put(b, tmp, (size_t)n);
}

/* "<len>:<bytes>" then a newline: the length makes any byte inside the value harmless. */
static void put_value(struct canon_buf *b, const char *v)
{
	size_t n = strlen(v);

	buf_printf(b, "%zu:", n);
	buf_put(b, v, n);
	buf_put(b, "\n", 1);
}

static void put_scalar(struct canon_buf *b, const char *name, const char *v)
{
	buf_printf(b, "%s ", name);
	if (v)
		put_value(b, v);
	else
		buf_put(b, "-\n", 2);
}

static void put_u64(struct canon_buf *b, const char *name, uint64_t v)
{
	char num[24];

	(void)snprintf(num, sizeof(num), "%" PRIu64, v);
	put_scalar(b, name, num);
}

static void put_list(struct canon_buf *b, const char *name, const struct sg_strv *sv)
{
	if (!sv->present) {
		buf_printf(b, "%s -\n", name);
		return;
	}
	buf_printf(b, "%s *%zu\n", name, sv->n);
	for (size_t i = 0; i < sv->n; i++)
		put_value(b, sv->v[i]);
}

static void put_user(struct canon_buf *b, const struct sg_user *u)
{
	put_u64(b, "uid", u->uid);
	put_u64(b, "gid", u->gid);
	if (!u->additional_gids_present) {
		buf_printf(b, "additional-gids -\n");
		return;
	}
	buf_printf(b, "additional-gids *%zu\n", u->n_additional_gids);
	for (size_t i = 0; i < u->n_additional_gids; i++) {
		char num[16];

		(void)snprintf(num, sizeof(num), "%" PRIu32, u->additional_gids[i]);
		put_value(b, num);
	}
}

/* The exec's env minus the container's own: what the caller adds is what it must sign. */
static int exec_env(const struct sg_request *req, struct sg_strv *out, struct sg_error *err)
{
	int r;

	/* Always a list: a process with no env key and one with an empty env run alike, and
	 * a token carried as the only env entry leaves the latter once it is stripped. */
	out->present = true;
	for (size_t i = 0; i < req->proc.env.n; i++) {
		if (sg_strv_contains(&req->base_env, req->proc.env.v[i]))
			continue;
		r = sg_strv_push(out, req->proc.env.v[i], SG_LIMIT_ENVC, err);
		if (r < 0)
			return r;
	}
	return 0;
}

bool sg_mount_is_host(const struct sg_mount *m)
{
	if (m->type && strcmp(m->type, "bind") == 0)
		return true;
	return sg_strv_contains(&m->options, "bind") || sg_strv_contains(&m->options, "rbind");
}

static void put_mounts(struct canon_buf *b, const struct sg_request *req)
{
	size_t n = 0;

	for (size_t i = 0; i < req->n_mounts; i++)
		if (!req->mounts[i].rootfs && sg_mount_is_host(&req->mounts[i]))
			n++;
	buf_printf(b, "mounts *%zu\n", n);
	for (size_t i = 0; i < req->n_mounts; i++) {
		const struct sg_mount *m = &req->mounts[i];

		if (m->rootfs || !sg_mount_is_host(m))
			continue;
		put_scalar(b, "type", m->type);
		put_scalar(b, "source", m->source);
		put_scalar(b, "destination", m->destination);
		put_list(b, "options", &m->options);
	}
}

void sg_canon_free(char *buf, size_t len)
{
	if (!buf)
		return;
	OPENSSL_cleanse(buf, len);
	free(buf);
}

int sg_canon_build(const struct sg_request *req, const struct sg_canon_params *p, char **out,
		   size_t *len, struct sg_error *err)
{
	struct canon_buf b = { 0 };
	struct sg_strv env = { 0 };
	char ts[24];
	int r;

	if (req->op != SG_OP_EXEC && req->op != SG_OP_CREATE)
		return sg_error_set(err, -EINVAL, "operation '%s' has no signing input of its own",
				    sg_op_name(req->op));
	if (sg_key_id_valid(p->key_id) < 0)
		return sg_error_set(err, -EINVAL, "invalid key id");
	if (p->timestamp < 0 || p->timestamp > SG_TOKEN_TS_MAX)
		return sg_error_set(err, -EINVAL, "timestamp out of range");
	if (sg_nonce_valid(p->nonce) < 0)
		return sg_error_set(err, -EINVAL, "nonce is not %u lowercase hex characters",
				    SG_NONCE_HEX);
	(void)snprintf(ts, sizeof(ts), "%" PRId64, p->timestamp);

	buf_put(&b, SG_CANON_MAGIC "\n", strlen(SG_CANON_MAGIC) + 1);
	put_scalar(&b, "op", sg_op_name(req->op));
	put_scalar(&b, "namespace", req->ns);
	put_scalar(&b, "container", req->id);
	put_scalar(&b, "key-id", p->key_id);
	put_scalar(&b, "timestamp", ts);
	put_scalar(&b, "nonce", p->nonce);
	if (req->op == SG_OP_EXEC)
		put_scalar(&b, "exec-id", p->bind_exec_id ? req->exec_id : NULL);
	put_list(&b, "args", &req->proc.args);
	put_scalar(&b, "cwd", req->proc.cwd);
	put_user(&b, &req->proc.user);
	put_scalar(&b, "terminal", req->proc.terminal ? "true" : "false");
	if (req->op == SG_OP_EXEC) {
		r = exec_env(req, &env, err);
		if (r < 0) {
			sg_strv_clear(&env);
			sg_canon_free(b.p, b.cap);
			return r;
		}
		put_list(&b, "env", &env);
		sg_strv_clear(&env);
	} else {
		put_list(&b, "env", &req->proc.env);
		put_mounts(&b, req);
	}
	if (b.err) {
		sg_canon_free(b.p, b.cap);
		return sg_error_set(err, b.err, "cannot build the signing input: %s",
				    strerror(-b.err));
	}
	*out = b.p;
	*len = b.len;
	return 0;
}
