/* SPDX-License-Identifier: Apache-2.0 */
/* The signer's model: request parsing (strict fields, bounds), rights matching (namespaces,
 * containers, nodes, operations, argv allow/deny), the rate limit, the config file, the
 * audit line, and per-host key derivation (a token for one node fails on another). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "oci/oci.h"
#include "sig/canon.h"
#include "signer/audit.h"
#include "signer/signer.h"
#include "sig/derive.h"
#include "sig/keyring.h"
#include "sig/token.h"
#include "sig/verify.h"

#define CONFIG_HEAD                                                                          \
	"{\"listen\": \"127.0.0.1:8443\", \"server_cert\": \"/s.crt\", \"server_key\": \"/s.key\", " \
	"\"client_ca\": \"/ca.crt\", \"crl\": \"/crl.pem\", \"master_keys\": \"/m\", "        \
	"\"key_id\": \"ops\", \"audit\": \"stderr\", "

static const char config_ok[] = CONFIG_HEAD
	"\"identities\": {"
	" \"alice\": {\"namespaces\": [\"default\"], \"containers\": [\"web-*\", \"db\"],"
	"  \"nodes\": [\"node-a\", \"edge-*\"], \"operations\": [\"exec\"],"
	"  \"argv_deny\": [[\"/bin/sh\", \"...\"], [\"*nsenter*\", \"...\"]],"
	"  \"rate\": {\"count\": 2, \"seconds\": 10}},"
	" \"bob\": {\"namespaces\": [\"*\"], \"containers\": [\"*\"], \"nodes\": [\"*\"],"
	"  \"operations\": [\"exec\", \"create\"],"
	"  \"argv_allow\": [[\"/bin/echo\", \"...\"], [\"/bin/ls\", \"-l\"]],"
	"  \"rate\": {\"count\": 1, \"seconds\": 1}}}}";

static struct sg_signer_config *config(const char *text, struct sg_error *err)
{
	struct sg_signer_config *cfg = NULL;

	if (sg_signer_config_parse(text, strlen(text), "signer.json", &cfg, err) < 0)
		return NULL;
	return cfg;
}

static void parse_ok(const char *body, struct sg_sign_req *r)
{
	struct sg_error err = { 0 };

	if (sg_sign_req_parse(body, strlen(body), r, &err) < 0)
		fail_msg("parse '%s': %s", body, err.msg);
}

static void parse_fails(const char *body, const char *want)
{
	struct sg_sign_req r;
	struct sg_error err = { 0 };

	if (sg_sign_req_parse(body, strlen(body), &r, &err) == 0) {
		sg_sign_req_clear(&r);
		fail_msg("parse '%s' succeeded, want '%s'", body, want);
	}
	if (!strstr(err.msg, want))
		fail_msg("parse '%s': error '%s' does not contain '%s'", body, err.msg, want);
}

/* The token form a request resolves to. */
static void form_is(const char *body, unsigned version, const char *binding)
{
	struct sg_sign_req r;
	char b[SG_REL_MAX + 1];

	parse_ok(body, &r);
	sg_rel_format(r.rel, b);
	if (r.version != version || strcmp(b, binding) != 0)
		fail_msg("'%s': version %u binding %s, want %u %s", body, r.version, b, version,
			 binding);
	sg_sign_req_clear(&r);
}

#define REQ(extra)                                                                           \
	"{\"op\": \"exec\", \"namespace\": \"default\", \"container\": \"web-1\", "           \
	"\"node\": \"node-a\", \"argv\": [\"/bin/echo\", \"hi\"]" extra "}"

static void test_parse(void **state)
{
	struct sg_sign_req r;

	(void)state;
	parse_ok(REQ(", \"terminal\": true, \"env\": [\"A=1\"], \"cwd\": \"/tmp\", \"exec_id\": \"e1\","
		     " \"user\": {\"uid\": 1000, \"gid\": 100, \"additional_gids\": [10, 20]}"), &r);
	assert_int_equal(r.op, SG_OP_EXEC);
	assert_string_equal(r.ns, "default");
	assert_string_equal(r.id, "web-1");
	assert_string_equal(r.node, "node-a");
	assert_string_equal(r.exec_id, "e1");
	assert_string_equal(r.cwd, "/tmp");
	assert_int_equal(r.argv.n, 2);
	assert_int_equal(r.env.n, 1);
	assert_true(r.terminal);
	assert_int_equal(r.user.uid, 1000);
	assert_int_equal(r.user.n_additional_gids, 2);
	assert_int_equal(r.user.additional_gids[1], 20);
	sg_sign_req_clear(&r);
	parse_ok(REQ(""), &r);
	assert_false(r.terminal);
	assert_null(r.exec_id);
	assert_false(r.user_set);
	sg_sign_req_clear(&r);
}

