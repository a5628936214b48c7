/* SPDX-License-Identifier: Apache-2.0 */
/* The audit trail: the exact JSON line, file and none destinations, and failing closed. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/audit.h"
#include "core/cleanup.h"
#include "core/request.h"
#include "testutil.h"

static struct sg_request *exec_request(void)
{
	struct sg_request *req = NULL;

	assert_int_equal(sg_request_new(SG_OP_EXEC, "default", "c1", &req, NULL), 0);
	assert_int_equal(sg_request_set_exec_id(req, "e1", NULL), 0);
	assert_int_equal(sg_request_set_token(req, "v1.k1.SECRET-TOKEN", NULL), 0);
	req->now = 1700000000;
	req->sig.status = SG_SIG_VALID;
	strcpy(req->sig.key_id, "k1");
	assert_int_equal(sg_request_note(req, "caps: dropped %s", "CAP_NET_RAW"), 0);
	return req;
}

static void test_format(void **state)
{
	struct sg_request *req = exec_request();
	struct sg_decision d = { .allowed = false, .op = SG_OP_EXEC, .verdict = SG_VERDICT_DENY };
	char *line;

	strcpy(d.module, "argv");
	strcpy(d.where, "/etc/shimgate/policy.d/exec:4");
	strcpy(d.reason, "argv[0] 'nsenter' is refused");
	line = sg_audit_format(req, &d);
	assert_string_equal(line,
		"{\"time\":\"2023-11-14T22:13:20Z\",\"op\":\"exec\",\"namespace\":\"default\","
		"\"container\":\"c1\",\"exec_id\":\"e1\",\"key_id\":\"k1\",\"decision\":\"deny\","
		"\"module\":\"argv\",\"where\":\"/etc/shimgate/policy.d/exec:4\","
		"\"reason\":\"argv[0] 'nsenter' is refused\","
		"\"changes\":[],\"not_applied\":[\"caps: dropped CAP_NET_RAW\"],"
		"\"mode\":\"enforce\"}");
	assert_null(strstr(line, "SECRET"));
	free(line);

	/* Let through (audit-only): the rewrites are applied, so they are changes. */
	d.allowed = true;
	d.audit_only = true;
	d.audit_mode = true;
	line = sg_audit_format(req, &d);
	assert_non_null(strstr(line, "\"decision\":\"allow-audit-only\""));
	assert_non_null(strstr(line, "\"changes\":[\"caps: dropped CAP_NET_RAW\"],"
				     "\"mode\":\"audit-only\"}"));
	assert_null(strstr(line, "not_applied"));
	free(line);
	sg_request_free(req);
}

static void test_format_create(void **state)
{
	struct sg_request *req = NULL;
	struct sg_decision d = { .allowed = true, .op = SG_OP_CREATE };
	char *line;

	assert_int_equal(sg_request_new(SG_OP_CREATE, "k8s.io", "c2", &req, NULL), 0);
	req->now = 86400;
	line = sg_audit_format(req, &d);
	assert_string_equal(line,
		"{\"time\":\"1970-01-02T00:00:00Z\",\"op\":\"create\",\"namespace\":\"k8s.io\","
		"\"container\":\"c2\",\"key_id\":null,\"decision\":\"allow\",\"module\":null,"
		"\"where\":null,\"reason\":null,\"changes\":[],\"mode\":\"enforce\"}");
	free(line);
	sg_request_free(req);
}

/* A refused mount is a mount refusal in the trail: op mount, and which mount it was. */
static void test_format_mount(void **state)
{
	struct sg_request *req = NULL;
	struct sg_decision d = { .allowed = false, .op = SG_OP_MOUNT };
	struct sg_mount *m;
	char *line;
	(void)state;

	assert_int_equal(sg_request_new(SG_OP_CREATE, "default", "c3", &req, NULL), 0);
	req->now = 86400;
	req->mounts = calloc(2, sizeof(*req->mounts));
	req->n_mounts = 2;
	req->mounts[0].type = strdup("bind");
	req->mounts[0].source = strdup("/etc");
	req->mounts[0].destination = strdup("/host-etc");
	m = &req->mounts[1];
	m->type = strdup("overlay");
	m->source = strdup("overlay");
	m->rootfs = true;
	assert_int_equal(sg_request_note(req, "caps: dropped %s", "CAP_NET_RAW"), 0);
	strcpy(d.module, "mounts");
	strcpy(d.where, "/p/mount:3");
	strcpy(d.reason, "nope");
	d.mount = &req->mounts[0];
	line = sg_audit_format(req, &d);
	assert_string_equal(line,
		"{\"time\":\"1970-01-02T00:00:00Z\",\"op\":\"mount\",\"namespace\":\"default\","
		"\"container\":\"c3\",\"mount\":{\"index\":0,\"rootfs\":false,\"type\":\"bind\","
		"\"source\":\"/etc\",\"destination\":\"/host-etc\"},\"key_id\":null,"
		"\"decision\":\"deny\",\"module\":\"mounts\",\"where\":\"/p/mount:3\","
		"\"reason\":\"nope\",\"changes\":[],\"not_applied\":[\"caps: dropped CAP_NET_RAW\"],"
		"\"mode\":\"enforce\"}");
	free(line);
	d.mount = m;
	line = sg_audit_format(req, &d);
	assert_non_null(strstr(line, "\"mount\":{\"index\":0,\"rootfs\":true,\"type\":\"overlay\","
				     "\"source\":\"overlay\",\"destination\":null}"));
	free(line);
	sg_request_free(req);
}

