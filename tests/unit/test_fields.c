/* SPDX-License-Identifier: Apache-2.0 */
/* The field table (T30) and the fields module: a spec with every field set walks without an
 * unknown member and reaches every config.json row; every module a row names is registered
 * (or "gate", the shim's own checks); integers up to 2^64-1 only where the spec has
 * uint64, written back byte for byte; the module's refusals name the JSON path. */
#include <errno.h>

#include "oci_testutil.h"
#include "core/registry.h"
#include "gate/builtins.h"
#include "oci/fields.h"

static json_t *parse_as(const char *text, const char *root)
{
	struct sg_error err = { 0 };
	json_t *j = NULL;

	if (sg_oci_parse_as(text, strlen(text), root, &j, &err) < 0)
		fail_msg("parse '%s': %s", text, err.msg);
	return j;
}

struct seen {
	bool hit[512];
	unsigned unknown;
};

static int record(void *data, const struct sg_field *f, const char *shown, const char *pattern,
		  const json_t *v, struct sg_error *err)
{
	struct seen *s = data;

	(void)v;
	(void)err;
	if (!f) {
		print_message("not in the table: %s (%s)\n", shown, pattern);
		s->unknown++;
		return 0;
	}
	s->hit[f - sg_fields] = true;
	return (f->flags & SG_FIELD_OPAQUE) ? 1 : 0;
}

static bool is_request_row(const struct sg_field *f)
{
	return strchr(f->path, '.') && f->path[0] >= 'A' && f->path[0] <= 'Z';
}

static void test_full_spec_every_field(void **state)
{
	_cleanup_free_ char *path = sg_test_src("tests/unit/golden/fields/full.json");
	_cleanup_free_ char *text = sg_test_read(path, NULL);
	json_auto_t *doc = NULL;
	struct seen s = { 0 };
	struct sg_error err = { 0 };
	(void)state;

	assert_non_null(text);
	assert_true(sg_fields_count <= SG_ARRAY_SIZE(s.hit));
	doc = parse_as(text, SG_FIELDS_ROOT_CONFIG);
	assert_int_equal(sg_fields_walk(doc, SG_FIELDS_ROOT_CONFIG, record, &s, &err), 0);
	assert_int_equal(s.unknown, 0);
	/* The spec sets every field: each config.json row was reached (so a row without a
	 * field in full.json, or a misspelt row, fails here). */
	for (size_t i = 0; i < sg_fields_count; i++)
		if (!is_request_row(&sg_fields[i]) && !s.hit[i])
			fail_msg("row '%s' not reached by full.json", sg_fields[i].path);
}

