/* SPDX-License-Identifier: Apache-2.0 */
/* A sign request: the JSON body a client posts, parsed strictly, and the gate's request it
 * stands for (what the token's signing input covers). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "jsonget.h"
#include "oci/oci.h"
#include "sig/canon.h"
#include "sig/derive.h"
#include "sig/token.h"
#include "signer.h"

void sg_sign_req_clear(struct sg_sign_req *r)
{
	free(r->ns);
	free(r->id);
	free(r->node);
	free(r->exec_id);
	free(r->cwd);
	sg_strv_clear(&r->argv);
	sg_strv_clear(&r->env);
	sg_user_clear(&r->user);
	memset(r, 0, sizeof(*r));
}

/* user: uid required; gid optional (an exec then binds gid and groups as the container's
 * own); additional_gids only with a gid, as `--user U:G:G1,G2`. */
static int parse_user(const json_t *u, struct sg_sign_req *req, struct sg_error *err)
{
	static const char *const keys[] = { "uid", "gid", "additional_gids", NULL };
	struct sg_user *out = &req->user;
	const json_t *gids;
	uint64_t uid = 0, gid = 0, g;
	size_t i;
	json_t *e;
	int r;

	if (!json_is_object(u))
		return sg_error_set(err, -EINVAL, "request.user: not an object");
	if ((r = sg_json_only_keys(u, keys, "user", err)) < 0 ||
	    (r = sg_json_uint(u, "uid", true, UINT32_MAX, "user", &uid, err)) < 0 ||
	    (r = sg_json_uint(u, "gid", false, UINT32_MAX, "user", &gid, err)) < 0)
		return r;
	req->user_set = true;
	req->gid_set = json_object_get(u, "gid") != NULL;
	out->uid = (uint32_t)uid;
	out->gid = (uint32_t)gid;
	gids = json_object_get(u, "additional_gids");
	if (!gids)
		return 0;
	if (!req->gid_set)
		return sg_error_set(err, -EINVAL, "user.additional_gids: only with user.gid");
	if (!json_is_array(gids) || json_array_size(gids) > SG_LIMIT_GIDS)
		return sg_error_set(err, -EINVAL, "user.additional_gids: want an array of at most %u",
				    SG_LIMIT_GIDS);
	out->additional_gids = calloc(json_array_size(gids) + 1, sizeof(uint32_t));
	if (!out->additional_gids)
		return sg_error_set(err, -ENOMEM, "out of memory");
	out->additional_gids_present = true;
	json_array_foreach(gids, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    (g = (uint64_t)json_integer_value(e)) > UINT32_MAX)
			return sg_error_set(err, -EINVAL, "user.additional_gids[%zu]: not a gid", i);
		out->additional_gids[out->n_additional_gids++] = (uint32_t)g;
	}
	return 0;
}

/* The token form (FORMAT.md section 6, the rules of `shimgate sign exec`): an exec is
 * version 2 and binds as the container's own what it does not give, or exactly "binding";
 * a field is never both given and bound as the container's own, and a uid, gid or cwd the
 * binding leaves absolute must be given (the signer never fills in root or "/" for an exec). A
 * version 1 exec gives uid, gid and cwd. A create is version 1 with absolute values. */
