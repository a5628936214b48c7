/* SPDX-License-Identifier: Apache-2.0 */
/* The signer's HTTPS service: connection bounds, the sign and health endpoints, audit. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "audit.h"
#include "core/cleanup.h"
#include "http.h"
#include "sig/canon.h"
#include "sig/keyring.h"
#include "sig/token.h"
#include "sig/verify.h"
#include "tls.h"

#define ALERT_CERTIFICATE_REQUIRED 116

/* Descriptors besides the connections: listener, audit, signals, stdio, OpenSSL's files. */
#define FD_RESERVE 32u

struct server {
	struct sg_signer_config *cfg;
	struct sg_keyring *masters;
	struct sg_signer_audit *audit;
	SSL_CTX *ctx;
	struct event_base *base;
	struct evhttp *http;
	unsigned n_conns;
	int conn_index; /* SSL ex_data index of struct conn */
};

/* One client connection, hung on its SSL object and freed with it. */
struct conn {
	struct server *srv;
	struct event *deadline;
	SSL *ssl;
	char peer[INET6_ADDRSTRLEN + 8];
	char why[160];          /* what went wrong before a request was answered */
	bool handshake_done, answered, timed_out, over_limit;
};

static void audit_event(struct server *srv, const struct sg_signer_event *ev)
{
	struct sg_error err = { 0 };

	if (sg_signer_audit_write(srv->audit, ev, &err) < 0)
		fprintf(stderr, "shimgate-signer: %s\n", err.msg);
}

static void conn_peer(struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	int fd, port = 0;

	if (c->peer[0] || !c->ssl || (fd = SSL_get_fd(c->ssl)) < 0 ||
	    getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	(void)snprintf(c->peer, sizeof(c->peer), "%s:%d", host, port);
}

/* A connection that never got an answer from us is a refusal too: audited when it closes,
 * with the reason collected on the way (handshake failure, timeout, limit, HTTP error). */
static void conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
		      void *argp)
{
	struct conn *c = ptr;
	struct sg_signer_event ev = { .decision = "refuse" };
	char reason[256];

	if (!c)
		return;
	if (!c->answered) {
		if (c->over_limit)
			(void)snprintf(reason, sizeof(reason), "too many connections (limit %u)",
				       c->srv->cfg->max_connections);
		else if (c->timed_out)
			(void)snprintf(reason, sizeof(reason), "timed out %s",
				       c->handshake_done ? "reading the request" : "in the TLS handshake");
		else if (!c->handshake_done)
			(void)snprintf(reason, sizeof(reason), "TLS handshake failed: %s",
				       c->why[0] ? c->why : "connection closed");
		else
			(void)snprintf(reason, sizeof(reason), "no request answered: malformed HTTP, "
				       "headers or body over their limits, or closed by the client");
		ev.peer = c->peer[0] ? c->peer : NULL;
		ev.reason = reason;
		audit_event(c->srv, &ev);
	}
	event_free(c->deadline);
	c->srv->n_conns--;
	free(c);
}

/* The connection of an SSL object: its app data (OpenSSL calls the info callback with the
 * SSL alone). The same pointer is also under conn_index, whose free callback ends it. */
static struct conn *conn_of(const SSL *ssl)
{
	return SSL_get_app_data(ssl);
}

/* The deadline ends the connection whatever the client does: shutdown(2) makes the next
 * read see end of file, and evhttp frees the connection. */
static void on_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	int sfd = SSL_get_fd(c->ssl);

	conn_peer(c);
	if (!c->over_limit)
		c->timed_out = true;
	if (sfd >= 0)
		(void)shutdown(sfd, SHUT_RDWR);
}

static void arm(struct conn *c, unsigned secs)
{
	struct timeval tv = { .tv_sec = secs };

	event_add(c->deadline, &tv);
}

static void info_cb(const SSL *ssl, int where, int ret)
{
	struct conn *c = conn_of(ssl);
	long vr;

	if (!c)
		return;
	conn_peer(c);
	if ((where & SSL_CB_HANDSHAKE_DONE) && !c->handshake_done) {
		c->handshake_done = true;
		arm(c, c->srv->cfg->read_timeout);
	}
	if (c->why[0])
		return;
	if ((where & SSL_CB_ALERT) && (where & SSL_CB_WRITE)) {
		vr = SSL_get_verify_result(ssl);
		/* OpenSSL 3.0 has no name for TLS 1.3's certificate_required (RFC 8446 6.2). */
		(void)snprintf(c->why, sizeof(c->why), "sent alert '%s'%s%s",
			       (ret & 0xff) == ALERT_CERTIFICATE_REQUIRED ?
			       "certificate required (no client certificate)" :
			       SSL_alert_desc_string_long(ret),
			       vr != X509_V_OK ? ": client certificate: " : "",
			       vr != X509_V_OK ? X509_verify_cert_error_string(vr) : "");
	} else if ((where & SSL_CB_EXIT) && ret <= 0 && ERR_peek_last_error()) {
		/* A failure, not a wait for more bytes (which leaves the error queue empty). */
		const char *s = ERR_reason_error_string(ERR_peek_last_error());

		(void)snprintf(c->why, sizeof(c->why), "%s", s ? s : "handshake error");
	}
}

