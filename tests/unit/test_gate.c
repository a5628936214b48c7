/* SPDX-License-Identifier: Apache-2.0 */
/* The gate: loading all or nothing, create + per-mount decisions, audit-only mode. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "core/request.h"
#include "core/stack.h"
#include "gate/gate.h"
#include "testutil.h"

struct fixture {
	char *dir;
	char *policy;
	unsigned gate_flags; /* of the keyed gates: 0 (inotify) or SG_GATE_KEYS_FINGERPRINT */
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = sg_test_mkdtemp();
	assert_true(asprintf(&f->policy, "%s/policy.d", f->dir) > 0);
	assert_int_equal(mkdir(f->policy, 0755), 0);
	*state = f;
	return 0;
}

/* The same fixture, for a gate that follows key_dir by its fingerprint (no inotify). */
static int setup_fingerprint(void **state)
{
	setup(state);
	((struct fixture *)*state)->gate_flags = SG_GATE_KEYS_FINGERPRINT;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sg_test_rmtree(f->dir);
	free(f->dir);
	free(f->policy);
	free(f);
	return 0;
}

static void policy(const struct fixture *f, const char *create, const char *mount,
		   const char *exec)
{
	free(sg_test_write(f->policy, "create", 0644, "%s", create));
	free(sg_test_write(f->policy, "mount", 0644, "%s", mount));
	free(sg_test_write(f->policy, "exec", 0644, "%s", exec));
}

static struct sg_gate *open_gate(const struct fixture *f, enum sg_mode mode)
{
	struct sg_config *cfg = NULL;
	struct sg_gate *gate = NULL;
	struct sg_error err = { 0 };

	assert_int_equal(sg_config_defaults(&cfg, NULL), 0);
	free(cfg->policy_dir);
	cfg->policy_dir = strdup(f->policy);
	free(cfg->replay_store);
	assert_true(asprintf(&cfg->replay_store, "%s/replay.db", f->dir) > 0);
	cfg->replay_capacity = 64;
	cfg->mode = mode;
	if (sg_gate_open_config(cfg, SG_GATE_NO_KEYRING, &gate, &err) < 0)
		fail_msg("gate: %s", err.msg);
	return gate;
}

static struct sg_request *create_request(void)
{
	static const char *const dests[] = { "/etc/hosts", "/data" };
	struct sg_request *req = NULL;

	assert_int_equal(sg_request_new(SG_OP_CREATE, "default", "c1", &req, NULL), 0);
	req->mounts = calloc(2, sizeof(*req->mounts));
	req->n_mounts = 2;
	for (size_t i = 0; i < 2; i++) {
		req->mounts[i].type = strdup("bind");
		req->mounts[i].source = strdup("/srv");
		req->mounts[i].destination = strdup(dests[i]);
		req->mounts[i].index = i;
	}
	return req;
}

static void test_exec(void **state)
{
	struct fixture *f = *state;
	struct sg_decision d = { 0 };
	struct sg_request *req = NULL;
	struct sg_gate *gate;
	char *where = NULL;

	policy(f, "required permit\n", "required permit\n", "# exec\nrequired deny reason=no-exec\n");
	gate = open_gate(f, SG_MODE_ENFORCE);
	assert_non_null(sg_gate_stack(gate, SG_OP_EXEC));
	assert_null(sg_gate_stack(gate, SG_OP_COUNT));
	assert_string_equal(sg_gate_config(gate)->policy_dir, f->policy);
	assert_int_equal(sg_request_new(SG_OP_EXEC, "default", "c1", &req, NULL), 0);
	assert_int_equal(sg_gate_decide(gate, req, &d, NULL), 0);
	assert_false(d.allowed);
	assert_false(d.audit_only);
	assert_int_equal(d.op, SG_OP_EXEC);
	assert_string_equal(d.module, "deny");
	assert_true(asprintf(&where, "%s/exec:2", f->policy) > 0);
	assert_string_equal(d.where, where);
	assert_string_equal(d.reason, "no-exec");
	assert_true(req->now > 1600000000);
	free(where);
	sg_decision_clear(&d);
	sg_request_free(req);
	sg_gate_free(gate);
}