static int resolve_form(const json_t *o, struct sg_sign_req *out, struct sg_error *err)
{
	static const struct {
		unsigned bit;
		char letter;
		const char *field;
	} rel_fields[] = {
		{ SG_REL_UID, 'u', "user.uid" },
		{ SG_REL_GID, 'g', "user.gid" },
		{ SG_REL_GROUPS, 's', "user.additional_gids" },
		{ SG_REL_CWD, 'w', "cwd" },
	};
	const json_t *bv = json_object_get(o, "binding");
	const json_t *vv = json_object_get(o, "token_version");
	bool given[4] = { out->user_set, out->gid_set, out->user.additional_gids_present,
			  out->cwd != NULL };
	unsigned dflt = 0;

	out->version = out->op == SG_OP_EXEC ? 2 : 1;
	if (vv) {
		if (!json_is_integer(vv) || (json_integer_value(vv) != 1 && json_integer_value(vv) != 2))
			return sg_error_set(err, -EINVAL, "request.token_version: want 1 or 2");
		out->version = (unsigned)json_integer_value(vv);
	}
	if (out->version == 2 && out->op != SG_OP_EXEC)
		return sg_error_set(err, -EINVAL, "request.token_version: version 2 "
				    "(container-relative) signs an exec, not a %s", sg_op_name(out->op));
	if (bv && out->version != 2)
		return sg_error_set(err, -EINVAL, "request.binding: only a version 2 exec binds "
				    "fields as the container's own");
	if (out->version == 1) {
		if (out->op == SG_OP_EXEC && (!out->gid_set || !out->cwd))
			return sg_error_set(err, -EINVAL, "request: a version 1 exec binds absolute "
					    "values: give user.uid, user.gid and cwd");
		if (out->user_set && !out->gid_set)
			return sg_error_set(err, -EINVAL, "request.user.gid: required for a create");
		return 0;
	}
	/* Groups are given as none with a gid and no list (Docker's -u U:G). */
	given[2] = given[2] || out->gid_set;
	for (size_t i = 0; i < SG_ARRAY_SIZE(rel_fields); i++)
		if (!given[i])
			dflt |= rel_fields[i].bit;
	if (!bv) {
		out->rel = dflt;
		return 0;
	}
	if (!json_is_string(bv) ||
	    sg_rel_parse(json_string_value(bv), json_string_length(bv), &out->rel) < 0)
		return sg_error_set(err, -EINVAL, "request.binding: want \"-\" or letters of "
				    "\"ugsw\" in that order");
	for (size_t i = 0; i < SG_ARRAY_SIZE(rel_fields); i++) {
		bool bound = out->rel & rel_fields[i].bit;
		bool explicit = i == 2 ? out->user.additional_gids_present : given[i];

		if (bound && explicit)
			return sg_error_set(err, -EINVAL, "request.binding: '%c' binds the container's "
					    "own, but request.%s is given", rel_fields[i].letter,
					    rel_fields[i].field);
		/* Groups not given are none (absent and empty sign the same in version 2). */
		if (!bound && !given[i] && rel_fields[i].bit != SG_REL_GROUPS)
			return sg_error_set(err, -EINVAL, "request.%s: not given and not in "
					    "request.binding", rel_fields[i].field);
	}
	return 0;
}

static int parse_fields(const json_t *o, struct sg_sign_req *out, struct sg_error *err)
{
	static const char *const keys[] = { "op", "namespace", "container", "node", "argv",
					    "terminal", "env", "user", "cwd", "exec_id",
					    "binding", "token_version", NULL };
	_cleanup_free_ char *op = NULL;
	const json_t *v;
	int r;

	if ((r = sg_json_only_keys(o, keys, "request", err)) < 0 ||
	    (r = sg_json_string(o, "op", true, 16, "request", &op, err)) < 0 ||
	    (r = sg_json_string(o, "namespace", true, SG_LIMIT_ID, "request", &out->ns, err)) < 0 ||
	    (r = sg_json_string(o, "container", true, SG_LIMIT_ID, "request", &out->id, err)) < 0 ||
	    (r = sg_json_string(o, "node", true, SG_NODE_NAME_MAX, "request", &out->node, err)) < 0 ||
	    (r = sg_json_string(o, "exec_id", false, SG_LIMIT_ID, "request", &out->exec_id, err)) < 0 ||
	    (r = sg_json_string(o, "cwd", false, SG_LIMIT_STRING, "request", &out->cwd, err)) < 0 ||
	    (r = sg_json_strv(o, "argv", true, SG_LIMIT_STRING, SG_LIMIT_ARGC, "request", &out->argv,
			      err)) < 0 ||
	    (r = sg_json_strv(o, "env", false, SG_LIMIT_STRING, SG_LIMIT_ENVC, "request", &out->env,
			      err)) < 0)
		return r;
	if (strcmp(op, "exec") == 0)
		out->op = SG_OP_EXEC;
	else if (strcmp(op, "create") == 0)
		out->op = SG_OP_CREATE;
	else
		return sg_error_set(err, -EINVAL, "request.op: '%s' is not exec or create", op);
	/* The gate's own rules for names, so a request that parses here is one the gate can
	 * see (found by fuzzing: "c/" parsed, then could not be built). */
	if (!sg_id_valid(out->ns, SG_LIMIT_ID))
		return sg_error_set(err, -EINVAL, "request.namespace: not a plain name");
	if (!sg_id_valid(out->id, SG_LIMIT_ID))
		return sg_error_set(err, -EINVAL, "request.container: not a plain name");
	if (out->exec_id && !sg_id_valid(out->exec_id, SG_LIMIT_ID))
		return sg_error_set(err, -EINVAL, "request.exec_id: not a plain name");
	if (sg_node_name_valid(out->node) < 0)
		return sg_error_set(err, -EINVAL, "request.node: not a node name "
				    "([A-Za-z0-9][A-Za-z0-9._-]{0,252})");
	if (out->exec_id && out->op != SG_OP_EXEC)
		return sg_error_set(err, -EINVAL, "request.exec_id: only an exec has one");
	if (out->argv.n == 0)
		return sg_error_set(err, -EINVAL, "request.argv: empty");
	for (size_t i = 0; i < out->env.n; i++) {
		if (!strchr(out->env.v[i], '=') || out->env.v[i][0] == '=')
			return sg_error_set(err, -EINVAL, "request.env[%zu]: want K=V", i);
		/* A token is never signed into a process: the gate strips every carrier. */
		if (strncmp(out->env.v[i], "SHIMGATE_TOKEN=", 15) == 0)
			return sg_error_set(err, -EINVAL, "request.env[%zu]: SHIMGATE_TOKEN is a "
					    "token carrier", i);
	}
	v = json_object_get(o, "terminal");
	if (v && !json_is_boolean(v))
		return sg_error_set(err, -EINVAL, "request.terminal: not a boolean");
	out->terminal = v && json_is_true(v);
	v = json_object_get(o, "user");
	if (v && (r = parse_user(v, out, err)) < 0)
		return r;
	if (out->cwd && out->cwd[0] != '/')
		return sg_error_set(err, -EINVAL, "request.cwd: not an absolute path");
	return resolve_form(o, out, err);
}

