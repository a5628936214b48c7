/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate sign --signer URL --cert FILE --key FILE --cacert FILE --node NAME: builds the
 * request from the usual flags and asks the signer for its token over libcurl, TLS 1.3 only,
 * the server's name and certificate verified against --cacert alone. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "commands.h"
#include "core/cleanup.h"
#include "reqflags.h"
#include "sig/canon.h"
#include "sig/token.h"
#include "signer_client.h"

#define ANSWER_MAX (64u << 10)
#define SIGNER_TIMEOUT_SECS 30L
#define SIGN_PATH "/v1/sign"

struct answer {
	char *buf;
	size_t len;
};

void sg_signer_client_usage(FILE *out)
{
	fprintf(out,
		"       shimgate sign exec|create --signer URL --cert FILE --key FILE --cacert FILE\n"
		"                     --node NAME [REQUEST FLAGS] [-- ARGV...]\n"
		"  --signer URL         ask this shimgate-signer (https://HOST:PORT) for the token\n"
		"  --cert/--key FILE    the client certificate and its key (PEM)\n"
		"  --cacert FILE        the CA that signed the signer's certificate (the only one\n"
		"                       trusted; the name in URL must match the certificate)\n"
		"  --node NAME          the node the token is for (its gate holds NAME's host key)\n"
		"  The signer gets what a local `sign` would bind: for an exec without --user/--cwd\n"
		"  only namespace, container, argv, terminal and added env (an sg2 token);\n"
		"  --token-version 1 sends user and cwd as values (0:0 and / unless given).\n");
}

/* Takes our four options (and their values) out of argv, up to a "--". */
static int take_opts(int argc, char **argv, struct sg_signer_opts *o, char ***rest, int *n_rest)
{
	static const char *const names[] = { "--signer", "--cert", "--cacert", "--node" };
	const char **fields[] = { &o->url, &o->cert, &o->cacert, &o->node };
	char **out = calloc((size_t)argc + 1, sizeof(*out));
	int n = 0, i;

	if (!out)
		return -ENOMEM;
	for (i = 0; i < argc; i++) {
		size_t k;

		if (strcmp(argv[i], "--") == 0)
			break;
		for (k = 0; k < SG_ARRAY_SIZE(names); k++) {
			size_t len = strlen(names[k]);

			if (strcmp(argv[i], names[k]) == 0 && i + 1 < argc) {
				*fields[k] = argv[++i];
				break;
			}
			if (strncmp(argv[i], names[k], len) == 0 && argv[i][len] == '=') {
				*fields[k] = argv[i] + len + 1;
				break;
			}
		}
		if (k == SG_ARRAY_SIZE(names))
			out[n++] = argv[i];
	}
	for (; i < argc; i++)
		out[n++] = argv[i];
	*rest = out;
	*n_rest = n;
	return 0;
}

static bool wants_signer(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--signer") == 0 || strncmp(argv[i], "--signer=", 9) == 0)
			return true;
	return false;
}

static json_t *strv_json(const struct sg_strv *sv, const struct sg_strv *minus)
{
	json_t *a = json_array();

	for (size_t i = 0; a && i < sv->n; i++)
		if (!minus || !sg_strv_contains(minus, sv->v[i]))
			json_array_append_new(a, json_string(sv->v[i]));
	return a;
}

/* The binding the signer gives a request by default: what it does not give (FORMAT.md
 * section 6, README "Signer"); the request names its binding only when it differs. */
static unsigned signer_default_rel(unsigned sent)
{
	unsigned rel = 0;

	if (!(sent & SG_REL_UID))
		rel |= SG_REL_UID;
	if (!(sent & SG_REL_GID))
		rel |= SG_REL_GID | SG_REL_GROUPS;
	if (!(sent & SG_REL_CWD))
		rel |= SG_REL_CWD;
	return rel;
}

/* The signer's request: what the signing input covers, nothing else, in the form the local
 * `shimgate sign` would sign (version, binding): user and cwd only where they are bound as
 * values, so a container-relative exec sends namespace, container, argv, terminal and the
 * env it adds. */