static void test_file(void **state)
{
	char *dir = sg_test_mkdtemp();
	struct sg_request *req = exec_request();
	struct sg_decision d = { .allowed = true };
	struct sg_audit *a = NULL;
	struct sg_error err = { 0 };
	char *path = NULL, *text, *line;
	struct stat st;

	assert_true(asprintf(&path, "%s/audit.log", dir) > 0);
	assert_int_equal(sg_audit_open(path, &a, &err), 0);
	assert_int_equal(sg_audit_record(a, req, &d, &err), 0);
	assert_int_equal(sg_audit_record(a, req, &d, &err), 0);
	sg_audit_free(a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	line = sg_audit_format(req, &d);
	text = sg_test_read(path, NULL);
	{
		char *want = NULL;

		assert_true(asprintf(&want, "%s\n%s\n", line, line) > 0);
		assert_string_equal(text, want);
		free(want);
	}
	assert_null(strstr(text, "SECRET"));
	free(text);
	free(line);

	/* Appends, never truncates. */
	assert_int_equal(sg_audit_open(path, &a, &err), 0);
	assert_int_equal(sg_audit_record(a, req, &d, &err), 0);
	sg_audit_free(a);
	text = sg_test_read(path, NULL);
	assert_int_equal(strlen(text), 3 * (strlen(strchr(text, '\n') + 1) / 2));
	free(text);

	free(path);
	sg_request_free(req);
	sg_test_rmtree(dir);
	free(dir);
}

static void test_destinations(void **state)
{
	struct sg_request *req = exec_request();
	struct sg_decision d = { 0 };
	struct sg_audit *a = NULL;
	struct sg_error err = { 0 };

	assert_int_equal(sg_audit_open("none", &a, &err), 0);
	assert_int_equal(sg_audit_record(a, req, &d, &err), 0);
	sg_audit_free(a);
	assert_int_equal(sg_audit_open("syslog", &a, &err), 0);
	assert_int_equal(sg_audit_record(a, req, &d, &err), 0);
	sg_audit_free(a);
	assert_int_equal(sg_audit_open("audit.log", &a, &err), -EINVAL);
	assert_string_equal(err.msg, "audit 'audit.log': not none, syslog or an absolute path");
	assert_int_equal(sg_audit_open("/nonexistent-dir/audit.log", &a, &err), -ENOENT);
	assert_string_equal(err.msg, "audit /nonexistent-dir/audit.log: No such file or directory");

	/* Rotation: once the file is renamed away, the next line starts a new file at the
	 * configured path and the rotated one gets nothing more. */
	{
		_cleanup_free_ char *dir = sg_test_mkdtemp(), *path = NULL, *old = NULL;
		_cleanup_free_ char *now = NULL, *before = NULL;

		assert_true(asprintf(&path, "%s/audit.log", dir) > 0);
		assert_true(asprintf(&old, "%s/audit.log.1", dir) > 0);
		assert_int_equal(sg_audit_open(path, &a, &err), 0);
		assert_int_equal(sg_audit_record(a, req, &d, &err), 0);
		assert_int_equal(rename(path, old), 0);
		assert_int_equal(sg_audit_record(a, req, &d, &err), 0);
		sg_audit_free(a);
		before = sg_test_read(old, NULL);
		now = sg_test_read(path, NULL);
		assert_non_null(before);
		assert_non_null(now);
		assert_int_equal(strchr(before, '\n') - before + 1, (long)strlen(before));
		assert_int_equal(strchr(now, '\n') - now + 1, (long)strlen(now));
		sg_test_rmtree(dir);
	}

	/* A write that fails is an error: the caller refuses the call. */
	assert_int_equal(sg_audit_open("/dev/full", &a, &err), 0);
	assert_int_equal(sg_audit_record(a, req, &d, &err), -ENOSPC);
	assert_string_equal(err.msg, "audit /dev/full: No space left on device");
	sg_audit_free(a);
	sg_request_free(req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_create),
		cmocka_unit_test(test_format_mount),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_destinations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
