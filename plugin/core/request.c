/* SPDX-License-Identifier: Apache-2.0 */
/* The request model: allocation, ownership, and the accessors modules read it through. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "cleanup.h"
#include "request.h"

static const char *const op_names[SG_OP_COUNT] = {
	[SG_OP_CREATE] = "create",
	[SG_OP_MOUNT] = "mount",
	[SG_OP_EXEC] = "exec",
};

static const char *const verdict_names[SG_VERDICT_COUNT] = {
	[SG_VERDICT_SUCCESS] = "success",
	[SG_VERDICT_DENY] = "deny",
	[SG_VERDICT_UNSIGNED] = "unsigned",
	[SG_VERDICT_IGNORE] = "ignore",
	[SG_VERDICT_ERROR] = "error",
};

static const char *const capset_names[SG_CAPSET_COUNT] = {
	[SG_CAPSET_BOUNDING] = "bounding",
	[SG_CAPSET_EFFECTIVE] = "effective",
	[SG_CAPSET_INHERITABLE] = "inheritable",
	[SG_CAPSET_PERMITTED] = "permitted",
	[SG_CAPSET_AMBIENT] = "ambient",
};

const char *sg_op_name(enum sg_op op)
{
	return (unsigned)op < SG_OP_COUNT ? op_names[op] : "?";
}

int sg_op_parse(const char *name, enum sg_op *op)
{
	for (unsigned i = 0; i < SG_OP_COUNT; i++) {
		if (strcmp(name, op_names[i]) == 0) {
			*op = (enum sg_op)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sg_verdict_name(enum sg_verdict v)
{
	return (unsigned)v < SG_VERDICT_COUNT ? verdict_names[v] : "error";
}

int sg_verdict_parse(const char *name, enum sg_verdict *v)
{
	for (unsigned i = 0; i < SG_VERDICT_COUNT; i++) {
		if (strcmp(name, verdict_names[i]) == 0) {
			*v = (enum sg_verdict)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sg_capset_name(enum sg_capset set)
{
	return (unsigned)set < SG_CAPSET_COUNT ? capset_names[set] : "?";
}

bool sg_id_valid(const char *s, size_t max)
{
	size_t n;

	if (!s)
		return false;
	n = strnlen(s, max + 1);
	if (n == 0 || n > max)
		return false;
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	return strchr(s, '/') == NULL;
}

void sg_strv_clear(struct sg_strv *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	sv->v = NULL;
	sv->n = 0;
	sv->present = false;
}

int sg_strv_push(struct sg_strv *sv, const char *s, size_t max, struct sg_error *err)
{
	char **nv;
	char *copy;

	if (sv->n >= max)
		return sg_error_set(err, -E2BIG, "more than %zu entries", max);
	if (strnlen(s, SG_LIMIT_STRING + 1) > SG_LIMIT_STRING)
		return sg_error_set(err, -E2BIG, "entry longer than %u bytes", SG_LIMIT_STRING);
	copy = strdup(s);
	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	nv = realloc(sv->v, (sv->n + 1) * sizeof(*nv));
	if (!nv) {
		free(copy);
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	nv[sv->n++] = copy;
	sv->v = nv;
	sv->present = true;
	return 0;
}

void sg_strv_remove(struct sg_strv *sv, size_t i)
{
	if (i >= sv->n)
		return;
	free(sv->v[i]);
	memmove(&sv->v[i], &sv->v[i + 1], (sv->n - i - 1) * sizeof(*sv->v));
	sv->n--;
}

int sg_strv_copy(struct sg_strv *dst, const struct sg_strv *src, struct sg_error *err)
{
	int r;

	sg_strv_clear(dst);
	for (size_t i = 0; i < src->n; i++) {
		r = sg_strv_push(dst, src->v[i], src->n, err);
		if (r < 0) {
			sg_strv_clear(dst);
			return r;
		}
	}
	dst->present = src->present;
	return 0;
}

int sg_strv_push_list(struct sg_strv *sv, const char *arg, const char *value, size_t max,
		      struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (!*value || value[0] == ',' || value[strlen(value) - 1] == ',' || strstr(value, ",,"))
		return sg_error_set(err, -EINVAL, "argument '%s': empty list item", arg);
	for (char *p = strtok_r(copy, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		int r = sg_strv_push(sv, p, max, err);

		if (r < 0)
			return sg_error_prefix(err, "argument '%s'", arg);
	}
	return 0;
}

bool sg_strv_contains(const struct sg_strv *sv, const char *s)
{
	for (size_t i = 0; i < sv->n; i++)
		if (strcmp(sv->v[i], s) == 0)
			return true;
	return false;
}

void sg_user_clear(struct sg_user *u)
{
	free(u->additional_gids);
	free(u->username);
	memset(u, 0, sizeof(*u));
}

void sg_process_clear(struct sg_process *p)
{
	sg_strv_clear(&p->args);
	sg_strv_clear(&p->env);
	free(p->cwd);
	sg_user_clear(&p->user);
	memset(p, 0, sizeof(*p));
}

void sg_mount_clear(struct sg_mount *m)
{
	free(m->type);
	free(m->source);
	free(m->destination);
	sg_strv_clear(&m->options);
	memset(m, 0, sizeof(*m));
}

int sg_request_new(enum sg_op op, const char *ns, const char *id, struct sg_request **out,
		   struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;

	if ((unsigned)op >= SG_OP_COUNT)
		return sg_error_set(err, -EINVAL, "unknown operation %d", (int)op);
	if (!sg_id_valid(ns, SG_LIMIT_ID))
		return sg_error_set(err, -EINVAL, "namespace is empty, too long or not a plain name");
	if (!sg_id_valid(id, SG_LIMIT_ID))
		return sg_error_set(err, -EINVAL, "container id is empty, too long or not a plain name");
	req = calloc(1, sizeof(*req));
	if (!req)
		return sg_error_set(err, -ENOMEM, "out of memory");
	req->op = op;
	req->ns = strdup(ns);
	req->id = strdup(id);
	if (!req->ns || !req->id)
		return sg_error_set(err, -ENOMEM, "out of memory");
	*out = steal_pointer(&req);
	return 0;
}

void sg_request_drop_token(struct sg_request *req)
{
	if (!req->token)
		return;
	OPENSSL_cleanse(req->token, strlen(req->token));
	free(req->token);
	req->token = NULL;
}

void sg_request_free(struct sg_request *req)
{
	if (!req)
		return;
	sg_request_drop_token(req);
	free(req->ns);
	free(req->id);
	free(req->exec_id);
	free(req->bundle);
	sg_process_clear(&req->proc);
	sg_strv_clear(&req->base_env);
	sg_user_clear(&req->container_user);
	free(req->container_cwd);
	free(req->sig_view);
	for (size_t i = 0; i < req->n_mounts; i++)
		sg_mount_clear(&req->mounts[i]);
	free(req->mounts);
	json_decref(req->doc);
	json_decref(req->container_doc);
	json_decref(req->seccomp);
	free(req->seccomp_text);
	for (size_t i = 0; i < SG_STDIO_COUNT; i++)
		free(req->stdio[i]);
	sg_strv_clear(&req->notes);
	for (size_t i = 0; i < req->n_held_fds; i++)
		(void)close(req->held_fds[i]);
	free(req);
}

int sg_request_hold_fd(struct sg_request *req, int fd, struct sg_error *err)
{
	if (req->n_held_fds == SG_LIMIT_HELD_FDS) {
		(void)close(fd);
		return sg_error_set(err, -E2BIG, "more than %u descriptors held for one request",
				    SG_LIMIT_HELD_FDS);
	}
	req->held_fds[req->n_held_fds++] = fd;
	return 0;
}

size_t sg_request_take_fds(struct sg_request *req, int fds[SG_LIMIT_HELD_FDS])
{
	size_t n = req->n_held_fds;

	memcpy(fds, req->held_fds, n * sizeof(*fds));
	req->n_held_fds = 0;
	return n;
}

int sg_request_set_stdio(struct sg_request *req, const char *const stdio[SG_STDIO_COUNT],
			 struct sg_error *err)
{
	static const char *const names[] = { "stdin", "stdout", "stderr" };

	for (size_t i = 0; i < SG_STDIO_COUNT; i++) {
		free(req->stdio[i]);
		req->stdio[i] = NULL;
		if (!stdio[i] || !stdio[i][0])
			continue;
		if (strnlen(stdio[i], PATH_MAX) >= PATH_MAX)
			return sg_error_set(err, -E2BIG, "%s: longer than %d bytes", names[i],
					    PATH_MAX - 1);
		req->stdio[i] = strdup(stdio[i]);
		if (!req->stdio[i])
			return sg_error_set(err, -ENOMEM, "out of memory");
	}
	return 0;
}

int sg_request_set_token(struct sg_request *req, const char *token, struct sg_error *err)
{
	if (req->token)
		return sg_error_set(err, -EINVAL, "more than one signature token in the request");
	if (strnlen(token, SG_LIMIT_TOKEN + 1) > SG_LIMIT_TOKEN)
		return sg_error_set(err, -E2BIG, "signature token longer than %u bytes",
				    SG_LIMIT_TOKEN);
	req->token = strdup(token);
	if (!req->token)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

int sg_request_set_exec_id(struct sg_request *req, const char *exec_id, struct sg_error *err)
{
	char *copy;

	if (!sg_id_valid(exec_id, SG_LIMIT_ID))
		return sg_error_set(err, -EINVAL, "exec id is empty, too long or not a plain name");
	copy = strdup(exec_id);
	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	free(req->exec_id);
	req->exec_id = copy;
	return 0;
}

void sg_mount_describe(const struct sg_mount *m, char *buf, size_t size)
{
	const char *src = m->source ? m->source : "";

	if (m->rootfs)
		(void)snprintf(buf, size, "rootfs mount %zu of the Create request (type '%s', "
			       "source '%s')", m->index, m->type ? m->type : "", src);
	else
		(void)snprintf(buf, size, "mount %zu ('%s' on '%s')", m->index, src,
			       m->destination ? m->destination : "");
}

int sg_request_for_mount(struct sg_request *create, size_t i, struct sg_request **out,
			 struct sg_error *err)
{
	struct sg_request *req = NULL;
	int r;

	if (create->op != SG_OP_CREATE || i >= create->n_mounts)
		return sg_error_set(err, -EINVAL, "no mount %zu in this create", i);
	r = sg_request_new(SG_OP_MOUNT, create->ns, create->id, &req, err);
	if (r < 0)
		return r;
	req->mount = &create->mounts[i];
	req->parent = create;
	req->now = create->now;
	*out = req;
	return 0;
}

/* Accessors for modules. A mount request reads the process of its create. */