static void test_rows_name_registered_modules(void **state)
{
	(void)state;
	for (size_t i = 0; i < sg_fields_count; i++) {
		const struct sg_field *f = &sg_fields[i];
		_cleanup_free_ char *by = f->by ? strdup(f->by) : NULL;
		char *save = NULL;

		assert_true(f->why && *f->why);
		if ((f->cls == SG_FIELD_SIGNED || f->cls == SG_FIELD_FORCED ||
		     f->cls == SG_FIELD_CHECKED) && !f->by)
			fail_msg("row '%s' is %s by nobody", f->path, sg_field_class_name(f->cls));
		if (!by)
			continue;
		for (char *m = strtok_r(by, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
			const struct sg_module *mod;
			void *handle;

			if (strcmp(m, "gate") == 0)
				continue;
			if (sg_module_find(m, sg_builtin_modules, NULL, &mod, &handle, NULL) < 0)
				fail_msg("row '%s' names '%s', which is not a registered module",
					 f->path, m);
		}
	}
}

static void expect_parse_error(const char *text, const char *root, int code, const char *msg)
{
	struct sg_error err = { 0 };
	json_t *j = NULL;

	assert_int_equal(sg_oci_parse_as(text, strlen(text), root, &j, &err), code);
	assert_null(j);
	assert_string_equal(err.msg, msg);
}

static void test_u64(void **state)
{
	static const char text[] =
		"{\"process\":{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":18446744073709551615,"
		"\"soft\":9223372036854775808}]},\"linux\":{\"resources\":{\"memory\":{\"limit\":"
		"9223372036854775807}}},\"annotations\":{\"a\":\"\\\\u0000 1 [2, 18446744073709551615]\"}}";
	json_auto_t *doc = parse_as(text, SG_FIELDS_ROOT_CONFIG);
	_cleanup_free_ char *out = NULL;
	unsigned long long v = 0;
	size_t len;
	(void)state;

	assert_true(sg_oci_is_big_u64(json_object_get(json_array_get(json_object_get(json_object_get(doc,
		"process"), "rlimits"), 0), "hard")));
	assert_true(sg_oci_u64_value(json_object_get(json_array_get(json_object_get(
		json_object_get(doc, "process"), "rlimits"), 0), "hard"), &v));
	assert_true(v == 18446744073709551615ULL);
	/* Written back byte for byte (the input is already compact). */
	assert_int_equal(sg_oci_dump(doc, &out, &len, NULL), 0);
	assert_string_equal(out, text);
	/* Integers of every width and sign, the extremes of int64 included. */
	{
		static const char ints[] = "[0,7,-1,10,-10,1234567890,-9223372036854775808,"
					   "9223372036854775807]";
		json_auto_t *arr = parse_as(ints, NULL);
		_cleanup_free_ char *w = NULL;

		assert_int_equal(sg_oci_dump(arr, &w, &len, NULL), 0);
		assert_string_equal(w, ints);
		assert_int_equal(len, strlen(ints));
	}

	expect_parse_error("{\"linux\":{\"resources\":{\"memory\":{\"limit\":9223372036854775808}}}}",
			   SG_FIELDS_ROOT_CONFIG, -ERANGE,
			   "config.json: linux.resources.memory.limit: integer 9223372036854775808 "
			   "is above 2^63-1, which only uint64 fields may hold");
	expect_parse_error("{\"rlimits\":[{\"hard\":1},{\"soft\":18446744073709551615}],"
			   "\"user\":{\"uid\":18446744073709551615}}",
			   SG_FIELDS_ROOT_PROCESS, -ERANGE,
			   "process: user.uid: integer 18446744073709551615 is above 2^63-1, which "
			   "only uint64 fields may hold");
	expect_parse_error("[18446744073709551615]", NULL, -ERANGE,
			   "JSON: [0]: integer 18446744073709551615 is above 2^63-1, which only "
			   "uint64 fields may hold");
	expect_parse_error("{\"a\":\"\\u0000\"}", SG_FIELDS_ROOT_CONFIG, -EINVAL,
			   "JSON string: \\u0000 is not allowed");
	expect_parse_error("{\"hard\":18446744073709551616}", SG_FIELDS_ROOT_CONFIG, -EINVAL,
			   "JSON line 1 column 28: too big integer near '18446744073709551616'");
	/* An update's resources are rooted at linux.resources. */
	json_decref(parse_as("{\"cpu\":{\"shares\":18446744073709551615}}",
			     SG_FIELDS_ROOT_RESOURCES));
	/* The envelope of `policy test`: spec and container are config.json, process a process. */
	json_decref(parse_as("{\"spec\":{\"process\":{\"rlimits\":[{\"hard\":18446744073709551615}]}},"
			     "\"process\":{\"rlimits\":[{\"soft\":18446744073709551615}]}}",
			     SG_FIELDS_ROOT_ENVELOPE));
	expect_parse_error("{\"now\":18446744073709551615}", SG_FIELDS_ROOT_ENVELOPE, -ERANGE,
			   "now: now: integer 18446744073709551615 is above 2^63-1, which only "
			   "uint64 fields may hold");
}

static int run_module(const char *args, enum sg_op op, const char *doc_text, struct sg_error *reason)
{
	const struct sg_module *m;
	struct sg_module_state *st;
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	json_auto_t *doc = NULL;
	int v;

	assert_int_equal(sg_test_module_init("fields", op, args, NULL, &m, &st, NULL), 0);
	if (op == SG_OP_CREATE) {
		doc = parse_as(doc_text, SG_FIELDS_ROOT_CONFIG);
		if (sg_oci_create_request("default", "c1", doc, NULL, 0, &req, &err) < 0)
			fail_msg("create: %s", err.msg);
	} else {
		doc = parse_as(doc_text, SG_FIELDS_ROOT_PROCESS);
		if (sg_oci_exec_request_doc("default", "c1", "e1", doc, NULL, &req, &err) < 0)
			fail_msg("exec: %s", err.msg);
	}
	v = m->check(st, req, reason);
	m->fini(st);
	return v;
}

#define PROC "\"process\":{\"args\":[\"/bin/sh\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}"

static void expect_deny(const char *args, enum sg_op op, const char *doc, const char *msg)
{
	struct sg_error reason = { 0 };

	assert_int_equal(run_module(args, op, doc, &reason), SG_VERDICT_DENY);
	assert_string_equal(reason.msg, msg);
}

static void expect_allow(const char *args, enum sg_op op, const char *doc)
{
	struct sg_error reason = { 0 };

	if (run_module(args, op, doc, &reason) != SG_VERDICT_SUCCESS)
		fail_msg("refused: %s", reason.msg);
}

/* An exec of container c1, whose config.json runs under the AppArmor profile docker-default. */
static int run_exec_in(const char *args, const char *process, struct sg_error *reason)
{
	const struct sg_module *m;
	struct sg_module_state *st;
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	json_auto_t *doc = parse_as(process, SG_FIELDS_ROOT_PROCESS);
	json_auto_t *container = parse_as("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"],"
					  "\"cwd\":\"/\",\"apparmorProfile\":\"docker-default\"}}",
					  SG_FIELDS_ROOT_CONFIG);
	int v;

	assert_int_equal(sg_test_module_init("fields", SG_OP_EXEC, args, NULL, &m, &st, NULL), 0);
	if (sg_oci_exec_request_doc("default", "c1", "e1", doc, container, &req, &err) < 0)
		fail_msg("exec: %s", err.msg);
	v = m->check(st, req, reason);
	m->fini(st);
	return v;
}

