/* SPDX-License-Identifier: Apache-2.0 */
/* The Task API front end, driven with real ttrpc frames through a real gate. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/reqflags.h"
#include "containerd/runc/v1/options.pb-c.h"
#include "containerd/task/v2/shim.pb-c.h"
#include "core/audit.h"
#include "core/config.h"
#include "core/request.h"
#include "gate/gate.h"
#include "oci/oci.h"
#include "runc/settings.h"
#include "shim/firewall/intercept.h"
#include "shim/ttrpc.h"
#include "sig/keyring.h"
#include "sig/token.h"
#include "sig/verify.h"
#include "testutil.h"
#include "ttrpc.pb-c.h"

#define TASK_V2 "containerd.task.v2.Task"
#define TASK_V3 "containerd.task.v3.Task"
#define PROCESS_URL "types.containerd.io/opencontainers/runtime-spec/1/Process"
#define RESOURCES_URL "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"

/* The container's config.json: a token annotation the create must strip from disk. */
#define CONFIG_JSON                                                                        \
	"{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"       \
	"\"args\":[\"/bin/sh\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\","                    \
	"\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"],"                       \
	"\"effective\":[\"CAP_CHOWN\",\"CAP_KILL\"],\"permitted\":[\"CAP_CHOWN\",\"CAP_KILL\"]}," \
	"\"noNewPrivileges\":true},\"root\":{\"path\":\"rootfs\"},"                         \
	"\"annotations\":{\"io.shimgate.token\":\"v1.garbage\"},\"linux\":{}}"

#define CONFIG_JSON_PLAIN                                                                  \
	"{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"user\":{\"uid\":0,\"gid\":0},"       \
	"\"args\":[\"/bin/sh\"],\"env\":[\"PATH=/bin\"],\"cwd\":\"/\","                    \
	"\"noNewPrivileges\":true},\"root\":{\"path\":\"rootfs\"},\"linux\":{}}"

struct fixture {
	char *dir;
	char *policy;
	char *bundles;
	char *bundle;
	char *audit_path;
	struct sg_gate *gate;
	struct sg_runc_settings *runc;
	struct sg_audit *audit;
	struct sg_intercept *ic;
};

static void write_policy(struct fixture *f, const char *create, const char *exec)
{
	free(sg_test_write(f->policy, "create", 0644, "%s", create));
	free(sg_test_write(f->policy, "mount", 0644, "required permit\n"));
	free(sg_test_write(f->policy, "exec", 0644, "%s", exec));
}

/* (Re)opens gate, audit and intercept over the fixture's policy; with keys, the keyring
 * of <dir>/keys.d. */
static void open_gate(struct fixture *f, const char *runc_binary, bool keys)
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

static void open_all(struct fixture *f, const char *runc_binary)
{
	open_gate(f, runc_binary, false);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = sg_test_mkdtemp();
	assert_true(asprintf(&f->policy, "%s/policy.d", f->dir) > 0);
	assert_true(asprintf(&f->bundles, "%s/default", f->dir) > 0);
	assert_true(asprintf(&f->bundle, "%s/c1", f->bundles) > 0);
	assert_true(asprintf(&f->audit_path, "%s/audit.log", f->dir) > 0);
	assert_int_equal(mkdir(f->policy, 0755), 0);
	assert_int_equal(mkdir(f->bundles, 0711), 0);
	assert_int_equal(mkdir(f->bundle, 0711), 0);
	free(sg_test_write(f->bundle, "config.json", 0644, "%s", CONFIG_JSON));
	write_policy(f, "required permit\n", "required permit\n");
	open_all(f, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

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
	return 0;
}

/* A whole frame: header + body. */
struct frame {
	uint8_t *bytes;
	size_t len;
};

static struct frame make_frame(uint32_t sid, uint8_t type, uint8_t flags, const uint8_t *body,
			       size_t body_len)
{
	struct sg_ttrpc_header h = { .length = (uint32_t)body_len, .stream_id = sid,
				     .type = type, .flags = flags };
	struct frame fr = { .len = SG_TTRPC_HEADER_LEN + body_len };

	fr.bytes = malloc(fr.len);
	sg_ttrpc_header_encode(&h, fr.bytes);
	if (body_len)
		memcpy(fr.bytes + SG_TTRPC_HEADER_LEN, body, body_len);
	return fr;
}

static struct frame request_frame(uint32_t sid, uint8_t flags, const char *service,
				  const char *method, const void *payload, size_t payload_len)
{
	Ttrpc__KeyValue kv = TTRPC__KEY_VALUE__INIT;
	Ttrpc__KeyValue *md[] = { &kv };
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	struct frame fr;
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
	ttrpc__request__pack(&req, body);
	fr = make_frame(sid, SG_TTRPC_REQUEST, flags, body, n);
	free(body);
	return fr;
}

static enum sg_intercept_action run(struct fixture *f, const struct frame *fr, uint8_t **out,
				    size_t *out_len)
{
	struct sg_ttrpc_header h;

	sg_ttrpc_header_decode(fr->bytes, &h);
	assert_int_equal(h.length, fr->len - SG_TTRPC_HEADER_LEN);
	return sg_intercept_frame(f->ic, &h, fr->bytes + SG_TTRPC_HEADER_LEN, out, out_len);
}

/* Asserts out is an answer on sid with code and frees it; returns the message (malloc'ed). */
static char *reply_message(uint8_t *out, size_t out_len, uint32_t sid, int code)
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

/* Runs fr and asserts it was answered on sid with code; returns the message (malloc'ed). */
static char *expect_reply(struct fixture *f, struct frame fr, uint32_t sid, int code)
{
	uint8_t *out = NULL;
	size_t out_len = 0;

	assert_int_equal(run(f, &fr, &out, &out_len), SG_INTERCEPT_REPLY);
	free(fr.bytes);
	return reply_message(out, out_len, sid, code);
}

static void expect_reply_msg(struct fixture *f, struct frame fr, uint32_t sid, int code,
			     const char *want)
{
	char *msg = expect_reply(f, fr, sid, code);

	assert_string_equal(msg, want);
	free(msg);
}

static void expect_reply_has(struct fixture *f, struct frame fr, uint32_t sid, int code,
			     const char *part)
{
	char *msg = expect_reply(f, fr, sid, code);

	if (!strstr(msg, part))
		fail_msg("'%s' does not contain '%s'", msg, part);
	free(msg);
}

static void expect_forward(struct fixture *f, struct frame fr)
{
	uint8_t *out = NULL;
	size_t out_len = 0;

	assert_int_equal(run(f, &fr, &out, &out_len), SG_INTERCEPT_FORWARD);
	assert_null(out);
	free(fr.bytes);
}

/* ---- method table ---- */

static void test_passthrough(void **state)
{
	static const char *const methods[] = { "State",  "Start",     "Delete",  "Pids",
					       "Pause",  "Resume",    "Kill",    "ResizePty",
					       "CloseIO", "Wait",     "Stats",   "Connect",
					       "Shutdown" };
	static const uint8_t connect[] = { 0x0a, 0x02, 'c', '1' };
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		expect_forward(f, request_frame(1 + 2 * (uint32_t)i, 0, TASK_V2, methods[i],
						connect, sizeof(connect)));
		expect_forward(f, request_frame(1 + 2 * (uint32_t)i, 0, TASK_V3, methods[i],
						connect, sizeof(connect)));
	}
	/* An empty payload (a request message with every field at its default). */
	expect_forward(f, request_frame(3, 0, TASK_V2, "Shutdown", NULL, 0));
}

