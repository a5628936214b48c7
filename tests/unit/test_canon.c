/* SPDX-License-Identifier: Apache-2.0 */
/* The canonical signing input: exact bytes, and T8 ambiguity pairs that must differ. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/request.h"
#include "sig/canon.h"

#define NONCE "0123456789abcdef0123456789abcdef"

static const struct sg_canon_params params = {
	.key_id = "k1", .timestamp = 1700000000, .nonce = NONCE, .bind_exec_id = true
};

static struct sg_request *exec_req(const char *const *args, size_t n)
{
	struct sg_request *req = NULL;

	assert_int_equal(sg_request_new(SG_OP_EXEC, "default", "c1", &req, NULL), 0);
	assert_int_equal(sg_request_set_exec_id(req, "e1", NULL), 0);
	req->proc.args.present = true;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sg_strv_push(&req->proc.args, args[i], 100, NULL), 0);
	req->proc.cwd = strdup("/");
	req->proc.env.present = true;
	return req;
}

static char *build(const struct sg_request *req, const struct sg_canon_params *p)
{
	struct sg_error err = { 0 };
	char *out = NULL;
	size_t len = 0;

	if (sg_canon_build(req, p, &out, &len, &err) < 0)
		fail_msg("canon: %s", err.msg);
	assert_int_equal(strlen(out), len);
	return out;
}

static void test_exec_exact(void **state)
{
	const char *args[] = { "sh", "-c", "id" };
	_cleanup_request_ struct sg_request *req = exec_req(args, 3);
	_cleanup_free_ char *got = NULL;
	_cleanup_free_ char *unbound = NULL;
	struct sg_canon_params p = params;

	(void)state;
	assert_int_equal(sg_strv_push(&req->base_env, "PATH=/bin", 10, NULL), 0);
	assert_int_equal(sg_strv_push(&req->proc.env, "PATH=/bin", 10, NULL), 0);
	assert_int_equal(sg_strv_push(&req->proc.env, "LD_PRELOAD=/x.so", 10, NULL), 0);
	req->proc.user.uid = 1000;
	req->proc.user.gid = 100;
	got = build(req, &p);
	assert_string_equal(got, "shimgate-signature-v1\n"
				 "op 4:exec\n"
				 "namespace 7:default\n"
				 "container 2:c1\n"
				 "key-id 2:k1\n"
				 "timestamp 10:1700000000\n"
				 "nonce 32:" NONCE "\n"
				 "exec-id 2:e1\n"
				 "args *3\n"
				 "2:sh\n"
				 "2:-c\n"
				 "2:id\n"
				 "cwd 1:/\n"
				 "uid 4:1000\n"
				 "gid 3:100\n"
				 "additional-gids -\n"
				 "terminal 5:false\n"
				 "env *1\n"
				 "16:LD_PRELOAD=/x.so\n");
	p.bind_exec_id = false;
	unbound = build(req, &p);
	assert_non_null(strstr(unbound, "\nexec-id -\nargs"));
}

/* Two requests that differ only as described must give different inputs. */
static void assert_differ(struct sg_request *a, struct sg_request *b)
{
	_cleanup_free_ char *x = build(a, &params);
	_cleanup_free_ char *y = build(b, &params);

	assert_string_not_equal(x, y);
}

static void test_ambiguity_pairs(void **state)
{
	const char *ab1[] = { "a b" }, *ab2[] = { "a", "b" };
	const char *nl1[] = { "a\n2:b" }, *nl2[] = { "a", "b" };
	const char *e1[] = { "" }, *none[] = { NULL };
	struct sg_request *a, *b;

	(void)state;
	/* ["a b"] vs ["a","b"] */
	a = exec_req(ab1, 1);
	b = exec_req(ab2, 2);
	assert_differ(a, b);
	sg_request_free(a);
	sg_request_free(b);
	/* a value that embeds the encoding of a second element */
	a = exec_req(nl1, 1);
	b = exec_req(nl2, 2);
	assert_differ(a, b);
	sg_request_free(a);
	sg_request_free(b);
	/* [""] vs [] */
	a = exec_req(e1, 1);
	b = exec_req(none, 0);
	assert_differ(a, b);
	sg_request_free(a);
	sg_request_free(b);
	/* [] vs absent */
	a = exec_req(none, 0);
	b = exec_req(none, 0);
	b->proc.args.present = false;
	assert_differ(a, b);
	sg_request_free(a);
	sg_request_free(b);
	/* empty additional gids vs absent */
	a = exec_req(ab1, 1);
	b = exec_req(ab1, 1);
	b->proc.user.additional_gids_present = true;
	assert_differ(a, b);
	sg_request_free(a);
	sg_request_free(b);
	/* cwd "" vs absent */
	a = exec_req(ab1, 1);
	b = exec_req(ab1, 1);
	free(b->proc.cwd);
	b->proc.cwd = NULL;
	free(a->proc.cwd);
	a->proc.cwd = strdup("");
	assert_differ(a, b);
	sg_request_free(a);
	sg_request_free(b);
	/* terminal, container, namespace, exec id */
	a = exec_req(ab1, 1);
	b = exec_req(ab1, 1);
	b->proc.terminal = true;
	assert_differ(a, b);
	free(b->id);
	b->id = strdup("c2");
	b->proc.terminal = false;
	assert_differ(a, b);
	free(b->id);
	b->id = strdup("c1");
	free(b->ns);
	b->ns = strdup("prod");
	assert_differ(a, b);
	free(b->ns);
	b->ns = strdup("default");
	assert_int_equal(sg_request_set_exec_id(b, "e2", NULL), 0);
	assert_differ(a, b);
	/* the op */
	b->op = SG_OP_CREATE;
	assert_int_equal(sg_request_set_exec_id(b, "e1", NULL), 0);
	assert_differ(a, b);
	sg_request_free(a);
	sg_request_free(b);
}