static void test_exec_labels(void **state)
{
	struct sg_error reason = { 0 };

	(void)state;
	assert_int_equal(run_exec_in("", "{\"args\":[\"id\"],\"cwd\":\"/\",\"apparmorProfile\":"
				     "\"unconfined\"}", &reason), SG_VERDICT_DENY);
	assert_string_equal(reason.msg, "fields: process spec: apparmorProfile 'unconfined': not "
			    "the container's ('docker-default'): the exec would run outside the "
			    "container's confinement");
	assert_int_equal(run_exec_in("", "{\"args\":[\"id\"],\"cwd\":\"/\"}", &reason),
			 SG_VERDICT_DENY);
	assert_non_null(strstr(reason.msg, "apparmorProfile '': not the container's"));
	assert_int_equal(run_exec_in("", "{\"args\":[\"id\"],\"cwd\":\"/\",\"apparmorProfile\":"
				     "\"docker-default\"}", &reason), SG_VERDICT_SUCCESS);
	assert_int_equal(run_exec_in("", "{\"args\":[\"id\"],\"cwd\":\"/\",\"apparmorProfile\":"
				     "\"docker-default\",\"selinuxLabel\":\"system_u:system_r:spc_t:s0\"}",
				     &reason), SG_VERDICT_DENY);
	assert_non_null(strstr(reason.msg, "selinuxLabel 'system_u:system_r:spc_t:s0'"));
	assert_int_equal(run_exec_in("pass=process.apparmorProfile", "{\"args\":[\"id\"],"
				     "\"cwd\":\"/\",\"apparmorProfile\":\"unconfined\"}", &reason),
			 SG_VERDICT_SUCCESS);
}