/* evhttp asks for each accepted connection's bufferevent here. It must always be a TLS
 * one: evhttp would make a plain socket bufferevent from a NULL, which would be a
 * plaintext listener. So a connection we cannot set up ends the process (fail closed;
 * the service manager restarts it) rather than being served without TLS. */
static struct bufferevent *new_conn(struct event_base *base, void *arg)
{
	struct server *srv = arg;
	struct bufferevent *bev;
	struct conn *c = calloc(1, sizeof(*c));
	SSL *ssl = SSL_new(srv->ctx);

	if (!c || !ssl || !(c->deadline = evtimer_new(base, on_deadline, c))) {
		fprintf(stderr, "shimgate-signer: out of memory for a connection; stopping\n");
		abort();
	}
	c->srv = srv;
	c->ssl = ssl;
	srv->n_conns++;
	if (!SSL_set_ex_data(ssl, srv->conn_index, c) || !SSL_set_app_data(ssl, c)) {
		fprintf(stderr, "shimgate-signer: cannot attach connection state; stopping\n");
		abort();
	}
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
					     BEV_OPT_CLOSE_ON_FREE);
	if (!bev) {
		fprintf(stderr, "shimgate-signer: cannot make a TLS bufferevent; stopping\n");
		abort();
	}
	if (srv->n_conns > srv->cfg->max_connections) {
		/* Refused on the next turn of the loop, once evhttp has given it its socket. */
		c->over_limit = true;
		arm(c, 0);
	} else {
		arm(c, srv->cfg->handshake_timeout);
	}
	return bev;
}

static void reply(struct evhttp_request *req, int code, const char *reason, json_t *body)
{
	struct evbuffer *out = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

	evhttp_add_header(h, "Content-Type", "application/json");
	/* One request per connection: its deadline bounds the whole connection. */
	evhttp_add_header(h, "Connection", "close");
	evhttp_add_header(h, "Cache-Control", "no-store");
	if (out && text)
		evbuffer_add(out, text, strlen(text));
	evhttp_send_reply(req, code, reason, out);
	if (text) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	if (out)
		evbuffer_free(out);
}

static void refuse(struct server *srv, struct evhttp_request *req, struct sg_signer_event *ev,
		   int code, const char *status, const char *why)
{
	json_t *body = json_pack("{ss}", "error", why);

	ev->decision = "refuse";
	ev->reason = why;
	ev->status = code;
	audit_event(srv, ev);
	reply(req, code, status, body);
	json_decref(body);
}

static const char *status_text(int code)
{
	switch (code) {
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 429: return "Too Many Requests";
	default: return "Internal Server Error";
	}
}

static int header_count(struct evhttp_request *req)
{
	struct evkeyval *kv;
	int n = 0;

	for (kv = evhttp_request_get_input_headers(req)->tqh_first; kv; kv = kv->next.tqe_next)
		n++;
	return n;
}

/* Parses, checks the rights, counts the rate, derives the node's key and signs. On success
 * token/nonce/ts are set; else the HTTP code and err say why. */
static int issue(struct server *srv, struct sg_rights *rights, const struct sg_sign_req *sr,
		 char *token, size_t token_size, char nonce[SG_NONCE_HEX + 1], int64_t *ts,
		 int *code, struct sg_error *err)
{
	struct sg_keyring *host = NULL;
	struct sg_request *req = NULL;
	struct sg_canon_params p = { .key_id = srv->cfg->key_id, .nonce = nonce };
	int r;

	*code = 403;
	r = sg_rights_check(rights, sr, err);
	if (r < 0)
		return r;
	*code = 429;
	*ts = (int64_t)time(NULL);
	r = sg_rights_take(rights, *ts, err);
	if (r < 0)
		return r;
	r = sg_sign_req_build(sr, &req, err);
	*code = sg_sign_req_status(r);
	if (r == 0) {
		*code = 500;
		r = sg_keyring_derive(srv->masters, srv->cfg->key_id, sr->node, &host, err);
	}
	if (r == 0)
		r = sg_nonce_generate(nonce, err);
	p.timestamp = *ts;
	sg_sign_req_params(sr, &p);
	if (r == 0)
		r = sg_sign_request_params(host, &p, req, token, token_size, err);
	sg_keyring_free(host);
	sg_request_free(req);
	return r;
}

