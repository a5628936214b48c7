/* SPDX-License-Identifier: Apache-2.0 */
/* The canonical signing input (versions 1 and 2): length-prefixed fields in a fixed order,
 * nothing optional; and the non-secret "what differs" view of it. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "canon.h"
#include "core/request.h"
#include "core/strutil.h"
#include "digest.h"
#include "grant.h"
#include "token.h"

/* A growing buffer whose old copies are wiped: it holds what the MAC covers. */
struct canon_buf {
	char *p;
	size_t len, cap;
	int err;
	/* A grant (version 3): its fields, and the ids written as marks in every value. */
	const struct sg_grant_fields *grant;
	const char *id, *sandbox_id;
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

/* The signing input is built on every decision: strings and counts go in without printf. */
static void buf_str(struct canon_buf *b, const char *s)
{
	buf_put(b, s, strlen(s));
}

static void buf_num(struct canon_buf *b, uint64_t v)
{
	char num[SG_U64_DEC_MAX + 1];

	buf_put(b, num, sg_u64_dec(v, num));
}

/* "<name> *<n>\n": a list of n entries follows. */
static void buf_count(struct canon_buf *b, const char *name, size_t n)
{
	buf_str(b, name);
	buf_put(b, " *", 2);
	buf_num(b, n);
	buf_put(b, "\n", 1);
}

/* "<len>:<bytes>" then a newline: the length makes any byte inside the value harmless. */
static void put_value(struct canon_buf *b, const char *v)
{
	char *marked = NULL;
	size_t n;

	if (b->grant) {
		marked = sg_grant_subst(v, b->id, b->sandbox_id);
		if (!marked) {
			b->err = -ENOMEM;
			return;
		}
		v = marked;
	}
	n = strlen(v);
	buf_num(b, n);
	buf_put(b, ":", 1);
	buf_put(b, v, n);
	buf_put(b, "\n", 1);
	if (marked)
		sg_canon_free(marked, n);
}

static void put_scalar(struct canon_buf *b, const char *name, const char *v)
{
	buf_str(b, name);
	buf_put(b, " ", 1);
	if (v)
		put_value(b, v);
	else
		buf_put(b, "-\n", 2);
}

static void put_u64(struct canon_buf *b, const char *name, uint64_t v)
{
	char num[SG_U64_DEC_MAX + 1];

	(void)sg_u64_dec(v, num);
	put_scalar(b, name, num);
}

static void put_list(struct canon_buf *b, const char *name, const struct sg_strv *sv)
{
	if (!sv->present) {
		buf_str(b, name);
		buf_put(b, " -\n", 3);
		return;
	}
	buf_count(b, name, sv->n);
	for (size_t i = 0; i < sv->n; i++)
		put_value(b, sv->v[i]);
}

/* Version 1: the additional gids as sent, absent and empty apart. */
static void put_user_v1(struct canon_buf *b, const struct sg_user *u)
{
	put_u64(b, "uid", u->uid);
	put_u64(b, "gid", u->gid);
	if (!u->additional_gids_present) {
		buf_str(b, "additional-gids -\n");
		return;
	}
	buf_count(b, "additional-gids", u->n_additional_gids);
	for (size_t i = 0; i < u->n_additional_gids; i++) {
		char num[SG_U64_DEC_MAX + 1];

		(void)sg_u64_dec(u->additional_gids[i], num);
		put_value(b, num);
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* u's supplementary groups as a set: sorted, each once, without primary (the exec's primary
 * gid: Docker's `-u U:G` adds G, and a process holds its primary gid anyway). out has
 * SG_LIMIT_GIDS slots. */
static size_t gid_set(const struct sg_user *u, uint32_t primary, uint32_t *out)
{
	size_t n = 0, m = 0;

	for (size_t i = 0; i < u->n_additional_gids && n < SG_LIMIT_GIDS; i++)
		if (u->additional_gids[i] != primary)
			out[n++] = u->additional_gids[i];
	qsort(out, n, sizeof(*out), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (m == 0 || out[m - 1] != out[i])
			out[m++] = out[i];
	return m;
}

/* The exec's groups are the container's: equal sets once the exec's primary gid is left out
 * of both (ctr --user U:G keeps the container's list whatever G is). */
static bool same_gid_set(const struct sg_user *exec, const struct sg_user *container)
{
	uint32_t sa[SG_LIMIT_GIDS], sb[SG_LIMIT_GIDS];
	size_t na = gid_set(exec, exec->gid, sa), nb = gid_set(container, exec->gid, sb);

	return na == nb && memcmp(sa, sb, na * sizeof(*sa)) == 0;
}

#define REL_MARK "=container"

static void put_rel(struct canon_buf *b, const char *name)
{
	buf_str(b, name);
	buf_str(b, " " REL_MARK "\n");
}

/* Version 2: each of uid, gid, groups either the container's own or the value; groups as a
 * set. */
static void put_user_v2(struct canon_buf *b, const struct sg_user *u, unsigned rel)
{
	uint32_t set[SG_LIMIT_GIDS];
	size_t n;

	if (rel & SG_REL_UID)
		put_rel(b, "uid");
	else
		put_u64(b, "uid", u->uid);
	if (rel & SG_REL_GID)
		put_rel(b, "gid");
	else
		put_u64(b, "gid", u->gid);
	if (rel & SG_REL_GROUPS) {
		put_rel(b, "groups");
		return;
	}
	n = gid_set(u, u->gid, set);
	buf_count(b, "groups", n);
	for (size_t i = 0; i < n; i++) {
		char num[SG_U64_DEC_MAX + 1];

		(void)sg_u64_dec(set[i], num);
		put_value(b, num);
	}
}

/* Version 2: a terminal exec may carry TERM=xterm unsigned, since Docker (-t) and the CRI
 * plugin (kubectl exec -t) add it and ctr does not; it only names the terminal type. */
static bool term_implied(const struct sg_request *req, const struct sg_canon_params *p,
			 const char *entry)
{
	return p->version == 2 && req->proc.terminal && strcmp(entry, "TERM=xterm") == 0;
}

/* The exec's env minus the container's own: what the caller adds is what it must sign. */
static int exec_env(const struct sg_request *req, const struct sg_canon_params *p,
		    struct sg_strv *out, struct sg_error *err)
{
	int r;

	/* Always a list: a process with no env key and one with an empty env run alike, and
	 * a token carried as the only env entry leaves the latter once it is stripped. */
	out->present = true;
	for (size_t i = 0; i < req->proc.env.n; i++) {
		if (sg_strv_contains(&req->base_env, req->proc.env.v[i]) ||
		    term_implied(req, p, req->proc.env.v[i]))
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
	buf_count(b, "mounts", n);
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

/* The groups of fields the "what differs" view digests, and the signing input's order. */
enum canon_group {
	G_TARGET,   /* op, namespace, container */
	G_ARGS,
	G_CWD,
	G_USER,     /* uid, gid, groups */
	G_TERMINAL,
	G_ENV,
	G_MOUNTS,   /* create */
	G_HOSTNS,   /* grant: host namespaces */
	G_DEVICES,  /* grant: devices and device cgroup allow rules */
	G_CAPS,     /* grant: capabilities */
	G_HOOKS,    /* grant: hooks */
	G_COUNT,
};
#define G_GRANT_FIRST G_HOSTNS

static const char *const group_names[G_COUNT] = {
	"target", "args", "cwd", "user", "terminal", "env", "mounts",
	"hostns", "devices", "caps", "hooks",
};

static void put_hooks(struct canon_buf *b, const struct sg_grant_fields *g)
{
	buf_count(b, "hooks", g->n_hooks);
	for (size_t i = 0; i < g->n_hooks; i++) {
		put_scalar(b, "stage", g->hooks[i].stage);
		put_scalar(b, "path", g->hooks[i].path);
		put_list(b, "args", &g->hooks[i].args);
	}
}

/* The grant's target: the orchestrator identity instead of the container id. */
static void put_grant_target(struct canon_buf *b, const struct sg_request *req)
{
	const struct sg_grant_fields *g = b->grant;

	put_scalar(b, "op", sg_op_name(req->op));
	put_scalar(b, "namespace", req->ns);
	put_scalar(b, "identity", g->k8s ? "kubernetes" : "content");
	put_scalar(b, "pod-namespace", g->pod_ns);
	put_scalar(b, "pod-name", g->pod_name);
	put_scalar(b, "container-name", g->container_name);
	put_scalar(b, "container-type", g->container_type);
}

/* Writes one group's lines. The exec id and the token's own fields belong to no group. */
static int put_group(struct canon_buf *b, const struct sg_request *req,
		     const struct sg_canon_params *p, enum canon_group g, struct sg_error *err)
{
	struct sg_strv env = { 0 };
	int r;

	switch (g) {
	case G_TARGET:
		if (b->grant) {
			put_grant_target(b, req);
			break;
		}
		put_scalar(b, "op", sg_op_name(req->op));
		put_scalar(b, "namespace", req->ns);
		put_scalar(b, "container", req->id);
		break;
	case G_ARGS:
		put_list(b, "args", &req->proc.args);
		break;
	case G_CWD:
		if (p->rel & SG_REL_CWD)
			put_rel(b, "cwd");
		else
			put_scalar(b, "cwd", req->proc.cwd);
		break;
	case G_USER:
		if (p->version == 2)
			put_user_v2(b, &req->proc.user, p->rel);
		else
			put_user_v1(b, &req->proc.user);
		break;
	case G_TERMINAL:
		put_scalar(b, "terminal", req->proc.terminal ? "true" : "false");
		break;
	case G_ENV:
		if (req->op != SG_OP_EXEC) {
			put_list(b, "env", &req->proc.env);
			break;
		}
		r = exec_env(req, p, &env, err);
		if (r == 0)
			put_list(b, "env", &env);
		sg_strv_clear(&env);
		return r;
	case G_MOUNTS:
		if (req->op == SG_OP_CREATE)
			put_mounts(b, req);
		break;
	case G_HOSTNS:
		if (b->grant)
			put_list(b, "host-namespaces", &b->grant->host_ns);
		break;
	case G_DEVICES:
		if (b->grant) {
			put_list(b, "devices", &b->grant->devices);
			put_list(b, "device-rules", &b->grant->device_rules);
		}
		break;
	case G_CAPS:
		if (b->grant)
			put_list(b, "capabilities", &b->grant->caps);
		break;
	case G_HOOKS:
		if (b->grant)
			put_hooks(b, b->grant);
		break;
	case G_COUNT:
		break;
	}
	return 0;
}

static int check_params(const struct sg_request *req, const struct sg_canon_params *p,
			struct sg_error *err)
{
	if (req->op != SG_OP_EXEC && req->op != SG_OP_CREATE)
		return sg_error_set(err, -EINVAL, "operation '%s' has no signing input of its own",
				    sg_op_name(req->op));
	if (p->version > 3)
		return sg_error_set(err, -EINVAL, "signature version %u is not 1, 2 or 3", p->version);
	if (p->version == 3 && req->op != SG_OP_CREATE)
		return sg_error_set(err, -EINVAL, "a version 3 signature is a create grant, not for '%s'",
				    sg_op_name(req->op));
	if (p->version == 3 && !req->doc)
		return sg_error_set(err, -EINVAL, "a grant needs the create's config.json");
	if (p->version == 2 && req->op != SG_OP_EXEC)
		return sg_error_set(err, -EINVAL,
				    "a version 2 (container-relative) signature signs an exec, not a %s",
				    sg_op_name(req->op));
	if ((p->rel & ~(unsigned)SG_REL_ALL) || (p->version != 2 && p->rel))
		return sg_error_set(err, -EINVAL, "container-relative fields need version 2");
	if (sg_key_id_valid(p->key_id) < 0)
		return sg_error_set(err, -EINVAL, "invalid key id");
	if (p->timestamp < 0 || p->timestamp > SG_TOKEN_TS_MAX)
		return sg_error_set(err, -EINVAL, "timestamp out of range");
	if (p->version != 3 && sg_nonce_valid(p->nonce) < 0)
		return sg_error_set(err, -EINVAL, "nonce is not %u lowercase hex characters",
				    SG_NONCE_HEX);
	return 0;
}

static int buf_done(struct canon_buf *b, char **out, size_t *len, struct sg_error *err)
{
	if (b->err) {
		int code = b->err;

		sg_canon_free(b->p, b->cap);
		return sg_error_set(err, code, "cannot build the signing input: %s", strerror(-code));
	}
	*out = b->p;
	*len = b->len;
	return 0;
}

/* A grant's own lines (section 8): identity for the target, not-after for the time, no nonce. */
static int grant_build(const struct sg_request *req, const struct sg_canon_params *p,
		       struct canon_buf *b, struct sg_error *err)
{
	char ts[24];
	int r;

	(void)snprintf(ts, sizeof(ts), "%" PRId64, p->timestamp);
	buf_put(b, SG_CANON_MAGIC_V3 "\n", strlen(SG_CANON_MAGIC_V3) + 1);
	(void)put_group(b, req, p, G_TARGET, err);
	put_scalar(b, "key-id", p->key_id);
	put_scalar(b, "not-after", ts);
	for (int g = G_ARGS; g < G_COUNT; g++) {
		r = put_group(b, req, p, (enum canon_group)g, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Fills b's grant context from req; the caller clears g. */
static int grant_begin(const struct sg_request *req, struct canon_buf *b,
		       struct sg_grant_fields *g, struct sg_error *err)
{
	int r = sg_grant_fields_read(req, g, err);

	if (r < 0)
		return r;
	b->grant = g;
	b->id = req->id;
	b->sandbox_id = g->sandbox_id;
	return 0;
}

int sg_canon_build(const struct sg_request *req, const struct sg_canon_params *p, char **out,
		   size_t *len, struct sg_error *err)
{
	struct canon_buf b = { 0 };
	struct sg_grant_fields grant;
	char ts[24], rel[SG_REL_MAX + 1];
	int r;

	r = check_params(req, p, err);
	if (r < 0)
		return r;
	if (p->version == 3) {
		r = grant_begin(req, &b, &grant, err);
		if (r == 0)
			r = grant_build(req, p, &b, err);
		sg_grant_fields_clear(&grant);
		if (r < 0) {
			sg_canon_free(b.p, b.cap);
			return r;
		}
		return buf_done(&b, out, len, err);
	}
	(void)snprintf(ts, sizeof(ts), "%" PRId64, p->timestamp);

	if (p->version == 2)
		buf_put(&b, SG_CANON_MAGIC_V2 "\n", strlen(SG_CANON_MAGIC_V2) + 1);
	else
		buf_put(&b, SG_CANON_MAGIC "\n", strlen(SG_CANON_MAGIC) + 1);
	(void)put_group(&b, req, p, G_TARGET, err);
	put_scalar(&b, "key-id", p->key_id);
	put_scalar(&b, "timestamp", ts);
	put_scalar(&b, "nonce", p->nonce);
	if (p->version == 2) {
		sg_rel_format(p->rel, rel);
		put_scalar(&b, "binding", rel);
	}
	if (req->op == SG_OP_EXEC)
		put_scalar(&b, "exec-id", p->bind_exec_id ? req->exec_id : NULL);
	for (int g = G_ARGS; g < G_GRANT_FIRST; g++) {
		r = put_group(&b, req, p, (enum canon_group)g, err);
		if (r < 0) {
			sg_canon_free(b.p, b.cap);
			return r;
		}
	}
	return buf_done(&b, out, len, err);
}

int sg_canon_rel_check(const struct sg_request *req, unsigned rel, struct sg_error *err)
{
	const struct sg_user *u = &req->proc.user, *c = &req->container_user;
	const char *cwd = req->proc.cwd ? req->proc.cwd : "";

	if (!rel)
		return 0;
	if (!req->container_proc_known)
		return sg_error_set(err, -ENOENT,
				    "the container's config.json is unknown, so the fields signed as the container's own cannot be checked");
	if ((rel & SG_REL_UID) && u->uid != c->uid)
		return sg_error_set(err, -EPERM,
				    "user: uid %" PRIu32 " is not the container's own %" PRIu32
				    " (signed as the container's own)", u->uid, c->uid);
	if ((rel & SG_REL_GID) && u->gid != c->gid)
		return sg_error_set(err, -EPERM,
				    "user: gid %" PRIu32 " is not the container's own %" PRIu32
				    " (signed as the container's own)", u->gid, c->gid);
	if ((rel & SG_REL_GROUPS) && !same_gid_set(u, c))
		return sg_error_set(err, -EPERM,
				    "groups: the supplementary groups are not the container's own (signed as the container's own)");
	if ((rel & SG_REL_CWD) && strcmp(cwd, req->container_cwd ? req->container_cwd : "") != 0)
		return sg_error_set(err, -EPERM, "cwd: '%.64s' is not the container's own '%.64s' (signed as the container's own)",
				    cwd, req->container_cwd ? req->container_cwd : "");
	return 0;
}

/* A bounded appender for the view: it never overflows and ends in "..." when cut. */
struct view_buf {
	char *p;
	size_t size, len;
};

static void view_printf(struct view_buf *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void view_printf(struct view_buf *v, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (v->len + 1 >= v->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(v->p + v->len, v->size - v->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= v->size - v->len) {
		v->len = v->size - 1;
		if (v->size > 4)
			memcpy(v->p + v->size - 4, "...", 4);
		return;
	}
	v->len += (size_t)n;
}

/* u's groups as sent, or (as_set) as the set without primary. */
static void view_gids(struct view_buf *v, const struct sg_user *u, bool as_set, uint32_t primary)
{
	uint32_t set[SG_LIMIT_GIDS];
	const uint32_t *g = u->additional_gids;
	size_t n = u->n_additional_gids;

	if (!as_set && !u->additional_gids_present) {
		view_printf(v, "-");
		return;
	}
	if (as_set) {
		n = gid_set(u, primary, set);
		g = set;
	}
	view_printf(v, "[");
	for (size_t i = 0; i < n; i++)
		view_printf(v, "%s%" PRIu32, i ? "," : "", g[i]);
	view_printf(v, "]");
}

/* One number field: the value, "@" for the container's own (with the container's value
 * when known), or "VALUE!=@CONTAINER" when the exec differs from it. */
static void view_id(struct view_buf *v, const struct sg_request *req, const char *name,
		    uint32_t mine, uint32_t theirs, bool rel)
{
	if (!rel)
		view_printf(v, " %s=%" PRIu32, name, mine);
	else if (!req->container_proc_known)
		view_printf(v, " %s=@", name);
	else if (mine == theirs)
		view_printf(v, " %s=@%" PRIu32, name, theirs);
	else
		view_printf(v, " %s=%" PRIu32 "!=@%" PRIu32, name, mine, theirs);
}

static void view_user(struct view_buf *v, const struct sg_request *req, unsigned version,
		      unsigned rel)
{
	const struct sg_user *u = &req->proc.user, *c = &req->container_user;

	view_id(v, req, "uid", u->uid, c->uid, rel & SG_REL_UID);
	view_id(v, req, "gid", u->gid, c->gid, rel & SG_REL_GID);
	view_printf(v, " groups=");
	if (!(rel & SG_REL_GROUPS)) {
		view_gids(v, u, version == 2, u->gid);
		return;
	}
	if (!req->container_proc_known) {
		view_printf(v, "@");
		return;
	}
	if (!same_gid_set(u, c))
		view_gids(v, u, true, u->gid);
	view_printf(v, same_gid_set(u, c) ? "@" : "!=@");
	view_gids(v, c, true, u->gid);
}

static void view_cwd(struct view_buf *v, const struct sg_request *req, unsigned rel)
{
	const char *cwd = req->proc.cwd ? req->proc.cwd : "-";
	const char *theirs = req->container_cwd ? req->container_cwd : "";

	if (!(rel & SG_REL_CWD))
		view_printf(v, " cwd=%.48s", cwd);
	else if (!req->container_proc_known)
		view_printf(v, " cwd=@");
	else if (strcmp(cwd, theirs) == 0)
		view_printf(v, " cwd=@%.48s", theirs);
	else
		view_printf(v, " cwd=%.48s!=@%.48s", cwd, theirs);
}

/* The names (never the values) of the env entries that are signed. */
static void view_env(struct view_buf *v, const struct sg_request *req,
		     const struct sg_canon_params *p)
{
	struct sg_strv env = { 0 };
	const struct sg_strv *list = &env;

	if (req->op == SG_OP_EXEC) {
		if (exec_env(req, p, &env, NULL) < 0) {
			sg_strv_clear(&env);
			view_printf(v, " env+=?");
			return;
		}
	} else {
		list = &req->proc.env;
	}
	view_printf(v, req->op == SG_OP_EXEC ? " env+=" : " env=");
	if (!list->present) {
		view_printf(v, "-");
	} else {
		view_printf(v, "[");
		for (size_t i = 0; i < list->n; i++) {
			const char *eq = strchr(list->v[i], '=');
			int n = eq ? (int)(eq - list->v[i]) : (int)strlen(list->v[i]);

			view_printf(v, "%s%.*s", i ? "," : "", n > 32 ? 32 : n, list->v[i]);
		}
		view_printf(v, "]");
	}
	sg_strv_clear(&env);
}

/* The first 8 hex digits of SHA-256 over one group's lines; "????????" if it cannot be
 * built. */
static void view_digest(struct view_buf *v, const struct sg_request *req,
			const struct sg_canon_params *p, const struct canon_buf *ctx,
			enum canon_group g)
{
	struct canon_buf b = { .grant = ctx->grant, .id = ctx->id, .sandbox_id = ctx->sandbox_id };
	uint8_t md[SG_SHA256_LEN];
	char hex[9];

	if (put_group(&b, req, p, g, NULL) < 0 || b.err) {
		view_printf(v, " %s=????????", group_names[g]);
	} else {
		/* sig/digest.c, as every other hash in the gate: no EVP provider start-up */
		sg_sha256(b.p ? b.p : "", b.len, NULL, 0, md);
		sg_hex_encode(md, 4, hex);
		view_printf(v, " %s=%s", group_names[g], hex);
	}
	sg_canon_free(b.p, b.cap);
}

/* A grant's identity, so a refusal shows which pod and container the gate saw. */
static void view_identity(struct view_buf *v, const struct sg_grant_fields *g)
{
	if (!g->k8s) {
		view_printf(v, " identity=content");
		return;
	}
	view_printf(v, " pod=%.63s/%.63s container=%.63s type=%.16s", g->pod_ns ? g->pod_ns : "-",
		    g->pod_name ? g->pod_name : "-", g->container_name ? g->container_name : "-",
		    g->container_type);
}

void sg_canon_view(const struct sg_request *req, const struct sg_canon_params *p, bool full,
		   char *buf, size_t size)
{
	struct view_buf v = { .p = buf, .size = size };
	struct canon_buf ctx = { 0 };
	struct sg_grant_fields grant = { 0 };
	char rel[SG_REL_MAX + 1];
	int last = p->version == 3 ? G_COUNT : G_GRANT_FIRST;

	if (!size)
		return;
	buf[0] = '\0';
	if (check_params(req, p, NULL) < 0 ||
	    (p->version == 3 && grant_begin(req, &ctx, &grant, NULL) < 0)) {
		view_printf(&v, "no signing input for this request and token");
		return;
	}
	sg_rel_format(p->rel, rel);
	if (full)
		view_printf(&v, "v%u binding=%s ns=%s id=%s exec-id=%s",
			    p->version ? p->version : 1, rel, req->ns, req->id,
			    req->exec_id ? req->exec_id : "-");
	else
		view_printf(&v, "v%u", p->version ? p->version : 1);
	if (ctx.grant)
		view_identity(&v, ctx.grant);
	view_user(&v, req, p->version, p->rel);
	view_cwd(&v, req, p->rel);
	view_printf(&v, " terminal=%s", req->proc.terminal ? "true" : "false");
	/* A pod's env can hold dozens of service variables: a grant's view counts them, so the
	 * digests still fit a client's error line. */
	if (p->version == 3)
		view_printf(&v, " envc=%zu", req->proc.env.n);
	else
		view_env(&v, req, p);
	view_printf(&v, " argc=%zu; sha256/8:", req->proc.args.n);
	for (int g = G_TARGET; g < last; g++) {
		if (g == G_TERMINAL || (g == G_MOUNTS && req->op != SG_OP_CREATE))
			continue;
		view_digest(&v, req, p, &ctx, (enum canon_group)g);
	}
	sg_grant_fields_clear(&grant);
}
