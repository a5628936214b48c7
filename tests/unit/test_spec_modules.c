/* SPDX-License-Identifier: Apache-2.0 */
/* The config.json modules (hooks, root, namespaces, paths, devices, sysctl): table cases of
 * attacks and of the legitimate forms, each run on a whole config.json through the module,
 * then sg_oci_create_apply, then compared where the case says. In a case, @TMP@ is the
 * fixture directory and @NET@ the network namespace of another process (a stand-in for
 * another container's). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "modules/specutil.h"
#include "oci_testutil.h"

struct spec_case {
	const char *name;
	const char *args;   /* the module's arguments, space separated */
	const char *config; /* config.json; a minimal process is added when it has none */
	bool is_signed;
	const char *bundle;
	enum sg_verdict want;
	const char *reason; /* a substring of the refusal */
	const char *at;     /* dotted path into config.json after the module and write-back */
	const char *expect; /* the JSON expected there */
	const char *note;   /* a substring of the first note */
};

static char *fixture;
static char *other_net; /* /proc/<pid>/ns/net of a child in its own netns, or NULL */
static pid_t child = -1;

/* mkdir -p <fixture>/rel, each directory 0755 */
static int mkdirs(const char *rel)
{
	_cleanup_free_ char *full = NULL;

	if (asprintf(&full, "%s/%s", fixture, rel) < 0)
		return -1;
	for (char *slash = full + strlen(fixture) + 1; (slash = strchr(slash, '/')); *slash++ = '/') {
		*slash = '\0';
		(void)mkdir(full, 0755);
	}
	return mkdir(full, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

static int setup(void **state)
{
	int p[2];
	char c;
	(void)state;

	fixture = sg_test_mkdtemp();
	free(sg_test_write(fixture, "hook-ok", 0755, "#!/bin/sh\nexit 0\n"));
	free(sg_test_write(fixture, "hook-gw", 0777, "#!/bin/sh\nexit 0\n"));
	{
		_cleanup_free_ char *link = NULL;

		/* a hook path through a directory its owner may change later */
		if (asprintf(&link, "%s/hook-link", fixture) < 0 || symlink("/usr/bin/true", link) < 0)
			return -1;
	}
	/* a Docker data root: c1's layer is overlay2/aaa, bbb is another container's */
	for (const char *d = "dk/image/overlay2/layerdb/mounts/c1\0dk/overlay2/aaa/merged\0"
			     "dk/overlay2/bbb/merged\0"; *d; d += strlen(d) + 1)
		if (mkdirs(d) < 0)
			return -1;
	free(sg_test_write(fixture, "dk/image/overlay2/layerdb/mounts/c1/mount-id", 0644, "aaa"));
	/* a vfs data root (c1's layer is vfs/dir/ccc), containerd's bundles of two state
	 * directories (in task2, c1 is also a container of namespace moby), the parts of
	 * c1's overlay2 layer */
	for (const char *d = "dkv/image/vfs/layerdb/mounts/c1\0dkv/vfs/dir/ccc\0task/default/c1\0"
			     "task2/default/c1\0task2/moby/c1\0dk/overlay2/aaa/lower\0"
			     "dk/overlay2/aaa/diff\0dk/overlay2/aaa/work\0"; *d; d += strlen(d) + 1)
		if (mkdirs(d) < 0)
			return -1;
	free(sg_test_write(fixture, "dkv/image/vfs/layerdb/mounts/c1/mount-id", 0644, "ccc"));
	{
		/* dockerd's exec root with its network controller's socket */
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		_cleanup_free_ char *dir = NULL;
		int fd;

		if (asprintf(&dir, "%s/dexec", fixture) < 0 || mkdir(dir, 0755) < 0 ||
		    (size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/libnetwork", dir) >=
			    sizeof(sa.sun_path) || mkdir(sa.sun_path, 0700) < 0)
			return -1;
		strcat(sa.sun_path, "/0123456789ab.sock");
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return -1;
		close(fd);
	}
	{
		_cleanup_free_ char *link = NULL;

		if (asprintf(&link, "%s/netlink", fixture) < 0 || symlink("/proc/1/ns/net", link) < 0)
			return -1;
	}
	if (pipe(p) < 0)
		return -1;
	child = fork();
	if (child == 0) {
		close(p[0]);
		/* gone with the test, also when a failed assertion ends it early */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (unshare(CLONE_NEWNET) == 0 && write(p[1], "1", 1) == 1)
			pause();
		_exit(0);
	}
	close(p[1]);
	if (child > 0 && read(p[0], &c, 1) == 1 &&
	    asprintf(&other_net, "/proc/%d/ns/net", (int)child) < 0)
		other_net = NULL;
	close(p[0]);
	{
		_cleanup_free_ char *dir = NULL, *root = NULL;

		/* a root whose parent anyone may change: rename it, put a symlink to / there */
		if (asprintf(&dir, "%s/root-gw", fixture) < 0 || mkdir(dir, 0700) < 0 ||
		    chmod(dir, 0777) < 0 || asprintf(&root, "%s/rootfs", dir) < 0 ||
		    mkdir(root, 0755) < 0)
			return -1;
	}
	if (other_net) {
		_cleanup_free_ char *dir = NULL, *link = NULL;

		/* another container's netns named through a directory anyone may change */
		if (asprintf(&dir, "%s/ns-gw", fixture) < 0 || mkdir(dir, 0700) < 0 ||
		    chmod(dir, 0777) < 0 || asprintf(&link, "%s/net", dir) < 0 ||
		    symlink(other_net, link) < 0)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (child > 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	}
	sg_test_rmtree(fixture);
	free(fixture);
	free(other_net);
	return 0;
}

static char *subst(const char *text)
{
	const char *net = other_net ? other_net : "/nonexistent";
	size_t cap = strlen(text) + 16 * (strlen(fixture) + strlen(net)) + 1;
	char *out = calloc(1, cap);
	char *o = out;

	assert_non_null(out);
	for (const char *p = text; *p;) {
		if (strncmp(p, "@TMP@", 5) == 0) {
			o = stpcpy(o, fixture);
			p += 5;
		} else if (strncmp(p, "@NET@", 5) == 0) {
			o = stpcpy(o, net);
			p += 5;
		} else if (strncmp(p, "@PID@", 5) == 0) {
			o += sprintf(o, "%d", (int)getpid());
			p += 5;
		} else {
			*o++ = *p++;
		}
	}
	return out;
}

static const json_t *at_path(const json_t *doc, const char *dotted)
{
	_cleanup_free_ char *copy = strdup(dotted);
	char *save = NULL;

	for (char *k = strtok_r(copy, ".", &save); doc && k; k = strtok_r(NULL, ".", &save))
		doc = json_object_get(doc, k);
	return doc;
}

static void run_case(const char *module, const struct spec_case *c)
{
	_cleanup_free_ char *text = subst(c->config);
	_cleanup_free_ char *args = subst(c->args);
	_cleanup_request_ struct sg_request *req = NULL;
	json_auto_t *config = sg_test_json(text);
	const struct sg_module *m;
	struct sg_module_state *st = NULL;
	struct sg_error err = { 0 };
	int v;

	if (strstr(c->config, "@NET@") && !other_net) {
		print_message("%s: skipped (no second network namespace)\n", c->name);
		return;
	}
	if (!json_object_get(config, "process"))
		assert_int_equal(json_object_set_new(config, "process",
						     sg_test_json("{\"args\":[\"/bin/true\"],\"cwd\":\"/\"}")),
				 0);
	if (sg_test_module_init(module, SG_OP_CREATE, args, NULL, &m, &st, &err) < 0)
		fail_msg("%s: init: %s", c->name, err.msg);
	if (sg_oci_create_request("default", "c1", config, NULL, 0, &req, &err) < 0)
		fail_msg("%s: request: %s", c->name, err.msg);
	req->sig.status = c->is_signed ? SG_SIG_VALID : SG_SIG_ABSENT;
	if (c->bundle)
		req->bundle = subst(c->bundle);
	v = m->check(st, req, &err);
	if (v != (int)c->want)
		fail_msg("%s: verdict %s, want %s (%s)", c->name, sg_verdict_name(v),
			 sg_verdict_name(c->want), err.msg);
	if (c->reason && !strstr(err.msg, c->reason))
		fail_msg("%s: reason '%s' lacks '%s'", c->name, err.msg, c->reason);
	if (c->note && (req->notes.n == 0 || !strstr(req->notes.v[0], c->note)))
		fail_msg("%s: first note '%s' lacks '%s'", c->name,
			 req->notes.n ? req->notes.v[0] : "(none)", c->note);
	if (!c->note && v == SG_VERDICT_SUCCESS && req->notes.n)
		fail_msg("%s: unexpected note '%s'", c->name, req->notes.v[0]);
	if (c->at) {
		_cleanup_free_ char *want_text = subst(c->expect);
		json_auto_t *want = json_loads(want_text, JSON_DECODE_ANY, NULL);
		_cleanup_free_ char *got = NULL;

		assert_non_null(want);
		assert_int_equal(sg_oci_create_apply(req, &err), 0);
		got = json_dumps(at_path(req->doc, c->at), JSON_ENCODE_ANY | JSON_COMPACT);
		if (!json_equal((json_t *)at_path(req->doc, c->at), want))
			fail_msg("%s: %s is %s, want %s", c->name, c->at, got ? got : "(absent)",
				 want_text);
	}
	if (m->fini)
		m->fini(st);
}

static void run_table(const char *module, const struct spec_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++)
		run_case(module, &cases[i]);
}

static void expect_init_error(const char *module, const char *args, const char *msg)
{
	const struct sg_module *m;
	struct sg_module_state *st = NULL;
	struct sg_error err = { 0 };

	assert_int_equal(sg_test_module_init(module, SG_OP_CREATE, args, NULL, &m, &st, &err),
			 -EINVAL);
	assert_null(st);
	if (!strstr(err.msg, msg))
		fail_msg("%s %s: init error '%s' lacks '%s'", module, args, err.msg, msg);
}

#define S SG_VERDICT_SUCCESS
#define D SG_VERDICT_DENY

/* Docker's setkey hook: the hooks line naming the fixture's dockerd, a hook of kind with args,
 * and Docker's args for exec root, container id and network controller */
#define SK_LINE "allow=/usr/bin/true@libnetwork-setkey docker_exec_root=@TMP@/dexec"
#define SK_HOOK(kind, args) \
	"{\"hooks\":{\"" kind "\":[{\"path\":\"/usr/bin/true\",\"args\":[" args "]}]}}"
#define SK_ARGS(root, id, ctl) \
	"\"libnetwork-setkey\",\"-exec-root=" root "\",\"" id "\",\"" ctl "\""

static void test_hooks(void **state)
{
	static const struct spec_case cases[] = {
		{ "no hooks", "", "{}", false, NULL, S, NULL, NULL, NULL, NULL },
		{ "a host shell as prestart hook", "allow=/usr/bin/true",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"touch /x\"]}]}}",
		  false, NULL, D, "hooks.prestart[0].path '/bin/sh': not on the hooks allowlist", NULL,
		  NULL, NULL },
		{ "createRuntime hook, second entry", "allow=/usr/bin/true",
		  "{\"hooks\":{\"createRuntime\":[{\"path\":\"/usr/bin/true\"},{\"path\":\"/usr/bin/id\"}]}}",
		  false, NULL, D, "hooks.createRuntime[1].path '/usr/bin/id'", NULL, NULL, NULL },
		{ "an allowlisted hook", "allow=/usr/bin/true",
		  "{\"hooks\":{\"poststart\":[{\"path\":\"/usr/bin/true\"}]}}", false, NULL, S, NULL,
		  NULL, NULL, NULL },
		{ "resolved through a magic link (as /proc/<dockerd>/exe is)", "allow=/usr/bin/true",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"/proc/self/root/usr/bin/true\"}]}}", false,
		  NULL, S, NULL, "hooks.prestart", "[{\"path\":\"/usr/bin/true\"}]",
		  "resolved to '/usr/bin/true'" },
		{ "through a symlink its owner may swap: the resolved path written back",
		  "allow=/usr/bin/true", "{\"hooks\":{\"poststop\":[{\"path\":\"@TMP@/hook-link\"}]}}",
		  false, NULL, S, NULL, "hooks.poststop", "[{\"path\":\"/usr/bin/true\"}]",
		  "hook-link' resolved to '/usr/bin/true'" },
		{ "startContainer: the container's path, kept as written", "allow=/usr/bin/true",
		  "{\"hooks\":{\"startContainer\":[{\"path\":\"@TMP@/hook-link\"}]}}", false, NULL,
		  S, NULL, "hooks.startContainer", "[{\"path\":\"@TMP@/hook-link\"}]", NULL },
		{ "LD_PRELOAD in an allowlisted hook's env", "allow=/usr/bin/true",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"/usr/bin/true\",\"env\":[\"A=1\","
		  "\"LD_PRELOAD=/x.so\"]}]}}", false, NULL, D,
		  "hooks.prestart[0].env[0] 'A': not on the hooks env allowlist", NULL, NULL, NULL },
		{ "env names env= lists", "allow=/usr/bin/true env=A,PATH",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"/usr/bin/true\",\"env\":[\"A=1\","
		  "\"PATH=/bin\"]}]}}", false, NULL, S, NULL, NULL, NULL, NULL },
		{ "env= names the variable, not a prefix of it", "allow=/usr/bin/true env=LD",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"/usr/bin/true\",\"env\":["
		  "\"LD_PRELOAD=/x.so\"]}]}}", false, NULL, D, "env[0] 'LD_PRELOAD'", NULL, NULL, NULL },
		{ "an env entry without '='", "allow=/usr/bin/true env=A",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"/usr/bin/true\",\"env\":[\"A\"]}]}}",
		  false, NULL, D, "env[0] 'A': not on", NULL, NULL, NULL },
		{ "a relative path", "allow=/usr/bin/true",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"true\"}]}}", false, NULL, D,
		  "not an absolute path", NULL, NULL, NULL },
		{ "allowlisted but writable by others", "allow=@TMP@/hook-gw",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"@TMP@/hook-gw\"}]}}", false, NULL, D,
		  "writable by group or others", NULL, NULL, NULL },
		{ "allowlisted, root-owned, 0755", "allow=@TMP@/hook-ok",
		  "{\"hooks\":{\"poststop\":[{\"path\":\"@TMP@/hook-ok\"}]}}", false, NULL, S, NULL,
		  NULL, NULL, NULL },
		{ "signed_allow without a signature", "signed_allow=@TMP@/hook-ok",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"@TMP@/hook-ok\"}]}}", false, NULL, D,
		  "not on the hooks allowlist", NULL, NULL, NULL },
		{ "signed_allow with a signature", "signed_allow=@TMP@/hook-ok",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"@TMP@/hook-ok\"}]}}", true, NULL, S, NULL,
		  NULL, NULL, NULL },
		{ "PATH@ARG0: the pinned args[0]", "allow=/usr/bin/true@setkey",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"args\":[\"setkey\",\"x\"]}]}}",
		  false, NULL, S, NULL, "hooks.prestart",
		  "[{\"path\":\"/usr/bin/true\",\"args\":[\"setkey\",\"x\"]}]", "resolved to" },
		{ "PATH@ARG0: another args[0]", "allow=/usr/bin/true@setkey",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"args\":[\"untar\"]}]}}",
		  false, NULL, D, "not on the hooks allowlist (it is '/usr/bin/true')", NULL, NULL, NULL },
		{ "PATH@ARG0: no args", "allow=/usr/bin/true@setkey",
		  "{\"hooks\":{\"prestart\":[{\"path\":\"/usr/bin/true\"}]}}", false, NULL, D,
		  "not on the hooks allowlist", NULL, NULL, NULL },
		{ "Docker's libnetwork-setkey hook for this container", SK_LINE,
		  SK_HOOK("prestart", SK_ARGS("@TMP@/dexec", "c1", "0123456789ab")),
		  false, NULL, S, NULL, NULL, NULL, NULL },
		{ "libnetwork-setkey naming another container", SK_LINE,
		  SK_HOOK("prestart", SK_ARGS("@TMP@/dexec", "c2", "0123456789ab")),
		  false, NULL, D, "hooks.prestart[0].args[2] 'c2': not this container's id", NULL, NULL,
		  NULL },
		{ "libnetwork-setkey with another exec root", SK_LINE,
		  SK_HOOK("prestart", SK_ARGS("/tmp", "c1", "0123456789ab")),
		  false, NULL, D, "args[1] '-exec-root=/tmp': not -exec-root= of a docker_exec_root=",
		  NULL, NULL, NULL },
		{ "libnetwork-setkey: the default exec root is /var/run/docker",
		  "allow=/usr/bin/true@libnetwork-setkey",
		  SK_HOOK("prestart", SK_ARGS("@TMP@/dexec", "c1", "0123456789ab")),
		  false, NULL, D, "hooks.prestart[0].args[1]", NULL, NULL, NULL },
		{ "libnetwork-setkey with a controller no dockerd serves", SK_LINE,
		  SK_HOOK("prestart", SK_ARGS("@TMP@/dexec", "c1", "ba9876543210")),
		  false, NULL, D, "hooks.prestart[0].args[3] 'ba9876543210': no controller socket",
		  NULL, NULL, NULL },
		{ "libnetwork-setkey with a controller path", SK_LINE,
		  SK_HOOK("prestart", SK_ARGS("@TMP@/dexec", "c1", "../../../x")),
		  false, NULL, D, "hooks.prestart[0].args[3] '../../../x': not a network controller id",
		  NULL, NULL, NULL },
		{ "libnetwork-setkey with a fifth argument", SK_LINE,
		  SK_HOOK("prestart", SK_ARGS("@TMP@/dexec", "c1", "0123456789ab") ",\"x\""),
		  false, NULL, D, "hooks.prestart[0].args: 5 entries", NULL, NULL, NULL },
		{ "libnetwork-setkey as a createRuntime hook", SK_LINE,
		  SK_HOOK("createRuntime", SK_ARGS("@TMP@/dexec", "c1", "0123456789ab")),
		  false, NULL, D, "hooks.createRuntime[0]: a libnetwork-setkey hook is a prestart hook",
		  NULL, NULL, NULL },
		{ "an unknown hook kind", "", "{\"hooks\":{\"preStart\":[]}}", false, NULL, D,
		  "hooks.preStart: not a hook kind", NULL, NULL, NULL },
	};
	(void)state;
	run_table("hooks", cases, SG_ARRAY_SIZE(cases));
	expect_init_error("hooks", "allowed=/x", "unknown argument 'allowed=/x'");
	expect_init_error("hooks", "allow=x", "'x' is not an absolute path");
	expect_init_error("hooks", "allow=/a,,/b", "empty list item");
	expect_init_error("hooks", "docker_exec_root=run/docker", "'run/docker' is not an absolute path");
}

static void test_root(void **state)
{
	static const struct spec_case cases[] = {
		{ "relative rootfs (containerd, CRI)", "", "{\"root\":{\"path\":\"rootfs\"}}", false,
		  NULL, S, NULL, NULL, NULL, NULL },
		{ "the bundle's rootfs, absolute", "",
		  "{\"root\":{\"path\":\"/run/b/c1/rootfs\"}}", false, "/run/b/c1", S, NULL, NULL,
		  NULL, NULL },
		{ "host /usr", "", "{\"root\":{\"path\":\"/usr\"}}", false, "/run/b/c1", D,
		  "root.path '/usr': not the bundle's rootfs and not an allowed root", NULL, NULL,
		  NULL },
		{ "absolute, bundle unknown", "", "{\"root\":{\"path\":\"/run/b/c1/rootfs\"}}",
		  false, NULL, D, "(no bundle known)", NULL, NULL, NULL },
		{ "docker_root: another container's layer", "docker_root=@TMP@/dk",
		  "{\"root\":{\"path\":\"@TMP@/dk/overlay2/bbb/merged\"}}", false, "/run/b/c1", D,
		  "but not the layer of container 'c1' ('", NULL, NULL, NULL },
		{ "docker_root: the data root itself", "docker_root=@TMP@/dk",
		  "{\"root\":{\"path\":\"@TMP@/dk/overlay2\"}}", false, "/run/b/c1", D,
		  "below Docker's root", NULL, NULL, NULL },
		{ "docker_root wins over a matching allow= pattern", "docker_root=@TMP@/dk allow=@TMP@/dk/overlay2/*/merged",
		  "{\"root\":{\"path\":\"@TMP@/dk/overlay2/bbb/merged\"}}", false, "/run/b/c1", D,
		  "not the layer of container 'c1'", NULL, NULL, NULL },
		{ "another bundle's rootfs", "", "{\"root\":{\"path\":\"/run/b/c2/rootfs\"}}", false,
		  "/run/b/c1", D, "not the bundle's rootfs", NULL, NULL, NULL },
		{ "a relative escape", "", "{\"root\":{\"path\":\"rootfs/../..\"}}", false,
		  "/run/b/c1", D, "not the bundle's rootfs", NULL, NULL, NULL },
		{ "missing root", "", "{}", false, NULL, D, "root.path: missing", NULL, NULL, NULL },
		{ "an allowed root (ctr run --rootfs)", "allow=@TMP@", "{\"root\":{\"path\":\"@TMP@\"}}",
		  false, NULL, S, NULL, NULL, NULL, NULL },
		{ "an allowed root, written with a dot: resolved and written back", "allow=@TMP@",
		  "{\"root\":{\"path\":\"@TMP@/.\"}}", false, NULL, S, NULL, "root.path", "\"@TMP@\"",
		  "resolved to" },
		{ "an allowed root in a directory others may write", "allow=@TMP@/root-gw/*",
		  "{\"root\":{\"path\":\"@TMP@/root-gw/rootfs\"}}", false, NULL, D,
		  "not an allowed root: directory", NULL, NULL, NULL },
		{ "signed_allow, unsigned", "signed_allow=@TMP@", "{\"root\":{\"path\":\"@TMP@\"}}",
		  false, NULL, D, "not an allowed root", NULL, NULL, NULL },
		{ "signed_allow, signed", "signed_allow=@TMP@", "{\"root\":{\"path\":\"@TMP@\"}}",
		  true, NULL, S, NULL, NULL, NULL, NULL },
		{ "a pattern is one component deep", "allow=/usr/*", "{\"root\":{\"path\":\"/usr/lib/x86_64-linux-gnu\"}}",
		  false, NULL, D, "not an allowed root", NULL, NULL, NULL },
		{ "rshared rootfs propagation", "",
		  "{\"root\":{\"path\":\"rootfs\"},\"linux\":{\"rootfsPropagation\":\"rshared\"}}", false,
		  NULL, D, "linux.rootfsPropagation 'rshared'", NULL, NULL, NULL },
		{ "rslave rootfs propagation", "",
		  "{\"root\":{\"path\":\"rootfs\"},\"linux\":{\"rootfsPropagation\":\"rslave\"}}", false,
		  NULL, S, NULL, NULL, NULL, NULL },
	};
	(void)state;
	run_table("root", cases, SG_ARRAY_SIZE(cases));
	expect_init_error("root", "allow=/", "not an absolute path below /");
	expect_init_error("root", "bundle=/x", "unknown argument 'bundle=/x'");
}

/* docker_root= takes the container's own layer only while dockerd is starting it: overlay2
 * mounted now (the case runs only where the test may mount an overlay), vfs with Docker's
 * setkey hook for the container, and no other containerd namespace using the id. */
static void test_root_docker_start(void **state)
{
#define ROOT_OF(p, hook) "{\"root\":{\"path\":\"@TMP@/" p "\"}" hook "}"
#define SETKEY_FOR(id) ",\"hooks\":{\"prestart\":[{\"path\":\"/usr/sbin/dockerd\",\"args\":" \
	"[\"libnetwork-setkey\",\"-exec-root=/var/run/docker\",\"" id "\",\"0123456789ab\"]}]}"
	static const struct spec_case mounted = {
		"overlay2: the container's own layer, mounted", "docker_root=@TMP@/dk",
		ROOT_OF("dk/overlay2/aaa/merged", ""), false, "@TMP@/task/default/c1", S, NULL, NULL,
		NULL, NULL
	};
	static const struct spec_case cases[] = {
		{ "overlay2: the container's own layer, not mounted (a stopped container)",
		  "docker_root=@TMP@/dk", ROOT_OF("dk/overlay2/aaa/merged", ""), false,
		  "@TMP@/task/default/c1", D, "the layer of container 'c1' is not mounted: dockerd is "
		  "not starting that container", NULL, NULL, NULL },
		{ "vfs: with the setkey hook for this container", "docker_root=@TMP@/dkv",
		  ROOT_OF("dkv/vfs/dir/ccc", SETKEY_FOR("c1")), false, "@TMP@/task/default/c1", S,
		  NULL, NULL, NULL, NULL },
		{ "vfs: no setkey hook", "docker_root=@TMP@/dkv", ROOT_OF("dkv/vfs/dir/ccc", ""),
		  false, "@TMP@/task/default/c1", D, "a vfs layer with no libnetwork-setkey prestart "
		  "hook for container 'c1'", NULL, NULL, NULL },
		{ "vfs: the setkey hook of another container", "docker_root=@TMP@/dkv",
		  ROOT_OF("dkv/vfs/dir/ccc", SETKEY_FOR("c2")), false, "@TMP@/task/default/c1", D,
		  "no libnetwork-setkey prestart hook", NULL, NULL, NULL },
		{ "vfs: the id is a container of namespace moby too", "docker_root=@TMP@/dkv",
		  ROOT_OF("dkv/vfs/dir/ccc", SETKEY_FOR("c1")), false, "@TMP@/task2/default/c1", D,
		  "container id 'c1' is in use in containerd namespace 'moby' too", NULL, NULL, NULL },
		{ "vfs: no bundle known", "docker_root=@TMP@/dkv",
		  ROOT_OF("dkv/vfs/dir/ccc", SETKEY_FOR("c1")), false, NULL, D,
		  "cannot tell whether container id 'c1' is in use elsewhere", NULL, NULL, NULL },
	};
	_cleanup_free_ char *opts = NULL, *merged = NULL;
#undef ROOT_OF
#undef SETKEY_FOR

	(void)state;
	run_table("root", cases, SG_ARRAY_SIZE(cases));
	assert_true(asprintf(&opts, "lowerdir=%s/dk/overlay2/aaa/lower,upperdir=%s/dk/overlay2/aaa/"
			     "diff,workdir=%s/dk/overlay2/aaa/work", fixture, fixture, fixture) > 0);
	assert_true(asprintf(&merged, "%s/dk/overlay2/aaa/merged", fixture) > 0);
	if (mount("overlay", merged, "overlay", 0, opts) < 0) {
		print_message("%s: skipped (cannot mount an overlay: %s)\n", mounted.name,
			      strerror(errno));
		return;
	}
	run_case("root", &mounted);
	assert_int_equal(umount2(merged, MNT_DETACH), 0);
	run_case("root", &cases[0]);
}

#define NS_ALL "{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"}"

static void test_namespaces(void **state)
{
	static const struct spec_case cases[] = {
		{ "ctr's default", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\"}]}}", false, NULL, S,
		  NULL, NULL, NULL, NULL },
		{ "host cgroup namespace not allowed", "",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\"}]}}", false, NULL, D,
		  "no 'cgroup' namespace", NULL, NULL, NULL },
		{ "only a mount namespace", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[{\"type\":\"mount\"}]}}", false, NULL, D,
		  "linux.namespaces: no 'pid' namespace: the container would share the host's", NULL,
		  NULL, NULL },
		{ "no linux object at all", "allow_host=cgroup", "{}", false, NULL, D,
		  "no 'pid' namespace", NULL, NULL, NULL },
		{ "host network (docker --network host)", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL "]}}", false, NULL, D, "no 'network' namespace",
		  NULL, NULL, NULL },
		{ "host network, allowed unsigned", "allow_host=cgroup,net",
		  "{\"linux\":{\"namespaces\":[" NS_ALL "]}}", false, NULL, S, NULL, NULL, NULL, NULL },
		{ "host network, signed_allow_host unsigned", "allow_host=cgroup signed_allow_host=network",
		  "{\"linux\":{\"namespaces\":[" NS_ALL "]}}", false, NULL, D, "no 'network' namespace",
		  NULL, NULL, NULL },
		{ "host network, signed_allow_host signed", "allow_host=cgroup signed_allow_host=network",
		  "{\"linux\":{\"namespaces\":[" NS_ALL "]}}", true, NULL, S, NULL, NULL, NULL, NULL },
		{ "a path to the host's netns", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"/proc/@PID@/ns/net\"}]}}",
		  false, NULL, D, "/ns/net': the host's network namespace", NULL, NULL, NULL },
		{ "the host's netns through /proc/self", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}]}}",
		  false, NULL, D, "linux.namespaces[4].path '/proc/self/ns/net': not /proc/<pid>/ns/net "
		  "or /run/netns/<name>", NULL, NULL, NULL },
		{ "a path of another type's file", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"/proc/@PID@/ns/pid\"}]}}",
		  false, NULL, D, "not /proc/<pid>/ns/net", NULL, NULL, NULL },
		{ "a thread's namespace", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"/proc/@PID@/task/@PID@/ns/net\"}]}}",
		  false, NULL, D, "the host's network namespace", NULL, NULL, NULL },
		{ "a symlink elsewhere", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"@TMP@/netlink\"}]}}",
		  false, NULL, D, "netlink': not /proc/<pid>/ns/net or /run/netns/<name>", NULL, NULL, NULL },
		{ "a mount namespace path (a host service's private one)", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"mount\",\"path\":\"/proc/@PID@/ns/mnt\"}]}}",
		  false, NULL, D, "/ns/mnt': joining a mount namespace is not allowed (allow_join=): no "
		  "runtime shares one", NULL, NULL, NULL },
		{ "a cgroup namespace path", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\"},{\"type\":\"cgroup\",\"path\":\"/proc/@PID@/ns/cgroup\"}]}}",
		  false, NULL, D, "joining a cgroup namespace is not allowed (allow_join=)", NULL, NULL, NULL },
		{ "allow_join= replaces the default", "allow_host=cgroup allow_join=ipc",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"@NET@\"}]}}",
		  false, NULL, D, "joining a network namespace is not allowed", NULL, NULL, NULL },
		{ "another container's netns (a pod), pinned", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"@NET@\"}]}}",
		  false, NULL, S, NULL, NULL, NULL, "path '/proc/" },
		{ "another container's netns through /proc/PID/root (runc would resolve it later)",
		  "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"/proc/self/root@NET@\"}]}}",
		  false, NULL, D, "not /proc/<pid>/ns/net or /run/netns/<name>",
		  NULL, NULL, NULL },
		{ "another container's netns through a symlink others may swap", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"@TMP@/ns-gw/net\"}]}}",
		  false, NULL, D, "not /proc/<pid>/ns/net or /run/netns/<name>",
		  NULL, NULL, NULL },
		{ "a path that does not exist", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"/nope\"}]}}",
		  false, NULL, D, "'/nope': not /proc/<pid>/ns/net", NULL, NULL, NULL },
		{ "a /proc path that does not exist", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"/proc/999999999/ns/net\"}]}}",
		  false, NULL, D, "'/proc/999999999/ns/net': No such file", NULL, NULL, NULL },
		{ "a pinned CRI netns that does not exist", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\",\"path\":\"/var/run/netns/cni-none\"}]}}",
		  false, NULL, D, "not /proc/<pid>/ns/net or /run/netns/<name>", NULL, NULL, NULL },
		{ "user and time pass", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\"},{\"type\":\"user\"},{\"type\":\"time\"}]}}",
		  false, NULL, S, NULL, NULL, NULL, NULL },
		{ "a second network entry, the host's", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\"},{\"type\":\"network\",\"path\":\"/proc/self/ns/net\"}]}}",
		  false, NULL, D, "linux.namespaces[5]: a second 'network' entry", NULL, NULL, NULL },
		{ "an unknown type", "allow_host=cgroup",
		  "{\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\"},{\"type\":\"ime\"}]}}",
		  false, NULL, D, "linux.namespaces[5].type 'ime'", NULL, NULL, NULL },
	};
	(void)state;
	run_table("namespaces", cases, SG_ARRAY_SIZE(cases));
	expect_init_error("namespaces", "allow_host=user", "unknown namespace type 'user'");
	expect_init_error("namespaces", "host=net", "unknown argument 'host=net'");
}

#define CTR_MASKED "\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\"," \
	"\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\""
#define CTR_RO "\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\""

static void test_paths(void **state)
{
	static const struct spec_case cases[] = {
		{ "ctr's default: powercap added", "",
		  "{\"linux\":{\"maskedPaths\":[" CTR_MASKED "],\"readonlyPaths\":[" CTR_RO "]}}", false,
		  NULL, S, NULL, "linux.maskedPaths",
		  "[" CTR_MASKED ",\"/sys/devices/virtual/powercap\"]",
		  "linux.maskedPaths: added 1 (/sys/devices/virtual/powercap)" },
		{ "emptied lists are filled again", "", "{\"linux\":{\"maskedPaths\":[],\"readonlyPaths\":[]}}",
		  false, NULL, S, NULL, "linux.readonlyPaths", "[" CTR_RO "]", "added 11" },
		{ "no linux object", "", "{}", false, NULL, S, NULL, "linux.readonlyPaths",
		  "[" CTR_RO "]", "linux.maskedPaths: added 11" },
		{ "extra paths of the line, client's kept", "mask=/proc/foo readonly=/proc/bar",
		  "{\"linux\":{\"maskedPaths\":[\"/x\"],\"readonlyPaths\":[" CTR_RO "]}}", false, NULL, S,
		  NULL, "linux.readonlyPaths", "[" CTR_RO ",\"/proc/bar\"]", "added 12" },
		{ "a rw sysfs", "",
		  "{\"mounts\":[{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"rw\"]}]}",
		  false, NULL, S, NULL, "mounts", "[{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"ro\"]}]",
		  "linux.maskedPaths" },
		{ "a cgroup mount without ro", "",
		  "{\"linux\":{\"maskedPaths\":[" CTR_MASKED ",\"/sys/devices/virtual/powercap\"],\"readonlyPaths\":[" CTR_RO "]},"
		  "\"mounts\":[{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\"}]}",
		  false, NULL, S, NULL, "mounts", "[{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\",\"options\":[\"ro\"]}]",
		  "paths: mounts[0] (cgroup on /sys/fs/cgroup): forced ro" },
		{ "a second proc elsewhere", "",
		  "{\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\"},{\"destination\":\"/p2\",\"type\":\"proc\"}]}",
		  false, NULL, D, "mounts[1]: a proc mount at '/p2'", NULL, NULL, NULL },
		{ "a sysfs elsewhere", "", "{\"mounts\":[{\"destination\":\"/s\",\"type\":\"sysfs\"}]}",
		  false, NULL, D, "mounts[0]: a sysfs mount at '/s'", NULL, NULL, NULL },
		{ "maskedPaths not a list", "", "{\"linux\":{\"maskedPaths\":{}}}", false, NULL, D,
		  "linux.maskedPaths: not an array", NULL, NULL, NULL },
	};
	(void)state;
	run_table("paths", cases, SG_ARRAY_SIZE(cases));
	expect_init_error("paths", "mask=proc", "'proc' is not an absolute path");
	expect_init_error("paths", "unmask=/proc/kcore", "unknown argument");
}

/* A mount another module changed already (mounts adds options) and that is read-only: no
 * "forced ro" note, which would put a change this module did not make in the audit trail. */
static void test_paths_note_own_change(void **state)
{
	json_auto_t *config = sg_test_json(
		"{\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"},"
		"\"linux\":{\"maskedPaths\":[" CTR_MASKED ",\"/sys/devices/virtual/powercap\"],"
		"\"readonlyPaths\":[" CTR_RO "]},\"mounts\":[{\"destination\":\"/sys\","
		"\"type\":\"sysfs\",\"source\":\"sysfs\",\"options\":[\"nosuid\",\"ro\"]}]}");
	_cleanup_request_ struct sg_request *req = NULL;
	const struct sg_module *m;
	struct sg_module_state *st = NULL;
	struct sg_error err = { 0 };

	(void)state;
	assert_int_equal(sg_test_module_init("paths", SG_OP_CREATE, "", NULL, &m, &st, &err), 0);
	assert_int_equal(sg_oci_create_request("default", "c1", config, NULL, 0, &req, &err), 0);
	assert_int_equal(req->n_mounts, 1);
	req->mounts[0].changed = true;
	assert_int_equal(m->check(st, req, &err), SG_VERDICT_SUCCESS);
	if (req->notes.n)
		fail_msg("unexpected note '%s'", req->notes.v[0]);
	assert_true(req->mounts[0].changed);
	m->fini(st);
}

