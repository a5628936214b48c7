/* SPDX-License-Identifier: Apache-2.0 */
/* The signer's configuration file: JSON, strict, with the rights of every identity. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/safepath.h"
#include "core/strutil.h"
#include "jsonget.h"
#include "oci/oci.h"
#include "sig/keyring.h"
#include "sig/lex.h"
#include "signer.h"

#define PATH_MAX_LEN 4096u
#define PATTERN_MAX 1024u

static void rights_clear(struct sg_rights *r)
{
	free(r->name);
	sg_strv_clear(&r->namespaces);
	sg_strv_clear(&r->containers);
	sg_strv_clear(&r->nodes);
	for (size_t i = 0; i < r->n_allow; i++)
		sg_strv_clear(&r->allow[i].words);
	for (size_t i = 0; i < r->n_deny; i++)
		sg_strv_clear(&r->deny[i].words);
	free(r->allow);
	free(r->deny);
	free(r->issued);
	memset(r, 0, sizeof(*r));
}

void sg_signer_config_free(struct sg_signer_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->listen_host);
	free(cfg->server_cert);
	free(cfg->server_key);
	free(cfg->client_ca);
	free(cfg->crl);
	free(cfg->master_dir);
	free(cfg->key_id);
	free(cfg->audit);
	for (size_t i = 0; i < cfg->n_ids; i++)
		rights_clear(&cfg->ids[i]);
	free(cfg->ids);
	free(cfg);
}

SG_DEFINE_FREEP(struct sg_signer_config *, sg_signer_config_free)

/* "host:port", host an IPv4 or IPv6 literal in brackets ("[::1]:8443"). */
static int parse_listen(const char *s, struct sg_signer_config *cfg, struct sg_error *err)
{
	const char *colon = strrchr(s, ':');
	const char *h = s, *he;
	uint64_t port;

	if (!colon || sg_parse_u64(colon + 1, 65535, &port) < 0 || port == 0)
		return sg_error_set(err, -EINVAL, "listen '%s': want HOST:PORT", s);
	he = colon;
	if (*h == '[') {
		if (he[-1] != ']')
			return sg_error_set(err, -EINVAL, "listen '%s': unclosed '['", s);
		h++;
		he--;
	}
	if (he == h)
		return sg_error_set(err, -EINVAL, "listen '%s': no host (a wildcard needs 0.0.0.0 "
				    "or [::] written out)", s);
	cfg->listen_host = strndup(h, (size_t)(he - h));
	if (!cfg->listen_host)
		return sg_error_set(err, -ENOMEM, "out of memory");
	cfg->listen_port = (uint16_t)port;
	return 0;
}

static int parse_argv_patterns(const json_t *obj, const char *key, const char *where,
			       struct sg_argv_pattern **out, size_t *n, bool *present,
			       struct sg_error *err)
{
	json_t *v = json_object_get(obj, key), *e;
	size_t i;
	int r;

	if (!v)
		return 0;
	if (!json_is_array(v) || json_array_size(v) > SG_SIGNER_PATTERNS_MAX)
		return sg_error_set(err, -EINVAL, "%s.%s: want an array of at most %u argv patterns",
				    where, key, SG_SIGNER_PATTERNS_MAX);
	*out = calloc(json_array_size(v) + 1, sizeof(**out));
	if (!*out)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (present)
		*present = true;
	json_array_foreach(v, i, e) {
		struct sg_argv_pattern *p = &(*out)[i];
		_cleanup_free_ char *at = NULL;

		if (asprintf(&at, "%s.%s[%zu]", where, key, i) < 0) {
			at = NULL;
			return sg_error_set(err, -ENOMEM, "out of memory");
		}
		(*n)++;
		r = sg_json_strv_of(e, PATTERN_MAX, SG_LIMIT_ARGC, at, &p->words, err);
		if (r < 0)
			return r;
		if (p->words.n == 0)
			return sg_error_set(err, -EINVAL, "%s: an empty pattern", at);
		if (strcmp(p->words.v[p->words.n - 1], "...") == 0) {
			p->rest = true;
			sg_strv_remove(&p->words, p->words.n - 1);
		}
	}
	return 0;
}

static int parse_identity(const char *name, const json_t *obj, struct sg_rights *r,
			  struct sg_error *err)
{
	static const char *const keys[] = { "namespaces", "containers", "nodes", "operations",
					    "argv_allow", "argv_deny", "rate", NULL };
	static const char *const rate_keys[] = { "count", "seconds", NULL };
	_cleanup_free_ char *where = NULL, *rate_at = NULL;
	struct sg_strv ops = { 0 };
	json_t *rate;
	uint64_t count = 0, secs = 0;
	int rc;