static void test_module(void **state)
{
	(void)state;
	expect_deny("", SG_OP_CREATE, "{" PROC "},\"linux\":{\"intelRdt\":{\"closID\":\"x\"}}}",
		    "fields: config.json: linux.intelRdt: not judged by this gate: resctrl groups "
		    "are host-wide (cache and memory bandwidth of every process) (pass=linux.intelRdt "
		    "allows it)");
	expect_allow("pass=linux.intelRdt", SG_OP_CREATE,
		     "{" PROC "},\"linux\":{\"intelRdt\":{\"closID\":\"x\"}}}");
	expect_deny("", SG_OP_CREATE, "{" PROC ",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,"
		    "\"soft\":1,\"sloppy\":1}]}}",
		    "fields: config.json: process.rlimits[0].sloppy: not judged by this gate");
	expect_deny("", SG_OP_CREATE, "{" PROC "},\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\"}}}",
		    "fields: config.json: linux.memoryPolicy: not judged by this gate");
	expect_allow("pass=linux.memoryPolicy,linux.intelRdt", SG_OP_CREATE,
		     "{" PROC "},\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\"}}}");
	/* RLIM_INFINITY passes; realtime priority is bounded. */
	expect_allow("", SG_OP_CREATE, "{" PROC ",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\","
		     "\"hard\":18446744073709551615,\"soft\":18446744073709551615}]}}");
	expect_deny("", SG_OP_CREATE, "{" PROC ",\"rlimits\":[{\"type\":\"RLIMIT_RTPRIO\","
		    "\"hard\":18446744073709551615,\"soft\":0}]}}",
		    "fields: config.json: process.rlimits[0].hard: RLIMIT_RTPRIO above 0 gives "
		    "realtime scheduling without CAP_SYS_NICE (rtprio=)");
	expect_allow("rtprio=10", SG_OP_CREATE, "{" PROC ",\"rlimits\":[{\"type\":\"RLIMIT_RTPRIO\","
		     "\"hard\":10,\"soft\":5}]}}");
	/* oomScoreAdj: the kubelet's pod range by default. */
	expect_allow("", SG_OP_CREATE, "{" PROC ",\"oomScoreAdj\":-998}}");
	expect_deny("", SG_OP_CREATE, "{" PROC ",\"oomScoreAdj\":-999}}",
		    "fields: config.json: process.oomScoreAdj: outside -998..1000 (oom_score_adj=)");
	expect_deny("", SG_OP_CREATE, "{" PROC ",\"oomScoreAdj\":-1000}}",
		    "fields: config.json: process.oomScoreAdj: outside -998..1000 (oom_score_adj=)");
	expect_allow("oom_score_adj=-1000..1000", SG_OP_CREATE, "{" PROC ",\"oomScoreAdj\":-1000}}");
	/* cgroupsPath: the container's own. */
	expect_allow("", SG_OP_CREATE, "{" PROC "},\"linux\":{\"cgroupsPath\":\"/default/c1\"}}");
	expect_allow("", SG_OP_CREATE, "{" PROC "},\"linux\":{\"cgroupsPath\":\"system.slice:docker:c1\"}}");
	expect_deny("", SG_OP_CREATE, "{" PROC "},\"linux\":{\"cgroupsPath\":\"/system.slice/containerd.service\"}}",
		    "fields: config.json: linux.cgroupsPath: '/system.slice/containerd.service' is "
		    "not a cgroup of the container's own (its last element must be 'c1', without '..')");
	/* a cgroup systemd would start a unit's processes in (a namespace named system.slice) */
	expect_deny("", SG_OP_CREATE, "{" PROC "},\"linux\":{\"cgroupsPath\":\"/system.slice/c1\"}}",
		    "fields: config.json: linux.cgroupsPath: '/system.slice/c1': names a systemd unit "
		    "('*.slice'): systemd would start that unit's processes in the container's cgroup");
	expect_allow("", SG_OP_CREATE, "{" PROC "},\"linux\":{\"cgroupsPath\":\"kubepods-besteffort-pod1.slice:cri-containerd:c1\"}}");
	expect_allow("", SG_OP_CREATE, "{" PROC "},\"linux\":{\"cgroupsPath\":\"/kubepods/besteffort/pod1/c1\"}}");
	expect_deny("", SG_OP_CREATE, "{" PROC "},\"linux\":{\"cgroupsPath\":\"/a/../c1\"}}",
		    "fields: config.json: linux.cgroupsPath: '/a/../c1' is not a cgroup of the "
		    "container's own (its last element must be 'c1', without '..')");
	/* Annotations are free-form, except what runc's systemd driver turns into properties. */
	expect_allow("", SG_OP_CREATE, "{" PROC "},\"annotations\":{\"x.y/z\":\"1\"}}");
	expect_deny("", SG_OP_CREATE, "{" PROC "},\"annotations\":{\"org.systemd.property.DeviceAllow\":\"/dev/sda rwm\"}}",
		    "fields: config.json: annotations.org.systemd.property.DeviceAllow: not judged by "
		    "this gate: runc's systemd cgroup driver makes them unit properties "
		    "(DeviceAllow=...) (pass=annotations.org.systemd.property.* allows it)");
	expect_deny("", SG_OP_CREATE, "{" PROC "},\"linux\":{\"resources\":{\"unified\":{\"cgroup.procs\":\"1\"}}}}",
		    "fields: config.json: linux.resources.unified.cgroup.procs: not judged by this "
		    "gate: cgroup.procs, cgroup.subtree_control...: moving host processes or "
		    "reshaping the tree (pass=linux.resources.unified.cgroup.* allows it)");
	/* An exec's process spec is walked under process. */
	expect_allow("", SG_OP_EXEC, "{\"args\":[\"/bin/id\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},"
		     "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":18446744073709551615,"
		     "\"soft\":1024}],\"noNewPrivileges\":true}");
	expect_deny("", SG_OP_EXEC, "{\"args\":[\"/bin/id\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},"
		    "\"scheduler\":{\"policy\":\"SCHED_FIFO\",\"priority\":99}}",
		    "fields: process spec: scheduler: not judged by this gate: set by the runtime as "
		    "root: a realtime policy starves the host's CPUs (pass=process.scheduler allows it)");
	expect_deny("", SG_OP_EXEC, "{\"args\":[\"/bin/id\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0},"
		    "\"hooks\":{}}", "fields: process spec: hooks: not judged by this gate");
}