static void handle_sign(struct server *srv, struct evhttp_request *req,
			struct sg_signer_event *ev)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	struct sg_sign_req sr = { 0 };
	struct sg_error err = { 0 };
	struct sg_rights *rights;
	char token[SG_TOKEN_MAX + 1], nonce[SG_NONCE_HEX + 1];
	_cleanup_free_ char *body = NULL;
	int64_t ts = 0;
	int code;
	json_t *resp;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		refuse(srv, req, ev, 405, "Method Not Allowed", "sign wants POST");
		return;
	}
	if (len > srv->cfg->max_body) {
		refuse(srv, req, ev, 413, "Payload Too Large", "request body over the limit");
		return;
	}
	body = malloc(len + 1);
	if (!body || evbuffer_remove(in, body, len) != (int)len) {
		refuse(srv, req, ev, 500, "Internal Server Error", "cannot read the request body");
		return;
	}
	body[len] = '\0';
	code = sg_sign_req_parse(body, len, &sr, &err);
	if (code < 0) {
		code = sg_sign_req_status(code);
		refuse(srv, req, ev, code, status_text(code), err.msg);
		return;
	}
	ev->req = &sr;
	rights = sg_signer_config_find(srv->cfg, ev->identity);
	if (!rights) {
		(void)snprintf(err.msg, sizeof(err.msg), "identity '%s' has no rights", ev->identity);
		refuse(srv, req, ev, 403, "Forbidden", err.msg);
	} else if (issue(srv, rights, &sr, token, sizeof(token), nonce, &ts, &code, &err) < 0) {
		refuse(srv, req, ev, code, status_text(code), err.msg);
	} else {
		ev->decision = "issue";
		ev->status = 200;
		ev->key_id = srv->cfg->key_id;
		ev->nonce = nonce;
		ev->timestamp = ts;
		/* No audit line, no token: an issuance that is not on record does not happen. */
		if (sg_signer_audit_write(srv->audit, ev, &err) < 0) {
			fprintf(stderr, "shimgate-signer: %s\n", err.msg);
			reply(req, 500, "Internal Server Error", NULL);
		} else {
			resp = json_pack("{sssssssssI}", "token", token, "key_id", srv->cfg->key_id,
					 "node", sr.node, "nonce", nonce, "timestamp", (json_int_t)ts);
			reply(req, 200, "OK", resp);
			json_decref(resp);
		}
		OPENSSL_cleanse(token, sizeof(token));
	}
	sg_sign_req_clear(&sr);
}

static void handle(struct evhttp_request *req, void *arg)
{
	struct server *srv = arg;
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));
	SSL *ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
	struct conn *c = ssl ? conn_of(ssl) : NULL;
	struct sg_signer_event ev = { 0 };
	char identity[SG_SIGNER_IDENTITY_MAX + 1];
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	struct sg_error err = { 0 };
	json_t *ok;

	if (!c) {
		/* Cannot happen: every connection is made by new_conn. Refuse without a word. */
		evhttp_send_error(req, 500, NULL);
		return;
	}
	c->answered = true;
	ev.peer = c->peer;
	if (sg_signer_tls_identity(ssl, srv->cfg->identity_from, identity, &err) < 0) {
		refuse(srv, req, &ev, 403, "Forbidden", err.msg);
		return;
	}
	ev.identity = identity;
	if (header_count(req) > (int)srv->cfg->max_headers) {
		refuse(srv, req, &ev, 431, "Request Header Fields Too Large", "too many header lines");
	} else if (path && strcmp(path, SG_SIGNER_PATH_SIGN) == 0) {
		handle_sign(srv, req, &ev);
	} else if (path && strcmp(path, SG_SIGNER_PATH_HEALTH) == 0 &&
		   evhttp_request_get_command(req) == EVHTTP_REQ_GET) {
		ok = json_pack("{ss}", "status", "ok");
		reply(req, 200, "OK", ok);
		json_decref(ok);
	} else {
		refuse(srv, req, &ev, 404, "Not Found", "no such endpoint");
	}
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	event_base_loopbreak(arg);
}

/* SIGHUP: the TLS files again (server certificate and key, client CA, CRL), so a revocation
 * takes effect without a restart. New connections get the new context; open ones keep the
 * one they started with (each SSL holds a reference). A set that does not load leaves the
 * old one in force, and says why. */
static void on_reload(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct sg_error err = { 0 };
	SSL_CTX *ctx = NULL;

	if (sg_signer_tls_ctx(srv->cfg, &ctx, &err) < 0) {
		fprintf(stderr, "shimgate-signer: SIGHUP: kept the TLS files in force: %s\n", err.msg);
		return;
	}
	SSL_CTX_set_info_callback(ctx, info_cb);
	SSL_CTX_free(srv->ctx);
	srv->ctx = ctx;
	fprintf(stderr, "shimgate-signer: SIGHUP: reloaded the certificate, key, client CA and CRL\n");
}