static void test_exec_env_is_what_was_added(void **state)
{
	const char *args[] = { "id" };
	_cleanup_request_ struct sg_request *a = exec_req(args, 1);
	_cleanup_request_ struct sg_request *b = exec_req(args, 1);
	_cleanup_free_ char *x = NULL;

	(void)state;
	assert_int_equal(sg_strv_push(&a->base_env, "PATH=/bin", 10, NULL), 0);
	assert_int_equal(sg_strv_push(&a->proc.env, "PATH=/bin", 10, NULL), 0);
	x = build(a, &params);
	assert_non_null(strstr(x, "\nenv *0\n"));
	/* A PATH that differs from the container's is signed content. */
	assert_int_equal(sg_strv_push(&b->base_env, "PATH=/bin", 10, NULL), 0);
	assert_int_equal(sg_strv_push(&b->proc.env, "PATH=/tmp/evil", 10, NULL), 0);
	assert_differ(a, b);
}

static void add_mount(struct sg_request *req, const char *type, const char *src,
		      const char *dst, const char *const *opts, size_t n, bool rootfs)
{
	struct sg_mount *m;

	req->mounts = realloc(req->mounts, (req->n_mounts + 1) * sizeof(*req->mounts));
	m = &req->mounts[req->n_mounts];
	memset(m, 0, sizeof(*m));
	m->type = type ? strdup(type) : NULL;
	m->source = strdup(src);
	m->destination = strdup(dst);
	m->rootfs = rootfs;
	m->index = req->n_mounts++;
	m->options.present = true;
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sg_strv_push(&m->options, opts[i], 64, NULL), 0);
}

static void test_create_mounts(void **state)
{
	const char *args[] = { "sh" };
	const char *rbind[] = { "rbind", "ro" }, *nosuid[] = { "nosuid" };
	_cleanup_request_ struct sg_request *req = exec_req(args, 1);
	_cleanup_free_ char *got = NULL;

	(void)state;
	req->op = SG_OP_CREATE;
	add_mount(req, "proc", "proc", "/proc", nosuid, 1, false);
	add_mount(req, "bind", "/srv/data", "/data", NULL, 0, false);
	add_mount(req, "none", "/var/log", "/log", rbind, 2, false);
	add_mount(req, "overlay", "overlay", "/", NULL, 0, true);
	got = build(req, &params);
	assert_non_null(strstr(got, "\nterminal 5:false\nenv *0\nmounts *2\n"
				    "type 4:bind\nsource 9:/srv/data\ndestination 5:/data\noptions *0\n"
				    "type 4:none\nsource 8:/var/log\ndestination 4:/log\noptions *2\n"
				    "5:rbind\n2:ro\n"));
	assert_null(strstr(got, "exec-id"));
	assert_null(strstr(got, "overlay"));
	assert_null(strstr(got, "proc"));
}

static void test_refusals(void **state)
{
	const char *args[] = { "id" };
	_cleanup_request_ struct sg_request *req = exec_req(args, 1);
	struct sg_canon_params p = params;
	struct sg_error err = { 0 };
	char *out = NULL;
	size_t len;

	(void)state;
	p.nonce = "0123";
	assert_int_equal(sg_canon_build(req, &p, &out, &len, &err), -EINVAL);
	p = params;
	p.key_id = "../k";
	assert_int_equal(sg_canon_build(req, &p, &out, &len, &err), -EINVAL);
	p = params;
	req->op = SG_OP_MOUNT;
	assert_int_equal(sg_canon_build(req, &p, &out, &len, &err), -EINVAL);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_exact),
		cmocka_unit_test(test_ambiguity_pairs),
		cmocka_unit_test(test_exec_env_is_what_was_added),
		cmocka_unit_test(test_create_mounts),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