static void test_unknown(void **state)
{
	struct fixture *f = *state;

	expect_reply_msg(f, request_frame(9, 0, TASK_V2, "Frobnicate", NULL, 0), 9,
			 SG_GRPC_UNIMPLEMENTED,
			 "shimgate: method containerd.task.v2.Task/Frobnicate is not allowed");
	expect_reply_msg(f, request_frame(11, 0, "containerd.runtime.sandbox.v1.Sandbox",
					  "CreateSandbox", NULL, 0),
			 11, SG_GRPC_UNIMPLEMENTED,
			 "shimgate: method containerd.runtime.sandbox.v1.Sandbox/CreateSandbox is "
			 "not allowed");
	/* Case matters, as in ttrpc's own dispatch. */
	expect_reply_msg(f, request_frame(13, 0, "containerd.task.v2.task", "State", NULL, 0), 13,
			 SG_GRPC_UNIMPLEMENTED,
			 "shimgate: method containerd.task.v2.task/State is not allowed");
	expect_reply_msg(f, request_frame(15, 0, TASK_V2, "state", NULL, 0), 15,
			 SG_GRPC_UNIMPLEMENTED,
			 "shimgate: method containerd.task.v2.Task/state is not allowed");
}

static void test_wire_refusals(void **state)
{
	static const uint8_t garbage[] = { 0xff, 0xff, 0xff, 0xff, 0x0f };
	static const uint8_t bad_create[] = { 0x0a, 0x7f, 'c' };
	struct fixture *f = *state;

	expect_reply_msg(f, request_frame(1, 0x02, TASK_V2, "State", NULL, 0), 1,
			 SG_GRPC_INVALID_ARGUMENT,
			 "shimgate: streaming flags 0x02 refused on containerd.task.v2.Task/State: "
			 "the Task API is unary");
	expect_reply_msg(f, make_frame(3, SG_TTRPC_REQUEST, 0, garbage, sizeof(garbage)), 3,
			 SG_GRPC_INVALID_ARGUMENT,
			 "shimgate: ttrpc request on stream 3 does not decode");
	expect_reply_msg(f, make_frame(5, SG_TTRPC_DATA, 0x01, garbage, sizeof(garbage)), 5,
			 SG_GRPC_INVALID_ARGUMENT,
			 "shimgate: ttrpc message type 3 refused: the Task API is unary");
	expect_reply_msg(f, make_frame(7, SG_TTRPC_RESPONSE, 0, NULL, 0), 7,
			 SG_GRPC_INVALID_ARGUMENT,
			 "shimgate: ttrpc message type 2 refused: the Task API is unary");
	expect_reply_msg(f, request_frame(8, 0, TASK_V2, "State", NULL, 0), 8,
			 SG_GRPC_INVALID_ARGUMENT, "shimgate: stream id 8 is not a client stream");
	/* A Request that decodes, carrying a payload that does not. */
	expect_reply_msg(f, request_frame(9, 0, TASK_V2, "Create", bad_create, sizeof(bad_create)),
			 9, SG_GRPC_INVALID_ARGUMENT, "shimgate: create request does not decode");
	expect_reply_msg(f, request_frame(11, 0, TASK_V3, "Exec", garbage, sizeof(garbage)), 11,
			 SG_GRPC_INVALID_ARGUMENT, "shimgate: exec request does not decode");
	expect_reply_msg(f, request_frame(13, 0, TASK_V2, "Update", garbage, sizeof(garbage)), 13,
			 SG_GRPC_INVALID_ARGUMENT, "shimgate: update request does not decode");
}

/* Over the frame limit: the relay discards the body unread and passes no body; the answer is
 * InvalidArgument like other malformed input, and names the limit. */
static void test_oversize(void **state)
{
	struct sg_ttrpc_header h = { .length = SG_TTRPC_FRAME_MAX + 1, .stream_id = 15,
				     .type = SG_TTRPC_REQUEST };
	struct fixture *f = *state;
	uint8_t *out = NULL;
	size_t out_len = 0;
	char *msg;

	assert_int_equal(sg_intercept_frame(f->ic, &h, NULL, &out, &out_len), SG_INTERCEPT_REPLY);
	msg = reply_message(out, out_len, 15, SG_GRPC_INVALID_ARGUMENT);
	assert_string_equal(msg, "shimgate: ttrpc request of 4194305 bytes refused: over the "
				 "4194304-byte (4 MiB) frame limit");
	free(msg);
}

static void test_checkpoint(void **state)
{
	struct fixture *f = *state;

	expect_reply_msg(f, request_frame(21, 0, TASK_V3, "Checkpoint", NULL, 0), 21,
			 SG_GRPC_PERMISSION_DENIED,
			 "shimgate: method containerd.task.v3.Task/Checkpoint is not allowed: "
			 "checkpoint writes container memory to a caller-chosen host path");
}