static const struct sg_process *proc_of(const struct sg_request *req)
{
	return req->parent ? &req->parent->proc : &req->proc;
}

enum sg_op sg_request_op(const struct sg_request *req)
{
	return req->op;
}

const char *sg_request_namespace(const struct sg_request *req)
{
	return req->ns;
}

const char *sg_request_container_id(const struct sg_request *req)
{
	return req->id;
}

const char *sg_request_exec_id(const struct sg_request *req)
{
	return req->op == SG_OP_EXEC ? req->exec_id : NULL;
}

size_t sg_request_argc(const struct sg_request *req)
{
	return proc_of(req)->args.n;
}

const char *sg_request_arg(const struct sg_request *req, size_t i)
{
	const struct sg_process *p = proc_of(req);

	return i < p->args.n ? p->args.v[i] : NULL;
}

size_t sg_request_envc(const struct sg_request *req)
{
	return proc_of(req)->env.n;
}

const char *sg_request_env(const struct sg_request *req, size_t i)
{
	const struct sg_process *p = proc_of(req);

	return i < p->env.n ? p->env.v[i] : NULL;
}

const char *sg_request_cwd(const struct sg_request *req)
{
	return proc_of(req)->cwd;
}

uint32_t sg_request_uid(const struct sg_request *req)
{
	return proc_of(req)->user.uid;
}

