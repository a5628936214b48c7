/* SPDX-License-Identifier: Apache-2.0 */
/* Decision latency in process: exec and create frames through sg_intercept_frame exactly as
 * the shim judges them, against the floor of one bare HMAC-SHA256. Prints one JSON object.
 *
 * Usage: bench_decision --policies DIR --fixtures DIR [--execs N] [--creates N]
 *                       [--blocks B] [--only KIND] [--keep]
 * KIND: exec, exec_unsigned_refused, create, replay_record, hmac_floor (default: all,
 * interleaved). replay_record is the replay store alone (sg_replay_record of a fresh nonce in
 * a store of the gate's capacity: flock, probe, mmap'ed write), a part of every signed exec.
 * Figures, never pass/fail: it exits non-zero only when the harness itself is wrong (a
 * signed exec refused, an unsigned one allowed), because then the figures mean nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "containerd/task/v2/shim.pb-c.h"
#include "core/audit.h"
#include "core/request.h"
#include "frame.h"
#include "gate/gate.h"
#include "oci/oci.h"
#include "runc/settings.h"
#include "shim/firewall/intercept.h"
#include "shim/log.h"
#include "shim/ttrpc.h"
#include "sig/canon.h"
#include "sig/keyring.h"
#include "sig/replay.h"
#include "sig/token.h"
#include "sig/verify.h"
#include "ttrpc.pb-c.h"

#define NS "default"
#define EXEC_CID "c1"   /* the container every exec goes into */
#define CREATE_CID "c2" /* the container created again and again */
#define KEY_ID "bench"
#define PROCESS_TYPE_URL "types.containerd.io/opencontainers/runtime-spec/1/Process"

struct frame {
	uint8_t *p;
	size_t len;
};

struct bench {
	char dir[64];
	char bundle_root[128];
	const char *policies, *fixtures;
	size_t n_exec, n_create, blocks;
	json_t *config;   /* the fixture config.json */
	json_t *process;  /* the fixture exec process */
	struct sg_keyring *kr;
	struct sg_gate *gate;
	struct sg_audit *audit;
	struct sg_runc_settings *runc;
	struct sg_intercept *ic;
	struct frame *exec_frames, *unsigned_frames, *create_frames;
	char **create_docs; /* config.json text per create, with its token */
	struct sg_replay *replay; /* a store of its own for replay_record */
	char (*nonces)[SG_NONCE_HEX + 1];
	uint32_t replay_capacity;
	size_t signing_input_len, exec_frame_len, create_frame_len, process_len, config_len;
	uint32_t next_sid;
};

static void die(const char *what, const char *why)
{
	fprintf(stderr, "bench_decision: %s: %s\n", what, why);
	exit(2);
}

static void die_err(const char *what, const struct sg_error *err)
{
	die(what, err->msg);
}

static void write_file(const char *path, const char *text, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) < 0 || close(fd) < 0)
		die(path, strerror(errno));
}

static char *read_text(const char *path, size_t *len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t cap = 0;

	if (!f)
		die(path, strerror(errno));
	*len = getdelim(&buf, &cap, '\0', f) < 0 ? 0 : strlen(buf);
	fclose(f);
	if (!*len)
		die(path, "empty");
	return buf;
}

static void copy_file(const char *from, const char *to)
{
	size_t len;
	char *t = read_text(from, &len);

	write_file(to, t, len, 0644);
	free(t);
}

static void mkdir_or_die(const char *path, mode_t mode)
{
	if (mkdir(path, mode) < 0 || chmod(path, mode) < 0)
		die(path, strerror(errno));
}

static char *pathf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *pathf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		die("vasprintf", "out of memory");
	va_end(ap);
	return s;
}