/* ---- Update ---- */

static struct frame update_frame(uint32_t sid, const char *type_url, const char *json)
{
	Containerd__Task__V2__UpdateTaskRequest u = CONTAINERD__TASK__V2__UPDATE_TASK_REQUEST__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	struct frame fr;
	uint8_t *buf;
	size_t n;

	u.id = (char *)"c1";
	if (type_url) {
		any.type_url = (char *)type_url;
		any.value.data = (uint8_t *)json;
		any.value.len = strlen(json);
		u.resources = &any;
	}
	n = containerd__task__v2__update_task_request__get_packed_size(&u);
	buf = malloc(n + 1);
	containerd__task__v2__update_task_request__pack(&u, buf);
	fr = request_frame(sid, 0, TASK_V2, "Update", buf, n);
	free(buf);
	return fr;
}

static void test_update(void **state)
{
	struct fixture *f = *state;

	expect_forward(f, update_frame(1, NULL, NULL));
	expect_forward(f, update_frame(3, RESOURCES_URL, "{\"cpu\":{\"shares\":512}}"));
	expect_forward(f, update_frame(5, RESOURCES_URL, "{\"devices\":[],\"memory\":{}}"));
	expect_forward(f, update_frame(7, RESOURCES_URL, "{\"devices\":null}"));
	expect_reply_msg(f,
			 update_frame(9, RESOURCES_URL,
				      "{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}"),
			 9, SG_GRPC_PERMISSION_DENIED,
			 "shimgate: update of 'c1' refused: resources.devices: rule 'allow a -1:-1 "
			 "rwm' is not the container's own (its config.json has no rule there): an "
			 "update may not grant devices");
	/* Go matches JSON keys to fields case-insensitively, long s and Kelvin sign included. */
	expect_reply_msg(f, update_frame(11, RESOURCES_URL, "{\"DeViCeS\":[{\"allow\":true}]}"),
			 11, SG_GRPC_INVALID_ARGUMENT,
			 "shimgate: update of 'c1' refused: key 'DeViCeS' would be read by runc as "
			 "'devices'");
	expect_reply_has(f,
			 update_frame(13, RESOURCES_URL,
				      "{\"device\xc5\xbf\":[{\"allow\":true}]}"),
			 13, SG_GRPC_INVALID_ARGUMENT, "would be read by runc as 'devices'");
	expect_reply_msg(f, update_frame(15, "containerd.foo", "{}"), 15,
			 SG_GRPC_INVALID_ARGUMENT,
			 "shimgate: update of 'c1' refused: resources type 'containerd.foo' is not "
			 "LinuxResources");
	expect_reply_has(f, update_frame(17, RESOURCES_URL, "{\"devices\":"), 17,
			 SG_GRPC_INVALID_ARGUMENT, "shimgate: update of 'c1' refused: ");
	/* T30: a field the table does not know. */
	expect_reply_msg(f, update_frame(19, RESOURCES_URL, "{\"cpu\":{\"turbo\":1}}"), 19,
			 SG_GRPC_PERMISSION_DENIED,
			 "shimgate: update of 'c1' refused: resources: cpu.turbo: not judged by this "
			 "gate");
}

/* T27: CRI sends the container's device rules with every update (UpdateContainerResources):
 * the same list passes with new CPU shares; a new grant, a reordering or a dropped deny does
 * not; rules that only deny grant nothing. */
static void test_update_device_rules(void **state)
{
	struct fixture *f = *state;

	free(sg_test_write(f->bundle, "config.json", 0644, "%s",
			   "{\"process\":{\"args\":[\"/bin/sh\"],\"cwd\":\"/\"},\"linux\":{"
			   "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
			   "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
			   "{\"allow\":false,\"type\":\"c\",\"major\":5,\"minor\":1,\"access\":\"w\"},"
			   "{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"mrw\"}]}}}"));
	expect_forward(f, update_frame(1, RESOURCES_URL,
		"{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
		"{\"allow\":false,\"type\":\"c\",\"major\":5,\"minor\":1,\"access\":\"w\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}],"
		"\"cpu\":{\"shares\":512,\"period\":18446744073709551615}}"));
	/* Without the leading deny-all: runc starts from it anyway. */
	expect_forward(f, update_frame(3, RESOURCES_URL,
		"{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
		"{\"allow\":false,\"type\":\"c\",\"major\":5,\"minor\":1,\"access\":\"w\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}]}"));
	expect_forward(f, update_frame(5, RESOURCES_URL,
		"{\"devices\":[{\"allow\":false,\"type\":\"b\",\"access\":\"rwm\"}]}"));
	expect_reply_msg(f, update_frame(7, RESOURCES_URL,
		"{\"devices\":[{\"allow\":false,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"rwm\"}]}"),
		7, SG_GRPC_PERMISSION_DENIED,
		"shimgate: update of 'c1' refused: resources.devices: rule 'allow b 8:0 rwm' is not the "
		"container's own (its config.json has deny c 5:1 w there): an update may not grant "
		"devices");
	expect_reply_msg(f, update_frame(9, RESOURCES_URL,
		"{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"},"
		"{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}]}"),
		9, SG_GRPC_PERMISSION_DENIED,
		"shimgate: update of 'c1' refused: resources.devices: rule 'allow c 1:5 rwm' is not the "
		"container's own (its config.json has deny c 5:1 w there): an update may not grant "
		"devices");
	expect_reply_msg(f, update_frame(11, RESOURCES_URL,
		"{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}]}"),
		11, SG_GRPC_PERMISSION_DENIED,
		"shimgate: update of 'c1' refused: resources.devices: the container's rule 'deny c 5:1 "
		"w' is missing: an update may not drop device rules");
}

/* ---- Create ---- */

struct create_opts {
	const char *id;
	const char *bundle;
	const char *checkpoint;
	const char *options_url;
	const char *binary_name;
	const char *root;
	bool rootfs;
};