static int request_json(const struct sg_reqflags *rf, const struct sg_request *req,
			const char *node, char **out, struct sg_error *err)
{
	const struct sg_process *p = &req->proc;
	const struct sg_user *pu = &p->user;
	struct sg_canon_params params = { 0 };
	unsigned sent = 0;
	json_t *o, *user;
	int r;

	for (size_t i = 0; i < req->n_mounts; i++)
		if (!req->mounts[i].rootfs && sg_mount_is_host(&req->mounts[i]))
			return sg_error_set(err, -EINVAL, "the signer signs creates without host "
					    "mounts; this one binds '%s'", req->mounts[i].source);
	r = sg_reqflags_params(rf, req, &params, err);
	if (r < 0)
		return r;
	/* Version 1 and creates bind every field as a value. */
	if (params.version != 2)
		params.rel = 0;
	o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:b}", "op", sg_op_name(req->op),
		      "namespace", req->ns, "container", req->id, "node", node,
		      "argv", strv_json(&p->args, NULL),
		      /* An exec signs what it adds to the container's env (FORMAT.md field 14). */
		      "env", strv_json(&p->env, req->op == SG_OP_EXEC ? &req->base_env : NULL),
		      "terminal", p->terminal);
	user = json_object();
	if (!(params.rel & SG_REL_UID) && !json_object_set_new(user, "uid", json_integer(pu->uid)))
		sent |= SG_REL_UID;
	if (!(params.rel & SG_REL_GID) && !json_object_set_new(user, "gid", json_integer(pu->gid)))
		sent |= SG_REL_GID;
	if (!(params.rel & SG_REL_GROUPS) && pu->additional_gids_present) {
		json_t *g = json_array();

		for (size_t i = 0; g && i < pu->n_additional_gids; i++)
			json_array_append_new(g, json_integer(pu->additional_gids[i]));
		json_object_set_new(user, "additional_gids", g);
	}
	if (o && json_object_size(user) > 0)
		json_object_set(o, "user", user);
	json_decref(user);
	if (o && !(params.rel & SG_REL_CWD) &&
	    !json_object_set_new(o, "cwd", json_string(p->cwd ? p->cwd : "/")))
		sent |= SG_REL_CWD;
	if (o && params.version == 2 && params.rel != signer_default_rel(sent)) {
		char binding[SG_REL_MAX + 1];

		sg_rel_format(params.rel, binding);
		json_object_set_new(o, "binding", json_string(binding));
	}
	if (o && req->op == SG_OP_EXEC && params.version == 1)
		json_object_set_new(o, "token_version", json_integer(1));
	if (o && params.bind_exec_id)
		json_object_set_new(o, "exec_id", json_string(req->exec_id));
	*out = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return *out ? 0 : sg_error_set(err, -ENOMEM, "out of memory");
}

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct answer *a = arg;
	size_t n = size * nmemb;
	char *nb;

	if (n > ANSWER_MAX - a->len)
		return 0; /* libcurl fails the transfer: an answer this big is not a signer's */
	nb = realloc(a->buf, a->len + n + 1);
	if (!nb)
		return 0;
	memcpy(nb + a->len, ptr, n);
	a->len += n;
	nb[a->len] = '\0';
	a->buf = nb;
	return n;
}

static int post(const struct sg_signer_opts *o, const char *body,
		struct answer *a, long *code, struct sg_error *err)
{
	_cleanup_free_ char *url = NULL;
	struct curl_slist *h = NULL;
	char curl_err[CURL_ERROR_SIZE] = "";
	CURL *c;
	CURLcode rc;

	if (strncmp(o->url, "https://", 8) != 0)
		return sg_error_set(err, -EINVAL, "--signer '%s': want an https:// URL", o->url);
	if (asprintf(&url, "%s%s", o->url, SIGN_PATH) < 0) {
		url = NULL;
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	c = curl_easy_init();
	h = curl_slist_append(NULL, "Content-Type: application/json");
	if (!c || !h) {
		curl_slist_free_all(h);
		curl_easy_cleanup(c);
		return sg_error_set(err, -ENOMEM, "cannot set up libcurl");
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c, CURLOPT_PROXY, ""); /* straight to the signer, whatever the env says */
	curl_easy_setopt(c, CURLOPT_SSLVERSION,
			 (long)(CURL_SSLVERSION_TLSv1_3 | CURL_SSLVERSION_MAX_TLSv1_3));
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	/* --cacert is the only trust anchor: libcurl's default CA path is switched off. */
	curl_easy_setopt(c, CURLOPT_CAINFO, o->cacert);
	curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	curl_easy_setopt(c, CURLOPT_SSLCERT, o->cert);
	curl_easy_setopt(c, CURLOPT_SSLKEY, o->key);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, SIGNER_TIMEOUT_SECS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, a);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK)
		return sg_error_set(err, -ECONNREFUSED, "signer %s: %s", o->url,
				    curl_err[0] ? curl_err : curl_easy_strerror(rc));
	return 0;
}

