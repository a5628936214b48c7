/* SPDX-License-Identifier: Apache-2.0 */
/* The shipped policies (policies/): they load with the real parser, keyring and replay store,
 * and the mount stack gives the verdicts its comments promise. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#include "core/cleanup.h"
#include "core/context.h"
#include "core/decision.h"
#include "core/request.h"
#include "core/stack.h"
#include "gate/builtins.h"
#include "sig/keyring.h"
#include "sig/replay.h"
#include "sig/verify.h"
#include "core/limits.h"
#include "oci/oci.h"

#define SECRET "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

struct fixture {
	char *dir;
	char *policy_dir;
	struct sg_keyring *keyring;
	struct sg_replay *replay;
	struct sg_context ctx;
	struct sg_stack *stacks[SG_OP_COUNT];
};

/* Copies policies/<rel> to <policy_dir>/<rel>. */
static void copy_policy(struct fixture *f, const char *rel)
{
	_cleanup_free_ char *text = sg_test_read_in(SG_TEST_SRCDIR "/policies", rel, NULL);

	free(sg_test_write(f->policy_dir, rel, 0644, "%s", text));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	_cleanup_free_ char *keys = NULL;
	_cleanup_free_ char *replay = NULL;
	struct sg_error err = { 0 };
	static const char *const files[] = {
		"create", "mount", "exec", "seccomp/default.json", "examples/break-glass",
		"examples/probes", "examples/probes.allow", "examples/audit-only",
	};

	*state = f; /* teardown frees whatever setup got to, also when it fails */
	f->dir = sg_test_mkdtemp();
	assert_true(asprintf(&f->policy_dir, "%s/policy.d", f->dir) > 0);
	assert_true(asprintf(&keys, "%s/keys", f->dir) > 0);
	assert_true(asprintf(&replay, "%s/replay", f->dir) > 0);
	assert_int_equal(mkdir(f->policy_dir, 0755), 0);
	assert_int_equal(mkdir(keys, 0700), 0);
	for (size_t i = 0; i < 2; i++) {
		_cleanup_free_ char *sub = NULL;

		assert_true(asprintf(&sub, "%s/%s", f->policy_dir, i ? "examples" : "seccomp") > 0);
		assert_int_equal(mkdir(sub, 0755), 0);
	}
	for (size_t i = 0; i < SG_ARRAY_SIZE(files); i++)
		copy_policy(f, files[i]);
	free(sg_test_write(keys, "k1", 0600, "secret = %s\n", SECRET));
	if (sg_keyring_load(keys, &f->keyring, &err) < 0 ||
	    sg_replay_open(replay, 4096, &f->replay, &err) < 0)
		fail_msg("%s", err.msg);
	f->ctx.keyring = f->keyring;
	f->ctx.replay = f->replay;
	if (sg_policy_load(&f->ctx, f->policy_dir, sg_builtin_modules, "/nonexistent", f->stacks, &err) < 0)
		fail_msg("shipped policy: %s", err.msg);
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	sg_policy_free(f->stacks);
	sg_replay_free(f->replay);
	sg_keyring_free(f->keyring);
	sg_test_rmtree(f->dir);
	free(f->policy_dir);
	free(f->dir);
	free(f);
	return 0;
}

static void test_shipped_stacks_load(void **state)
{
	struct fixture *f = *state;

	for (unsigned op = 0; op < SG_OP_COUNT; op++)
		assert_non_null(f->stacks[op]);
}

static void test_examples_load(void **state)
{
	struct fixture *f = *state;
	static const char *const exec_examples[] = { "examples/break-glass", "examples/probes" };

	for (size_t i = 0; i < SG_ARRAY_SIZE(exec_examples); i++) {
		_cleanup_free_ char *path = NULL;
		struct sg_stack *s = NULL;
		struct sg_error err = { 0 };

		assert_true(asprintf(&path, "%s/%s", f->policy_dir, exec_examples[i]) > 0);
		if (sg_stack_load(&f->ctx, SG_OP_EXEC, path, sg_builtin_modules, "/nonexistent", &s, &err) < 0)
			fail_msg("%s", err.msg);
		sg_stack_free(s);
	}
}