static void test_parse_refusals(void **state)
{
	char *big;

	(void)state;
	parse_fails(REQ(", \"foo\": 1"), "unknown field 'foo'");
	parse_fails(REQ(", \"user\": {\"uid\": 0, \"gid\": 0, \"name\": \"root\"}"),
		    "user: unknown field 'name'");
	parse_fails("{\"op\": \"exec\"", "JSON line");
	parse_fails("[]", "not a JSON object");
	parse_fails("{\"op\": \"mount\", \"namespace\": \"n\", \"container\": \"c\", \"node\": \"a\","
		    " \"argv\": [\"x\"]}", "not exec or create");
	parse_fails("{\"op\": \"exec\", \"namespace\": \"n\", \"container\": \"c\", \"argv\": [\"x\"]}",
		    "missing field 'node'");
	parse_fails(REQ(", \"node\": \"a\""), "JSON line"); /* duplicate key */
	parse_fails("{\"op\": \"exec\", \"namespace\": \"n\", \"container\": \"c\", \"node\": \"../x\","
		    " \"argv\": [\"x\"]}", "request.node: not a node name");
	parse_fails("{\"op\": \"exec\", \"namespace\": \"n\", \"container\": \"c\", \"node\": \"a\","
		    " \"argv\": []}", "request.argv: empty");
	parse_fails("{\"op\": \"exec\", \"namespace\": \"n\", \"container\": \"c\", \"node\": \"a\","
		    " \"argv\": [\"x\", 1]}", "request.argv[1]: not a string");
	parse_fails(REQ(", \"env\": [\"NOEQUALS\"]"), "request.env[0]: want K=V");
	parse_fails(REQ(", \"env\": [\"SHIMGATE_TOKEN=sg1.x\"]"), "token carrier");
	parse_fails(REQ(", \"terminal\": \"yes\""), "request.terminal: not a boolean");
	parse_fails(REQ(", \"cwd\": \"tmp\""), "not an absolute path");
	parse_fails("{\"op\": \"exec\", \"namespace\": \"n\", \"container\": \"c/\", \"node\": \"a\","
		    " \"argv\": [\"x\"]}", "request.container: not a plain name");
	parse_fails(REQ(", \"user\": {\"uid\": -1, \"gid\": 0}"), "user.uid");
	parse_fails(REQ(", \"user\": {\"uid\": 4294967296, \"gid\": 0}"), "user.uid");
	parse_fails(REQ(", \"namespace\": \"\""), "JSON line");
	parse_fails("{\"op\": \"create\", \"namespace\": \"n\", \"container\": \"c\", \"node\": \"a\","
		    " \"argv\": [\"x\"], \"exec_id\": \"e\"}", "only an exec has one");
	/* Over the body bound, whatever it holds. */
	big = calloc(1, SG_SIGNER_BODY_MAX + 2);
	assert_non_null(big);
	memset(big, ' ', SG_SIGNER_BODY_MAX + 1);
	parse_fails(big, "limit");
	free(big);
}

#define CREQ(extra)                                                                          \
	"{\"op\": \"create\", \"namespace\": \"default\", \"container\": \"web-1\", "         \
	"\"node\": \"node-a\", \"argv\": [\"/bin/server\"]" extra "}"

/* The token form: version 2 binding what the request does not give, as `shimgate sign
 * exec` does (FORMAT.md section 6); an explicit binding; version 1 on request. */
static void test_parse_form(void **state)
{
	(void)state;
	form_is(REQ(""), 2, "ugsw");
	form_is(REQ(", \"terminal\": true, \"env\": [\"FOO=1\"]"), 2, "ugsw");
	form_is(REQ(", \"user\": {\"uid\": 1000}"), 2, "gsw");
	form_is(REQ(", \"user\": {\"uid\": 1000, \"gid\": 1000}"), 2, "w");
	form_is(REQ(", \"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\""), 2, "-");
	form_is(REQ(", \"cwd\": \"/tmp\""), 2, "ugs");
	/* ctr --user U:G keeps the container's groups. */
	form_is(REQ(", \"user\": {\"uid\": 1000, \"gid\": 1000}, \"binding\": \"sw\""), 2, "sw");
	/* Groups not given and not bound are none. */
	form_is(REQ(", \"user\": {\"uid\": 5}, \"cwd\": \"/\", \"binding\": \"g\""), 2, "g");
	form_is(REQ(", \"token_version\": 2"), 2, "ugsw");
	form_is(REQ(", \"token_version\": 1, \"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\""), 1,
		"-");
	form_is(CREQ(""), 1, "-");
	form_is(CREQ(", \"token_version\": 1, \"user\": {\"uid\": 1, \"gid\": 2}"), 1, "-");
}