#define DENY_ALL "{\"allow\":false,\"access\":\"rwm\"}"
#define CTR_RULES DENY_ALL ",{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":3,\"access\":\"rwm\"}," \
	"{\"allow\":true,\"type\":\"c\",\"major\":136,\"access\":\"rwm\"}"
#define DOCKER_RULES DENY_ALL ",{\"allow\":true,\"type\":\"c\",\"major\":1,\"minor\":5,\"access\":\"rwm\"}," \
	"{\"allow\":false,\"type\":\"c\",\"major\":10,\"minor\":229,\"access\":\"rwm\"}," \
	"{\"allow\":true,\"type\":\"c\",\"access\":\"m\"},{\"allow\":true,\"type\":\"b\",\"access\":\"m\"}"
#define SDA_NODE "{\"path\":\"/dev/sda\",\"type\":\"b\",\"major\":8,\"minor\":0}"
#define SDA_RULE "{\"allow\":true,\"type\":\"b\",\"major\":8,\"minor\":0,\"access\":\"rwm\"}"

static void test_devices(void **state)
{
	static const struct spec_case cases[] = {
		{ "ctr's default", "", "{\"linux\":{\"resources\":{\"devices\":[" CTR_RULES "]}}}",
		  false, NULL, S, NULL, "linux.resources.devices", "[" CTR_RULES "]", NULL },
		{ "Docker's default", "", "{\"linux\":{\"devices\":[],\"resources\":{\"devices\":[" DOCKER_RULES "]}}}",
		  false, NULL, S, NULL, "linux.resources.devices", "[" DOCKER_RULES "]", NULL },
		{ "no rules: deny-all put first", "", "{}", false, NULL, S, NULL,
		  "linux.resources.devices", "[" DENY_ALL "]", "deny-all put first" },
		{ "--privileged", "",
		  "{\"linux\":{\"devices\":[" SDA_NODE "],\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}}}",
		  false, NULL, D,
		  "privileged container: linux.resources.devices[0] allows every device ('a *:* rwm') and linux.devices lists host devices",
		  NULL, NULL, NULL },
		{ "--privileged, signed, signed_privileged", "signed_privileged",
		  "{\"linux\":{\"devices\":[" SDA_NODE "],\"resources\":{\"devices\":[{\"allow\":true,\"access\":\"rwm\"}]}}}",
		  true, NULL, S, NULL, NULL, NULL, "signed privileged" },
		{ "an allow-all after deny-all", "",
		  "{\"linux\":{\"resources\":{\"devices\":[" DENY_ALL ",{\"allow\":true,\"type\":\"a\",\"access\":\"rw\"}]}}}",
		  false, NULL, D, "privileged container: linux.resources.devices[1]", NULL, NULL, NULL },
		{ "a host disk node", "", "{\"linux\":{\"devices\":[" SDA_NODE "],\"resources\":{\"devices\":[" SDA_RULE "]}}}",
		  false, NULL, D, "linux.devices[0] '/dev/sda' (b 8:0): not on the devices allowlist",
		  NULL, NULL, NULL },
		{ "a host disk rule without a node: dropped", "",
		  "{\"linux\":{\"resources\":{\"devices\":[" DENY_ALL "," SDA_RULE "]}}}", false, NULL,
		  S, NULL, "linux.resources.devices", "[" DENY_ALL "]", "dropped 1 allow rule(s)" },
		{ "an allowlisted disk by numbers", "allow=b:8:*",
		  "{\"linux\":{\"devices\":[" SDA_NODE "],\"resources\":{\"devices\":[" SDA_RULE "]}}}",
		  false, NULL, S, NULL, "linux.resources.devices", "[" DENY_ALL "," SDA_RULE "]",
		  "deny-all put first" },
		{ "signed_allow, unsigned", "signed_allow=b:8:0",
		  "{\"linux\":{\"devices\":[" SDA_NODE "]}}", false, NULL, D, "not on the devices allowlist",
		  NULL, NULL, NULL },
		{ "an allowlisted path is the host's node", "allow=/dev/null",
		  "{\"linux\":{\"devices\":[{\"path\":\"/dev/null\",\"type\":\"c\",\"major\":1,\"minor\":3}]}}",
		  false, NULL, S, NULL, NULL, NULL, "deny-all put first" },
		{ "an allowlisted path naming another device", "allow=/dev/null",
		  "{\"linux\":{\"devices\":[{\"path\":\"/dev/null\",\"type\":\"b\",\"major\":8,\"minor\":0}]}}",
		  false, NULL, D, "linux.devices[0] '/dev/null' (b 8:0)", NULL, NULL, NULL },
		{ "a rule wider than a default", "",
		  "{\"linux\":{\"resources\":{\"devices\":[" DENY_ALL ",{\"allow\":true,\"type\":\"c\",\"major\":1,\"access\":\"rwm\"}]}}}",
		  false, NULL, S, NULL, "linux.resources.devices", "[" DENY_ALL "]", "dropped 1" },
		{ "a node of an unknown type", "allow=c:1:3",
		  "{\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"x\",\"major\":1,\"minor\":3}]}}",
		  false, NULL, D, "linux.devices[0].type 'x': not b, c, u or p", NULL, NULL, NULL },
		{ "a bad type", "", "{\"linux\":{\"resources\":{\"devices\":[{\"allow\":false,\"type\":\"x\"}]}}}",
		  false, NULL, D, "linux.resources.devices[0].type 'x'", NULL, NULL, NULL },
	};
	(void)state;
	run_table("devices", cases, SG_ARRAY_SIZE(cases));
	expect_init_error("devices", "allow=x:1:2", "'x:1:2' is neither a path nor c|b:MAJOR:MINOR");
	expect_init_error("devices", "allow=c:1:x", "bad device numbers");
	expect_init_error("devices", "privileged", "unknown argument 'privileged'");
}