static void test_create_mounts(void **state)
{
	struct fixture *f = *state;
	struct sg_decision d = { .want_trace = true };
	struct sg_request *req = create_request();
	struct sg_gate *gate;

	/* The second mount is refused: it decides, and names the mount. */
	policy(f, "required permit\n",
	       "[success=1 default=bad] verdict verdict=success\nrequired deny reason=nope\n"
	       "required permit\n",
	       "required permit\n");
	gate = open_gate(f, SG_MODE_ENFORCE);
	req->now = 1700000000;
	assert_int_equal(sg_gate_decide(gate, req, &d, NULL), 0);
	assert_true(d.allowed);
	assert_int_equal(d.op, SG_OP_CREATE);
	assert_string_equal(d.module, "permit");
	/* create (1 step) + two mounts (2 steps each) */
	assert_int_equal(d.n_trace, 5);
	assert_int_equal(d.trace[1].op, SG_OP_MOUNT);
	assert_int_equal(req->now, 1700000000);
	sg_decision_clear(&d);
	sg_gate_free(gate);

	policy(f, "required permit\n", "required deny reason=nope\n", "required permit\n");
	gate = open_gate(f, SG_MODE_ENFORCE);
	assert_int_equal(sg_gate_decide(gate, req, &d, NULL), 0);
	assert_false(d.allowed);
	assert_int_equal(d.op, SG_OP_MOUNT);
	assert_string_equal(d.module, "deny");
	assert_string_equal(d.reason, "mount 0 ('/srv' on '/etc/hosts'): nope");
	assert_ptr_equal(d.mount, &req->mounts[0]);
	/* The first refusal decides: the second mount is not run. */
	assert_int_equal(d.n_trace, 2);
	sg_decision_clear(&d);

	/* A rootfs mount the client chose is named as that, with its type and source. */
	req->mounts[0].rootfs = true;
	req->mounts[0].type[0] = 'x';
	assert_int_equal(sg_gate_decide(gate, req, &d, NULL), 0);
	assert_false(d.allowed);
	assert_string_equal(d.reason, "rootfs mount 0 of the Create request (type 'xind', "
				      "source '/srv'): nope");
	req->mounts[0].rootfs = false;
	req->mounts[0].type[0] = 'b';
	sg_decision_clear(&d);

	/* A refused create never gets to its mounts. */
	sg_gate_free(gate);
	policy(f, "required deny reason=c\n", "required permit\n", "required permit\n");
	gate = open_gate(f, SG_MODE_ENFORCE);
	assert_int_equal(sg_gate_decide(gate, req, &d, NULL), 0);
	assert_false(d.allowed);
	assert_int_equal(d.op, SG_OP_CREATE);
	assert_string_equal(d.reason, "c");
	assert_int_equal(d.n_trace, 1);
	sg_decision_clear(&d);
	sg_gate_free(gate);
	sg_request_free(req);
}

static void test_audit_only(void **state)
{
	struct fixture *f = *state;
	struct sg_decision d = { 0 };
	struct sg_request *req = create_request();
	struct sg_gate *gate;

	policy(f, "required permit\n", "required deny reason=nope\n", "required permit\n");
	gate = open_gate(f, SG_MODE_AUDIT_ONLY);
	assert_int_equal(sg_gate_decide(gate, req, &d, NULL), 0);
	assert_true(d.allowed);
	assert_true(d.audit_only);
	assert_true(d.audit_mode);
	assert_string_equal(d.reason, "mount 0 ('/srv' on '/etc/hosts'): nope");
	sg_decision_clear(&d);
	sg_request_free(req);
	sg_gate_free(gate);
}

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

/* A gate whose key_dir is keys (made, 0700, with one key k1), and an exec request. */
static struct sg_gate *open_keyed_gate(const struct fixture *f, const char *keys,
				       struct sg_request **req)
{
	struct sg_config *cfg = NULL;
	struct sg_gate *gate = NULL;
	struct sg_error err = { 0 };

	policy(f, "required permit\n", "required permit\n", "required permit\n");
	assert_int_equal(mkdir(keys, 0700), 0);
	free(sg_test_write(keys, "k1", 0600, "secret = %s\n", KEY_HEX));
	assert_int_equal(sg_config_defaults(&cfg, NULL), 0);
	free(cfg->policy_dir);
	cfg->policy_dir = strdup(f->policy);
	free(cfg->key_dir);
	cfg->key_dir = strdup(keys);
	free(cfg->replay_store);
	assert_true(asprintf(&cfg->replay_store, "%s/replay.db", f->dir) > 0);
	cfg->replay_capacity = 64;
	if (sg_gate_open_config(cfg, f->gate_flags, &gate, &err) < 0)
		fail_msg("gate: %s", err.msg);
	assert_int_equal(sg_request_new(SG_OP_EXEC, "default", "c1", req, NULL), 0);
	return gate;
}