static void test_parse_form_refusals(void **state)
{
	(void)state;
	parse_fails(REQ(", \"token_version\": 3"), "request.token_version: want 1 or 2");
	parse_fails(REQ(", \"token_version\": \"1\""), "request.token_version: want 1 or 2");
	parse_fails(CREQ(", \"token_version\": 2"), "signs an exec, not a create");
	parse_fails(REQ(", \"token_version\": 1"), "a version 1 exec binds absolute values");
	parse_fails(REQ(", \"token_version\": 1, \"user\": {\"uid\": 0, \"gid\": 0}"),
		    "give user.uid, user.gid and cwd");
	parse_fails(REQ(", \"token_version\": 1, \"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\","
			" \"binding\": \"-\""), "request.binding: only a version 2 exec");
	parse_fails(CREQ(", \"binding\": \"ugsw\""), "request.binding: only a version 2 exec");
	parse_fails(CREQ(", \"user\": {\"uid\": 0}"), "request.user.gid: required for a create");
	parse_fails(REQ(", \"binding\": \"wu\""), "letters of \"ugsw\" in that order");
	parse_fails(REQ(", \"binding\": \"\""), "request.binding");
	parse_fails(REQ(", \"binding\": 1"), "request.binding");
	parse_fails(REQ(", \"user\": {\"uid\": 0}, \"binding\": \"ugsw\""),
		    "'u' binds the container's own, but request.user.uid is given");
	parse_fails(REQ(", \"user\": {\"uid\": 0, \"gid\": 0}, \"binding\": \"gsw\""),
		    "'g' binds the container's own, but request.user.gid is given");
	parse_fails(REQ(", \"user\": {\"uid\": 0, \"gid\": 0, \"additional_gids\": [4]},"
			" \"binding\": \"sw\""), "'s' binds the container's own, but "
		    "request.user.additional_gids is given");
	parse_fails(REQ(", \"cwd\": \"/\", \"binding\": \"ugsw\""), "'w' binds the container's own");
	/* The signer never fills in root or "/" for what a binding leaves absolute. */
	parse_fails(REQ(", \"binding\": \"-\""), "request.user.uid: not given and not in request.binding");
	parse_fails(REQ(", \"user\": {\"uid\": 3}, \"binding\": \"w\""),
		    "request.user.gid: not given and not in request.binding");
	parse_fails(REQ(", \"binding\": \"ugs\""), "request.cwd: not given and not in request.binding");
	parse_fails(REQ(", \"user\": {\"uid\": 3, \"additional_gids\": [4]}"),
		    "user.additional_gids: only with user.gid");
	parse_fails(REQ(", \"user\": [0, 0]"), "request.user: not an object");
	parse_fails(REQ(", \"user\": {\"gid\": 0}"), "user");
}

/* The container's config.json and the exec's process JSON as the gate sees them. */
static const char container_doc[] =
	"{\"ociVersion\": \"1.0.2\", \"process\": {\"args\": [\"sleep\", \"1000\"], "
	"\"user\": {\"uid\": 1000, \"gid\": 1000, \"additionalGids\": [1000, 10]}, "
	"\"cwd\": \"/srv\", \"env\": [\"PATH=/bin\", \"HOME=/srv\"]}}";

/* A token the signer issues for body (signed with key, as http.c does), checked by the gate
 * against an exec of process fields uid/gid/cwd with docker exec -t -e FOO=1's env. */