static void test_sysctl(void **state)
{
	static const struct spec_case cases[] = {
		{ "no sysctl", "", "{}", false, NULL, S, NULL, NULL, NULL, NULL },
		{ "a safe net key, own netns", "",
		  "{\"linux\":{\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"net.ipv4.ip_unprivileged_port_start\":\"0\"}}}",
		  false, NULL, S, NULL, NULL, NULL, NULL },
		{ "a safe net key, host netns", "",
		  "{\"linux\":{\"namespaces\":[{\"type\":\"pid\"}],\"sysctl\":{\"net.ipv4.tcp_syncookies\":\"0\"}}}",
		  false, NULL, D,
		  "linux.sysctl 'net.ipv4.tcp_syncookies': the container shares the host's network namespace",
		  NULL, NULL, NULL },
		{ "a safe net key in another container's netns", "",
		  "{\"linux\":{\"namespaces\":[{\"type\":\"network\",\"path\":\"@NET@\"}],\"sysctl\":{\"net.ipv4.tcp_syncookies\":\"1\"}}}",
		  false, NULL, S, NULL, NULL, NULL, NULL },
		{ "a host-global key", "",
		  "{\"linux\":{\"sysctl\":{\"kernel.core_pattern\":\"|/tmp/x\"}}}", false, NULL, D,
		  "linux.sysctl 'kernel.core_pattern': not on the sysctl allowlist", NULL, NULL, NULL },
		{ "an IPC key with the host's IPC namespace", "",
		  "{\"linux\":{\"sysctl\":{\"kernel.shm_rmid_forced\":\"1\"}}}", false, NULL, D,
		  "host's ipc namespace", NULL, NULL, NULL },
		{ "allow= replaces the default", "allow=kernel.msgmax",
		  "{\"linux\":{\"namespaces\":[{\"type\":\"network\"}],\"sysctl\":{\"net.ipv4.tcp_syncookies\":\"0\"}}}",
		  false, NULL, D, "not on the sysctl allowlist", NULL, NULL, NULL },
		{ "signed_allow, signed", "signed_allow=vm.swappiness",
		  "{\"linux\":{\"sysctl\":{\"vm.swappiness\":\"1\"}}}", true, NULL, S, NULL, NULL, NULL,
		  NULL },
		{ "signed_allow, unsigned", "signed_allow=vm.swappiness",
		  "{\"linux\":{\"sysctl\":{\"vm.swappiness\":\"1\"}}}", false, NULL, D,
		  "not on the sysctl allowlist", NULL, NULL, NULL },
	};
	(void)state;
	run_table("sysctl", cases, SG_ARRAY_SIZE(cases));
	expect_init_error("sysctl", "keys=a", "unknown argument 'keys=a'");
	expect_init_error("sysctl", "allow=", "empty list item");
}

