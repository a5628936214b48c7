/* SPDX-License-Identifier: Apache-2.0 */
/* The signer's audit lines: identity, peer, request fields, nonce, decision, reason. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit.h"
#include "sig/token.h"
#include "signer.h"

struct sg_signer_audit {
	int fd;
	bool owned;
};

int sg_signer_audit_open(const char *dest, struct sg_signer_audit **out, struct sg_error *err)
{
	struct sg_signer_audit *a = calloc(1, sizeof(*a));

	if (!a)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (strcmp(dest, "stderr") == 0) {
		a->fd = STDERR_FILENO;
	} else {
		a->fd = open(dest, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (a->fd < 0) {
			int e = errno;

			free(a);
			return sg_error_set(err, -e, "audit %s: %s", dest, strerror(e));
		}
		a->owned = true;
	}
	*out = a;
	return 0;
}

void sg_signer_audit_free(struct sg_signer_audit *a)
{
	if (!a)
		return;
	/* Nothing is left to report a close error of the audit trail to. */
	if (a->owned)
		(void)close(a->fd);
	free(a);
}

static json_t *strv_json(const struct sg_strv *sv)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr && i < sv->n; i++)
		json_array_append_new(arr, json_string(sv->v[i]));
	return arr;
}

static void put_str(json_t *o, const char *k, const char *v)
{
	json_object_set_new(o, k, v ? json_string(v) : json_null());
}

/* The request as signed: the token form, and user and cwd only where they are bound as
 * values (a field bound as the container's own is named by the binding letters). */
static void put_request(json_t *o, const struct sg_sign_req *r)
{
	char binding[SG_REL_MAX + 1];
	json_t *u;

	put_str(o, "op", sg_op_name(r->op));
	put_str(o, "namespace", r->ns);
	put_str(o, "container", r->id);
	put_str(o, "node", r->node);
	put_str(o, "exec_id", r->exec_id);
	json_object_set_new(o, "argv", strv_json(&r->argv));
	json_object_set_new(o, "env", strv_json(&r->env));
	json_object_set_new(o, "terminal", json_boolean(r->terminal));
	json_object_set_new(o, "token_version", json_integer(r->version));
	sg_rel_format(r->version == 2 ? r->rel : 0, binding);
	put_str(o, "binding", r->version == 2 ? binding : NULL);
	if (!(r->rel & SG_REL_CWD))
		put_str(o, "cwd", r->cwd ? r->cwd : "/");
	u = json_object();
	if (u && !(r->rel & SG_REL_UID))
		json_object_set_new(u, "uid", json_integer(r->user.uid));
	if (u && !(r->rel & SG_REL_GID))
		json_object_set_new(u, "gid", json_integer(r->user.gid));
	if (u && !(r->rel & SG_REL_GROUPS) && r->user.additional_gids_present) {
		json_t *g = json_array();

		for (size_t i = 0; g && i < r->user.n_additional_gids; i++)
			json_array_append_new(g, json_integer(r->user.additional_gids[i]));
		json_object_set_new(u, "additional_gids", g);
	}
	if (json_object_size(u) > 0)
		json_object_set_new(o, "user", u);
	else
		json_decref(u);
}

char *sg_signer_audit_format(const struct sg_signer_event *ev)
{
	json_t *o = json_object();
	char *line;

	if (!o)
		return NULL;
	json_object_set_new(o, "time", json_integer((json_int_t)time(NULL)));
	put_str(o, "service", "signer");
	put_str(o, "identity", ev->identity);
	put_str(o, "peer", ev->peer);
	put_str(o, "decision", ev->decision);
	put_str(o, "reason", ev->reason);
	if (ev->status)
		json_object_set_new(o, "status", json_integer(ev->status));
	if (ev->req)
		put_request(o, ev->req);
	if (ev->nonce) {
		put_str(o, "key_id", ev->key_id);
		put_str(o, "nonce", ev->nonce);
		json_object_set_new(o, "timestamp", json_integer(ev->timestamp));
	}
	line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	json_decref(o);
	return line;
}

int sg_signer_audit_write(struct sg_signer_audit *a, const struct sg_signer_event *ev,
			  struct sg_error *err)
{
	char *line = sg_signer_audit_format(ev);
	size_t n;
	ssize_t w;

	if (!line)
		return sg_error_set(err, -ENOMEM, "audit: out of memory");
	n = strlen(line);
	line[n] = '\n';
	w = write(a->fd, line, n + 1);
	line[n] = '\0';
	free(line);
	if (w != (ssize_t)(n + 1))
		return sg_error_set(err, w < 0 ? -errno : -EIO, "audit: %s",
				    w < 0 ? strerror(errno) : "short write");
	return 0;
}