static enum sg_sig_status gate_verdict(const char *body, const struct sg_keyring *key,
				       const struct sg_keyring *gate, const char *user,
				       const char *cwd, char *why, size_t why_size)
{
	struct sg_canon_params p = { .key_id = "k1", .timestamp = 1700000000,
				     .nonce = "0123456789abcdef0123456789abcdef" };
	struct sg_verify_opts o = { .max_age = 120, .max_future = 5, .keyring = gate };
	struct sg_request *req = NULL, *exec = NULL;
	struct sg_error err = { 0 };
	struct sg_sign_req r;
	char token[SG_TOKEN_MAX + 1];
	_cleanup_free_ char *process = NULL;
	enum sg_sig_status st;
	json_t *cdoc;

	parse_ok(body, &r);
	assert_int_equal(sg_sign_req_build(&r, &req, &err), 0);
	sg_sign_req_params(&r, &p);
	if (sg_sign_request_params(key, &p, req, token, sizeof(token), &err) < 0)
		fail_msg("sign '%s': %s", body, err.msg);
	assert_non_null(cdoc = json_loads(container_doc, 0, NULL));
	assert_true(asprintf(&process, "{\"args\": [\"/bin/echo\", \"hi\"], \"user\": %s, "
			     "\"cwd\": \"%s\", \"terminal\": true, \"env\": [\"PATH=/bin\", "
			     "\"HOME=/srv\", \"FOO=1\", \"TERM=xterm\", \"SHIMGATE_TOKEN=%s\"]}",
			     user, cwd, token) > 0);
	if (sg_oci_exec_request("default", "web-1", "e1", process, strlen(process), cdoc, &exec,
				&err) < 0)
		fail_msg("exec request: %s", err.msg);
	json_decref(cdoc);
	exec->now = 1700000000;
	st = sg_verify_request(&o, exec);
	(void)snprintf(why, why_size, "%s %.400s", token[2] == '2' ? "sg2" : "sg1", exec->sig.why.msg);
	sg_request_free(exec);
	sg_request_free(req);
	sg_sign_req_clear(&r);
	return st;
}

/* The signer's tokens run where the gate's container matches: only argv, terminal and the
 * added env signed (version 2, binding ugsw) for the container's own user and cwd; another
 * user is refused naming it; another node's key is refused; a version 1 request binds the
 * values it gives. */
static void test_sign_relative(void **state)
{
	struct sg_test_dir *f = *state;
	static const char master_hex[] =
		"8f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff";
	static const char own[] = "{\"uid\": 1000, \"gid\": 1000, \"additionalGids\": [1000, 10]}";
	struct sg_keyring *master = NULL, *ka = NULL, *kb = NULL;
	struct sg_error err = { 0 };
	char why[512];
	_cleanup_free_ char *path = sg_test_write(f->dir, "k1", 0600, "secret = %s\n", master_hex);

	if (sg_keyring_load_file(path, &master, &err) < 0)
		fail_msg("load: %s", err.msg);
	assert_int_equal(sg_keyring_derive(master, "k1", "node-a", &ka, &err), 0);
	assert_int_equal(sg_keyring_derive(master, "k1", "node-b", &kb, &err), 0);

	assert_int_equal(gate_verdict(REQ(", \"terminal\": true, \"env\": [\"FOO=1\"]"), ka, ka, own,
				      "/srv", why, sizeof(why)), SG_SIG_VALID);
	assert_non_null(strstr(why, "sg2"));
	/* Docker's -u 1000:1000 (its gid added to the groups) against the container's own. */
	assert_int_equal(gate_verdict(REQ(", \"terminal\": true, \"env\": [\"FOO=1\"], \"user\":"
					  " {\"uid\": 0, \"gid\": 0}"), ka, ka,
				      "{\"uid\": 0, \"gid\": 0, \"additionalGids\": [0]}", "/srv", why,
				      sizeof(why)), SG_SIG_VALID);
	assert_int_equal(gate_verdict(REQ(", \"terminal\": true, \"env\": [\"FOO=1\"]"), ka, ka,
				      "{\"uid\": 0, \"gid\": 1000, \"additionalGids\": [1000, 10]}",
				      "/srv", why, sizeof(why)), SG_SIG_INVALID);
	if (!strstr(why, "uid"))
		fail_msg("another uid than the container's: '%s' does not name the uid", why);
	assert_int_equal(gate_verdict(REQ(", \"terminal\": true, \"env\": [\"FOO=1\"]"), ka, kb, own,
				      "/srv", why, sizeof(why)), SG_SIG_INVALID);
	assert_non_null(strstr(why, "bad signature"));
	/* Version 1 has no implied TERM=xterm: it is signed as added. */
	assert_int_equal(gate_verdict(REQ(", \"terminal\": true, \"env\": [\"FOO=1\", \"TERM=xterm\"],"
					  " \"user\": {\"uid\": 1000, \"gid\": 1000, \"additional_gids\": [10]},"
					  " \"cwd\": \"/srv\", \"token_version\": 1"), ka, ka,
				      "{\"uid\": 1000, \"gid\": 1000, \"additionalGids\": [10]}",
				      "/srv", why, sizeof(why)), SG_SIG_VALID);
	assert_non_null(strstr(why, "sg1"));
	sg_keyring_free(ka);
	sg_keyring_free(kb);
	sg_keyring_free(master);
}