static struct frame create_frame(struct fixture *f, uint32_t sid, const char *service,
				 const struct create_opts *o)
{
	Containerd__Task__V2__CreateTaskRequest c = CONTAINERD__TASK__V2__CREATE_TASK_REQUEST__INIT;
	Containerd__Runc__V1__Options ro = CONTAINERD__RUNC__V1__OPTIONS__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	Containerd__Types__Mount m = CONTAINERD__TYPES__MOUNT__INIT;
	Containerd__Types__Mount *mounts[] = { &m };
	char *opts[] = { (char *)"lowerdir=/l", (char *)"upperdir=/u", (char *)"workdir=/w" };
	uint8_t ro_buf[256];
	struct frame fr;
	uint8_t *buf;
	size_t n;

	c.id = (char *)(o->id ? o->id : "c1");
	c.bundle = (char *)(o->bundle ? o->bundle : f->bundle);
	c.stdout = (char *)"/run/fifo/out";
	if (o->checkpoint)
		c.checkpoint = (char *)o->checkpoint;
	if (o->rootfs) {
		m.type = (char *)"overlay";
		m.source = (char *)"overlay";
		m.options = opts;
		m.n_options = 3;
		c.rootfs = mounts;
		c.n_rootfs = 1;
	}
	if (o->options_url) {
		if (o->binary_name)
			ro.binary_name = (char *)o->binary_name;
		if (o->root)
			ro.root = (char *)o->root;
		any.type_url = (char *)o->options_url;
		any.value.len = containerd__runc__v1__options__pack(&ro, ro_buf);
		any.value.data = ro_buf;
		c.options = &any;
	}
	n = containerd__task__v2__create_task_request__get_packed_size(&c);
	buf = malloc(n + 1);
	containerd__task__v2__create_task_request__pack(&c, buf);
	fr = request_frame(sid, 0, service, "Create", buf, n);
	free(buf);
	return fr;
}

static char *read_config(const struct fixture *f)
{
	char *path = NULL, *text;

	assert_true(asprintf(&path, "%s/config.json", f->bundle) > 0);
	text = sg_test_read(path, NULL);
	free(path);
	assert_non_null(text);
	return text;
}

static void test_create_allowed(void **state)
{
	struct fixture *f = *state;
	struct create_opts o = { .rootfs = true };
	json_t *doc;
	char *text, *audit;

	expect_forward(f, create_frame(f, 1, TASK_V2, &o));
	/* Allowed: the token carrier is gone from disk, the rest kept. */
	text = read_config(f);
	doc = json_loads(text, 0, NULL);
	assert_non_null(doc);
	assert_null(strstr(text, "io.shimgate.token"));
	assert_string_equal(json_string_value(json_object_get(doc, "ociVersion")), "1.0.2-dev");
	assert_string_equal(json_string_value(json_array_get(
				    json_object_get(json_object_get(doc, "process"), "args"), 0)),
			    "/bin/sh");
	json_decref(doc);
	free(text);
	audit = sg_test_read(f->audit_path, NULL);
	assert_non_null(audit);
	assert_non_null(strstr(audit, "\"c1\""));
	free(audit);
}

static void test_create_unchanged_not_written(void **state)
{
	struct fixture *f = *state;
	struct create_opts o = { 0 };
	char *path = NULL;
	struct stat before, after;
	char *text;

	assert_true(asprintf(&path, "%s/config.json", f->bundle) > 0);
	free(sg_test_write(f->bundle, "config.json", 0644, "%s", CONFIG_JSON_PLAIN));
	assert_int_equal(stat(path, &before), 0);
	expect_forward(f, create_frame(f, 1, TASK_V3, &o));
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	text = read_config(f);
	assert_string_equal(text, CONFIG_JSON_PLAIN);
	free(text);
	free(path);
}

static void test_create_denied(void **state)
{
	struct fixture *f = *state;
	struct create_opts o = { 0 };
	char *want = NULL, *text;

	write_policy(f, "# create\nrequired deny reason=no-creates\n", "required permit\n");
	open_all(f, NULL);
	assert_true(asprintf(&want,
			     "shimgate: create of 'c1' refused by create policy %s/create:2 (deny): "
			     "no-creates",
			     f->policy) > 0);
	expect_reply_msg(f, create_frame(f, 41, TASK_V2, &o), 41, SG_GRPC_PERMISSION_DENIED,
			 want);
	/* Refused: config.json untouched. */
	text = read_config(f);
	assert_string_equal(text, CONFIG_JSON);
	free(text);
	free(want);
}

static void test_create_input(void **state)
{
	struct fixture *f = *state;
	struct create_opts o = { .checkpoint = "/tmp/ckpt" };
	char *other = NULL;

	expect_reply_msg(f, create_frame(f, 1, TASK_V2, &o), 1, SG_GRPC_PERMISSION_DENIED,
			 "shimgate: create of 'c1' refused: restoring from a checkpoint is not "
			 "allowed");
	o = (struct create_opts){ .id = "../c1" };
	expect_reply_msg(f, create_frame(f, 3, TASK_V2, &o), 3, SG_GRPC_INVALID_ARGUMENT,
			 "shimgate: create refused: container id '../c1' is not a plain name");
	o = (struct create_opts){ .id = "c2" };
	expect_reply_has(f, create_frame(f, 5, TASK_V2, &o), 5, SG_GRPC_INVALID_ARGUMENT,
			 "is not named after the container");
	o = (struct create_opts){ .bundle = "c1" };
	expect_reply_has(f, create_frame(f, 7, TASK_V2, &o), 7, SG_GRPC_INVALID_ARGUMENT,
			 "is not an absolute path without '..'");
	assert_true(asprintf(&other, "%s/default/../default/c1", f->dir) > 0);
	o = (struct create_opts){ .bundle = other };
	expect_reply_has(f, create_frame(f, 9, TASK_V2, &o), 9, SG_GRPC_INVALID_ARGUMENT,
			 "is not an absolute path without '..'");
	free(other);
	/* A bundle outside the directory this shim serves. */
	assert_true(asprintf(&other, "%s/c1", f->dir) > 0);
	assert_int_equal(mkdir(other, 0700), 0);
	o = (struct create_opts){ .bundle = other };
	expect_reply_has(f, create_frame(f, 11, TASK_V2, &o), 11, SG_GRPC_INVALID_ARGUMENT,
			 "is not in");
	free(other);
}