/* A temp configuration: the shipped policy stacks, one key, a fresh replay store. */
static void setup_dirs(struct bench *b)
{
	static const char *const stacks[] = { "create", "mount", "exec", "seccomp/default.json" };
	uint8_t secret[32];
	char hex[65], *p, *conf;
	size_t cap = 4 * (b->n_exec + b->n_create) + 4096;

	strcpy(b->dir, "/tmp/sg-bench-XXXXXX");
	if (!mkdtemp(b->dir))
		die("mkdtemp", strerror(errno));
	p = pathf("%s/policy.d", b->dir), mkdir_or_die(p, 0755), free(p);
	p = pathf("%s/policy.d/seccomp", b->dir), mkdir_or_die(p, 0755), free(p);
	for (size_t i = 0; i < sizeof(stacks) / sizeof(stacks[0]); i++) {
		char *from = pathf("%s/%s", b->policies, stacks[i]);
		char *to = pathf("%s/policy.d/%s", b->dir, stacks[i]);

		copy_file(from, to);
		free(from);
		free(to);
	}
	/* The task's stdio: the stdio module wants existing FIFOs in root-owned directories
	 * (every exec and create of the bench names these two). */
	p = pathf("%s/fifo", b->dir), mkdir_or_die(p, 0700), free(p);
	for (int i = 0; i < 2; i++) {
		p = pathf("%s/fifo/%s", b->dir, i ? "stderr" : "stdout");
		if (mkfifo(p, 0600) < 0)
			die("mkfifo", strerror(errno));
		free(p);
	}
	p = pathf("%s/keys.d", b->dir), mkdir_or_die(p, 0700), free(p);
	if (RAND_bytes(secret, sizeof(secret)) != 1)
		die("RAND_bytes", "no randomness");
	sg_hex_encode(secret, sizeof(secret), hex);
	p = pathf("%s/keys.d/" KEY_ID, b->dir);
	conf = pathf("secret = %s\n", hex);
	write_file(p, conf, strlen(conf), 0600);
	free(p);
	free(conf);
	p = pathf("%s/state", b->dir), mkdir_or_die(p, 0700), free(p);
	snprintf(b->bundle_root, sizeof(b->bundle_root), "%s/bundles", b->dir);
	mkdir_or_die(b->bundle_root, 0711);
	p = pathf("%s/" EXEC_CID, b->bundle_root), mkdir_or_die(p, 0700), free(p);
	p = pathf("%s/" CREATE_CID, b->bundle_root), mkdir_or_die(p, 0700), free(p);

	if (cap > (1u << 22))
		cap = 1u << 22;
	b->replay_capacity = (uint32_t)cap;
	conf = pathf("policy_dir = %s/policy.d\nkey_dir = %s/keys.d\n"
		     "replay_store = %s/state/replay.db\nreplay_capacity = %zu\n"
		     "audit = none\nmode = enforce\nlog_level = error\n",
		     b->dir, b->dir, b->dir, cap);
	p = pathf("%s/shimgate.conf", b->dir);
	write_file(p, conf, strlen(conf), 0644);
	free(p);
	free(conf);
}

static void open_gate(struct bench *b)
{
	struct sg_error err = { 0 };
	char *p;

	p = pathf("%s/shimgate.conf", b->dir);
	if (sg_gate_open(p, &b->gate, &err) < 0)
		die_err("sg_gate_open", &err);
	free(p);
	p = pathf("%s/keys.d", b->dir);
	if (sg_keyring_load(p, &b->kr, &err) < 0)
		die_err("sg_keyring_load", &err);
	free(p);
	if (sg_audit_open("none", &b->audit, &err) < 0)
		die_err("sg_audit_open", &err);
	if (sg_runc_settings_defaults(&b->runc, &err) < 0)
		die_err("sg_runc_settings_defaults", &err);
	if (sg_intercept_new(b->gate, b->runc, b->audit, NS, b->bundle_root, &b->ic, &err) < 0)
		die_err("sg_intercept_new", &err);
}

static char *dump(const json_t *j, size_t *len)
{
	char *s = json_dumps(j, JSON_COMPACT);

	if (!s)
		die("json_dumps", "failed");
	*len = strlen(s);
	return s;
}

static void load_fixtures(struct bench *b)
{
	json_error_t jerr;
	char *p;

	p = pathf("%s/config.json", b->fixtures);
	b->config = json_load_file(p, 0, &jerr);
	if (!b->config)
		die(p, jerr.text);
	free(p);
	p = pathf("%s/process.json", b->fixtures);
	b->process = json_load_file(p, 0, &jerr);
	if (!b->process)
		die(p, jerr.text);
	free(p);
}

static void new_nonce(char nonce[SG_NONCE_HEX + 1])
{
	struct sg_error err = { 0 };

	if (sg_nonce_generate(nonce, &err) < 0)
		die_err("sg_nonce_generate", &err);
}

/* The exec's process JSON with the token as argv[0] (ctr task exec's carrier), or as is. */
static char *exec_json(const struct bench *b, const char *token, size_t *len)
{
	json_t *proc = json_deep_copy(b->process);
	char *carrier, *s;

	if (token) {
		carrier = pathf(SG_TOKEN_ENV "=%s", token);
		json_array_insert_new(json_object_get(proc, "args"), 0, json_string(carrier));
		free(carrier);
	}
	s = dump(proc, len);
	json_decref(proc);
	return s;
}