static void test_config(void **state)
{
	struct sg_error err = { 0 };
	struct sg_signer_config *cfg = config(config_ok, &err);
	struct sg_rights *a;

	(void)state;
	if (!cfg)
		fail_msg("config: %s", err.msg);
	assert_string_equal(cfg->listen_host, "127.0.0.1");
	assert_int_equal(cfg->listen_port, 8443);
	assert_int_equal(cfg->n_ids, 2);
	assert_int_equal(cfg->max_body, SG_SIGNER_BODY_MAX);
	a = sg_signer_config_find(cfg, "alice");
	assert_non_null(a);
	assert_int_equal(a->n_deny, 2);
	assert_true(a->deny[0].rest);
	assert_int_equal(a->deny[0].words.n, 1);
	assert_false(a->allow_present);
	assert_null(sg_signer_config_find(cfg, "carol"));
	sg_signer_config_free(cfg);
}

static void config_fails(const char *text, const char *want)
{
	struct sg_error err = { 0 };
	struct sg_signer_config *cfg = config(text, &err);

	if (cfg) {
		sg_signer_config_free(cfg);
		fail_msg("config succeeded, want '%s'", want);
	}
	if (!strstr(err.msg, want))
		fail_msg("error '%s' does not contain '%s'", err.msg, want);
}

#define ID_OK "\"namespaces\": [\"d\"], \"containers\": [\"c\"], \"operations\": [\"exec\"], " \
	      "\"rate\": {\"count\": 1, \"seconds\": 1}"

static void test_config_refusals(void **state)
{
	(void)state;
	config_fails(CONFIG_HEAD "\"identities\": {\"a\": {" ID_OK "}}}", "missing field 'nodes'");
	config_fails(CONFIG_HEAD "\"identities\": {\"a\": {" ID_OK ", \"nodes\": [\"n\"], "
		     "\"verify\": false}}}", "identities.a: unknown field 'verify'");
	config_fails(CONFIG_HEAD "\"verify_client\": false, \"identities\": {}}",
		     "unknown field 'verify_client'");
	config_fails(CONFIG_HEAD "\"identities\": {}}", "identities: want an object");
	config_fails(CONFIG_HEAD "\"identities\": {\"a\": {\"namespaces\": [\"d\"], \"containers\": "
		     "[\"c\"], \"nodes\": [\"n\"], \"operations\": [\"mount\"], \"rate\": {\"count\": 1,"
		     " \"seconds\": 1}}}}", "'mount' is not exec or create");
	config_fails(CONFIG_HEAD "\"identities\": {\"a\": {\"namespaces\": [\"d\"], \"containers\": "
		     "[\"c\"], \"nodes\": [\"n\"], \"operations\": [\"exec\"], \"rate\": {\"count\": 0,"
		     " \"seconds\": 1}}}}", "at least 1");
	config_fails(CONFIG_HEAD "\"identities\": {\"a\": {" ID_OK ", \"nodes\": [\"n\"], "
		     "\"argv_allow\": [[]]}}}", "an empty pattern");
	config_fails(CONFIG_HEAD "\"limits\": {\"body\": 1000000}, \"identities\": {}}",
		     "limits.body");
	config_fails("{\"listen\": \":8443\"}", "no host");
}

static struct sg_rights *alice(struct sg_signer_config **cfg)
{
	struct sg_error err = { 0 };

	*cfg = config(config_ok, &err);
	if (!*cfg)
		fail_msg("config: %s", err.msg);
	return sg_signer_config_find(*cfg, "alice");
}

/* Parses body and checks it against who's rights: want NULL for allowed, else a substring. */
static void rights(struct sg_rights *who, const char *body, const char *want)
{
	struct sg_sign_req r;
	struct sg_error err = { 0 };
	int rc;

	parse_ok(body, &r);
	rc = sg_rights_check(who, &r, &err);
	sg_sign_req_clear(&r);
	if (!want && rc < 0)
		fail_msg("'%s' refused: %s", body, err.msg);
	if (want && rc == 0)
		fail_msg("'%s' allowed, want '%s'", body, want);
	if (want && !strstr(err.msg, want))
		fail_msg("'%s': error '%s' does not contain '%s'", body, err.msg, want);
}

