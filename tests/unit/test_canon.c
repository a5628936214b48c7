/* SPDX-License-Identifier: Apache-2.0 */
/* The canonical signing input: exact bytes, and T8 ambiguity pairs that must differ. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/request.h"
#include "sig/canon.h"
#include "sig/token.h"

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

/* Version 2: markers for the container's own fields, groups as a set without the primary
 * gid, a terminal's TERM=xterm unsigned; the same bytes whatever the exec's own values are. */
static void test_v2_relative(void **state)
{
	const char *args[] = { "id" };
	_cleanup_request_ struct sg_request *req = exec_req(args, 1);
	_cleanup_free_ char *all = NULL, *none = NULL, *other = NULL, *v1 = NULL;
	struct sg_canon_params p = params;
	uint32_t gids[] = { 20, 1000, 10, 20 };

	(void)state;
	p.version = 2;
	p.rel = SG_REL_ALL;
	req->proc.terminal = true;
	assert_int_equal(sg_strv_push(&req->proc.env, "TERM=xterm", 10, NULL), 0);
	assert_int_equal(sg_strv_push(&req->proc.env, "FOO=1", 10, NULL), 0);
	all = build(req, &p);
	assert_string_equal(all, "shimgate-signature-v2\n"
				 "op 4:exec\n"
				 "namespace 7:default\n"
				 "container 2:c1\n"
				 "key-id 2:k1\n"
				 "timestamp 10:1700000000\n"
				 "nonce 32:" NONCE "\n"
				 "binding 4:ugsw\n"
				 "exec-id 2:e1\n"
				 "args *1\n"
				 "2:id\n"
				 "cwd =container\n"
				 "uid =container\n"
				 "gid =container\n"
				 "groups =container\n"
				 "terminal 4:true\n"
				 "env *1\n"
				 "5:FOO=1\n");
	/* The values behind the markers do not change the bytes (the gate checks them). */
	req->proc.user.uid = 1000;
	free(req->proc.cwd);
	req->proc.cwd = strdup("/tmp");
	other = build(req, &p);
	assert_string_equal(all, other);
	/* Explicit: groups sorted, once each, without the primary gid. */
	req->proc.user.gid = 1000;
	req->proc.user.additional_gids = malloc(sizeof(gids));
	memcpy(req->proc.user.additional_gids, gids, sizeof(gids));
	req->proc.user.n_additional_gids = 4;
	req->proc.user.additional_gids_present = true;
	p.rel = 0;
	none = build(req, &p);
	assert_non_null(strstr(none, "binding 1:-\nexec-id 2:e1\n"));
	assert_non_null(strstr(none, "cwd 4:/tmp\nuid 4:1000\ngid 4:1000\ngroups *2\n2:10\n2:20\n"));
	/* Version 1 keeps TERM=xterm signed and the gids as sent. */
	p.version = 1;
	v1 = build(req, &p);
	assert_non_null(strstr(v1, "additional-gids *4\n2:20\n4:1000\n2:10\n2:20\n"));
	assert_non_null(strstr(v1, "env *2\n10:TERM=xterm\n5:FOO=1\n"));
	/* Without a terminal, TERM=xterm is an added entry in version 2 too. */
	p.version = 2;
	req->proc.terminal = false;
	free(other);
	other = build(req, &p);
	assert_non_null(strstr(other, "env *2\n10:TERM=xterm\n"));
}

static void set_container(struct sg_request *req, uint32_t uid, uint32_t gid, const char *cwd)
{
	req->container_user.uid = uid;
	req->container_user.gid = gid;
	free(req->container_cwd);
	req->container_cwd = strdup(cwd);
	req->container_proc_known = true;
}

