/* SPDX-License-Identifier: Apache-2.0 */
/* The harnesses' shared environment: scratch directory and one real gate (see fuzz.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/config.h"
#include "core/request.h"
#include "fuzz.h"
#include "gate/gate.h"
#include "oci/oci.h"
#include "runc/settings.h"
#include "shim/firewall/gate_exec.h"
#include "shim/firewall/intercept.h"
#include "shim/log.h"
#include "sig/keyring.h"
#include "sig/replay.h"

/* A fixed, obviously-test secret: 32 bytes of hex. */
#define FUZZ_KEY_SECRET "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static char *scratch;

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void sg_fuzz_scratch_remove(void)
{
	if (scratch)
		(void)nftw(scratch, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

bool sg_fuzz_trace(void)
{
	static int trace = -1;

	if (trace < 0)
		trace = getenv("SG_FUZZ_TRACE") != NULL;
	return trace;
}

void sg_fuzz_refused(const struct sg_error *err)
{
	if (!err->msg[0])
		sg_fuzz_die("refused without a message");
	if (sg_fuzz_trace())
		fprintf(stderr, "refused: %s\n", err->msg);
}

void sg_fuzz_die(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz harness: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	sg_fuzz_scratch_remove();
	abort();
}

const char *sg_fuzz_dir(void)
{
	const char *base = getenv("TMPDIR");
	struct stat st;

	if (scratch)
		return scratch;
	/* tmpfs first: the create path fsyncs every config.json it rewrites. */
	if (!base || !*base)
		base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
	if (asprintf(&scratch, "%s/sgfuzz.XXXXXX", base) < 0)
		sg_fuzz_die("out of memory");
	if (!mkdtemp(scratch))
		sg_fuzz_die("mkdtemp %s: %s", scratch, strerror(errno));
	if (atexit(sg_fuzz_scratch_remove) != 0)
		sg_fuzz_die("atexit failed");
	return scratch;
}

static char *scratch_path(const char *rel)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s", sg_fuzz_dir(), rel) < 0)
		sg_fuzz_die("out of memory");
	return path;
}

char *sg_fuzz_write(const char *rel, const void *data, size_t len, mode_t mode)
{
	char *path = scratch_path(rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || fchmod(fd, mode) < 0)
		sg_fuzz_die("write %s: %s", path, strerror(errno));
	close(fd);
	return path;
}

char *sg_fuzz_mkdir(const char *rel, mode_t mode)
{
	char *path = scratch_path(rel);

	if (mkdir(path, mode) < 0 && errno != EEXIST)
		sg_fuzz_die("mkdir %s: %s", path, strerror(errno));
	if (chmod(path, mode) < 0)
		sg_fuzz_die("chmod %s: %s", path, strerror(errno));
	return path;
}

char *sg_fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		sg_fuzz_die("out of memory");
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

char *sg_fuzz_src_read(const char *rel, size_t *len)
{
	char *path = NULL, *buf = NULL;
	size_t n = 0;
	FILE *f;

	if (asprintf(&path, "%s/%s", SG_FUZZ_SRCDIR, rel) < 0)
		sg_fuzz_die("out of memory");
	f = fopen(path, "re");
	if (!f)
		sg_fuzz_die("open %s: %s", path, strerror(errno));
	for (size_t cap = 0;;) {
		if (n + 4097 > cap) {
			cap = cap ? 2 * cap : 16384;
			buf = realloc(buf, cap);
			if (!buf)
				sg_fuzz_die("out of memory");
		}
		size_t got = fread(buf + n, 1, 4096, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		sg_fuzz_die("read %s failed", path);
	fclose(f);
	free(path);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* Copies a source file into the scratch directory. */
static void copy_src(const char *rel, const char *to, mode_t mode)
{
	size_t len;
	char *text = sg_fuzz_src_read(rel, &len);

	free(sg_fuzz_write(to, text, len, mode));
	free(text);
}

static struct sg_fuzz_gate fuzz_gate;
static struct sg_audit *fuzz_audit;
static struct sg_config *modules_config;
static struct sg_runc_settings *fuzz_runc;
static char *config_json_path;
static char *config_json_text;
static size_t config_json_len;
static struct stat config_json_st;

static void gate_free(void)
{
	sg_intercept_free(fuzz_gate.ic);
	sg_exec_cache_free(fuzz_gate.call.exec_cache);
	sg_audit_free(fuzz_audit);
	sg_gate_free(fuzz_gate.gate);
	sg_replay_free(fuzz_gate.modules.replay);
	sg_keyring_free(fuzz_gate.modules.keyring);
	sg_config_free(modules_config);
	sg_runc_settings_free(fuzz_runc);
	free((char *)fuzz_gate.call.bundle_root);
	free((char *)fuzz_gate.policy_dir);
	free((char *)fuzz_gate.module_dir);
	free((char *)fuzz_gate.config_path);
	free(config_json_path);
	free(config_json_text);
}

static void write_config_json(void)
{
	free(sg_fuzz_write(SG_FUZZ_NS "/" SG_FUZZ_ID "/config.json", config_json_text,
			   config_json_len, 0644));
	if (stat(config_json_path, &config_json_st) < 0)
		sg_fuzz_die("stat %s: %s", config_json_path, strerror(errno));
}

void sg_fuzz_bundle_restore(void)
{
	struct stat st;

	if (!config_json_path)
		return;
	if (stat(config_json_path, &st) == 0 && st.st_ino == config_json_st.st_ino &&
	    st.st_size == config_json_st.st_size &&
	    st.st_mtim.tv_sec == config_json_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == config_json_st.st_mtim.tv_nsec)
		return;
	write_config_json();
}

static void write_files(void)
{
	const char *dir = sg_fuzz_dir();
	char *conf = NULL;
	int n;

	free(sg_fuzz_mkdir("policy.d", 0755));
	free(sg_fuzz_mkdir("policy.d/seccomp", 0755));
	copy_src("policies/create", "policy.d/create", 0644);
	copy_src("policies/mount", "policy.d/mount", 0644);
	copy_src("tests/fuzz/policy.d/exec", "policy.d/exec", 0644);
	copy_src("policies/seccomp/default.json", "policy.d/seccomp/default.json", 0644);
	copy_src("policies/examples/probes.allow", "policy.d/probes.allow", 0644);
	free(sg_fuzz_mkdir("keys.d", 0700));
	free(sg_fuzz_write("keys.d/fuzz", "secret = " FUZZ_KEY_SECRET "\n",
			   strlen("secret = " FUZZ_KEY_SECRET "\n"), 0600));
	free(sg_fuzz_mkdir("modules", 0755));
	free(sg_fuzz_mkdir(SG_FUZZ_NS, 0711));
	free(sg_fuzz_mkdir(SG_FUZZ_NS "/" SG_FUZZ_ID, 0711));
	n = asprintf(&conf,
		     "runtime = containerd-shim-runc-v2\n"
		     "policy_dir = %s/policy.d\n"
		     "key_dir = %s/keys.d\n"
		     "module_dir = %s/modules\n"
		     "replay_store = %s/replay.db\n"
		     "replay_capacity = 1024\n"
		     "audit = /dev/null\n"
		     "mode = enforce\n"
		     "runc_root = /run/containerd/runc\n"
		     "runc_binary = runc\n"
		     "log_level = debug\n",
		     dir, dir, dir, dir);
	if (n < 0)
		sg_fuzz_die("out of memory");
	free(sg_fuzz_write("shimgate.conf", conf, (size_t)n, 0644));
	free(conf);
}

/* The bundle root, also reachable as /proc/self/fd/SG_FUZZ_BUNDLE_FD. */
static void hold_bundle_root(const char *bundle_root)
{
	int fd = open(bundle_root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || dup2(fd, SG_FUZZ_BUNDLE_FD) < 0)
		sg_fuzz_die("bundle root %s: %s", bundle_root, strerror(errno));
	close(fd);
}

static void gate_open(void)
{
	struct sg_error err = { 0 };
	struct sg_config *cfg = NULL;
	struct sg_runc_settings *runc2 = NULL;
	char *replay2;
	int null_fd;

	write_files();
	config_json_text = sg_fuzz_src_read("tests/bench/fixtures/config.json", &config_json_len);
	config_json_path = scratch_path(SG_FUZZ_NS "/" SG_FUZZ_ID "/config.json");
	write_config_json();
	fuzz_gate.config_path = scratch_path("shimgate.conf");
	fuzz_gate.policy_dir = scratch_path("policy.d");
	fuzz_gate.module_dir = scratch_path("modules");
	fuzz_gate.call.bundle_root = scratch_path(SG_FUZZ_NS);
	hold_bundle_root(fuzz_gate.call.bundle_root);
	if (atexit(gate_free) != 0)
		sg_fuzz_die("atexit failed");

	/* The shim's log lines are built from wire data too: format them, into /dev/null. */
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0)
		sg_fuzz_die("/dev/null: %s", strerror(errno));
	sg_log_init(null_fd, SG_LOG_DEBUG);

	/* As the shim opens it: the whole file, then the gate over core's part. */
	if (sg_runc_settings_load(fuzz_gate.config_path, &cfg, &fuzz_runc, &err) < 0 ||
	    sg_gate_open_config(cfg, 0, &fuzz_gate.gate, &err) < 0)
		sg_fuzz_die("gate: %s", err.msg);
	if (sg_audit_open("/dev/null", &fuzz_audit, &err) < 0)
		sg_fuzz_die("audit: %s", err.msg);
	if (sg_intercept_new(fuzz_gate.gate, fuzz_runc, fuzz_audit, SG_FUZZ_NS,
			     fuzz_gate.call.bundle_root, &fuzz_gate.ic, &err) < 0)
		sg_fuzz_die("intercept: %s", err.msg);
	fuzz_gate.call.gate = fuzz_gate.gate;
	fuzz_gate.call.runc = fuzz_runc;
	fuzz_gate.call.audit = fuzz_audit;
	fuzz_gate.call.ns = SG_FUZZ_NS;
	fuzz_gate.call.service = "containerd.task.v2.Task";
	fuzz_gate.call.exec_cache = sg_exec_cache_new();
	if (!fuzz_gate.call.exec_cache)
		sg_fuzz_die("out of memory");

	/* What policy stacks load against, as the gate builds it; a store of its own, since
	 * the gate's is open. */
	if (sg_runc_settings_load(fuzz_gate.config_path, &modules_config, &runc2, &err) < 0)
		sg_fuzz_die("config: %s", err.msg);
	sg_runc_settings_free(runc2);
	if (sg_keyring_load(modules_config->key_dir, &fuzz_gate.modules.keyring, &err) < 0)
		sg_fuzz_die("keyring: %s", err.msg);
	replay2 = scratch_path("replay-modules.db");
	if (sg_replay_open(replay2, 1024, &fuzz_gate.modules.replay, &err) < 0)
		sg_fuzz_die("replay: %s", err.msg);
	free(replay2);
	fuzz_gate.modules.config = modules_config;
}

const struct sg_fuzz_gate *sg_fuzz_gate(void)
{
	if (!fuzz_gate.gate)
		gate_open();
	return &fuzz_gate;
}

void sg_fuzz_task(void (*handle)(const struct sg_call_ctx *, const uint8_t *, size_t,
				 struct sg_call_result *),
		  const uint8_t *payload, size_t len)
{
	const struct sg_fuzz_gate *g = sg_fuzz_gate();
	struct sg_call_result res = { .code = 0 };

	handle(&g->call, payload, len, &res);
	if (sg_fuzz_trace())
		fprintf(stderr, "answer %d%s: %s\n", res.code, res.payload ? " (rewritten)" : "",
			res.message);
	/* A refusal always says why, and never carries a payload to forward. */
	if (res.code != 0 && (res.message[0] == '\0' || res.payload))
		sg_fuzz_die("refusal %d without a message or with a payload", res.code);
	if (strnlen(res.message, sizeof(res.message)) == sizeof(res.message))
		sg_fuzz_die("answer message not terminated");
	free(res.payload);
	sg_fuzz_bundle_restore();
}

bool sg_fuzz_decide(struct sg_request *req)
{
	struct sg_decision d = { .want_trace = true };
	struct sg_error err = { 0 };
	bool allowed;
	char *line;

	req->now = SG_FUZZ_NOW;
	if (sg_gate_decide(sg_fuzz_gate()->gate, req, &d, &err) < 0) {
		sg_decision_clear(&d);
		return false;
	}
	line = sg_audit_format(req, &d);
	if (!line)
		sg_fuzz_die("audit line not formatted");
	free(line);
	allowed = d.allowed;
	sg_decision_clear(&d);
	return allowed;
}

static bool is_carrier(const json_t *s)
{
	const char *v = json_string_value(s);

	return v && strncmp(v, SG_TOKEN_ENV "=", strlen(SG_TOKEN_ENV "=")) == 0;
}

void sg_fuzz_check_no_carrier(const json_t *process, bool argv0)
{
	const json_t *v;
	size_t i;

	json_array_foreach(json_object_get(process, "env"), i, v)
		if (is_carrier(v))
			sg_fuzz_die("env entry %zu still carries a token", i);
	if (argv0 && is_carrier(json_array_get(json_object_get(process, "args"), 0)))
		sg_fuzz_die("argv[0] still carries a token");
}