#define ALICE(ns, id, node, argv)                                                            \
	"{\"op\": \"exec\", \"namespace\": \"" ns "\", \"container\": \"" id "\", \"node\": \"" \
	node "\", \"argv\": " argv "}"

static void test_rights(void **state)
{
	struct sg_signer_config *cfg;
	struct sg_rights *a = alice(&cfg), *b = sg_signer_config_find(cfg, "bob");

	(void)state;
	rights(a, ALICE("default", "web-1", "node-a", "[\"/bin/echo\"]"), NULL);
	rights(a, ALICE("default", "db", "edge-7", "[\"/bin/echo\"]"), NULL);
	rights(a, ALICE("prod", "web-1", "node-a", "[\"/bin/echo\"]"), "namespace 'prod'");
	rights(a, ALICE("default", "dbx", "node-a", "[\"/bin/echo\"]"), "container 'dbx'");
	rights(a, ALICE("default", "web-1", "node-b", "[\"/bin/echo\"]"), "node 'node-b'");
	rights(a, ALICE("default", "web-1", "node-a", "[\"/bin/sh\"]"), "argv_deny[0]");
	rights(a, ALICE("default", "web-1", "node-a", "[\"/bin/sh\", \"-c\", \"id\"]"), "argv_deny[0]");
	rights(a, ALICE("default", "web-1", "node-a", "[\"/usr/bin/nsenter\", \"-t\", \"1\"]"),
	       "argv_deny[1]");
	/* Per element: "/bin/sh -c" as one element is not the program /bin/sh. */
	rights(a, ALICE("default", "web-1", "node-a", "[\"/bin/sh -c\"]"), NULL);
	rights(a, "{\"op\": \"create\", \"namespace\": \"default\", \"container\": \"web-1\", "
		  "\"node\": \"node-a\", \"argv\": [\"x\"]}", "operation 'create'");
	/* bob: allow list only. */
	rights(b, ALICE("x", "y", "z", "[\"/bin/echo\"]"), NULL);
	rights(b, ALICE("x", "y", "z", "[\"/bin/echo\", \"a\", \"b\"]"), NULL);
	rights(b, ALICE("x", "y", "z", "[\"/bin/ls\", \"-l\"]"), NULL);
	rights(b, ALICE("x", "y", "z", "[\"/bin/ls\", \"-l\", \"/\"]"), "no argv_allow");
	rights(b, ALICE("x", "y", "z", "[\"/bin/ls\"]"), "no argv_allow");
	rights(b, ALICE("x", "y", "z", "[\"/bin/cat\"]"), "no argv_allow");
	sg_signer_config_free(cfg);
}

static void test_rate(void **state)
{
	struct sg_signer_config *cfg;
	struct sg_rights *a = alice(&cfg);
	struct sg_error err = { 0 };

	(void)state;
	/* 2 per 10 s. */
	assert_int_equal(sg_rights_take(a, 1000, &err), 0);
	assert_int_equal(sg_rights_take(a, 1001, &err), 0);
	assert_int_equal(sg_rights_take(a, 1009, &err), -EBUSY);
	assert_non_null(strstr(err.msg, "rate limit"));
	assert_int_equal(sg_rights_take(a, 1010, &err), 0); /* 1000 left the window */
	assert_int_equal(sg_rights_take(a, 1010, &err), -EBUSY);
	assert_int_equal(sg_rights_take(a, 1011, &err), 0);
	sg_signer_config_free(cfg);
}

