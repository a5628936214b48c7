/* SPDX-License-Identifier: Apache-2.0 */
/* Writes the protobuf seeds of the frame and task_* corpora (the other corpora are text,
 * checked in as written): fuzz_seedgen CORPUS_DIR. The messages are what containerd sends,
 * built from the bench fixtures (ctr's default spec and exec process); bundles are named
 * through /proc/self/fd/SG_FUZZ_BUNDLE_FD as fuzz.h explains. Run by hand when the seeds
 * need to change; the corpora are checked in. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "containerd/runc/v1/options.pb-c.h"
#include "containerd/task/v2/shim.pb-c.h"
#include "fuzz.h"
#include "oci/oci.h"
#include "shim/ttrpc.h"
#include "ttrpc.pb-c.h"

#define TASK_V2 "containerd.task.v2.Task"
#define TASK_V3 "containerd.task.v3.Task"
#define PROCESS_URL "types.containerd.io/opencontainers/runtime-spec/1/Process"
#define RESOURCES_URL "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"
#define BUNDLE "/proc/self/fd/240/" SG_FUZZ_ID
/* Well formed, signed by no key: gets as far as the MAC check. */
#define TOKEN "sg1.fuzz.1700000000.00112233445566778899aabbccddeeff." \
	      "0000000000000000000000000000000000000000000000000000000000000000"

_Static_assert(SG_FUZZ_BUNDLE_FD == 240, "BUNDLE names the descriptor");

struct buf {
	uint8_t *data;
	size_t len;
};

static const char *corpus;

static void put(const char *harness, const char *name, const struct buf *b)
{
	char *path = NULL;
	FILE *f;

	if (asprintf(&path, "%s/%s/%s", corpus, harness, name) < 0)
		sg_fuzz_die("out of memory");
	f = fopen(path, "wbe");
	if (!f || fwrite(b->data, 1, b->len, f) != b->len || fclose(f) != 0)
		sg_fuzz_die("write %s: %s", path, strerror(errno));
	free(path);
}