struct mount_case {
	const char *type, *source, *destination;
	const char *options[4];
	bool rootfs;
	bool allowed;
	const char *reason; /* substring, when refused */
};

static void test_mount_stack_verdicts(void **state)
{
	struct fixture *f = *state;
	static const struct mount_case cases[] = {
		{ "proc", "proc", "/proc", { "nosuid", "noexec", "nodev" }, false, true, NULL },
		{ "tmpfs", "tmpfs", "/dev", { "nosuid", "strictatime" }, false, true, NULL },
		{ "bind", "/etc", "/host-etc", { "rbind", "ro" }, false, false,
		  "host path denied by policy (prefix '/etc')" },
		{ "bind", "/var/lib", "/x", { "rbind" }, false, false,
		  "host path denied by policy (prefix '/var/lib/containerd')" },
		{ "ext4", "/dev/sda1", "/data", { NULL }, false, false,
		  "type 'ext4' is neither container-internal nor a bind" },
		{ "overlay", "overlay", "", { "lowerdir=/tmp" }, true, false,
		  "rootfs option 'lowerdir=/tmp' leaves the snapshotter prefix" },
	};

	for (size_t i = 0; i < SG_ARRAY_SIZE(cases); i++) {
		const struct mount_case *c = &cases[i];
		_cleanup_request_ struct sg_request *create = NULL;
		_cleanup_request_ struct sg_request *req = NULL;
		struct sg_decision d = { 0 };
		struct sg_error err = { 0 };
		struct sg_mount *m;

		assert_int_equal(sg_request_new(SG_OP_CREATE, "default", "c1", &create, NULL), 0);
		create->mounts = calloc(1, sizeof(*create->mounts));
		create->n_mounts = 1;
		create->now = 1700000000;
		m = &create->mounts[0];
		m->type = strdup(c->type);
		m->source = strdup(c->source);
		m->destination = strdup(c->destination);
		m->rootfs = c->rootfs;
		for (size_t k = 0; k < 4 && c->options[k]; k++)
			assert_int_equal(sg_strv_push(&m->options, c->options[k], 8, NULL), 0);
		assert_int_equal(sg_request_for_mount(create, 0, &req, NULL), 0);
		if (sg_stack_eval(f->stacks[SG_OP_MOUNT], req, &d, &err) < 0)
			fail_msg("case %zu: %s", i, err.msg);
		if (d.allowed != c->allowed)
			fail_msg("case %zu (%s %s): allowed=%d, want %d (%s)", i, c->type, c->source,
				 d.allowed, c->allowed, d.reason);
		if (c->reason && !strstr(d.reason, c->reason))
			fail_msg("case %zu: reason '%s' lacks '%s'", i, d.reason, c->reason);
		sg_decision_clear(&d);
	}
}

/* T17: the shipped exec stack refuses dangerous programs even with a valid signature, and
 * lets the same signature shape through for an ordinary command. */