uint32_t sg_request_gid(const struct sg_request *req)
{
	return proc_of(req)->user.gid;
}

int sg_request_terminal(const struct sg_request *req)
{
	return proc_of(req)->terminal;
}

int sg_request_no_new_privileges(const struct sg_request *req)
{
	return proc_of(req)->no_new_privileges;
}

const char *sg_request_mount_type(const struct sg_request *req)
{
	return req->mount ? req->mount->type : NULL;
}

const char *sg_request_mount_source(const struct sg_request *req)
{
	return req->mount ? req->mount->source : NULL;
}

const char *sg_request_mount_destination(const struct sg_request *req)
{
	return req->mount ? req->mount->destination : NULL;
}

size_t sg_request_mount_optc(const struct sg_request *req)
{
	return req->mount ? req->mount->options.n : 0;
}

const char *sg_request_mount_opt(const struct sg_request *req, size_t i)
{
	if (!req->mount || i >= req->mount->options.n)
		return NULL;
	return req->mount->options.v[i];
}

const char *sg_request_key_id(const struct sg_request *req)
{
	const struct sg_sig_state *sig = req->parent ? &req->parent->sig : &req->sig;

	return sig->status == SG_SIG_VALID ? sig->key_id : NULL;
}

int64_t sg_request_grant_not_after(const struct sg_request *req)
{
	const struct sg_sig_state *sig = req->parent ? &req->parent->sig : &req->sig;

	return sig->status == SG_SIG_VALID ? sig->grant_not_after : 0;
}

int sg_request_note(struct sg_request *req, const char *fmt, ...)
{
	struct sg_request *owner = req->parent ? req->parent : req;
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Notes past the bound are dropped on purpose: they are informational, and refusing
	 * a request because a module was talkative would be wrong. */
	if (owner->notes.n >= SG_LIMIT_NOTES)
		return 0;
	return sg_strv_push(&owner->notes, buf, SG_LIMIT_NOTES, NULL);
}