/* The namespace the gate judged is the one runc joins: the path is rewritten to the gate's own
 * descriptor, which still names that namespace after the process in the path has died (its
 * pid free for a host process to take), and which the request closes when freed. */
static void test_namespaces_pinned(void **state)
{
	_cleanup_request_ struct sg_request *req = NULL;
	json_auto_t *config = NULL;
	const struct sg_module *m;
	struct sg_module_state *st = NULL;
	struct sg_error err = { 0 };
	struct stat want, got;
	char self[64];
	const char *path;
	pid_t other;
	int fd, n = -1;

	(void)state;
	other = fork();
	assert_true(other >= 0);
	if (other == 0) {
		if (unshare(CLONE_NEWNET) < 0)
			_exit(1);
		pause();
		_exit(0);
	}
	(void)snprintf(self, sizeof(self), "/proc/%d/ns/net", (int)other);
	for (int i = 0; i < 200; i++) {
		struct stat host;

		if (stat(self, &want) == 0 && stat("/proc/self/ns/net", &host) == 0 &&
		    want.st_ino != host.st_ino)
			break;
		usleep(10000);
	}
	{
		_cleanup_free_ char *text = NULL;

		assert_true(asprintf(&text, "{\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"},"
				     "\"linux\":{\"namespaces\":[" NS_ALL ",{\"type\":\"network\","
				     "\"path\":\"%s\"}]}}", self) > 0);
		config = sg_test_json(text);
	}
	assert_int_equal(sg_test_module_init("namespaces", SG_OP_CREATE, "allow_host=cgroup", NULL,
					     &m, &st, &err), 0);
	assert_int_equal(sg_oci_create_request("default", "c1", config, NULL, 0, &req, &err), 0);
	if (m->check(st, req, &err) != SG_VERDICT_SUCCESS)
		fail_msg("pinned join: %s", err.msg);
	m->fini(st);
	path = json_string_value(json_object_get(json_array_get(json_object_get(json_object_get(
		req->doc, "linux"), "namespaces"), 4), "path"));
	assert_non_null(path);
	(void)snprintf(self, sizeof(self), "/proc/%d/fd/", (int)getpid());
	if (strncmp(path, self, strlen(self)) != 0 || sscanf(path + strlen(self), "%d", &n) != 1)
		fail_msg("the netns path was not rewritten to the gate's descriptor: '%s'", path);
	assert_int_equal(req->n_held_fds, 1);
	assert_int_equal(req->held_fds[0], n);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	/* the process is gone: the path as the client wrote it names nothing now, the pinned
	 * one still the namespace that was judged */
	assert_int_equal(stat(path, &got), 0);
	assert_int_equal(got.st_ino, want.st_ino);
	assert_int_equal(got.st_dev, want.st_dev);
	fd = n;
	sg_request_free(steal_pointer(&req));
	assert_int_equal(fcntl(fd, F_GETFD), -1);
}