/* A Task request frame of method carrying msg, on the next client stream. */
static struct frame message_frame(struct bench *b, const char *method, const ProtobufCMessage *msg)
{
	size_t n = protobuf_c_message_get_packed_size(msg);
	uint8_t *payload = malloc(n ? n : 1);
	struct frame f;

	if (!payload)
		die("malloc", "out of memory");
	protobuf_c_message_pack(msg, payload);
	f.p = sg_bench_frame(SG_BENCH_TASK_SERVICE, method, payload, n, b->next_sid, &f.len);
	if (!f.p)
		die("frame", "out of memory");
	b->next_sid += 2;
	free(payload);
	return f;
}

static struct frame exec_frame(struct bench *b, const char *exec_id, const char *json,
			       size_t json_len)
{
	Containerd__Task__V2__ExecProcessRequest ex = CONTAINERD__TASK__V2__EXEC_PROCESS_REQUEST__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	char *out = pathf("%s/fifo/stdout", b->dir);
	char *errp = pathf("%s/fifo/stderr", b->dir);
	struct frame f;

	any.type_url = (char *)PROCESS_TYPE_URL;
	any.value.data = (uint8_t *)json;
	any.value.len = json_len;
	ex.id = (char *)EXEC_CID;
	ex.exec_id = (char *)exec_id;
	ex.stdout = out;
	ex.stderr = errp;
	ex.spec = &any;
	f = message_frame(b, "Exec", &ex.base);
	free(out);
	free(errp);
	return f;
}

static struct frame create_frame(struct bench *b)
{
	Containerd__Task__V2__CreateTaskRequest cr = CONTAINERD__TASK__V2__CREATE_TASK_REQUEST__INIT;
	char *bundle = pathf("%s/" CREATE_CID, b->bundle_root);
	char *out = pathf("%s/fifo/stdout", b->dir);
	char *errp = pathf("%s/fifo/stderr", b->dir);
	struct frame f;

	cr.id = (char *)CREATE_CID;
	cr.bundle = bundle;
	cr.stdin = (char *)"";
	cr.stdout = out;
	cr.stderr = errp;
	f = message_frame(b, "Create", &cr.base);
	free(bundle);
	free(out);
	free(errp);
	return f;
}

/* Signs every exec before timing: one fresh nonce and exec id each. Also measures the
 * signing input once, for the HMAC floor. */
static void prepare_execs(struct bench *b)
{
	struct sg_error err = { 0 };
	int64_t now = (int64_t)time(NULL);
	char *plain, *json, *canon;
	size_t plain_len, json_len, canon_len;

	plain = exec_json(b, NULL, &plain_len);
	b->process_len = plain_len;
	b->exec_frames = calloc(b->n_exec, sizeof(*b->exec_frames));
	b->unsigned_frames = calloc(b->n_exec, sizeof(*b->unsigned_frames));
	if (!b->exec_frames || !b->unsigned_frames)
		die("calloc", "out of memory");
	for (size_t i = 0; i < b->n_exec; i++) {
		struct sg_request *req = NULL;
		char exec_id[32], nonce[SG_NONCE_HEX + 1], token[SG_TOKEN_MAX + 1];

		snprintf(exec_id, sizeof(exec_id), "exec-%zu", i);
		if (sg_oci_exec_request(NS, EXEC_CID, exec_id, plain, plain_len, b->config, &req,
					&err) < 0)
			die_err("sg_oci_exec_request", &err);
		req->now = now;
		new_nonce(nonce);
		if (i == 0) {
			struct sg_canon_params cp = { .key_id = KEY_ID, .timestamp = now,
						      .nonce = nonce, .bind_exec_id = true };

			if (sg_canon_build(req, &cp, &canon, &canon_len, &err) < 0)
				die_err("sg_canon_build", &err);
			b->signing_input_len = canon_len;
			sg_canon_free(canon, canon_len);
		}
		if (sg_sign_request(b->kr, KEY_ID, now, nonce, true, req, token, sizeof(token),
				    &err) < 0)
			die_err("sg_sign_request", &err);
		sg_request_free(req);
		json = exec_json(b, token, &json_len);
		b->exec_frames[i] = exec_frame(b, exec_id, json, json_len);
		free(json);
		b->unsigned_frames[i] = exec_frame(b, exec_id, plain, plain_len);
	}
	b->exec_frame_len = b->exec_frames[0].len;
	free(plain);
}