#define PACK(type, msg)                                                                \
	({                                                                             \
		struct buf b_ = { .len = type##__get_packed_size(msg) };                \
		b_.data = malloc(b_.len + 1);                                          \
		if (!b_.data)                                                          \
			sg_fuzz_die("out of memory");                                  \
		type##__pack(msg, b_.data);                                            \
		b_;                                                                    \
	})

/* Appends one whole Request frame, with the namespace metadata and timeout containerd sets. */
static void frame(struct buf *out, uint32_t sid, const char *service, const char *method,
		  const struct buf *payload)
{
	Ttrpc__KeyValue ns = TTRPC__KEY_VALUE__INIT;
	Ttrpc__KeyValue *md[] = { &ns };
	Ttrpc__Request req = TTRPC__REQUEST__INIT;
	struct sg_ttrpc_header h = { .stream_id = sid, .type = SG_TTRPC_REQUEST };
	struct buf body;

	ns.key = (char *)"containerd-namespace-ttrpc";
	ns.value = (char *)SG_FUZZ_NS;
	req.service = (char *)service;
	req.method = (char *)method;
	req.payload.data = payload->data;
	req.payload.len = payload->len;
	req.timeout_nano = 10000000000;
	req.metadata = md;
	req.n_metadata = 1;
	body = PACK(ttrpc__request, &req);
	h.length = (uint32_t)body.len;
	out->data = realloc(out->data, out->len + SG_TTRPC_HEADER_LEN + body.len);
	if (!out->data)
		sg_fuzz_die("out of memory");
	sg_ttrpc_header_encode(&h, out->data + out->len);
	memcpy(out->data + out->len + SG_TTRPC_HEADER_LEN, body.data, body.len);
	out->len += SG_TTRPC_HEADER_LEN + body.len;
	free(body.data);
}

static void put_frame(const char *name, uint32_t sid, const char *service, const char *method,
		      const struct buf *payload)
{
	struct buf f = { 0 };

	frame(&f, sid, service, method, payload);
	put("frame", name, &f);
	free(f.data);
}

/* rootfs: the overlay mounts containerd's snapshotter gives (the mount stack refuses them
 * here: the snapshot directories do not exist); without, the create is allowed. */
static struct buf create_request(bool rootfs, const char *checkpoint, const char *runc_root)
{
	Containerd__Task__V2__CreateTaskRequest c = CONTAINERD__TASK__V2__CREATE_TASK_REQUEST__INIT;
	Containerd__Runc__V1__Options ro = CONTAINERD__RUNC__V1__OPTIONS__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	Containerd__Types__Mount m = CONTAINERD__TYPES__MOUNT__INIT;
	Containerd__Types__Mount *mounts[] = { &m };
	char *opts[] = {
		(char *)"index=off",
		(char *)"workdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
			"snapshots/2/work",
		(char *)"upperdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
			"snapshots/2/fs",
		(char *)"lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/"
			"snapshots/1/fs",
	};
	struct buf out, opt = { 0 };

	c.id = (char *)SG_FUZZ_ID;
	c.bundle = (char *)BUNDLE;
	c.stdout = (char *)"/run/containerd/fifo/1/" SG_FUZZ_ID "-stdout";
	c.stderr = (char *)"/run/containerd/fifo/1/" SG_FUZZ_ID "-stderr";
	m.type = (char *)"overlay";
	m.source = (char *)"overlay";
	m.options = opts;
	m.n_options = sizeof(opts) / sizeof(opts[0]);
	if (rootfs) {
		c.rootfs = mounts;
		c.n_rootfs = 1;
	}
	if (checkpoint)
		c.checkpoint = (char *)checkpoint;
	if (runc_root) {
		ro.root = (char *)runc_root;
		ro.binary_name = (char *)"runc";
		ro.systemd_cgroup = 1;
		opt = PACK(containerd__runc__v1__options, &ro);
		any.type_url = (char *)"containerd.runc.v1.Options";
		any.value.data = opt.data;
		any.value.len = opt.len;
		c.options = &any;
	}
	out = PACK(containerd__task__v2__create_task_request, &c);
	free(opt.data);
	return out;
}

/* The fixture exec process, with the token carried in carrier ("env" or "argv"; NULL: no
 * token). */
static struct buf exec_request(const char *exec_id, const char *carrier, bool terminal)
{
	Containerd__Task__V2__ExecProcessRequest e =
		CONTAINERD__TASK__V2__EXEC_PROCESS_REQUEST__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;
	json_error_t jerr;
	char *path = NULL, *text;
	json_t *proc;
	struct buf out;

	if (asprintf(&path, "%s/tests/bench/fixtures/process.json", SG_FUZZ_SRCDIR) < 0)
		sg_fuzz_die("out of memory");
	proc = json_load_file(path, JSON_PRESERVE_ORDER, &jerr);
	if (!proc)
		sg_fuzz_die("%s: %s", path, jerr.text);
	free(path);
	if (carrier && strcmp(carrier, "env") == 0)
		json_array_append_new(json_object_get(proc, "env"),
				      json_string(SG_TOKEN_ENV "=" TOKEN));
	else if (carrier)
		json_array_insert_new(json_object_get(proc, "args"), 0,
				      json_string(SG_TOKEN_ENV "=" TOKEN));
	text = json_dumps(proc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(proc);
	e.id = (char *)SG_FUZZ_ID;
	e.exec_id = (char *)exec_id;
	e.terminal = terminal;
	e.stdout = (char *)"/run/containerd/fifo/2/e1-stdout";
	any.type_url = (char *)PROCESS_URL;
	any.value.data = (uint8_t *)text;
	any.value.len = strlen(text);
	e.spec = &any;
	out = PACK(containerd__task__v2__exec_process_request, &e);
	free(text);
	return out;
}

static struct buf update_request(const char *resources)
{
	Containerd__Task__V2__UpdateTaskRequest u = CONTAINERD__TASK__V2__UPDATE_TASK_REQUEST__INIT;
	Google__Protobuf__Any any = GOOGLE__PROTOBUF__ANY__INIT;

	u.id = (char *)SG_FUZZ_ID;
	any.type_url = (char *)RESOURCES_URL;
	any.value.data = (uint8_t *)resources;
	any.value.len = strlen(resources);
	u.resources = &any;
	return PACK(containerd__task__v2__update_task_request, &u);
}

int main(int argc, char **argv)
{
	Containerd__Task__V2__StateRequest st = CONTAINERD__TASK__V2__STATE_REQUEST__INIT;
	struct buf b[9], seq = { 0 };
	/* A header announcing more than the frame limit, then the start of its body. */
	static uint8_t oversize[] = { 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0b,
				      0x01, 0x00, 0x0a, 0x04, 'c', 'o', 'n', 't' };

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	corpus = argv[1];
	st.id = (char *)SG_FUZZ_ID;
	b[0] = create_request(true, NULL, NULL);
	b[1] = create_request(false, NULL, "/run/containerd/runc/" SG_FUZZ_NS);
	b[2] = create_request(false, "/var/lib/checkpoints/c1", NULL);
	b[3] = exec_request("e1", "env", false);
	b[4] = exec_request("e2", "argv", true);
	b[5] = exec_request("e3", NULL, false);
	b[6] = update_request("{\"cpu\":{\"shares\":512},\"memory\":{\"limit\":268435456}}");
	b[7] = update_request("{\"devices\":[{\"allow\":true,\"type\":\"c\",\"major\":1,"
			      "\"minor\":3,\"access\":\"rwm\"}]}");
	b[8] = PACK(containerd__task__v2__state_request, &st);

	put("task_create", "rootfs", &b[0]);
	put("task_create", "runc_options", &b[1]);
	put("task_create", "checkpoint", &b[2]);
	put("task_exec", "env_token", &b[3]);
	put("task_exec", "argv_token_terminal", &b[4]);
	put("task_exec", "unsigned", &b[5]);
	put("task_update", "resources", &b[6]);
	put("task_update", "devices", &b[7]);

	put_frame("state", 1, TASK_V2, "State", &b[8]);
	put_frame("create", 3, TASK_V2, "Create", &b[1]);
	put_frame("exec_env_token", 5, TASK_V2, "Exec", &b[3]);
	put_frame("exec_argv_token_v3", 7, TASK_V3, "Exec", &b[4]);
	put_frame("update_devices", 9, TASK_V2, "Update", &b[7]);
	put_frame("checkpoint", 11, TASK_V3, "Checkpoint", &b[8]);
	/* One connection's worth: create, start, exec, state. */
	frame(&seq, 1, TASK_V2, "Create", &b[1]);
	frame(&seq, 3, TASK_V2, "Start", &b[8]);
	frame(&seq, 5, TASK_V2, "Exec", &b[5]);
	frame(&seq, 7, TASK_V2, "State", &b[8]);
	put("frame", "create_start_exec_state", &seq);
	put("frame", "oversize", &(struct buf){ oversize, sizeof(oversize) });
	free(seq.data);
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		free(b[i].data);
	return 0;
}
