/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate setup containerd|docker|kubernetes: /etc/shimgate when absent (never overwriting an
 * operator's file), the shadow directory of runc shim names, containerd's systemd drop-in, and
 * the containerd, CRI and dockerd configuration that makes the gate the only runtime. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/cleanup.h"
#include "core/config.h"
#include "hostcfg.h"
#include "modules/modules.h"
#include "setup_edit.h"
#include "setup_files.h"
#include "toml.h"

#ifndef SG_DATADIR
#define SG_DATADIR "/usr/share/shimgate"
#endif
#ifndef SG_LIBEXECDIR
#define SG_LIBEXECDIR "/usr/libexec/shimgate"
#endif

struct setup {
	enum sg_engine engine;
	struct sg_host host;
	const char *etc, *shim_dir, *policies, *real_shim, *key_id, *audit, *replay_store;
	const char *kubelet_dir;
	bool dry_run;
	char *owned_config;
};

static void setup_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate setup containerd|docker|kubernetes [--dry-run] [PATHS]\n"
		"Makes the gate the only runtime of containerd (and of Docker, or of CRI):\n"
		"  - ETC (shimgate.conf, policy.d with the three stacks and the seccomp profile,\n"
		"    keys.d with a first key) where absent; an existing file is never overwritten,\n"
		"    shimgate.conf only gains the runc_binary/runc_root lines the engine needs;\n"
		"  - SHIM_DIR holding containerd-shim-runc-v2, containerd-shim-runc-v1 and every other\n"
		"    shim name on containerd's PATH as links to the gate, and the systemd drop-in\n"
		"    that puts SHIM_DIR first on containerd's PATH;\n"
		"  - containerd's config.toml: version 2, the gate as the shim of the legacy\n"
		"    io.containerd.runtime.v1.linux (it refuses it); kubernetes: the CRI handler\n"
		"    'shimgate' as default_runtime_name, runtimes.runc and every runc handler\n"
		"    running the gate;\n"
		"  - docker: daemon.json with features.buildkit false and no runtime but runc,\n"
		"    runc_binary/runc_root for Docker in shimgate.conf; while they are the shipped\n"
		"    ones, Docker's container directory in the mount stack's internal line and its\n"
		"    storage driver's root mounts (daemon.json's data-root, storage-driver) in the\n"
		"    create stack's root line;\n"
		"  - kubernetes: restrict_oom_score_adj where the host lacks CAP_SYS_RESOURCE; while\n"
		"    the mount stack is the shipped one, a line admitting binds under KUBELET_DIR/pods\n"
		"    (the kubelet's volumes and termination log) and, for a containerd root or state\n"
		"    other than the default, CRI's sandbox and snapshotter directories.\n"
		"Then restart containerd (and dockerd) and run shimgate doctor.\n"
		"  --dry-run                  print what would change, as diffs; write nothing\n"
		"  --etc DIR                  default " SG_SYSCONFDIR "\n"
		"  --shim-dir DIR             default " SG_LIBEXECDIR "/shadow\n"
		"  --policies DIR             the shipped policies, default " SG_DATADIR "/policies\n"
		"  --real-shim FILE           the real shim, default " SG_HOST_REAL_SHIM "\n"
		"  --key-id ID                the first key's id, default ops1\n"
		"  --audit VALUE              shimgate.conf audit (default syslog)\n"
		"  --replay-store FILE        shimgate.conf replay_store (default built in)\n"
		"  --kubelet-dir DIR          the kubelet's root, default /var/lib/kubelet\n"
		"  --containerd-config FILE   default " SG_HOST_CONTAINERD_CONFIG "\n"
		"  --docker-config FILE       default " SG_HOST_DOCKER_CONFIG "\n"
		"  --dropin FILE              default " SG_HOST_DROPIN "\n"
		"  --shim-path DIR:DIR        containerd's PATH now (default: systemd's)\n"
		"  --config FILE              shimgate.conf (default ETC/shimgate.conf)\n"
		"  --gate FILE                the gate (default: " SG_HOST_GATE_NAME " beside shimgate)\n");
}