/* The next decision passes (the keys load). */
static void decide_passes(struct sg_gate *gate, struct sg_request *req)
{
	struct sg_decision d = { 0 };
	struct sg_error err = { 0 };

	if (sg_gate_decide(gate, req, &d, &err) < 0)
		fail_msg("decide: %s", err.msg);
	assert_true(d.allowed);
	sg_decision_clear(&d);
}

/* The next decision fails because the keys changed and do not load, naming what. */
static void decide_fails(struct sg_gate *gate, struct sg_request *req, const char *what)
{
	struct sg_decision d = { 0 };
	struct sg_error err = { 0 };

	assert_true(sg_gate_decide(gate, req, &d, &err) < 0);
	assert_non_null(strstr(err.msg, "keys changed and do not load"));
	assert_non_null(strstr(err.msg, what));
	sg_decision_clear(&d);
}

/* A chmod alone (no key file added or removed: the directory's mtime stays) reaches a running
 * gate: every decision fails with the reason until the mode is safe again. */
static void test_keys_follow_modes(void **state)
{
	struct fixture *f = *state;
	struct sg_request *req = NULL;
	struct sg_gate *gate;
	char *keys = NULL, *key = NULL;

	assert_true(asprintf(&keys, "%s/keys", f->dir) > 0);
	assert_true(asprintf(&key, "%s/k1", keys) > 0);
	gate = open_keyed_gate(f, keys, &req);
	decide_passes(gate, req);
	for (int i = 0; i < 2; i++) {
		const char *target = i ? key : keys;

		assert_int_equal(chmod(target, i ? 0620 : 0720), 0);
		decide_fails(gate, req, target);
		decide_fails(gate, req, target); /* no event since: still closed */
		assert_int_equal(chmod(target, i ? 0600 : 0700), 0);
		decide_passes(gate, req);
	}
	sg_request_free(req);
	sg_gate_free(gate);
	free(key);
	free(keys);
}

/* Keys added, written in place and removed (rotation, revocation) reach a running gate; so
 * does a chmod made through another hard link of a key file (its parent is not key_dir). */
static void test_keys_follow_rotation(void **state)
{
	struct fixture *f = *state;
	struct sg_request *req = NULL;
	struct sg_gate *gate;
	char *keys = NULL, *k2, *hard = NULL;
	FILE *w;

	assert_true(asprintf(&keys, "%s/keys", f->dir) > 0);
	assert_true(asprintf(&hard, "%s/k1.link", f->dir) > 0);
	gate = open_keyed_gate(f, keys, &req);
	decide_passes(gate, req);
	k2 = sg_test_write(keys, "k2", 0600, "secret = nothex\n");
	decide_fails(gate, req, k2);
	assert_int_equal(unlink(k2), 0);
	decide_passes(gate, req);
	free(k2);
	k2 = sg_test_write(keys, "k2", 0600, "secret = %s\n", KEY_HEX);
	decide_passes(gate, req);
	/* Written in place: no entry added or removed. */
	w = fopen(k2, "r+");
	assert_non_null(w);
	assert_true(fputs("secret = nothex\n", w) >= 0);
	assert_int_equal(fclose(w), 0);
	decide_fails(gate, req, k2);
	assert_int_equal(unlink(k2), 0);
	decide_passes(gate, req);
	/* k1 also named from outside key_dir. */
	free(k2);
	assert_true(asprintf(&k2, "%s/k1", keys) > 0);
	assert_int_equal(link(k2, hard), 0);
	decide_passes(gate, req);
	assert_int_equal(chmod(hard, 0640), 0);
	decide_fails(gate, req, k2);
	assert_int_equal(chmod(hard, 0600), 0);
	decide_passes(gate, req);
	sg_request_free(req);
	sg_gate_free(gate);
	free(hard);
	free(k2);
	free(keys);
}