/* sg_spec_ns_pin opens what the path names and refuses what is not a namespace of the
 * entry's type: the ns file of another type, a plain file. */
static void test_ns_pin_refuses(void **state)
{
	static const struct {
		const char *entry, *reason;
	} cases[] = {
		{ "{\"type\":\"network\",\"path\":\"/proc/self/ns/pid\"}", "not a network namespace" },
		{ "{\"type\":\"ipc\",\"path\":\"/proc/self/status\"}", "not a namespace" },
		{ "{\"type\":\"uts\",\"path\":\"/nonexistent\"}", "No such file" },
	};

	(void)state;
	for (size_t i = 0; i < SG_ARRAY_SIZE(cases); i++) {
		_cleanup_request_ struct sg_request *req = NULL;
		json_auto_t *config = sg_test_json("{\"process\":{\"args\":[\"/bin/true\"],\"cwd\":\"/\"}}");
		json_auto_t *entry = sg_test_json(cases[i].entry);
		struct sg_error err = { 0 };

		assert_int_equal(sg_oci_create_request("default", "c1", config, NULL, 0, &req, &err), 0);
		assert_true(sg_spec_ns_pin(req, entry, 0, &err) < 0);
		if (!strstr(err.msg, cases[i].reason))
			fail_msg("%s: '%s' lacks '%s'", cases[i].entry, err.msg, cases[i].reason);
		assert_int_equal(req->n_held_fds, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hooks),      cmocka_unit_test(test_root),
		cmocka_unit_test(test_root_docker_start),
		cmocka_unit_test(test_namespaces), cmocka_unit_test(test_namespaces_pinned),
		cmocka_unit_test(test_ns_pin_refuses), cmocka_unit_test(test_paths),
		cmocka_unit_test(test_paths_note_own_change),
		cmocka_unit_test(test_devices),    cmocka_unit_test(test_sysctl),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