	if (asprintf(&where, "identities.%.128s", name) < 0) {
		where = NULL;
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	r->name = strdup(name);
	if (!r->name)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if ((rc = sg_json_only_keys(obj, keys, where, err)) < 0 ||
	    (rc = sg_json_strv(obj, "namespaces", true, SG_LIMIT_ID, SG_SIGNER_PATTERNS_MAX, where,
			       &r->namespaces, err)) < 0 ||
	    (rc = sg_json_strv(obj, "containers", true, SG_LIMIT_ID, SG_SIGNER_PATTERNS_MAX, where,
			       &r->containers, err)) < 0 ||
	    (rc = sg_json_strv(obj, "nodes", true, SG_LIMIT_ID, SG_SIGNER_PATTERNS_MAX, where,
			       &r->nodes, err)) < 0 ||
	    (rc = parse_argv_patterns(obj, "argv_allow", where, &r->allow, &r->n_allow,
				      &r->allow_present, err)) < 0 ||
	    (rc = parse_argv_patterns(obj, "argv_deny", where, &r->deny, &r->n_deny, NULL,
				      err)) < 0)
		return rc;
	rc = sg_json_strv(obj, "operations", true, 16, 4, where, &ops, err);
	for (size_t i = 0; rc == 0 && i < ops.n; i++) {
		if (strcmp(ops.v[i], "exec") == 0)
			r->ops |= SG_OP_BIT(SG_OP_EXEC);
		else if (strcmp(ops.v[i], "create") == 0)
			r->ops |= SG_OP_BIT(SG_OP_CREATE);
		else
			rc = sg_error_set(err, -EINVAL, "%s.operations[%zu]: '%s' is not exec or create",
					  where, i, ops.v[i]);
	}
	sg_strv_clear(&ops);
	if (rc < 0)
		return rc;
	rate = json_object_get(obj, "rate");
	if (!rate)
		return sg_error_set(err, -ENOENT, "%s: missing field 'rate' ({\"count\": N, "
				    "\"seconds\": S})", where);
	if (asprintf(&rate_at, "%s.rate", where) < 0) {
		rate_at = NULL;
		return sg_error_set(err, -ENOMEM, "out of memory");
	}
	if ((rc = sg_json_only_keys(rate, rate_keys, rate_at, err)) < 0 ||
	    (rc = sg_json_uint(rate, "count", true, SG_SIGNER_RATE_MAX, rate_at, &count, err)) < 0 ||
	    (rc = sg_json_uint(rate, "seconds", true, 86400, rate_at, &secs, err)) < 0)
		return rc;
	if (count == 0 || secs == 0)
		return sg_error_set(err, -EINVAL, "%s.rate: count and seconds must be at least 1",
				    where);
	r->rate_count = (unsigned)count;
	r->rate_window = (unsigned)secs;
	r->issued = calloc(count, sizeof(*r->issued));
	return r->issued ? 0 : sg_error_set(err, -ENOMEM, "out of memory");
}

static int parse_limits(const json_t *root, struct sg_signer_config *cfg, struct sg_error *err)
{
	static const char *const keys[] = { "connections", "body", "headers", "header_bytes",
					    "handshake_timeout", "read_timeout", NULL };
	const json_t *l = json_object_get(root, "limits");
	struct {
		const char *key;
		unsigned *field;
		uint64_t max;
	} tab[] = {
		{ "connections", &cfg->max_connections, 65536 },
		{ "body", &cfg->max_body, SG_SIGNER_BODY_MAX },
		{ "headers", &cfg->max_headers, SG_SIGNER_HEADERS_MAX },
		{ "header_bytes", &cfg->max_header_bytes, SG_SIGNER_HEADERS_BYTES },
		{ "handshake_timeout", &cfg->handshake_timeout, 60 },
		{ "read_timeout", &cfg->read_timeout, 300 },
	};
	int r;

	if (!l)
		return 0;
	r = sg_json_only_keys(l, keys, "limits", err);
	for (size_t i = 0; r == 0 && i < SG_ARRAY_SIZE(tab); i++) {
		uint64_t v = *tab[i].field;

		r = sg_json_uint(l, tab[i].key, false, tab[i].max, "limits", &v, err);
		if (r == 0 && v == 0)
			r = sg_error_set(err, -EINVAL, "limits.%s: must be at least 1", tab[i].key);
		*tab[i].field = (unsigned)v;
	}
	return r;
}

static int parse_root(const json_t *root, struct sg_signer_config *cfg, struct sg_error *err)
{
	static const char *const keys[] = { "listen", "server_cert", "server_key", "client_ca",
					    "crl", "master_keys", "key_id", "audit",
					    "identity_from", "limits", "identities", NULL };
	struct {
		const char *key;
		char **field;
	} paths[] = {
		{ "server_cert", &cfg->server_cert }, { "server_key", &cfg->server_key },
		{ "client_ca", &cfg->client_ca },     { "crl", &cfg->crl },
		{ "master_keys", &cfg->master_dir },  { "audit", &cfg->audit },
	};
	_cleanup_free_ char *listen = NULL, *idsrc = NULL;
	const json_t *ids;
	const char *name;
	json_t *v;
	int r;

	r = sg_json_only_keys(root, keys, "(top)", err);
	if (r < 0)
		return r;
	r = sg_json_string(root, "listen", true, 300, "(top)", &listen, err);
	if (r < 0 || (r = parse_listen(listen, cfg, err)) < 0)
		return r;
	for (size_t i = 0; i < SG_ARRAY_SIZE(paths); i++) {
		r = sg_json_string(root, paths[i].key, true, PATH_MAX_LEN, "(top)", paths[i].field,
				   err);
		if (r < 0)
			return r;
		if (*paths[i].field[0] != '/' && strcmp(paths[i].key, "audit") != 0)
			return sg_error_set(err, -EINVAL, "%s: want an absolute path", paths[i].key);
	}
	if (cfg->audit[0] != '/' && strcmp(cfg->audit, "stderr") != 0)
		return sg_error_set(err, -EINVAL, "audit: want an absolute path or \"stderr\"");
	r = sg_json_string(root, "key_id", true, SG_LIMIT_KEY_ID, "(top)", &cfg->key_id, err);
	if (r < 0)
		return r;
	if (sg_key_id_valid(cfg->key_id) < 0)
		return sg_error_set(err, -EINVAL, "key_id '%s' is not [A-Za-z0-9][A-Za-z0-9_-]{0,63}",
				    cfg->key_id);
	r = sg_json_string(root, "identity_from", false, 8, "(top)", &idsrc, err);
	if (r < 0)
		return r;
	if (!idsrc || strcmp(idsrc, "cn") == 0)
		cfg->identity_from = SG_SIGNER_ID_CN;
	else if (strcmp(idsrc, "san") == 0)
		cfg->identity_from = SG_SIGNER_ID_SAN;
	else
		return sg_error_set(err, -EINVAL, "identity_from '%s': want \"cn\" or \"san\"",
				    idsrc);
	r = parse_limits(root, cfg, err);
	if (r < 0)
		return r;
	ids = json_object_get(root, "identities");
	if (!json_is_object(ids) || json_object_size(ids) == 0 ||
	    json_object_size(ids) > SG_SIGNER_IDENTITIES_MAX)
		return sg_error_set(err, -EINVAL, "identities: want an object of 1 to %u identities",
				    SG_SIGNER_IDENTITIES_MAX);
	cfg->ids = calloc(json_object_size(ids), sizeof(*cfg->ids));
	if (!cfg->ids)
		return sg_error_set(err, -ENOMEM, "out of memory");
	json_object_foreach((json_t *)ids, name, v) {
		if (name[0] == '\0' || strlen(name) > SG_LIMIT_ID)
			return sg_error_set(err, -EINVAL, "identities: a name of 1 to %u bytes",
					    SG_LIMIT_ID);
		r = parse_identity(name, v, &cfg->ids[cfg->n_ids++], err);
		if (r < 0)
			return r;
	}
	return 0;
}

int sg_signer_config_parse(const char *text, size_t len, const char *what,
			   struct sg_signer_config **out, struct sg_error *err)
{
	_cleanup_(sg_signer_config_freep) struct sg_signer_config *cfg = NULL;
	json_t *root = NULL;
	int r;

	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return sg_error_set(err, -ENOMEM, "out of memory");
	cfg->max_connections = SG_SIGNER_CONNECTIONS_MAX;
	cfg->max_body = SG_SIGNER_BODY_MAX;
	cfg->max_headers = SG_SIGNER_HEADERS_MAX;
	cfg->max_header_bytes = SG_SIGNER_HEADERS_BYTES;
	cfg->handshake_timeout = SG_SIGNER_HANDSHAKE_SECS;
	cfg->read_timeout = SG_SIGNER_READ_SECS;
	r = sg_oci_parse(text, len, &root, err);
	if (r == 0)
		r = parse_root(root, cfg, err);
	json_decref(root);
	if (r < 0)
		return sg_error_prefix(err, "%s", what);
	*out = steal_pointer(&cfg);
	return 0;
}

int sg_signer_config_load(const char *path, struct sg_signer_config **out, struct sg_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = sg_safepath_read(path, 0, SG_SIGNER_CONFIG_MAX, &text, &len, err);
	if (r < 0)
		return r;
	return sg_signer_config_parse(text, len, path, out, err);
}

struct sg_rights *sg_signer_config_find(struct sg_signer_config *cfg,
					      const char *identity)
{
	for (size_t i = 0; identity && i < cfg->n_ids; i++)
		if (strcmp(cfg->ids[i].name, identity) == 0)
			return &cfg->ids[i];
	return NULL;
}