/* key_dir's path naming another directory is seen: key_dir swapped by renames, and a
 * directory above it renamed and made again (no event on key_dir's own inode). */
static void test_keys_follow_swap(void **state)
{
	struct fixture *f = *state;
	struct sg_request *req = NULL;
	struct sg_gate *gate;
	char *up = NULL, *keys = NULL, *other = NULL, *old = NULL, *up_old = NULL;

	assert_true(asprintf(&up, "%s/up", f->dir) > 0);
	assert_true(asprintf(&up_old, "%s/up.old", f->dir) > 0);
	assert_true(asprintf(&keys, "%s/keys", up) > 0);
	assert_true(asprintf(&other, "%s/other", up) > 0);
	assert_true(asprintf(&old, "%s/keys.old", up) > 0);
	assert_int_equal(mkdir(up, 0755), 0);
	gate = open_keyed_gate(f, keys, &req);
	decide_passes(gate, req);
	/* Another key_dir whose key is readable by group. */
	assert_int_equal(mkdir(other, 0700), 0);
	free(sg_test_write(other, "k1", 0640, "secret = %s\n", KEY_HEX));
	assert_int_equal(rename(keys, old), 0);
	assert_int_equal(rename(other, keys), 0);
	decide_fails(gate, req, keys);
	assert_int_equal(rename(keys, other), 0);
	assert_int_equal(rename(old, keys), 0);
	decide_passes(gate, req);
	/* The parent renamed away, the same path made again with that other key_dir. */
	assert_int_equal(rename(up, up_old), 0);
	assert_int_equal(mkdir(up, 0755), 0);
	free(old);
	assert_true(asprintf(&old, "%s/other", up_old) > 0);
	assert_int_equal(rename(old, keys), 0);
	decide_fails(gate, req, keys);
	free(other);
	assert_true(asprintf(&other, "%s/k1", keys) > 0);
	assert_int_equal(chmod(other, 0600), 0);
	decide_passes(gate, req);
	sg_request_free(req);
	sg_gate_free(gate);
	free(up);
	free(up_old);
	free(keys);
	free(other);
	free(old);
}

static void test_open_errors(void **state)
{
	struct fixture *f = *state;
	struct sg_gate *gate = NULL;
	struct sg_error err = { 0 };
	char *conf, *want = NULL;

	policy(f, "required permit\n", "required permit\n", "required permit\nrequired nosuch\n");
	conf = sg_test_write(f->dir, "shimgate.conf", 0644,
			     "policy_dir = %s\nkey_dir = %s\nreplay_store = %s/replay.db\n",
			     f->policy, f->dir, f->dir);
	assert_int_equal(sg_gate_open("/nonexistent/shimgate.conf", &gate, &err), -ENOENT);
	assert_string_equal(err.msg, "/nonexistent/shimgate.conf: No such file or directory");
	free(conf);
	conf = sg_test_write(f->dir, "bad.conf", 0644, "mode = maybe\n");
	assert_int_equal(sg_gate_open(conf, &gate, &err), -EINVAL);
	assert_true(asprintf(&want, "%s:1: mode: 'maybe' is not enforce or audit-only", conf) > 0);
	assert_string_equal(err.msg, want);
	assert_null(gate);
	free(want);
	free(conf);

	/* A policy error rejects the whole gate, naming file and line. */
	{
		struct sg_config *cfg = NULL;

		assert_int_equal(sg_config_defaults(&cfg, NULL), 0);
		free(cfg->policy_dir);
		cfg->policy_dir = strdup(f->policy);
		free(cfg->replay_store);
		assert_true(asprintf(&cfg->replay_store, "%s/replay.db", f->dir) > 0);
		cfg->replay_capacity = 64;
		assert_int_equal(sg_gate_open_config(cfg, SG_GATE_NO_KEYRING, &gate, &err), -ENOENT);
		assert_true(asprintf(&want, "%s/exec:2: unknown module 'nosuch'", f->policy) > 0);
		assert_non_null(strstr(err.msg, want));
		assert_null(gate);
		free(want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_mounts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_follow_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_follow_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_follow_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_follow_modes, setup_fingerprint, teardown),
		cmocka_unit_test_setup_teardown(test_keys_follow_rotation, setup_fingerprint,
						teardown),
		cmocka_unit_test_setup_teardown(test_keys_follow_swap, setup_fingerprint, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