/* The container the execs go into: its config.json, as the gate rewrote it at create. */
static void write_exec_container(struct bench *b)
{
	char *p = pathf("%s/" EXEC_CID "/config.json", b->bundle_root);
	size_t len;
	char *text = dump(b->config, &len);

	b->config_len = len;
	write_file(p, text, len, 0644);
	free(text);
	free(p);
}

/* Signs every create before timing: config.json text with the token annotation. */
static void prepare_creates(struct bench *b)
{
	struct sg_error err = { 0 };
	int64_t now = (int64_t)time(NULL);
	size_t len;

	b->create_docs = calloc(b->n_create, sizeof(*b->create_docs));
	b->create_frames = calloc(b->n_create, sizeof(*b->create_frames));
	if (!b->create_docs || !b->create_frames)
		die("calloc", "out of memory");
	/* The fixture is the exec container's (c1): a create of CREATE_CID names its own cgroup,
	 * as the fields module requires. */
	json_object_set_new(json_object_get(b->config, "linux"), "cgroupsPath",
			    json_string("/" NS "/" CREATE_CID));
	for (size_t i = 0; i < b->n_create; i++) {
		struct sg_request *req = NULL;
		json_t *doc = json_deep_copy(b->config);
		char nonce[SG_NONCE_HEX + 1], token[SG_TOKEN_MAX + 1];

		if (sg_oci_create_request(NS, CREATE_CID, json_deep_copy(b->config), NULL, 0, &req,
					  &err) < 0)
			die_err("sg_oci_create_request", &err);
		req->now = now;
		new_nonce(nonce);
		if (sg_sign_request(b->kr, KEY_ID, now, nonce, false, req, token, sizeof(token),
				    &err) < 0)
			die_err("sg_sign_request (create)", &err);
		sg_request_free(req);
		if (!json_object_get(doc, "annotations"))
			json_object_set_new(doc, "annotations", json_object());
		json_object_set_new(json_object_get(doc, "annotations"), SG_TOKEN_ANNOTATION,
				    json_string(token));
		b->create_docs[i] = dump(doc, &len);
		json_decref(doc);
		b->create_frames[i] = create_frame(b);
	}
	b->create_frame_len = b->create_frames[0].len;
}

/* The message of a refusal frame, for the harness's own error reports. */
static const char *refusal(const uint8_t *frame, size_t len, char *buf, size_t size)
{
	Ttrpc__Response *r;

	snprintf(buf, size, "(undecodable answer)");
	if (!frame || len < SG_TTRPC_HEADER_LEN)
		return buf;
	r = ttrpc__response__unpack(NULL, len - SG_TTRPC_HEADER_LEN, frame + SG_TTRPC_HEADER_LEN);
	if (r && r->status)
		snprintf(buf, size, "code %d: %s", r->status->code, r->status->message);
	if (r)
		ttrpc__response__free_unpacked(r, NULL);
	return buf;
}

/* One decision, timed. Returns the action; *ns gets the elapsed time. */
static enum sg_intercept_action judge(struct bench *b, const struct frame *f, uint64_t *ns,
				      char *why, size_t why_size)
{
	struct sg_ttrpc_header h;
	enum sg_intercept_action a;
	uint8_t *out = NULL;
	size_t out_len = 0;
	uint64_t t0, t1;

	t0 = sg_bench_now_ns();
	sg_ttrpc_header_decode(f->p, &h);
	a = sg_intercept_frame(b->ic, &h, f->p + SG_TTRPC_HEADER_LEN, &out, &out_len);
	t1 = sg_bench_now_ns();
	*ns = t1 - t0;
	if (a == SG_INTERCEPT_REPLY)
		refusal(out, out_len, why, why_size);
	free(out);
	return a;
}

/* The floor: HMAC-SHA256 (EVP_MAC, a context per call, as a verifier does) of an input the
 * size of the exec's signing input. */
__attribute__((noinline)) uint64_t sg_bench_hmac_once(EVP_MAC *mac, const uint8_t *key,
						  const uint8_t *in, size_t len);
__attribute__((noinline)) uint64_t sg_bench_hmac_once(EVP_MAC *mac, const uint8_t *key, const uint8_t *in, size_t len)
{
	OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
								 (char *)"SHA256", 0),
				OSSL_PARAM_construct_end() };
	uint8_t out[32];
	size_t out_len;
	uint64_t t0 = sg_bench_now_ns();
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);

	if (!ctx || EVP_MAC_init(ctx, key, 32, params) != 1 || EVP_MAC_update(ctx, in, len) != 1 ||
	    EVP_MAC_final(ctx, out, &out_len, sizeof(out)) != 1)
		die("EVP_MAC", "failed");
	EVP_MAC_CTX_free(ctx);
	return sg_bench_now_ns() - t0;
}