/* The token of a 200 answer; otherwise the signer's reason. */
static int answer_token(const struct answer *a, long code, char token[SG_TOKEN_MAX + 1],
			struct sg_error *err)
{
	json_t *doc = a->buf ? json_loadb(a->buf, a->len, 0, NULL) : NULL;
	const char *tok = json_string_value(json_object_get(doc, "token"));
	const char *why = json_string_value(json_object_get(doc, "error"));
	int r = 0;

	if (code == 200 && tok && strlen(tok) <= SG_TOKEN_MAX && !strpbrk(tok, " \t\r\n"))
		memcpy(token, tok, strlen(tok) + 1);
	else if (code == 200)
		r = sg_error_set(err, -EPROTO, "the signer's answer has no token");
	else
		r = sg_error_set(err, -EACCES, "the signer refused (HTTP %ld): %s", code,
				 why ? why : "no reason given");
	json_decref(doc);
	return r;
}

int sg_signer_ask(const struct sg_signer_opts *o, const struct sg_reqflags *rf,
		  char token[SG_TOKEN_MAX + 1], struct sg_error *err)
{
	struct sg_request *req = NULL;
	_cleanup_free_ char *body = NULL;
	struct answer a = { 0 };
	long code = 0;
	int r;

	if (!o->url || !o->cert || !o->key || !o->cacert || !o->node)
		return sg_error_set(err, -EINVAL, "--signer needs --cert, --key, --cacert and --node");
	if (rf->key_dir || rf->key_id || rf->nonce || rf->timestamp_set)
		return sg_error_set(err, -EINVAL, "with --signer the signer picks the key, nonce "
				    "and time: no --key-dir, --key-id, --nonce or --timestamp");
	r = sg_reqflags_build(rf, &req, err);
	if (r == 0)
		r = request_json(rf, req, o->node, &body, err);
	sg_request_free(req);
	if (r < 0)
		return r;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return sg_error_set(err, -ENOMEM, "cannot initialise libcurl");
	r = post(o, body, &a, &code, err);
	curl_global_cleanup();
	if (r == 0)
		r = answer_token(&a, code, token, err);
	if (a.buf) {
		OPENSSL_cleanse(a.buf, a.len);
		free(a.buf);
	}
	return r;
}

int sg_signer_client_main(int argc, char **argv)
{
	struct sg_signer_opts o = { 0 };
	struct sg_reqflags rf;
	struct sg_error err = { 0 };
	char token[SG_TOKEN_MAX + 1];
	_cleanup_free_ char **rest = NULL;
	int n, r;

	if (!wants_signer(argc, argv))
		return -1;
	if (take_opts(argc, argv, &o, &rest, &n) < 0) {
		fprintf(stderr, "shimgate sign: out of memory\n");
		return SG_EXIT_USAGE;
	}
	if (sg_reqflags_parse(n, rest, SG_RF_KEY | SG_RF_SIGNING, &rf) < 0)
		return SG_EXIT_USAGE;
	if (rf.help) {
		sg_signer_client_usage(stdout);
		sg_reqflags_usage(stdout);
		sg_reqflags_clear(&rf);
		return SG_EXIT_OK;
	}
	/* --key is the client certificate's key here, not a signing key. */
	o.key = rf.key_file;
	r = sg_signer_ask(&o, &rf, token, &err);
	sg_reqflags_clear(&rf);
	if (r < 0) {
		fprintf(stderr, "shimgate sign: %s\n", err.msg);
		return r == -EACCES ? SG_EXIT_REFUSED : SG_EXIT_USAGE;
	}
	printf("%s\n", token);
	OPENSSL_cleanse(token, sizeof(token));
	return SG_EXIT_OK;
}