static void exec_case(struct fixture *f, const char *const *argv, size_t argc, bool allowed,
		      const char *reason)
{
	_cleanup_request_ struct sg_request *req = NULL;
	struct sg_decision d = { 0 };
	struct sg_error err = { 0 };
	char token[SG_LIMIT_TOKEN], nonce[33];
	static unsigned calls;

	/* A nonce per exec, as a client makes: hmac comes before argv, so a signed exec that
	 * argv refuses has used its nonce already. */
	(void)snprintf(nonce, sizeof(nonce), "%032x", ++calls);
	assert_int_equal(sg_request_new(SG_OP_EXEC, "default", "c1", &req, NULL), 0);
	assert_int_equal(sg_request_set_exec_id(req, "e1", NULL), 0);
	req->now = 1700000000;
	req->proc.args.present = true;
	for (size_t i = 0; i < argc; i++)
		assert_int_equal(sg_strv_push(&req->proc.args, argv[i], 8, NULL), 0);
	req->proc.cwd = strdup("/");
	if (sg_sign_request(f->keyring, "k1", req->now, nonce, true, req, token, sizeof(token),
			    &err) < 0 ||
	    sg_request_set_token(req, token, &err) < 0)
		fail_msg("%s", err.msg);
	if (sg_stack_eval(f->stacks[SG_OP_EXEC], req, &d, &err) < 0)
		fail_msg("%s: %s", argv[0], err.msg);
	if (d.allowed != allowed)
		fail_msg("%s: allowed=%d, want %d (%s)", argv[0], d.allowed, allowed, d.reason);
	if (reason && !strstr(d.reason, reason))
		fail_msg("%s: reason '%s' lacks '%s'", argv[0], d.reason, reason);
	sg_decision_clear(&d);
}

static void test_exec_stack_signed_but_dangerous(void **state)
{
	static const char *const nsenter[] = { "/usr/bin/nsenter", "-t", "1", "-m", "sh" };
	static const char *const chroot[] = { "chroot", "/host" };
	static const char *const echo[] = { "/bin/echo", "hi" };
	struct fixture *f = *state;

	exec_case(f, nsenter, SG_ARRAY_SIZE(nsenter), false, "nsenter");
	exec_case(f, chroot, SG_ARRAY_SIZE(chroot), false, "chroot");
	exec_case(f, echo, SG_ARRAY_SIZE(echo), true, NULL);
}

/* The specs containerd 1.6 (ctr run --rootfs, CRI sandbox and container), Docker 20.10 and
 * a CRI privileged hostPID pod generate (tests/unit/golden/specs), through the shipped create
 * stack, unsigned. Placeholders: @NET@, @IPC@, @UTS@ are namespaces of a child process of
 * its own (the pod's pause), @DOCKERD@ is a path resolving to /usr/sbin/dockerd (as
 * /proc/<dockerd pid>/exe does), @DOCKERROOT@ is the container's layer below a Docker data
 * root of the fixture (its layerdb mount-id names it) and @ROOTFS@ the directory the root line
 * allows in place of ctr's rootfs. */
struct runtime_spec {
	const char *file;
	bool allowed;
	const char *reason;
};

static char *spec_subst(const char *text, const char *const (*pairs)[2], size_t n)
{
	char *out = strdup(text);

	for (size_t i = 0; out && i < n; i++) {
		char *at;

		while ((at = strstr(out, pairs[i][0]))) {
			char *next = NULL;

			assert_true(asprintf(&next, "%.*s%s%s", (int)(at - out), out, pairs[i][1],
					     at + strlen(pairs[i][0])) > 0);
			free(out);
			out = next;
		}
	}
	return out;
}

static pid_t pause_child(void)
{
	int p[2];
	char c;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		/* gone with the test, also when a failed assertion ends it early */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS) == 0 && write(p[1], "1", 1) == 1)
			pause();
		_exit(0);
	}
	close(p[1]);
	if (pid < 0 || read(p[0], &c, 1) != 1) {
		if (pid > 0)
			waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(p[0]);
	return pid;
}

/* Binds a unix socket <dir>/<sub>/<name> (sub made 0700): false when it cannot. */
static bool bind_socket(const char *dir, const char *sub, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	_cleanup_close_ int fd = -1;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir, sub) >=
		    sizeof(sa.sun_path) || mkdir(sa.sun_path, 0700) < 0 ||
	    (size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s/%s", dir, sub, name) >=
		    sizeof(sa.sun_path))
		return false;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	return fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
}