static void test_audit_line(void **state)
{
	struct sg_sign_req r;
	struct sg_signer_event ev = { .identity = "alice", .peer = "127.0.0.1:1",
				      .decision = "issue", .key_id = "ops",
				      .nonce = "0123456789abcdef0123456789abcdef",
				      .timestamp = 1700000000, .status = 200 };
	char *line;

	(void)state;
	parse_ok(REQ(", \"exec_id\": \"e1\""), &r);
	ev.req = &r;
	line = sg_signer_audit_format(&ev);
	assert_non_null(line);
	assert_non_null(strstr(line, "\"identity\":\"alice\""));
	assert_non_null(strstr(line, "\"decision\":\"issue\""));
	assert_non_null(strstr(line, "\"node\":\"node-a\""));
	assert_non_null(strstr(line, "\"nonce\":\"0123456789abcdef0123456789abcdef\""));
	assert_non_null(strstr(line, "\"argv\":[\"/bin/echo\",\"hi\"]"));
	assert_non_null(strstr(line, "\"token_version\":2"));
	assert_non_null(strstr(line, "\"binding\":\"ugsw\""));
	/* Bound as the container's own: no made-up user or cwd in the record. */
	assert_null(strstr(line, "\"user\""));
	assert_null(strstr(line, "\"cwd\""));
	assert_null(strchr(line, '\n'));
	assert_null(strstr(line, "\"token\""));
	free(line);
	sg_sign_req_clear(&r);
	parse_ok(REQ(", \"user\": {\"uid\": 1000, \"gid\": 1000}, \"binding\": \"sw\""), &r);
	ev.req = &r;
	line = sg_signer_audit_format(&ev);
	assert_non_null(line);
	assert_non_null(strstr(line, "\"binding\":\"sw\""));
	assert_non_null(strstr(line, "\"user\":{\"uid\":1000,\"gid\":1000}"));
	free(line);
	sg_sign_req_clear(&r);
}

/* HKDF-SHA256 by OpenSSL's EVP_KDF, the reference for sg_host_key_derive's own HKDF. */
static void evp_hkdf(const uint8_t *master, size_t len, const char *id, const char *node,
		     uint8_t out[SG_HOST_KEY_LEN])
{
	char info[512];
	int n = snprintf(info, sizeof(info), "%s%c%s", id, '\0', node);
	OSSL_PARAM p[] = {
		OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)master, len),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)SG_HOST_KEY_SALT,
						  sizeof(SG_HOST_KEY_SALT) - 1),
		OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, (size_t)n),
		OSSL_PARAM_construct_end(),
	};
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;

	assert_non_null(ctx);
	assert_int_equal(EVP_KDF_derive(ctx, out, SG_HOST_KEY_LEN, p), 1);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

/* The gate's HKDF agrees with OpenSSL's on master secrets shorter than, equal to and longer
 * than a SHA-256 block, and on short and maximal names. */
static void test_derive_evp(void **state)
{
	static const size_t lens[] = { 32, 63, 64, 65, 200 };
	char node[SG_NODE_NAME_MAX + 1], id[65];
	uint8_t master[200], a[SG_HOST_KEY_LEN], b[SG_HOST_KEY_LEN];
	struct sg_error err = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(master); i++)
		master[i] = (uint8_t)(i * 7 + 3);
	memset(node, 'n', SG_NODE_NAME_MAX);
	node[SG_NODE_NAME_MAX] = '\0';
	memset(id, 'k', 64);
	id[64] = '\0';
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		assert_int_equal(sg_host_key_derive(master, lens[i], "k1", "node-a", a, &err), 0);
		evp_hkdf(master, lens[i], "k1", "node-a", b);
		assert_memory_equal(a, b, sizeof(a));
		assert_int_equal(sg_host_key_derive(master, lens[i], id, node, a, &err), 0);
		evp_hkdf(master, lens[i], id, node, b);
		assert_memory_equal(a, b, sizeof(a));
	}
}

