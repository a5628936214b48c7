/* SPDX-License-Identifier: Apache-2.0 */
/* The intercept fixture and frame builders of intercept_fixture.h. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "intercept_fixture.h"
#include "testutil.h"

#include "core/audit.h"
#include "core/config.h"
#include "gate/gate.h"
#include "runc/settings.h"
#include "shim/firewall/intercept.h"
#include "shim/ttrpc.h"
#include "ttrpc.pb-c.h"

void sg_test_ic_policy(struct sg_test_ic *f, const char *create, const char *exec)
{
	free(sg_test_write(f->policy, "create", 0644, "%s", create));
	free(sg_test_write(f->policy, "mount", 0644, "required permit\n"));
	free(sg_test_write(f->policy, "exec", 0644, "%s", exec));
}

void sg_test_ic_open(struct sg_test_ic *f, const char *runc_binary, bool keys)
{
	struct sg_config *cfg = NULL;
	struct sg_error err = { 0 };

	sg_intercept_free(f->ic);
	sg_runc_settings_free(f->runc);
	f->runc = NULL;
	sg_audit_free(f->audit);
	sg_gate_free(f->gate);
	assert_int_equal(sg_config_defaults(&cfg, NULL), 0);
	free(cfg->policy_dir);
	cfg->policy_dir = strdup(f->policy);
	free(cfg->replay_store);
	assert_true(asprintf(&cfg->replay_store, "%s/replay.db", f->dir) > 0);
	cfg->replay_capacity = 64;
	assert_int_equal(sg_runc_settings_defaults(&f->runc, NULL), 0);
	if (runc_binary)
		assert_int_equal(sg_config_list_add(&f->runc->binaries, &f->runc->n_binaries,
						    runc_binary, NULL), 0);
	if (keys) {
		free(cfg->key_dir);
		assert_true(asprintf(&cfg->key_dir, "%s/keys.d", f->dir) > 0);
	}
	if (sg_gate_open_config(cfg, keys ? 0 : SG_GATE_NO_KEYRING, &f->gate, &err) < 0)
		fail_msg("gate: %s", err.msg);
	if (sg_audit_open(f->audit_path, &f->audit, &err) < 0)
		fail_msg("audit: %s", err.msg);
	if (sg_intercept_new(f->gate, f->runc, f->audit, "default", f->bundles, &f->ic, &err) < 0)
		fail_msg("intercept: %s", err.msg);
}

struct sg_test_ic *sg_test_ic_new(const char *config_json)
{
	struct sg_test_ic *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = sg_test_mkdtemp();
	assert_true(asprintf(&f->policy, "%s/policy.d", f->dir) > 0);
	assert_true(asprintf(&f->bundles, "%s/default", f->dir) > 0);
	assert_true(asprintf(&f->bundle, "%s/c1", f->bundles) > 0);
	assert_true(asprintf(&f->audit_path, "%s/audit.log", f->dir) > 0);
	assert_int_equal(mkdir(f->policy, 0755), 0);
	assert_int_equal(mkdir(f->bundles, 0711), 0);
	assert_int_equal(mkdir(f->bundle, 0711), 0);
	free(sg_test_write(f->bundle, "config.json", 0644, "%s", config_json));
	sg_test_ic_policy(f, "required permit\n", "required permit\n");
	sg_test_ic_open(f, NULL, false);
	return f;
}

void sg_test_ic_free(struct sg_test_ic *f)
{
	sg_intercept_free(f->ic);
	sg_runc_settings_free(f->runc);
	sg_audit_free(f->audit);
	sg_gate_free(f->gate);
	sg_test_rmtree(f->dir);
	free(f->dir);
	free(f->policy);
	free(f->bundles);
	free(f->bundle);
	free(f->audit_path);
	free(f);
}

struct sg_test_frame sg_test_frame_make(uint32_t sid, uint8_t type, uint8_t flags,
					const uint8_t *body, size_t body_len)
{
	struct sg_ttrpc_header h = { .length = (uint32_t)body_len, .stream_id = sid,
				     .type = type, .flags = flags };
	struct sg_test_frame fr = { .len = SG_TTRPC_HEADER_LEN + body_len };

	fr.bytes = malloc(fr.len);
	assert_non_null(fr.bytes);
	sg_ttrpc_header_encode(&h, fr.bytes);
	if (body_len)
		memcpy(fr.bytes + SG_TTRPC_HEADER_LEN, body, body_len);
	return fr;
}

struct sg_test_frame sg_test_request(uint32_t sid, uint8_t flags, const char *service,
				     const char *method, const void *payload, size_t payload_len)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	Ttrpc__KeyValue *md[] = { &kv };
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	struct sg_test_frame fr;
	uint8_t *body;
	size_t n;

	req.service = (char *)service;
	req.method = (char *)method;
	req.payload.data = (uint8_t *)payload;
	req.payload.len = payload_len;
	req.timeout_nano = 5000000000;
	kv.key = (char *)"containerd-namespace-ttrpc";
	kv.value = (char *)"default";
	req.metadata = md;
	req.n_metadata = 1;
	n = ttrpc__request__get_packed_size(&req);
	body = malloc(n + 1);
	assert_non_null(body);
	ttrpc__request__pack(&req, body);
	fr = sg_test_frame_make(sid, SG_TTRPC_REQUEST, flags, body, n);
	free(body);
	return fr;
}

char *sg_test_reply_message(uint8_t *out, size_t out_len, uint32_t sid, int code)
{
	struct sg_ttrpc_header h;
	Ttrpc__Response *resp;
	char *msg;

	assert_non_null(out);
	sg_ttrpc_header_decode(out, &h);
	assert_int_equal(h.stream_id, sid);
	assert_int_equal(h.type, SG_TTRPC_RESPONSE);
	assert_int_equal(h.length, out_len - SG_TTRPC_HEADER_LEN);
	resp = ttrpc__response__unpack(NULL, h.length, out + SG_TTRPC_HEADER_LEN);
	assert_non_null(resp);
	assert_non_null(resp->status);
	if (resp->status->code != code)
		fail_msg("code %d, want %d: %s", resp->status->code, code, resp->status->message);
	msg = strdup(resp->status->message);
	ttrpc__response__free_unpacked(resp, NULL);
	free(out);
	return msg;
}