int sg_sign_req_parse(const char *body, size_t len, struct sg_sign_req *out,
		      struct sg_error *err)
{
	json_t *doc = NULL;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > SG_SIGNER_BODY_MAX)
		return sg_error_set(err, -E2BIG, "request of %zu bytes (limit %u)", len,
				    SG_SIGNER_BODY_MAX);
	r = sg_oci_parse(body, len, &doc, err);
	if (r == 0 && !json_is_object(doc))
		r = sg_error_set(err, -EINVAL, "request: not a JSON object");
	if (r == 0)
		r = parse_fields(doc, out, err);
	json_decref(doc);
	if (r < 0)
		sg_sign_req_clear(out);
	return r;
}

int sg_sign_req_build(const struct sg_sign_req *r, struct sg_request **out,
		      struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_user *u;
	int rc;

	rc = sg_request_new(r->op, r->ns, r->id, &req, err);
	if (rc < 0)
		return rc;
	if (r->exec_id && (rc = sg_request_set_exec_id(req, r->exec_id, err)) < 0)
		return rc;
	req->proc.cwd = strdup(r->cwd ? r->cwd : "/");
	if (!req->proc.cwd)
		return sg_error_set(err, -ENOMEM, "out of memory");
	req->proc.terminal = r->terminal;
	if ((rc = sg_strv_copy(&req->proc.args, &r->argv, err)) < 0 ||
	    (rc = sg_strv_copy(&req->proc.env, &r->env, err)) < 0)
		return rc;
	/* An exec's signed env is what it adds to the container's; the request lists exactly
	 * that, so the base is empty. A create's env is its whole env. */
	req->proc.env.present = true;
	u = &req->proc.user;
	u->uid = r->user.uid;
	u->gid = r->user.gid;
	if (r->user.additional_gids_present) {
		u->additional_gids = calloc(r->user.n_additional_gids + 1, sizeof(uint32_t));
		if (!u->additional_gids)
			return sg_error_set(err, -ENOMEM, "out of memory");
		memcpy(u->additional_gids, r->user.additional_gids,
		       r->user.n_additional_gids * sizeof(uint32_t));
		u->n_additional_gids = r->user.n_additional_gids;
		u->additional_gids_present = true;
	}
	*out = steal_pointer(&req);
	return 0;
}

int sg_sign_req_status(int r)
{
	return r == -EINVAL || r == -E2BIG || r == -ERANGE ? 400 : 500;
}

void sg_sign_req_params(const struct sg_sign_req *r, struct sg_canon_params *p)
{
	p->bind_exec_id = r->exec_id != NULL;
	p->version = r->version;
	p->rel = r->version == 2 ? r->rel : 0;
}