/* One nonce into the bench's own replay store, timed. */
__attribute__((noinline)) uint64_t sg_bench_replay_once(struct sg_replay *r, const char *nonce,
							 int64_t now);
__attribute__((noinline)) uint64_t sg_bench_replay_once(struct sg_replay *r, const char *nonce,
							 int64_t now)
{
	struct sg_error err = { 0 };
	uint64_t t0 = sg_bench_now_ns();

	if (sg_replay_record(r, KEY_ID, nonce, now + 300, now, &err) < 0)
		die_err("sg_replay_record", &err);
	return sg_bench_now_ns() - t0;
}

static void prepare_replay(struct bench *b)
{
	struct sg_error err = { 0 };
	char *p = pathf("%s/state/bench-replay.db", b->dir);

	if (sg_replay_open(p, b->replay_capacity, &b->replay, &err) < 0)
		die_err("sg_replay_open", &err);
	free(p);
	b->nonces = calloc(b->n_exec, sizeof(*b->nonces));
	if (!b->nonces)
		die("calloc", "out of memory");
	for (size_t i = 0; i < b->n_exec; i++)
		new_nonce(b->nonces[i]);
}


enum {
	KIND_EXEC = 1u << 0,
	KIND_UNSIGNED = 1u << 1,
	KIND_CREATE = 1u << 2,
	KIND_HMAC = 1u << 3,
	KIND_REPLAY = 1u << 4,
	KIND_ALL = 0x1fu,
};