static void test_v2_rel_check(void **state)
{
	const char *args[] = { "id" };
	_cleanup_request_ struct sg_request *req = exec_req(args, 1);
	struct sg_error err = { 0 };
	uint32_t *g;

	(void)state;
	assert_int_equal(sg_canon_rel_check(req, 0, &err), 0);
	assert_int_equal(sg_canon_rel_check(req, SG_REL_UID, &err), -ENOENT);
	set_container(req, 0, 0, "/");
	assert_int_equal(sg_canon_rel_check(req, SG_REL_ALL, &err), 0);
	req->proc.user.uid = 1000;
	assert_int_equal(sg_canon_rel_check(req, SG_REL_ALL, &err), -EPERM);
	assert_string_equal(err.msg, "user: uid 1000 is not the container's own 0 (signed as the container's own)");
	assert_int_equal(sg_canon_rel_check(req, SG_REL_GID | SG_REL_GROUPS | SG_REL_CWD, &err), 0);
	free(req->proc.cwd);
	req->proc.cwd = strdup("/tmp");
	assert_int_equal(sg_canon_rel_check(req, SG_REL_CWD, &err), -EPERM);
	assert_non_null(strstr(err.msg, "cwd: '/tmp' is not the container's own '/'"));
	/* Docker's -u U:G adds G to the groups: the same set once G is left out. */
	req->proc.user.gid = 7;
	g = malloc(sizeof(*g));
	g[0] = 7;
	req->proc.user.additional_gids = g;
	req->proc.user.n_additional_gids = 1;
	req->proc.user.additional_gids_present = true;
	assert_int_equal(sg_canon_rel_check(req, SG_REL_GROUPS, &err), 0);
	assert_int_equal(sg_canon_rel_check(req, SG_REL_GID, &err), -EPERM);
	g[0] = 8;
	assert_int_equal(sg_canon_rel_check(req, SG_REL_GROUPS, &err), -EPERM);
	assert_non_null(strstr(err.msg, "groups:"));
	/* ctr --user 0:0 keeps the container's list [1000, 8] of a 1000:1000 container: the
	 * sets are compared without the exec's primary gid, so 1000 stays on both sides. */
	req->container_user.gid = 1000;
	req->container_user.additional_gids = malloc(2 * sizeof(uint32_t));
	req->container_user.additional_gids[0] = 1000;
	req->container_user.additional_gids[1] = 8;
	req->container_user.n_additional_gids = 2;
	req->proc.user.gid = 0;
	assert_int_equal(sg_canon_rel_check(req, SG_REL_GROUPS, &err), -EPERM);
	g = realloc(g, 2 * sizeof(*g));
	g[0] = 8;
	g[1] = 1000;
	req->proc.user.additional_gids = g;
	req->proc.user.n_additional_gids = 2;
	assert_int_equal(sg_canon_rel_check(req, SG_REL_GROUPS, &err), 0);
}

/* The view: the gate's values, "@" for the container's own, env names without values,
 * digests that change with their group only, and a bound size. */
static void test_view(void **state)
{
	const char *args[] = { "sh", "-c", "id" };
	_cleanup_request_ struct sg_request *req = exec_req(args, 3);
	struct sg_canon_params p = params;
	char a[512], b[512], small[40];

	(void)state;
	p.version = 2;
	p.rel = SG_REL_UID | SG_REL_GID | SG_REL_GROUPS;
	assert_int_equal(sg_strv_push(&req->proc.env, "API_KEY=hunter2", 10, NULL), 0);
	sg_canon_view(req, &p, false, a, sizeof(a));
	assert_non_null(strstr(a, "v2 uid=@ gid=@ groups=@ cwd=/ terminal=false env+=[API_KEY] argc=3; sha256/8: target="));
	assert_null(strstr(a, "hunter2"));
	assert_null(strstr(a, NONCE));
	set_container(req, 0, 0, "/");
	req->proc.user.uid = 5;
	sg_canon_view(req, &p, false, b, sizeof(b));
	assert_non_null(strstr(b, "uid=5!=@0 gid=@0 groups=@[]"));
	/* Only the args digest moves when argv changes. */
	free(req->proc.args.v[2]);
	req->proc.args.v[2] = strdup("reboot");
	sg_canon_view(req, &p, false, b, sizeof(b));
	assert_string_not_equal(strstr(a, " args="), strstr(b, " args="));
	assert_memory_equal(strstr(a, " cwd=") + 1, strstr(b, " cwd=") + 1, 13);
	sg_canon_view(req, &p, true, b, sizeof(b));
	assert_non_null(strstr(b, "v2 binding=ugs ns=default id=c1 exec-id=e1 "));
	sg_canon_view(req, &p, false, small, sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_string_equal(small + sizeof(small) - 4, "...");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_exact),
		cmocka_unit_test(test_ambiguity_pairs),
		cmocka_unit_test(test_exec_env_is_what_was_added),
		cmocka_unit_test(test_create_mounts),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_v2_relative),
		cmocka_unit_test(test_v2_rel_check),
		cmocka_unit_test(test_view),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