static void test_create_runc_options(void **state)
{
	struct fixture *f = *state;
	struct create_opts o = { .options_url = "containerd.runc.v1.Options" };

	/* No binary, no root: fine. Then a root under /run/containerd/runc (the default). */
	expect_forward(f, create_frame(f, 1, TASK_V2, &o));
	o.root = "/run/containerd/runc//k8s.io/./";
	expect_forward(f, create_frame(f, 3, TASK_V2, &o));
	o.root = "/run/containerd/runc/../../../tmp/evil";
	expect_reply_msg(f, create_frame(f, 5, TASK_V2, &o), 5, SG_GRPC_PERMISSION_DENIED,
			 "shimgate: create of 'c1' refused: runtime option root "
			 "'/run/containerd/runc/../../../tmp/evil' is not under a configured "
			 "runc_root");
	o.root = "/run/containerd/runcevil";
	expect_reply_has(f, create_frame(f, 7, TASK_V2, &o), 7, SG_GRPC_PERMISSION_DENIED,
			 "is not under a configured runc_root");
	o.root = NULL;
	o.binary_name = "/tmp/evil-runc";
	expect_reply_msg(f, create_frame(f, 9, TASK_V2, &o), 9, SG_GRPC_PERMISSION_DENIED,
			 "shimgate: create of 'c1' refused: runtime option binary_name "
			 "'/tmp/evil-runc' is not a configured runc_binary");
	open_all(f, "/usr/sbin/runc");
	o.binary_name = "/usr/sbin/runc";
	expect_forward(f, create_frame(f, 11, TASK_V2, &o));
	o = (struct create_opts){ .options_url = "runtimeoptions.v1.Options" };
	expect_reply_msg(f, create_frame(f, 13, TASK_V2, &o), 13, SG_GRPC_PERMISSION_DENIED,
			 "shimgate: create of 'c1' refused: runtime options of type "
			 "'runtimeoptions.v1.Options' are not allowed");
	o = (struct create_opts){ .options_url = "type.googleapis.com/containerd.runc.v1.Options",
				  .binary_name = "runc-evil" };
	expect_reply_has(f, create_frame(f, 15, TASK_V3, &o), 15, SG_GRPC_PERMISSION_DENIED,
			 "binary_name 'runc-evil'");
}

/* ---- Exec ---- */

static struct frame exec_frame(uint32_t sid, const char *service, const char *type_url,
			       const char *json, bool terminal)
{
	Containerd__Task__V2__ExecProcessRequest e =
		CONTAINERD__TASK__V2__EXEC_PROCESS_REQUEST__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	struct frame fr;
	uint8_t *buf;
	size_t n;

	e.id = (char *)"c1";
	e.exec_id = (char *)"e1";
	e.terminal = terminal;
	e.stdout = (char *)"/run/fifo/e1-out";
	any.type_url = (char *)type_url;
	any.value.data = (uint8_t *)json;
	any.value.len = strlen(json);
	e.spec = &any;
	n = containerd__task__v2__exec_process_request__get_packed_size(&e);
	buf = malloc(n + 1);
	containerd__task__v2__exec_process_request__pack(&e, buf);
	fr = request_frame(sid, 0, service, "Exec", buf, n);
	free(buf);
	return fr;
}

#define EXEC_JSON                                                                          \
	"{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"/bin/echo\",\"hi\"],\"cwd\":\"/\","   \
	"\"env\":[\"PATH=/bin\",\"SHIMGATE_TOKEN=v1.garbage\"],\"noNewPrivileges\":true}"

/* Decodes a rewritten Exec frame down to its process JSON. */
static json_t *rewritten_process(const uint8_t *out, size_t out_len, uint32_t sid,
				 const char *service, bool *terminal)
{
	Containerd__Task__V2__ExecProcessRequest *e;
	struct sg_ttrpc_header h;
	Ttrpc__Request *req;
	json_t *proc;

	sg_ttrpc_header_decode(out, &h);
	assert_int_equal(h.stream_id, sid);
	assert_int_equal(h.type, SG_TTRPC_REQUEST);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.length, out_len - SG_TTRPC_HEADER_LEN);
	req = ttrpc__request__unpack(NULL, h.length, out + SG_TTRPC_HEADER_LEN);
	assert_non_null(req);
	assert_string_equal(req->service, service);
	assert_string_equal(req->method, "Exec");
	/* metadata and timeout kept */
	assert_int_equal(req->timeout_nano, 5000000000);
	assert_int_equal(req->n_metadata, 1);
	assert_string_equal(req->metadata[0]->key, "containerd-namespace-ttrpc");
	assert_string_equal(req->metadata[0]->value, "default");
	e = containerd__task__v2__exec_process_request__unpack(NULL, req->payload.len,
								req->payload.data);
	assert_non_null(e);
	assert_string_equal(e->id, "c1");
	assert_string_equal(e->exec_id, "e1");
	assert_string_equal(e->stdout, "/run/fifo/e1-out");
	assert_non_null(e->spec);
	assert_string_equal(e->spec->type_url, PROCESS_URL);
	*terminal = e->terminal;
	proc = json_loadb((const char *)e->spec->value.data, e->spec->value.len, 0, NULL);
	assert_non_null(proc);
	containerd__task__v2__exec_process_request__free_unpacked(e, NULL);
	ttrpc__request__free_unpacked(req, NULL);
	return proc;
}

static void test_exec_allowed(void **state)
{
	static const char *const services[] = { TASK_V2, TASK_V3 };
	struct fixture *f = *state;

	for (size_t i = 0; i < 2; i++) {
		struct frame fr = exec_frame(31, services[i], PROCESS_URL, EXEC_JSON, true);
		uint8_t *out = NULL;
		size_t out_len = 0;
		bool terminal = false;
		json_t *proc, *env;
		char *dump;

		assert_int_equal(run(f, &fr, &out, &out_len), SG_INTERCEPT_REWRITE);
		free(fr.bytes);
		proc = rewritten_process(out, out_len, 31, services[i], &terminal);
		assert_true(terminal);
		assert_true(json_is_true(json_object_get(proc, "terminal")));
		env = json_object_get(proc, "env");
		assert_int_equal(json_array_size(env), 1);
		assert_string_equal(json_string_value(json_array_get(env, 0)), "PATH=/bin");
		dump = json_dumps(proc, 0);
		assert_null(strstr(dump, "SHIMGATE_TOKEN"));
		assert_null(strstr(dump, "v1.garbage"));
		free(dump);
		json_decref(proc);
		free(out);
	}
}