/* Writes the etc tree's missing parts. */
static int setup_etc(struct setup *s, struct sg_error *err)
{
	static const char *const stacks[] = { "create", "mount", "exec", "seccomp/default.json" };
	_cleanup_free_ char *policy = NULL, *seccomp = NULL, *keys = NULL;

	if (asprintf(&policy, "%s/policy.d", s->etc) < 0 ||
	    asprintf(&seccomp, "%s/policy.d/seccomp", s->etc) < 0 ||
	    asprintf(&keys, "%s/keys.d", s->etc) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (sg_setup_mkdir(s->etc, 0755, s->dry_run, err) < 0 ||
	    sg_setup_mkdir(policy, 0755, s->dry_run, err) < 0 ||
	    sg_setup_mkdir(seccomp, 0755, s->dry_run, err) < 0 ||
	    sg_setup_mkdir(keys, 0700, s->dry_run, err) < 0)
		return err->code;
	for (size_t i = 0; i < SG_ARRAY_SIZE(stacks); i++) {
		_cleanup_free_ char *from = NULL, *to = NULL;

		if (asprintf(&from, "%s/%s", s->policies, stacks[i]) < 0 ||
		    asprintf(&to, "%s/%s", policy, stacks[i]) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
		if (sg_setup_copy_new(from, to, 0644, s->dry_run, err) < 0)
			return err->code;
	}
	return sg_setup_first_key(keys, s->key_id, s->dry_run, err);
}

/* The runc_root prefixes the engine's runtime options need. */
static int engine_roots(const struct setup *s, char **docker_root, struct sg_error *err)
{
	json_auto_t *cfg = NULL;
	const char *exec_root = SG_HOST_DOCKER_EXEC_ROOT;

	*docker_root = NULL;
	if (s->engine != SG_ENGINE_DOCKER)
		return 0;
	cfg = json_load_file(s->host.docker_config, 0, NULL);
	if (json_is_string(json_object_get(cfg, "exec-root")))
		exec_root = json_string_value(json_object_get(cfg, "exec-root"));
	/* Docker 20.10 sends runc's root as <exec-root>/runtime-runc, with binary_name runc. */
	if (asprintf(docker_root, "%s/runtime-runc", exec_root) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

static int setup_conf(struct setup *s, struct sg_error *err)
{
	_cleanup_free_ char *docker_root = NULL;
	struct sg_conf_want want = {
		.real_shim = s->real_shim,
		.etc = s->etc,
		.audit = s->audit,
		.replay_store = s->replay_store,
	};

	if (engine_roots(s, &docker_root, err) < 0)
		return err->code;
	want.docker_root = docker_root;
	return sg_setup_conf(s->host.config, &want, s->dry_run, err);
}

static int setup_shadow(struct setup *s, struct sg_error *err)
{
	_cleanup_free_ char *path = NULL;

	if (sg_setup_mkdir(s->shim_dir, 0755, s->dry_run, err) < 0)
		return err->code;
	if (sg_setup_shadow_names(s->shim_dir, s->host.shim_path, s->host.gate, s->dry_run, err) < 0)
		return err->code;
	/* containerd's new PATH: the shadow first, then what it had, without the shadow again. */
	path = sg_setup_path_with(s->shim_dir, s->host.shim_path);
	if (!path)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return sg_setup_dropin(s->host.dropin, path,
			       strcmp(s->host.config, SG_CONFIG_DEFAULT_PATH) == 0 ? NULL
										 : s->host.config,
			       s->dry_run, err);
}

/* Whether capability cap is in this process's bounding set (/proc/self/status CapBnd). */
static bool bounding_has(unsigned cap)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		char *end;
		unsigned long long set;

		if (strncmp(line, "CapBnd:", 7) != 0)
			continue;
		errno = 0;
		set = strtoull(line + 7, &end, 16);
		return errno == 0 && end != line + 7 && (set >> cap & 1);
	}
	/* Unknown: CRI's default (restrict_oom_score_adj false) is kept. */
	return true;
}

static int setup_containerd(struct setup *s, struct sg_error *err)
{
	_cleanup_free_ char *old = NULL, *text = NULL;
	int r = sg_setup_read(s->host.containerd_config, &old, err);

	if (r < 0 && r != -ENOENT)
		return r;
	text = strdup(old ? old : "");
	if (!text)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (sg_setup_containerd_text(&text, s->host.containerd_config, s->engine, s->host.gate,
				     stdout, err) < 0)
		return err->code;
	if (s->engine == SG_ENGINE_KUBERNETES && !bounding_has(CAP_SYS_RESOURCE)) {
		/* runc cannot lower a pod's oom_score_adj below containerd's own without it: CRI
		 * then keeps the scores at or above containerd's. */
		printf("note: CAP_SYS_RESOURCE is not in this host's bounding set (a container or "
		       "a restricted host): restrict_oom_score_adj = true\n");
		if (sg_toml_edit_set(&text, s->host.containerd_config, "plugins.\"" SG_PLUGIN_CRI "\"",
				     "restrict_oom_score_adj", "true", err) < 0)
			return err->code;
	}
	return sg_setup_write(s->host.containerd_config, old, text, 0644, s->dry_run, err);
}

static int setup_docker(struct setup *s, struct sg_error *err)
{
	_cleanup_free_ char *old = NULL, *text = NULL, *dumped = NULL;
	json_auto_t *cfg = NULL;
	json_error_t jerr;
	int r = sg_setup_read(s->host.docker_config, &old, err);

	if (r < 0 && r != -ENOENT)
		return r;
	cfg = old ? json_loads(old, JSON_REJECT_DUPLICATES, &jerr) : json_object();
	if (!cfg)
		return sg_error_set(err, -EINVAL, "%s:%d: %s", s->host.docker_config, jerr.line,
				    jerr.text);
	if (sg_setup_docker_json(cfg, stdout, err) < 0)
		return sg_error_prefix(err, "%s", s->host.docker_config);
	/* An unchanged file keeps its own layout. */
	if (old) {
		json_auto_t *was = json_loads(old, 0, NULL);

		if (json_equal(was, cfg))
			return sg_setup_write(s->host.docker_config, old, old, 0644, s->dry_run, err);
	}
	dumped = json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!dumped || asprintf(&text, "%s\n", dumped) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return sg_setup_write(s->host.docker_config, old, text, 0644, s->dry_run, err);
}

/* One line of a stack setup writes: the line starting with `start` becomes `line`, or with
 * `before`, `line` goes in before it. */
struct stack_edit {
	const char *start;
	char *line;
	bool before;
};

/* While policy.d/<stack> is the shipped file, the edits are made to it; an edited stack is
 * left alone, and the lines the engine needs are printed for the operator. */
static int setup_stack_lines(const struct setup *s, const char *stack, const struct stack_edit *edits,
			     size_t n, struct sg_error *err)
{
	static const char *const section[] = {
		[SG_ENGINE_CONTAINERD] = "Install", [SG_ENGINE_DOCKER] = "Docker",
		[SG_ENGINE_KUBERNETES] = "Kubernetes",
	};
	_cleanup_free_ char *path = NULL, *from = NULL, *shipped = NULL, *old = NULL, *text = NULL;
	bool is_shipped;

	if (asprintf(&path, "%s/policy.d/%s", s->etc, stack) < 0 ||
	    asprintf(&from, "%s/%s", s->policies, stack) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (sg_setup_read(from, &shipped, err) < 0)
		return err->code;
	/* In a dry run the stack is not copied yet: it would be the shipped one. */
	if (sg_setup_read(path, &old, err) == -ENOENT && s->dry_run)
		old = strdup(shipped);
	if (!old || !(text = strdup(old)))
		return err->code ? err->code : sg_error_set(err, -ENOMEM, "out of memory");
	is_shipped = strcmp(old, shipped) == 0;
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *want = NULL;
		int r;

		if (asprintf(&want, "\n%s\n", edits[i].line) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
		if (strstr(text, want))
			continue;
		r = is_shipped ? sg_setup_stack_line(&text, edits[i].start, edits[i].line,
						   edits[i].before, err)
				: 1;
		if (r < 0)
			return r;
		if (r > 0)
			printf("note: %s is not the shipped stack: %s its `%s` line it needs this line "
			       "(README.md, %s):\n  %s\n", path, edits[i].before ? "before" : "as",
			       edits[i].start, section[s->engine], edits[i].line);
	}
	return sg_setup_write(path, old, text, 0644, s->dry_run, err);
}

/* One word of a policy argument: an absolute path free of commas, blanks and patterns. */
static int policy_path(const char *path, const char *what, struct sg_error *err)
{
	if (path[0] != '/' || strpbrk(path, ", \t\n*?[\\"))
		return sg_error_set(err, -EINVAL, "%s '%s' is not an absolute path free of commas, "
				    "blanks and pattern characters", what, path);
	return 0;
}

/* containerd's root and state directories (config.toml's, else the defaults). */
static int containerd_dirs(const struct setup *s, char **root, char **state, struct sg_error *err)
{
	_cleanup_(sg_toml_freep) struct sg_toml *doc = NULL;
	_cleanup_free_ char *text = NULL;
	int r = sg_setup_read(s->host.containerd_config, &text, err);

	if (r < 0 && r != -ENOENT)
		return r;
	if (text && sg_toml_parse(s->host.containerd_config, text, &doc, err) < 0)
		return err->code;
	*root = strdup(doc ? sg_toml_string(doc, "root", SG_HOST_CONTAINERD_ROOT) : SG_HOST_CONTAINERD_ROOT);
	*state = strdup(doc ? sg_toml_string(doc, "state", SG_HOST_CONTAINERD_STATE)
			    : SG_HOST_CONTAINERD_STATE);
	if (!*root || !*state)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (policy_path(*root, "containerd's root", err) < 0 ||
	    policy_path(*state, "containerd's state", err) < 0)
		return sg_error_prefix(err, "%s", s->host.containerd_config);
	return 0;
}

/* The mount stack's internal line: CRI's sandbox directories of this containerd, then extra
 * (Docker's containers directory) when not NULL. */
static int internal_line(const struct setup *s, const char *extra, char **line, struct sg_error *err)
{
	_cleanup_free_ char *root = NULL, *state = NULL;

	if (containerd_dirs(s, &root, &state, err) < 0)
		return err->code;
	if (asprintf(line, "sufficient mounts internal runtime_dir=%s/" SG_PLUGIN_CRI "/sandboxes,%s/"
		     SG_PLUGIN_CRI "/sandboxes%s%s", root, state, extra ? "," : "", extra ? extra : "") < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* The storage drivers whose mount of a container's root the root module finds itself, from
 * dockerd's layerdb below docker_root= (modules/root.c). */
static const char *const docker_drivers[] = { "overlay2", "fuse-overlayfs", "vfs" };

/* The create stack's root line for Docker: dockerd hands runc its storage driver's mount of
 * the container's own layer as root.path, which docker_root= names the data root of. *line
 * stays NULL for a driver the root module does not know (a note says so). */
static int docker_root_line(const char *data_root, const char *driver, char **line,
			    struct sg_error *err)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(docker_drivers); i++) {
		if (strcmp(driver, docker_drivers[i]) != 0)
			continue;
		if (asprintf(line, "required root docker_root=%s", data_root) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
		return 0;
	}
	printf("note: Docker's storage driver '%s' is not one the root module knows (overlay2, "
	       "fuse-overlayfs, vfs): the create stack's `required root` line refuses its "
	       "containers' roots (README.md, Docker)\n", driver);
	return 0;
}

/* Docker's libnetwork-setkey hook names dockerd's exec root, which the hooks line must list
 * (docker_exec_root=, modules/hooks.c) when it is not dockerd's default, the module's. *line
 * stays NULL for the default. */
static int docker_hooks_line(const struct setup *s, const char *exec_root, char **line,
			     struct sg_error *err)
{
	if (!exec_root || strcmp(exec_root, SG_HOST_DOCKER_EXEC_ROOT) == 0)
		return 0;
	if (policy_path(exec_root, "exec-root", err) < 0)
		return sg_error_prefix(err, "%s", s->host.docker_config);
	if (asprintf(line, "required hooks allow=/usr/sbin/dockerd@libnetwork-setkey "
		     "docker_exec_root=%s", exec_root) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* The stack lines Docker needs, from daemon.json's data-root, exec-root and storage-driver
 * (Docker's defaults when unset): its containers directory in the mount stack's internal line
 * (Docker binds /etc/hosts etc. from there), its exec root in the create stack's hooks line,
 * its driver's root mounts in its root line. */
static int setup_docker_policy(struct setup *s, struct sg_error *err)
{
	_cleanup_free_ char *containers = NULL, *real = NULL;
	struct stack_edit e = { "sufficient mounts internal", NULL, false };
	struct stack_edit create[] = { { "required hooks", NULL, false },
				       { "required root", NULL, false } };
	struct stack_edit edits[SG_ARRAY_SIZE(create)];
	size_t n = 0;
	json_auto_t *cfg = json_load_file(s->host.docker_config, 0, NULL);
	int r;
	const char *data_root = json_string_value(json_object_get(cfg, "data-root"));
	const char *driver = json_string_value(json_object_get(cfg, "storage-driver"));

	if (!data_root)
		data_root = SG_HOST_DOCKER_DATA_ROOT;
	/* dockerd resolves a linked data-root, and the root module judges resolved paths. */
	real = realpath(data_root, NULL);
	if (real)
		data_root = real;
	/* A policy argument is one word, split at commas. */
	if (policy_path(data_root, "data-root", err) < 0)
		return sg_error_prefix(err, "%s", s->host.docker_config);
	if (!driver) {
		driver = "overlay2";
		printf("note: %s sets no storage-driver: overlay2, Docker's default, is assumed "
		       "(README.md, Docker)\n", s->host.docker_config);
	}
	if (asprintf(&containers, "%s/containers", data_root) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (internal_line(s, containers, &e.line, err) < 0)
		return err->code;
	r = setup_stack_lines(s, "mount", &e, 1, err);
	free(e.line);
	if (r < 0)
		return r;
	/* one edit of the create stack: after a first, it is no longer the shipped one */
	r = docker_hooks_line(s, json_string_value(json_object_get(cfg, "exec-root")),
			      &create[0].line, err);
	if (r == 0)
		r = docker_root_line(data_root, driver, &create[1].line, err);
	for (size_t i = 0; i < SG_ARRAY_SIZE(create); i++)
		if (r == 0 && create[i].line)
			edits[n++] = create[i];
	if (r == 0 && n)
		r = setup_stack_lines(s, "create", edits, n, err);
	for (size_t i = 0; i < SG_ARRAY_SIZE(create); i++)
		free(create[i].line);
	return r;
}

/* modules/mounts.c's default deny list without /var/lib/kubelet, under which the kubelet's
 * own binds are. */
/* mounts host deny=default without the kubelet's own directory, whose pods/ the kubelet line
 * allows: one list, modules/mounts.c's, so the two cannot drift apart. */
static char *kubelet_deny(void)
{
	_cleanup_free_ char *list = NULL;

	for (size_t i = 0; i < sg_mounts_default_deny_count; i++) {
		const char *p = sg_mounts_default_deny[i];
		char *next = NULL;

		if (strcmp(p, "/var/lib/kubelet") == 0)
			continue;
		if (asprintf(&next, "%s%s%s", list ? list : "", list ? "," : "", p) < 0)
			return NULL;
		free(list);
		list = next;
	}
	return steal_pointer(&list);
}

/* The mount stack a kubelet needs: its per-pod binds (volumes, termination log, under
 * KUBELET_DIR/pods) admitted before the host line; for a containerd root or state other than
 * the default, CRI's sandbox files and the snapshotter's rootfs mounts under them. */
static int setup_kubelet_policy(const struct setup *s, struct sg_error *err)
{
	struct stack_edit e[3] = {
		{ "requisite mounts host", NULL, true },
		{ "sufficient mounts internal", NULL, false },
		{ "[success=done deny=die ignore=ignore default=die] mounts rootfs", NULL, false },
	};
	_cleanup_free_ char *root = NULL, *state = NULL, *deny = NULL;
	size_t n = 1;
	int r;

	if (policy_path(s->kubelet_dir, "--kubelet-dir", err) < 0 ||
	    containerd_dirs(s, &root, &state, err) < 0)
		return err->code;
	deny = kubelet_deny();
	if (!deny || asprintf(&e[0].line, "sufficient mounts host deny=%s allow=%s/pods "
			      "force=nosuid,nodev", deny, s->kubelet_dir) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	r = 0;
	if (strcmp(root, SG_HOST_CONTAINERD_ROOT) != 0 || strcmp(state, SG_HOST_CONTAINERD_STATE) != 0) {
		n = 3;
		if (internal_line(s, NULL, &e[1].line, err) < 0 ||
		    asprintf(&e[2].line, "%s prefix=%s/io.containerd.snapshotter.v1.", e[2].start,
			     root) < 0)
			r = err->code ? err->code : sg_error_set(err, -ENOMEM, "out of memory");
	}
	if (r == 0) {
		printf("note: the mount stack admits binds under %s/pods, the kubelet's volumes; a "
		       "hostPath into another pod's directory is one of them: enforce Pod Security "
		       "`baseline` or stricter, which forbids hostPath (README.md, Kubernetes)\n",
		       s->kubelet_dir);
		r = setup_stack_lines(s, "mount", e, n, err);
	}
	for (size_t i = 0; i < SG_ARRAY_SIZE(e); i++)
		free(e[i].line);
	return r;
}

static int parse_engine(const char *name, enum sg_engine *engine)
{
	static const struct {
		const char *name;
		enum sg_engine engine;
	} engines[] = {
		{ "containerd", SG_ENGINE_CONTAINERD },
		{ "docker", SG_ENGINE_DOCKER },
		{ "kubernetes", SG_ENGINE_KUBERNETES },
	};

	for (size_t i = 0; i < SG_ARRAY_SIZE(engines); i++) {
		if (strcmp(name, engines[i].name) == 0) {
			*engine = engines[i].engine;
			return 0;
		}
	}
	return -EINVAL;
}

static int parse_args(struct setup *s, int argc, char **argv)
{
	static const struct option opts[] = {
		SG_HOST_OPTIONS,
		{ "dry-run", no_argument, NULL, 'n' },
		{ "etc", required_argument, NULL, 'e' },
		{ "shim-dir", required_argument, NULL, 's' },
		{ "policies", required_argument, NULL, 'p' },
		{ "real-shim", required_argument, NULL, 'r' },
		{ "key-id", required_argument, NULL, 'k' },
		{ "audit", required_argument, NULL, 'a' },
		{ "replay-store", required_argument, NULL, 'y' },
		{ "kubelet-dir", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, rc = sg_cli_first_arg(argc, argv, setup_usage);

	if (rc >= 0)
		return rc;
	if (parse_engine(argv[1], &s->engine) < 0) {
		fprintf(stderr, "shimgate setup: unknown engine '%s'\n", argv[1]);
		return sg_cli_usage(setup_usage, SG_EXIT_USAGE);
	}
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
		if (sg_host_option(&s->host, c, optarg))
			continue;
		switch (c) {
		case 'n': s->dry_run = true; break;
		case 'e': s->etc = optarg; break;
		case 's': s->shim_dir = optarg; break;
		case 'p': s->policies = optarg; break;
		case 'r': s->real_shim = optarg; break;
		case 'k': s->key_id = optarg; break;
		case 'a': s->audit = optarg; break;
		case 'y': s->replay_store = optarg; break;
		case 'b': s->kubelet_dir = optarg; break;
		case 'h': return sg_cli_usage(setup_usage, SG_EXIT_OK);
		default: return sg_cli_usage(setup_usage, SG_EXIT_USAGE);
		}
	}
	if (optind != argc - 1)
		return sg_cli_usage(setup_usage, SG_EXIT_USAGE);
	if (s->etc[0] != '/' || s->shim_dir[0] != '/' || s->real_shim[0] != '/') {
		fprintf(stderr, "shimgate setup: --etc, --shim-dir and --real-shim want absolute paths\n");
		return SG_EXIT_USAGE;
	}
	/* The configuration lives in ETC unless named: --config, then $SHIMGATE_CONFIG. */
	if (!s->host.config && !getenv(SG_CONFIG_ENV)) {
		if (asprintf(&s->owned_config, "%s/shimgate.conf", s->etc) < 0)
			return SG_EXIT_USAGE;
		s->host.config = s->owned_config;
	}
	return -1;
}

int sg_cmd_setup(int argc, char **argv)
{
	struct setup s = {
		.etc = SG_SYSCONFDIR,
		.shim_dir = SG_LIBEXECDIR "/shadow",
		.policies = SG_DATADIR "/policies",
		.real_shim = SG_HOST_REAL_SHIM,
		.key_id = "ops1",
		.kubelet_dir = "/var/lib/kubelet",
	};
	struct sg_error err = { 0 };
	int rc = parse_args(&s, argc, argv);

	if (rc >= 0)
		goto out;
	rc = SG_EXIT_USAGE;
	if (sg_host_resolve(&s.host, &err) < 0 || setup_etc(&s, &err) < 0 ||
	    setup_conf(&s, &err) < 0 || setup_shadow(&s, &err) < 0 ||
	    setup_containerd(&s, &err) < 0 ||
	    (s.engine == SG_ENGINE_DOCKER &&
	     (setup_docker(&s, &err) < 0 || setup_docker_policy(&s, &err) < 0)) ||
	    (s.engine == SG_ENGINE_KUBERNETES && setup_kubelet_policy(&s, &err) < 0)) {
		fprintf(stderr, "shimgate setup: %s\n", err.msg);
		goto out;
	}
	if (s.dry_run) {
		printf("dry run: nothing written\n");
	} else {
		printf("done. Now: systemctl daemon-reload && systemctl restart containerd%s\n"
		       "then: shimgate doctor\n", s.engine == SG_ENGINE_DOCKER ? " docker" : "");
	}
	rc = SG_EXIT_OK;
out:
	sg_host_release(&s.host);
	free(s.owned_config);
	return rc;
}