static unsigned parse_kind(const char *v)
{
	if (!strcmp(v, "exec"))
		return KIND_EXEC;
	if (!strcmp(v, "exec_unsigned_refused"))
		return KIND_UNSIGNED;
	if (!strcmp(v, "create"))
		return KIND_CREATE;
	if (!strcmp(v, "hmac_floor"))
		return KIND_HMAC;
	if (!strcmp(v, "replay_record"))
		return KIND_REPLAY;
	die("--only", "want exec, exec_unsigned_refused, create, replay_record or hmac_floor");
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_decision --policies DIR --fixtures DIR [--execs N] "
			"[--creates N] [--blocks B] [--only KIND] [--keep]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policies", required_argument, NULL, 'p' }, { "fixtures", required_argument, NULL, 'f' },
		{ "execs", required_argument, NULL, 'e' },    { "creates", required_argument, NULL, 'c' },
		{ "blocks", required_argument, NULL, 'b' },   { "keep", no_argument, NULL, 'k' },
		{ "only", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 }
	};
	struct bench b = { .n_exec = 20000, .n_create = 2000, .blocks = 20, .next_sid = 1 };
	uint64_t *t_exec, *t_unsigned, *t_create, *t_hmac, *t_replay;
	size_t i_exec = 0, i_unsigned = 0, i_create = 0, i_hmac = 0, i_replay = 0;
	struct sg_bench_stats s_exec, s_unsigned, s_create, s_hmac, s_replay;
	uint8_t key[32], *input;
	char why[512], *cpath;
	EVP_MAC *mac;
	bool keep = false;
	unsigned kinds = KIND_ALL;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': b.policies = optarg; break;
		case 'f': b.fixtures = optarg; break;
		case 'e': b.n_exec = sg_bench_parse_size("bench_decision", "--execs", optarg); break;
		case 'c': b.n_create = sg_bench_parse_size("bench_decision", "--creates", optarg); break;
		case 'b': b.blocks = sg_bench_parse_size("bench_decision", "--blocks", optarg); break;
		case 'k': keep = true; break;
		case 'o': kinds = parse_kind(optarg); break;
		default: usage();
		}
	}
	if (!b.policies || !b.fixtures || optind != argc)
		usage();
	sg_log_init(-1, SG_LOG_ERROR);
	load_fixtures(&b);
	setup_dirs(&b);
	open_gate(&b);
	write_exec_container(&b);
	prepare_execs(&b);
	prepare_creates(&b);
	prepare_replay(&b);

	t_exec = calloc(b.n_exec, sizeof(*t_exec));
	t_unsigned = calloc(b.n_exec, sizeof(*t_unsigned));
	t_create = calloc(b.n_create, sizeof(*t_create));
	t_hmac = calloc(b.n_exec, sizeof(*t_hmac));
	t_replay = calloc(b.n_exec, sizeof(*t_replay));
	input = malloc(b.signing_input_len);
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!t_exec || !t_unsigned || !t_create || !t_hmac || !t_replay || !input || !mac)
		die("setup", "out of memory");
	RAND_bytes(key, sizeof(key));
	RAND_bytes(input, (int)b.signing_input_len);
	cpath = pathf("%s/" CREATE_CID "/config.json", b.bundle_root);

	/* Interleaved blocks, each kind in turn, so drift hits all kinds alike. */
	for (size_t blk = 0; blk < b.blocks; blk++) {
		size_t e_end = b.n_exec * (blk + 1) / b.blocks;
		size_t c_end = b.n_create * (blk + 1) / b.blocks;
		uint64_t ns;

		for (; i_exec < e_end && (kinds & KIND_EXEC); i_exec++) {
			if (judge(&b, &b.exec_frames[i_exec], &t_exec[i_exec], why, sizeof(why)) !=
			    SG_INTERCEPT_REWRITE)
				die("signed exec not allowed", why);
		}
		for (; i_unsigned < e_end && (kinds & KIND_UNSIGNED); i_unsigned++) {
			if (judge(&b, &b.unsigned_frames[i_unsigned], &t_unsigned[i_unsigned], why,
				  sizeof(why)) != SG_INTERCEPT_REPLY)
				die("unsigned exec", "was not refused");
		}
		for (; i_create < c_end && (kinds & KIND_CREATE); i_create++) {
			/* A new file, as containerd writes a bundle's: the last create's truncated
			 * in place would have ext4 write its data out, and the gate's replace of it
			 * then wait for that, a cost no real create has. */
			if (unlink(cpath) < 0 && errno != ENOENT)
				die(cpath, strerror(errno));
			write_file(cpath, b.create_docs[i_create], strlen(b.create_docs[i_create]), 0644);
			if (judge(&b, &b.create_frames[i_create], &ns, why, sizeof(why)) ==
			    SG_INTERCEPT_REPLY)
				die("signed create refused", why);
			t_create[i_create] = ns;
		}
		for (; i_hmac < e_end && (kinds & KIND_HMAC); i_hmac++)
			t_hmac[i_hmac] = sg_bench_hmac_once(mac, key, input, b.signing_input_len);
		for (; i_replay < e_end && (kinds & KIND_REPLAY); i_replay++)
			t_replay[i_replay] = sg_bench_replay_once(b.replay, b.nonces[i_replay],
								  (int64_t)time(NULL));
	}

	sg_bench_stats(t_exec, i_exec, &s_exec);
	sg_bench_stats(t_unsigned, i_unsigned, &s_unsigned);
	sg_bench_stats(t_create, i_create, &s_create);
	sg_bench_stats(t_hmac, i_hmac, &s_hmac);
	sg_bench_stats(t_replay, i_replay, &s_replay);
	printf("{\"sizes\":{\"process_json\":%zu,\"config_json\":%zu,\"signing_input\":%zu,"
	       "\"exec_frame\":%zu,\"create_frame\":%zu},",
	       b.process_len, b.config_len, b.signing_input_len, b.exec_frame_len,
	       b.create_frame_len);
	sg_bench_stats_json(stdout, "exec", &s_exec);
	putchar(',');
	sg_bench_stats_json(stdout, "exec_unsigned_refused", &s_unsigned);
	putchar(',');
	sg_bench_stats_json(stdout, "create", &s_create);
	putchar(',');
	sg_bench_stats_json(stdout, "hmac_floor", &s_hmac);
	putchar(',');
	sg_bench_stats_json(stdout, "replay_record", &s_replay);
	printf(",\"ratio_exec_median_over_hmac\":%.1f,\"tmpdir\":\"%s\"}\n",
	       s_hmac.median_ns > 0 ? s_exec.median_ns / s_hmac.median_ns : 0.0, keep ? b.dir : "");

	EVP_MAC_free(mac);
	sg_replay_free(b.replay);
	sg_intercept_free(b.ic);
	sg_runc_settings_free(b.runc);
	sg_audit_free(b.audit);
	sg_gate_free(b.gate);
	sg_keyring_free(b.kr);
	if (!keep) {
		char *cmd = pathf("rm -rf -- '%s'", b.dir);

		if (system(cmd) != 0)
			fprintf(stderr, "bench_decision: could not remove %s\n", b.dir);
		free(cmd);
	}
	return 0;
}