static void test_exec_argv_token(void **state)
{
	struct fixture *f = *state;
	struct frame fr = exec_frame(
		33, TASK_V2, PROCESS_URL,
		"{\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"SHIMGATE_TOKEN=v1.garbage\","
		"\"/bin/echo\",\"hi\"],\"cwd\":\"/\"}",
		false);
	uint8_t *out = NULL;
	size_t out_len = 0;
	bool terminal = true;
	json_t *proc, *args;

	assert_int_equal(run(f, &fr, &out, &out_len), SG_INTERCEPT_REWRITE);
	free(fr.bytes);
	proc = rewritten_process(out, out_len, 33, TASK_V2, &terminal);
	assert_false(terminal);
	args = json_object_get(proc, "args");
	assert_int_equal(json_array_size(args), 2);
	assert_string_equal(json_string_value(json_array_get(args, 0)), "/bin/echo");
	json_decref(proc);
	free(out);
}

static void test_exec_refused(void **state)
{
	struct fixture *f = *state;
	char *want = NULL;

	expect_reply_msg(f, exec_frame(35, TASK_V2, "types.containerd.io/x/Spec", EXEC_JSON, false),
			 35, SG_GRPC_INVALID_ARGUMENT,
			 "shimgate: exec 'e1' in 'c1' refused: the spec is not an OCI Process "
			 "(type 'types.containerd.io/x/Spec')");
	expect_reply_has(f, exec_frame(37, TASK_V2, PROCESS_URL, "{\"args\":", false), 37,
			 SG_GRPC_INVALID_ARGUMENT, "shimgate: exec 'e1' in 'c1' refused: ");
	expect_reply_has(f, exec_frame(39, TASK_V2, PROCESS_URL, "[1]", false), 39,
			 SG_GRPC_INVALID_ARGUMENT, "shimgate: exec 'e1' in 'c1' refused: ");
	write_policy(f, "required permit\n", "required deny reason=no-exec\n");
	open_all(f, NULL);
	assert_true(asprintf(&want,
			     "shimgate: exec 'e1' in 'c1' refused by exec policy %s/exec:1 (deny): "
			     "no-exec",
			     f->policy) > 0);
	expect_reply_msg(f, exec_frame(41, TASK_V3, PROCESS_URL, EXEC_JSON, false), 41,
			 SG_GRPC_PERMISSION_DENIED, want);
	free(want);
}

static void test_exec_no_container(void **state)
{
	struct fixture *f = *state;
	char *path = NULL;

	assert_true(asprintf(&path, "%s/config.json", f->bundle) > 0);
	assert_int_equal(unlink(path), 0);
	free(path);
	expect_reply_has(f, exec_frame(43, TASK_V2, PROCESS_URL, EXEC_JSON, false), 43,
			 SG_GRPC_FAILED_PRECONDITION, "the container's config.json");
}

/* Keys a case-sensitive reader skips but runc's Go decoder reads are refused. */
static void test_go_case_keys(void **state)
{
	struct fixture *f = *state;
	struct create_opts o = { 0 };
	char *want = NULL;

	expect_reply_msg(f,
			 exec_frame(51, TASK_V2, PROCESS_URL,
				    "{\"args\":[\"/bin/true\"],\"Args\":[\"/bin/sh\"],\"cwd\":\"/\"}",
				    false),
			 51, SG_GRPC_INVALID_ARGUMENT,
			 "shimgate: exec 'e1' in 'c1' refused: keys 'args' and 'Args' name the same "
			 "field for runc");
	expect_reply_msg(f,
			 exec_frame(53, TASK_V2, PROCESS_URL,
				    "{\"args\":[\"/bin/true\"],\"cwd\":\"/\",\"user\":{\"UID\":0}}",
				    false),
			 53, SG_GRPC_INVALID_ARGUMENT,
			 "shimgate: exec 'e1' in 'c1' refused: key 'UID' would be read by runc as "
			 "'uid'");
	free(sg_test_write(f->bundle, "config.json", 0644, "%s",
			   "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/sh\"],"
			   "\"cwd\":\"/\"},\"Mount\xc5\xbf\":[{\"destination\":\"/h\","
			   "\"source\":\"/\",\"type\":\"bind\"}]}"));
	assert_true(asprintf(&want, "shimgate: create of 'c1' refused: %s/config.json: key "
				    "'Mount\xc5\xbf' would be read by runc as 'mounts'", f->bundle) > 0);
	expect_reply_msg(f, create_frame(f, 55, TASK_V2, &o), 55, SG_GRPC_INVALID_ARGUMENT, want);
	free(want);
	/* Annotations are a map: any key is data. */
	free(sg_test_write(f->bundle, "config.json", 0644, "%s",
			   "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/sh\"],"
			   "\"cwd\":\"/\"},\"annotations\":{\"Mounts\":\"x\",\"mounts\":\"y\"}}"));
	expect_forward(f, create_frame(f, 57, TASK_V2, &o));
}

/* What the CLI (`policy test`, `explain`, `sign --request`) makes of a spec in a request
 * envelope: 0, or the refusal in err. The envelope is read through the CLI's parse entry
 * (entry), or by plain jansson (a document that did not come through it: the vectors). */
static int cli_envelope(const char *op, const char *member, const char *spec, bool entry,
			struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	json_error_t jerr;
	char *text = NULL;
	json_t *env = NULL;
	int r = 0;

	assert_true(asprintf(&text,
			     "{\"op\":\"%s\",\"namespace\":\"default\",\"id\":\"c1\",\"%s\":%s}",
			     op, member, spec) > 0);
	if (entry)
		r = sg_oci_parse_doc(text, strlen(text), NULL, &env, err);
	else
		assert_non_null(env = json_loads(text, 0, &jerr));
	if (r == 0)
		r = sg_oci_request_from_json(env, &req, err);
	json_decref(env);
	free(text);
	return r;
}