/* The specs Docker 20.10 and containerd 1.6's CRI write (hooks, RLIM_INFINITY memlock, systemd
 * cgroupsPath, pod sandbox oomScoreAdj -998, annotations, unified) pass with the defaults. */
static void test_client_specs_pass(void **state)
{
	static const char *const files[] = { "tests/unit/golden/fields/docker.json",
					     "tests/unit/golden/fields/cri.json",
					     "tests/bench/fixtures/config.json" };
	(void)state;

	for (size_t i = 0; i < SG_ARRAY_SIZE(files); i++) {
		_cleanup_free_ char *path = sg_test_src(files[i]);
		_cleanup_free_ char *text = sg_test_read(path, NULL);

		assert_non_null(text);
		expect_allow("", SG_OP_CREATE, text);
	}
}

static void test_init_errors(void **state)
{
	const struct sg_module *m;
	struct sg_module_state *st;
	struct sg_error err = { 0 };
	(void)state;

	assert_int_equal(sg_test_module_init("fields", SG_OP_CREATE, "pass=", NULL, &m, &st, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "argument 'pass': empty list item");
	assert_int_equal(sg_test_module_init("fields", SG_OP_CREATE, "oom_score_adj=5..1", NULL, &m,
					     &st, &err), -EINVAL);
	assert_string_equal(err.msg, "oom_score_adj '5..1': want MIN..MAX within -1000..1000");
	assert_int_equal(sg_test_module_init("fields", SG_OP_CREATE, "strict", NULL, &m, &st, &err),
			 -EINVAL);
	assert_string_equal(err.msg,
			    "unknown argument 'strict' (want pass=, oom_score_adj=, rtprio=)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_spec_every_field),
		cmocka_unit_test(test_rows_name_registered_modules),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_module),
		cmocka_unit_test(test_exec_labels),
		cmocka_unit_test(test_client_specs_pass),
		cmocka_unit_test(test_init_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