static void test_create_stack_runtime_specs(void **state)
{
	static const struct runtime_spec specs[] = {
		{ "ctr-1.6-rootfs.json", true, NULL },
		{ "docker-20.10.json", true, NULL },
		{ "cri-1.6-sandbox.json", true, NULL },
		{ "cri-1.6-container.json", true, NULL },
		{ "cri-1.6-privileged-hostpid.json", false,
		  "linux.namespaces: no 'pid' namespace" },
	};
	struct fixture *f = *state;
	_cleanup_free_ char *shipped = sg_test_read_in(SG_TEST_SRCDIR "/policies", "create", NULL);
	_cleanup_free_ char *policy = NULL;
	_cleanup_free_ char *path = NULL;
	_cleanup_free_ char *droot = NULL;
	_cleanup_free_ char *rootfs = NULL;
	char ns[3][64];
	struct sg_stack *stack = NULL;
	struct sg_error err = { 0 };
	pid_t pause_pid = pause_child();
	bool dockerd = access("/usr/sbin/dockerd", X_OK) == 0;
	const char *line = "required root docker_root=/var/lib/docker\n";
	const char *hooks_line = "required hooks allow=/usr/sbin/dockerd@libnetwork-setkey\n";
	_cleanup_free_ char *execroot = NULL, *edited = NULL, *bundles = NULL, *ovl = NULL;
	bool mounted;
	const char *docker_id = "4f1c2a9e0b7d6c5a4f1c2a9e0b7d6c5a4f1c2a9e0b7d6c5a4f1c2a9e0b7d6c5a";
	_cleanup_free_ char *mounts = NULL;
	char *at = strstr(shipped, line);

	if (pause_pid < 0)
		skip();
	assert_non_null(at);
	assert_true(asprintf(&droot, "%s/docker/overlay2/0123/merged", f->dir) > 0);
	assert_true(asprintf(&rootfs, "%s/rootfs", f->dir) > 0);
	assert_true(asprintf(&policy, "%.*srequired root docker_root=%s/docker allow=%s\n%s",
			     (int)(at - shipped), shipped, f->dir, rootfs, at + strlen(line)) > 0);
	/* dockerd's exec root, with its network controller's socket, named on the hooks line */
	at = strstr(policy, hooks_line);
	assert_non_null(at);
	assert_true(asprintf(&execroot, "%s/dexec", f->dir) > 0);
	assert_true(asprintf(&edited, "%.*s%.*s docker_exec_root=%s\n%s", (int)(at - policy), policy,
			     (int)strlen(hooks_line) - 1, hooks_line, execroot,
			     at + strlen(hooks_line)) > 0);
	free(policy);
	policy = steal_pointer(&edited);
	assert_true(mkdir(execroot, 0755) == 0);
	dockerd = dockerd && bind_socket(execroot, "libnetwork", "a4b1c2d3e4f5.sock");
	free(sg_test_write(f->policy_dir, "create-specs", 0644, "%s", policy));
	assert_true(asprintf(&path, "%s/create-specs", f->policy_dir) > 0);
	if (sg_stack_load(&f->ctx, SG_OP_CREATE, path, sg_builtin_modules, "/nonexistent", &stack, &err) < 0)
		fail_msg("%s", err.msg);
	for (const char *d = droot; (d = strchr(d + 1, '/'));) {
		_cleanup_free_ char *dir = strndup(droot, (size_t)(d - droot));

		(void)mkdir(dir, 0755);
	}
	assert_true(mkdir(droot, 0755) == 0 && mkdir(rootfs, 0755) == 0);
	/* dockerd's record of the container's layer: mount-id names overlay2/0123 */
	assert_true(asprintf(&mounts, "%s/docker/image/overlay2/layerdb/mounts/%s", f->dir,
			     docker_id) > 0);
	for (const char *d = mounts; (d = strchr(d + 1, '/'));) {
		_cleanup_free_ char *dir = strndup(mounts, (size_t)(d - mounts));

		(void)mkdir(dir, 0755);
	}
	assert_true(mkdir(mounts, 0755) == 0);
	free(sg_test_write(mounts, "mount-id", 0644, "0123"));
	/* dockerd starts the container: its layer is an overlay mount now */
	for (const char *d = "lower\0upper\0work\0"; *d; d += strlen(d) + 1) {
		_cleanup_free_ char *dir = NULL;

		assert_true(asprintf(&dir, "%s/docker/overlay2/0123/%s", f->dir, d) > 0);
		assert_true(mkdir(dir, 0755) == 0);
	}
	assert_true(asprintf(&ovl, "lowerdir=%s/docker/overlay2/0123/lower,upperdir=%s/docker/"
			     "overlay2/0123/upper,workdir=%s/docker/overlay2/0123/work", f->dir,
			     f->dir, f->dir) > 0);
	mounted = mount("overlay", droot, "overlay", 0, ovl) == 0;
	/* containerd's bundles: <state>/<runtime>/<namespace>/<id> */
	assert_true(asprintf(&bundles, "%s/task", f->dir) > 0);
	assert_true(mkdir(bundles, 0755) == 0);
	for (int i = 0; i < 3; i++)
		(void)snprintf(ns[i], sizeof(ns[i]), "/proc/%d/ns/%s", (int)pause_pid,
			       (const char *[]){ "net", "ipc", "uts" }[i]);
	for (size_t i = 0; i < SG_ARRAY_SIZE(specs); i++) {
		const struct runtime_spec *c = &specs[i];
		const char *const pairs[][2] = {
			{ "@NET@", ns[0] }, { "@IPC@", ns[1] }, { "@UTS@", ns[2] },
			{ "@DOCKERD@", "/proc/self/root/usr/sbin/dockerd" },
			{ "@DOCKERROOT@", droot }, { "@ROOTFS@", rootfs }, { "@EXECROOT@", execroot },
		};
		_cleanup_free_ char *raw = sg_test_read_in(SG_TEST_SRCDIR "/tests/unit/golden/specs",
							   c->file, NULL);
		_cleanup_free_ char *text = spec_subst(raw, pairs, SG_ARRAY_SIZE(pairs));
		_cleanup_request_ struct sg_request *req = NULL;
		json_auto_t *config = NULL;
		struct sg_decision d = { 0 };
		const char *cg;

		if (strstr(raw, "@DOCKERD@") && (!dockerd || !mounted)) {
			print_message("%s: skipped (no /usr/sbin/dockerd, or no overlay mount)\n",
				      c->file);
			continue;
		}
		if (sg_oci_parse(text, strlen(text), &config, &err) < 0)
			fail_msg("%s: %s", c->file, err.msg);
		/* Each runtime names the container's cgroup after its id (the fields module checks). */
		cg = json_string_value(json_object_get(json_object_get(config, "linux"), "cgroupsPath"));
		if (sg_oci_create_request("default", cg ? strrchr(cg, '/') + 1 : "c1", config, NULL, 0,
					  &req, &err) < 0)
			fail_msg("%s: %s", c->file, err.msg);
		req->now = 1700000000;
		assert_true(asprintf(&req->bundle, "%s/default/%s", bundles, req->id) > 0);
		if (sg_stack_eval(stack, req, &d, &err) < 0)
			fail_msg("%s: %s", c->file, err.msg);
		if (d.allowed != c->allowed)
			fail_msg("%s: allowed=%d, want %d (%s)", c->file, d.allowed, c->allowed,
				 d.reason);
		if (c->reason && !strstr(d.reason, c->reason))
			fail_msg("%s: reason '%s' lacks '%s'", c->file, d.reason, c->reason);
		sg_decision_clear(&d);
	}
	sg_stack_free(stack);
	if (mounted)
		(void)umount2(droot, MNT_DETACH);
	kill(pause_pid, SIGKILL);
	waitpid(pause_pid, NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_stacks_load),
		cmocka_unit_test(test_examples_load),
		cmocka_unit_test(test_mount_stack_verdicts),
		cmocka_unit_test(test_exec_stack_signed_but_dangerous),
		cmocka_unit_test(test_create_stack_runtime_specs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