/* The same through the CLI's request flags: --process for an exec (with container, the
 * container's config.json as --spec), --spec for a create. */
static int cli_flags(struct fixture *f, enum sg_op op, const char *spec, const char *container,
		     struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	char *path = sg_test_write(f->dir, "cli-spec.json", 0644, "%s", spec);
	char *cpath = container ? sg_test_write(f->dir, "cli-config.json", 0644, "%s", container)
				: NULL;
	struct sg_reqflags rf = { .op_set = true, .op = op, .ns = "default", .id = "c1" };
	int r;

	if (op == SG_OP_EXEC) {
		rf.process_file = path;
		rf.spec_file = cpath;
	} else {
		rf.spec_file = path;
	}
	r = sg_reqflags_build(&rf, &req, err);
	free(path);
	free(cpath);
	return r;
}

/* The CLI and the shim refuse the same Go-key-folded specs, for the same reason: both read
 * through sg_oci_parse_doc. Before, `policy test` and `explain` judged the spec the shim
 * refused, and the shim read an exec's container config.json without the Go key check. */
static void test_go_case_keys_cli_agrees(void **state)
{
	static const char process[] =
		"{\"args\":[\"/bin/true\"],\"Args\":[\"/bin/sh\"],\"cwd\":\"/\"}";
	static const char config[] = "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"/bin/sh\"],"
				     "\"cwd\":\"/\"},\"Mount\xc5\xbf\":[{\"destination\":\"/h\","
				     "\"source\":\"/\",\"type\":\"bind\"}]}";
	static const char exec_why[] = "keys 'args' and 'Args' name the same field for runc";
	static const char create_why[] = "key 'Mount\xc5\xbf' would be read by runc as 'mounts'";
	struct fixture *f = *state;
	struct create_opts o = { 0 };
	struct sg_error err = { 0 };
	char *want = NULL;

	/* The shim. */
	assert_true(asprintf(&want, "shimgate: exec 'e1' in 'c1' refused: %s", exec_why) > 0);
	expect_reply_msg(f, exec_frame(61, TASK_V2, PROCESS_URL, process, false), 61,
			 SG_GRPC_INVALID_ARGUMENT, want);
	free(want);
	free(sg_test_write(f->bundle, "config.json", 0644, "%s", config));
	assert_true(asprintf(&want, "shimgate: create of 'c1' refused: %s/config.json: %s",
			     f->bundle, create_why) > 0);
	expect_reply_msg(f, create_frame(f, 63, TASK_V2, &o), 63, SG_GRPC_INVALID_ARGUMENT, want);
	free(want);
	/* An exec in a container whose config.json Go would read differently. */
	assert_true(asprintf(&want, "shimgate: exec 'e1' in 'c1' refused: the container's "
				    "config.json: %s/config.json: %s", f->bundle, create_why) > 0);
	expect_reply_msg(f, exec_frame(65, TASK_V2, PROCESS_URL, EXEC_JSON, false), 65,
			 SG_GRPC_INTERNAL, want);
	free(want);
	/* And an update's device rules, judged against that config.json. */
	assert_true(asprintf(&want, "shimgate: update of 'c1' refused: the container's "
				    "config.json: %s/config.json: %s", f->bundle, create_why) > 0);
	expect_reply_msg(f, update_frame(67, RESOURCES_URL,
					 "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}"),
			 67, SG_GRPC_FAILED_PRECONDITION, want);
	free(want);
	/* The CLI, on the same specs. */
	for (int entry = 0; entry < 2; entry++) {
		assert_int_equal(cli_envelope("exec", "process", process, entry, &err), -EINVAL);
		assert_string_equal(err.msg, exec_why);
		assert_int_equal(cli_envelope("create", "spec", config, entry, &err), -EINVAL);
		assert_string_equal(err.msg, create_why);
		/* The legitimate spelling passes. */
		assert_int_equal(cli_envelope("exec", "process", EXEC_JSON, entry, &err), 0);
	}
	assert_int_equal(cli_flags(f, SG_OP_EXEC, process, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, exec_why));
	assert_int_equal(cli_flags(f, SG_OP_CREATE, config, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, create_why));
	assert_int_equal(cli_flags(f, SG_OP_EXEC, EXEC_JSON, config, &err), -EINVAL);
	assert_non_null(strstr(err.msg, create_why));
	assert_int_equal(cli_flags(f, SG_OP_EXEC, EXEC_JSON, NULL, &err), 0);
	assert_int_equal(cli_flags(f, SG_OP_EXEC, EXEC_JSON, CONFIG_JSON, &err), 0);
}

/* The container's config.json is parsed once per (id, inode, mtime, size). */
static void test_exec_cache(void **state)
{
	struct fixture *f = *state;
	struct timespec times[2];
	char *path = NULL, *garbage;
	struct stat st;
	uint8_t *out = NULL;
	size_t out_len = 0;
	struct frame fr;
	int fd;

	assert_true(asprintf(&path, "%s/config.json", f->bundle) > 0);
	fr = exec_frame(61, TASK_V2, PROCESS_URL, EXEC_JSON, false);
	assert_int_equal(run(f, &fr, &out, &out_len), SG_INTERCEPT_REWRITE);
	free(fr.bytes);
	free(out);
	/* Same inode, size and mtime, other bytes: the cached document is used. */
	assert_int_equal(stat(path, &st), 0);
	garbage = malloc((size_t)st.st_size);
	memset(garbage, '#', (size_t)st.st_size);
	fd = open(path, O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, garbage, (size_t)st.st_size), st.st_size);
	assert_int_equal(close(fd), 0);
	free(garbage);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	fr = exec_frame(63, TASK_V2, PROCESS_URL, EXEC_JSON, false);
	assert_int_equal(run(f, &fr, &out, &out_len), SG_INTERCEPT_REWRITE);
	free(fr.bytes);
	free(out);
	/* Another mtime: parsed again, and refused. */
	times[1].tv_sec -= 10;
	assert_int_equal(utimensat(AT_FDCWD, path, times, 0), 0);
	expect_reply_has(f, exec_frame(65, TASK_V2, PROCESS_URL, EXEC_JSON, false), 65,
			 SG_GRPC_INTERNAL, "the container's config.json: ");
	free(path);
}