/* The vector of FORMAT.md section 7, and a token for node-a failing under node-b's key. */
static void test_derive(void **state)
{
	struct sg_test_dir *f = *state;
	static const char master_hex[] =
		"8f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff";
	struct sg_keyring *master = NULL, *ka = NULL, *kb = NULL;
	struct sg_request *req = NULL;
	struct sg_sign_req r;
	struct sg_error err = { 0 };
	uint8_t out[SG_HOST_KEY_LEN], m[32];
	char token[SG_TOKEN_MAX + 1];
	struct sg_verify_opts o = { .max_age = 120, .max_future = 5 };
	_cleanup_free_ char *path = sg_test_write(f->dir, "k1", 0600, "secret = %s\n", master_hex);

	assert_int_equal(sg_hex_decode(master_hex, 64, m), 0);
	assert_int_equal(sg_host_key_derive(m, sizeof(m), "k1", "node-a", out, &err), 0);
	assert_int_equal(out[0], 0x4b);
	assert_int_equal(out[1], 0x6d);
	assert_int_equal(out[31], 0x4e);
	assert_int_equal(sg_host_key_derive(m, sizeof(m), "k1", "../a", out, &err), -EINVAL);
	assert_int_equal(sg_host_key_derive(m, 16, "k1", "a", out, &err), -EINVAL);
	assert_int_equal(sg_node_name_valid("node-a.example.com"), 0);
	assert_int_equal(sg_node_name_valid(".a"), -EINVAL);
	assert_int_equal(sg_node_name_valid("a/b"), -EINVAL);

	if (sg_keyring_load_file(path, &master, &err) < 0)
		fail_msg("load: %s", err.msg);
	assert_int_equal(sg_keyring_derive(master, "k1", "node-a", &ka, &err), 0);
	assert_int_equal(sg_keyring_derive(master, "k1", "node-b", &kb, &err), 0);
	assert_int_equal(sg_keyring_derive(master, "k9", "node-a", &kb, &err), -ENOKEY);
	parse_ok(REQ(", \"exec_id\": \"e1\""), &r);
	assert_int_equal(sg_sign_req_build(&r, &req, &err), 0);
	assert_int_equal(sg_sign_request(ka, "k1", 1700000000, "0123456789abcdef0123456789abcdef",
					 true, req, token, sizeof(token), &err), 0);
	o.keyring = kb;
	req->now = 1700000000;
	assert_int_equal(sg_request_set_token(req, token, &err), 0);
	assert_int_equal(sg_verify_request(&o, req), SG_SIG_INVALID);
	assert_non_null(strstr(req->sig.why.msg, "bad signature"));
	req->sig.status = SG_SIG_UNCHECKED;
	o.keyring = ka;
	assert_int_equal(sg_request_set_token(req, token, &err), 0);
	assert_int_equal(sg_verify_request(&o, req), SG_SIG_VALID);
	sg_request_free(req);
	sg_sign_req_clear(&r);
	sg_keyring_free(ka);
	sg_keyring_free(kb);
	sg_keyring_free(master);
}

/* Bytes of this process's mappings kept out of core dumps (VmFlags "dd"): the keyrings'. */
static size_t dontdump_bytes(void)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	char line[512];
	size_t total = 0, kb = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Size: %zu kB", &kb) == 1)
			continue;
		if (strncmp(line, "VmFlags:", 8) == 0 && strstr(line, " dd"))
			total += kb << 10;
	}
	fclose(f);
	return total;
}

/* A sign request derives a keyring of one key: its secret region is a page, undumpable, not
 * the room for a whole key directory (locked on every request). */
static void test_derive_region(void **state)
{
	struct sg_test_dir *f = *state;
	_cleanup_free_ char *path = sg_test_write(f->dir, "k1", 0600, "secret = %s\n",
		"8f1e2d3c4b5a69788796a5b4c3d2e1f000112233445566778899aabbccddeeff");
	struct sg_keyring *master = NULL, *ka = NULL;
	struct sg_error err = { 0 };
	size_t before;

	if (sg_keyring_load_file(path, &master, &err) < 0)
		fail_msg("load: %s", err.msg);
	before = dontdump_bytes();
	assert_int_equal(sg_keyring_derive(master, "k1", "node-a", &ka, &err), 0);
	assert_in_range(dontdump_bytes() - before, 1, (size_t)sysconf(_SC_PAGESIZE));
	sg_keyring_free(ka);
	assert_int_equal(dontdump_bytes(), before);
	sg_keyring_free(master);
}

/* A request the gate could not see is the client's fault (400, its reason); the signer's own
 * failures stay 500. */
static void test_status(void **state)
{
	char ns[] = "a/b", id[] = "c1", arg0[] = "/bin/true";
	char *argv[] = { arg0 };
	struct sg_sign_req r = { .op = SG_OP_EXEC, .ns = ns, .id = id,
				 .argv = { .v = argv, .n = 1, .present = true } };
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	int rc;

	(void)state;
	rc = sg_sign_req_build(&r, &req, &err);
	assert_true(rc < 0);
	assert_null(req);
	assert_non_null(strstr(err.msg, "namespace"));
	assert_int_equal(sg_sign_req_status(rc), 400);
	assert_int_equal(sg_sign_req_status(-E2BIG), 400);
	assert_int_equal(sg_sign_req_status(-ENOMEM), 500);
	assert_int_equal(sg_sign_req_status(-EIO), 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_form),
		cmocka_unit_test(test_parse_form_refusals),
		SG_TEST_WITH_DIR(test_sign_relative),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_refusals),
		cmocka_unit_test(test_rights),
		cmocka_unit_test(test_rate),
		cmocka_unit_test(test_audit_line),
		SG_TEST_WITH_DIR(test_derive),
		cmocka_unit_test(test_derive_evp),
		cmocka_unit_test(test_status),
		SG_TEST_WITH_DIR(test_derive_region),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