/* Enough descriptors for every allowed connection, or the signer does not start (running
 * out would fail accept(2) for everyone, the opposite of bounded). */
static int fd_budget(unsigned conns, struct sg_error *err)
{
	struct rlimit rl;
	rlim_t want = (rlim_t)conns + FD_RESERVE;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return sg_error_set(err, -errno, "getrlimit: %s", strerror(errno));
	if (rl.rlim_cur >= want)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
		return sg_error_set(err, -EMFILE, "limits.connections %u needs %llu descriptors; "
				    "RLIMIT_NOFILE allows %llu", conns, (unsigned long long)want,
				    (unsigned long long)rl.rlim_max);
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return sg_error_set(err, -errno, "setrlimit: %s", strerror(errno));
	return 0;
}

static int start(struct server *srv, struct sg_error *err)
{
	const struct sg_signer_config *cfg = srv->cfg;
	int r;

	r = fd_budget(cfg->max_connections, err);
	if (r < 0)
		return r;
	r = sg_keyring_load(cfg->master_dir, &srv->masters, err);
	if (r < 0)
		return r;
	if (!sg_keyring_find(srv->masters, cfg->key_id))
		return sg_error_set(err, -ENOKEY, "master_keys %s has no key '%s'", cfg->master_dir,
				    cfg->key_id);
	r = sg_signer_tls_ctx(cfg, &srv->ctx, err);
	if (r < 0)
		return r;
	SSL_CTX_set_info_callback(srv->ctx, info_cb);
	srv->conn_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_free);
	if (srv->conn_index < 0)
		return sg_error_set(err, -ENOMEM, "cannot get an SSL ex_data index");
	r = sg_signer_audit_open(cfg->audit, &srv->audit, err);
	if (r < 0)
		return r;
	srv->base = event_base_new();
	srv->http = srv->base ? evhttp_new(srv->base) : NULL;
	if (!srv->http)
		return sg_error_set(err, -ENOMEM, "cannot make the event loop");
	evhttp_set_allowed_methods(srv->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_max_headers_size(srv->http, cfg->max_header_bytes);
	evhttp_set_max_body_size(srv->http, cfg->max_body);
	/* Inactivity within a connection; the deadline bounds its whole life. */
	evhttp_set_timeout(srv->http, (int)cfg->read_timeout);
	evhttp_set_bevcb(srv->http, new_conn, srv);
	evhttp_set_gencb(srv->http, handle, srv);
	if (!evhttp_bind_socket_with_handle(srv->http, cfg->listen_host, cfg->listen_port))
		return sg_error_set(err, -EADDRNOTAVAIL, "cannot listen on %s:%u: %s",
				    cfg->listen_host, cfg->listen_port, strerror(errno));
	return 0;
}

int sg_signer_serve(struct sg_signer_config *cfg, struct sg_error *err)
{
	struct server srv = { .cfg = cfg, .conn_index = -1 };
	struct event *sigs[3] = { NULL, NULL, NULL };
	int r;

	(void)signal(SIGPIPE, SIG_IGN);
	r = start(&srv, err);
	if (r == 0) {
		sigs[0] = evsignal_new(srv.base, SIGTERM, on_signal, srv.base);
		sigs[1] = evsignal_new(srv.base, SIGINT, on_signal, srv.base);
		sigs[2] = evsignal_new(srv.base, SIGHUP, on_reload, &srv);
		if (!sigs[0] || !sigs[1] || !sigs[2] || event_add(sigs[0], NULL) < 0 ||
		    event_add(sigs[1], NULL) < 0 || event_add(sigs[2], NULL) < 0) {
			r = sg_error_set(err, -ENOMEM, "cannot watch SIGTERM/SIGINT/SIGHUP");
		} else {
			fprintf(stderr, "shimgate-signer: listening on %s:%u (TLS 1.3, client "
				"certificates of %s)\n", cfg->listen_host, cfg->listen_port,
				cfg->client_ca);
			if (event_base_dispatch(srv.base) < 0)
				r = sg_error_set(err, -EIO, "event loop failed");
		}
	}
	for (size_t i = 0; i < SG_ARRAY_SIZE(sigs); i++)
		if (sigs[i])
			event_free(sigs[i]);
	if (srv.http)
		evhttp_free(srv.http);
	if (srv.base)
		event_base_free(srv.base);
	SSL_CTX_free(srv.ctx);
	sg_signer_audit_free(srv.audit);
	sg_keyring_free(srv.masters);
	return r;
}