/* ---- signed requests through the hmac module ---- */

#define KEY_SECRET "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static struct sg_keyring *setup_keys(struct fixture *f)
{
	struct sg_keyring *kr = NULL;
	struct sg_error err = { 0 };
	char *keys = NULL, *path;

	assert_true(asprintf(&keys, "%s/keys.d", f->dir) > 0);
	assert_int_equal(mkdir(keys, 0700), 0);
	path = sg_test_write(keys, "k1", 0600, "secret = %s\n", KEY_SECRET);
	if (sg_keyring_load_file(path, &kr, &err) < 0)
		fail_msg("keyring: %s", err.msg);
	free(path);
	free(keys);
	write_policy(f, "required hmac\n", "required hmac\n");
	open_gate(f, NULL, true);
	return kr;
}

static void sign(struct sg_keyring *kr, struct sg_request *req, bool bind_exec_id, char *token,
		 size_t size)
{
	char nonce[SG_NONCE_HEX + 1];
	struct sg_error err = { 0 };

	assert_int_equal(sg_nonce_generate(nonce, &err), 0);
	if (sg_sign_request(kr, "k1", (int64_t)time(NULL), nonce, bind_exec_id, req, token, size,
			    &err) < 0)
		fail_msg("sign: %s", err.msg);
}

#define SIGNED_PROC(env_extra, arg)                                                        \
	"{\"terminal\":false,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"/bin/echo\",\"" arg   \
	"\"],\"cwd\":\"/\",\"env\":[\"PATH=/bin\"" env_extra "]}"

static char *signed_exec_token(struct sg_keyring *kr)
{
	static const char proc[] = SIGNED_PROC("", "signed");
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	json_t *container = json_loads(CONFIG_JSON, 0, NULL);
	char token[SG_TOKEN_MAX + 1];

	assert_non_null(container);
	if (sg_oci_exec_request("default", "c1", "e1", proc, strlen(proc), container, &req, &err) < 0)
		fail_msg("exec request: %s", err.msg);
	sign(kr, req, true, token, sizeof(token));
	sg_request_free(req);
	json_decref(container);
	return strdup(token);
}

static void test_hmac_exec(void **state)
{
	struct fixture *f = *state;
	struct sg_keyring *kr = setup_keys(f);
	char *token = signed_exec_token(kr);
	char *proc = NULL, *tampered = NULL, *msg;
	uint8_t *out = NULL;
	size_t out_len = 0;
	bool terminal = true;
	struct frame fr;
	json_t *got;
	char *dump;

	assert_true(asprintf(&proc, SIGNED_PROC(",\"SHIMGATE_TOKEN=%s\"", "signed"), token) > 0);
	assert_true(asprintf(&tampered, SIGNED_PROC(",\"SHIMGATE_TOKEN=%s\"", "evil"), token) > 0);
	/* Another argv under the same token: refused, and the nonce is not spent. */
	msg = expect_reply(f, exec_frame(71, TASK_V2, PROCESS_URL, tampered, false), 71,
			   SG_GRPC_PERMISSION_DENIED);
	assert_non_null(strstr(msg, "shimgate: exec 'e1' in 'c1' refused by exec policy "));
	assert_non_null(strstr(msg, "/exec:1 (hmac): "));
	assert_null(strstr(msg, token));
	free(msg);
	fr = exec_frame(73, TASK_V3, PROCESS_URL, proc, false);
	assert_int_equal(run(f, &fr, &out, &out_len), SG_INTERCEPT_REWRITE);
	free(fr.bytes);
	got = rewritten_process(out, out_len, 73, TASK_V3, &terminal);
	assert_false(terminal);
	dump = json_dumps(got, 0);
	assert_null(strstr(dump, "SHIMGATE_TOKEN"));
	free(dump);
	json_decref(got);
	free(out);
	/* The same token again: a replay. */
	msg = expect_reply(f, exec_frame(75, TASK_V2, PROCESS_URL, proc, false), 75,
			   SG_GRPC_PERMISSION_DENIED);
	assert_non_null(strstr(msg, "(hmac): "));
	free(msg);
	/* No token at all. */
	expect_reply_has(f, exec_frame(77, TASK_V2, PROCESS_URL, SIGNED_PROC("", "signed"), false),
			 77, SG_GRPC_PERMISSION_DENIED, "(hmac): ");
	free(proc);
	free(tampered);
	free(token);
	sg_keyring_free(kr);
}

static void test_hmac_create(void **state)
{
	struct fixture *f = *state;
	struct sg_keyring *kr = setup_keys(f);
	struct create_opts o = { 0 };
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	char token[SG_TOKEN_MAX + 1];
	json_t *config = json_loads(CONFIG_JSON_PLAIN, 0, NULL);
	char *text;

	assert_non_null(config);
	if (sg_oci_create_request("default", "c1", config, NULL, 0, &req, &err) < 0)
		fail_msg("create request: %s", err.msg);
	sign(kr, req, false, token, sizeof(token));
	sg_request_free(req);
	assert_int_equal(json_object_set_new(config, "annotations",
					     json_pack("{s:s}", "io.shimgate.token", token)),
			 0);
	text = json_dumps(config, JSON_COMPACT);
	free(sg_test_write(f->bundle, "config.json", 0644, "%s", text));
	free(text);
	json_decref(config);
	expect_forward(f, create_frame(f, 81, TASK_V2, &o));
	text = read_config(f);
	assert_null(strstr(text, token));
	free(text);
	/* Unsigned (the token was stripped from disk): refused. */
	expect_reply_has(f, create_frame(f, 83, TASK_V2, &o), 83, SG_GRPC_PERMISSION_DENIED,
			 "shimgate: create of 'c1' refused by create policy ");
	sg_keyring_free(kr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_passthrough, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wire_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update, setup, teardown),
		cmocka_unit_test_setup_teardown(test_update_device_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_unchanged_not_written, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_denied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_runc_options, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_allowed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_argv_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_no_container, setup, teardown),
		cmocka_unit_test_setup_teardown(test_go_case_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_go_case_keys_cli_agrees, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hmac_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hmac_create, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
