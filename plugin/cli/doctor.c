/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate doctor: the command, and its checks of containerd's and dockerd's configuration. */
#define _GNU_SOURCE
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <limits.h>
#include <sys/stat.h>

#include <jansson.h>

#include "commands.h"
#include "core/cleanup.h"
#include "core/safepath.h"
#include "doctor.h"
#include "sig/grant.h"

#define FIX_SHADOW "shimgate setup containerd: a directory first on containerd's PATH holds " \
		   "links to the gate under every shim name"
#define FIX_V1 "shimgate setup containerd: the gate as the v1 runtime's shim, which refuses it"
#define FIX_CRI "shimgate setup kubernetes: every CRI handler, the default one included, runs the gate"
#define FIX_DOCKER "shimgate setup docker, or remove it from daemon.json"
#define FIX_CRI_ANNOTATIONS \
	"list only io.shimgate.* patterns (setup writes io.shimgate.token and io.shimgate.grant.*)"

static int oom(struct sg_error *err)
{
	return sg_error_set(err, -ENOMEM, "out of memory");
}

static int check_shim(const struct sg_host *host, const char *name, struct sg_findings *f,
		      struct sg_error *err)
{
	_cleanup_free_ char *path = sg_host_resolve_shim(host->shim_path, name);
	const char *v = strrchr(name, '-');

	if (!path || sg_host_is_gate(host->gate, path))
		return 0;
	if (sg_finding_add(f, "shim", FIX_SHADOW,
			   "runtime io.containerd.%.*s.%s resolves to %s, which is not the gate",
			   (int)(v - name - strlen("containerd-shim-")), name + strlen("containerd-shim-"),
			   v + 1, path) < 0)
		return oom(err);
	return 0;
}

struct shim_scan {
	const struct sg_host *host;
	struct sg_findings *f;
};

static int check_other_shim(const char *name, const char *path, void *data,
			    struct sg_error *err)
{
	struct shim_scan *scan = data;

	(void)path;
	return sg_host_is_runc_shim(name) ? 0 : check_shim(scan->host, name, scan->f, err);
}

/* A directory on containerd's PATH that others can write to can gain a shim for any runtime
 * name, or lose the shadow. */
static int check_path_dirs(const struct sg_host *host, struct sg_findings *f, struct sg_error *err)
{
	_cleanup_free_ char *dirs = NULL;
	char *save = NULL;

	if (asprintf(&dirs, "%s:/usr/bin", host->shim_path) < 0)
		return oom(err);
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		struct sg_error why = { 0 };
		struct stat st;

		if (stat(d, &st) < 0 || sg_safepath_check(d, SG_SAFEPATH_DIR, &why) == 0)
			continue;
		/* A link such as /bin -> usr/bin is judged where it leads. */
		if (why.code == -EPERM && lstat(d, &st) == 0 && S_ISLNK(st.st_mode)) {
			char real[PATH_MAX];

			if (realpath(d, real) && sg_safepath_check(real, SG_SAFEPATH_DIR, &why) == 0)
				continue;
		}
		if (sg_finding_add(f, "shim", "chown root and chmod go-w every directory on "
				   "containerd's PATH", "%s, on containerd's PATH: whoever can write "
				   "there can add a shim for any runtime name", why.msg) < 0)
			return oom(err);
	}
	return 0;
}

int sg_doctor_shims(const struct sg_host *host, struct sg_findings *f, struct sg_error *err)
{
	struct shim_scan scan = { .host = host, .f = f };

	if (check_path_dirs(host, f, err) < 0)
		return err->code;

	for (size_t i = 0; i < SG_ARRAY_SIZE(sg_host_runc_shims); i++) {
		if (check_shim(host, sg_host_runc_shims[i], f, err) < 0)
			return err->code;
	}
	/* Every other shim name containerd can find is a runtime name a client may ask for. */
	return sg_host_each_shim(host->shim_path, check_other_shim, &scan, err);
}

/* One CRI handler: gated when runtime_path is the gate, or without one when its runtime_type
 * resolves to the gate on containerd's PATH. */
static int check_cri_handler(const struct sg_host *host, const char *handler, const char *type,
			     const char *path, bool is_default, struct sg_findings *f,
			     struct sg_error *err)
{
	_cleanup_free_ char *name = NULL, *resolved = NULL;
	const char *runs;

	if (*path) {
		runs = path;
	} else {
		name = sg_host_shim_name(type);
		resolved = name ? sg_host_resolve_shim(host->shim_path, name) : NULL;
		runs = resolved ? resolved : "no shim on containerd's PATH";
	}
	if ((*path || resolved) && sg_host_is_gate(host->gate, runs))
		return 0;
	if (sg_finding_add(f, "cri", FIX_CRI, "CRI runtime handler '%s' (runtime_type \"%s\") runs %s, "
			   "not the gate: %s", handler, type, runs,
			   is_default ? "it is the default handler, so every pod without "
					"runtimeClassName runs ungated"
				      : "pods with this runtimeClassName run ungated") < 0)
		return oom(err);
	return 0;
}

/* A pattern of pod_annotations or container_annotations that passes one of the identity
 * annotations a create grant binds lets a pod claim another pod's name (FORMAT.md 8.1). CRI
 * matches with Go's path.Match, which fnmatch without flags follows for keys without '/'. */
static int check_cri_annotations(const struct sg_toml *doc, const char *handler,
				 struct sg_findings *f, struct sg_error *err)
{
	static const char *const lists[] = { "pod_annotations", "container_annotations" };
	static const char *const identity[] = { SG_CRI_CONTAINER_TYPE, SG_CRI_SANDBOX_NAMESPACE,
						SG_CRI_SANDBOX_NAME, SG_CRI_CONTAINER_NAME,
						SG_CRI_SANDBOX_ID };

	for (size_t l = 0; l < SG_ARRAY_SIZE(lists); l++) {
		_cleanup_free_ char *key = NULL;
		const struct sg_toml_entry *e;

		if (asprintf(&key, SG_CRI_RUNTIMES ".%s.%s", handler, lists[l]) < 0)
			return oom(err);
		e = sg_toml_get(doc, key);
		for (size_t i = 0; e && i < e->n_items; i++) {
			size_t k = 0;

			while (k < SG_ARRAY_SIZE(identity) && fnmatch(e->items[i], identity[k], 0) != 0)
				k++;
			if (k < SG_ARRAY_SIZE(identity) &&
			    sg_finding_add(f, "cri", FIX_CRI_ANNOTATIONS,
					   "CRI runtime handler '%s': %s pattern \"%s\" passes %s "
					   "through, so a pod could claim another pod's identity for a "
					   "create grant", handler, lists[l], e->items[i], identity[k]) < 0)
				return oom(err);
		}
	}
	return 0;
}

static int check_cri(const struct sg_host *host, const struct sg_toml *doc, struct sg_findings *f,
		     struct sg_error *err)
{
	const char *dflt = sg_toml_string(doc, SG_CRI_CONTAINERD ".default_runtime_name", "runc");
	_cleanup_free_ char *dflt_seg = sg_toml_segment(dflt);
	char **names = NULL;
	size_t n = 0;
	bool have_default = false;
	int r = 0;

	if (!dflt_seg)
		return oom(err);
	if (sg_toml_children(doc, SG_CRI_RUNTIMES, &names, &n, err) < 0)
		return err->code;
	if (n == 0) {
		/* No runtimes table: containerd's built-in one, runc on io.containerd.runc.v2. */
		r = check_cri_handler(host, "runc", "io.containerd.runc.v2", "", true, f, err);
		have_default = strcmp(dflt, "runc") == 0;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		bool is_default = strcmp(names[i], dflt_seg) == 0;

		have_default |= is_default;
		r = check_cri_handler(host, names[i], sg_host_cri_type(doc, names[i]),
				      sg_host_cri_path(doc, names[i]), is_default, f, err);
		if (r == 0)
			r = check_cri_annotations(doc, names[i], f, err);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	for (size_t i = 0; i < SG_ARRAY_SIZE(sg_cri_legacy) && r == 0; i++) {
		const struct sg_cri_legacy *l = &sg_cri_legacy[i];
		_cleanup_free_ char *type = NULL, *path = NULL;

		if (asprintf(&type, SG_CRI_CONTAINERD ".%s.runtime_type", l->table) < 0 ||
		    asprintf(&path, SG_CRI_CONTAINERD ".%s.runtime_path", l->table) < 0)
			return oom(err);
		if (!*sg_toml_string(doc, type, ""))
			continue;
		have_default |= l->is_default;
		r = check_cri_handler(host, l->handler, sg_toml_string(doc, type, ""),
				      sg_toml_string(doc, path, ""), l->is_default, f, err);
	}
	if (r == 0 && !have_default &&
	    sg_finding_add(f, "cri", FIX_CRI,
			   "CRI default_runtime_name \"%s\" has no runtimes table in %s: the CRI "
			   "plugin does not load (containerd only logs a warning)",
			   dflt, host->containerd_config) < 0)
		r = oom(err);
	return r;
}

/* The legacy runtime runs its `shim` (containerd-shim, which runs runc), or with no_shim runc
 * itself. containerd 1.6's tasks service cannot load without the plugin, so setup makes the
 * gate its shim, which refuses the v1 shim's arguments. */
static int check_v1_runtime(const struct sg_host *host, const struct sg_toml *doc,
			    struct sg_findings *f, struct sg_error *err)
{
	const struct sg_toml_entry *no_shim = sg_toml_get(doc, SG_V1_LINUX_TABLE ".no_shim");
	const char *shim = sg_toml_string(doc, SG_V1_LINUX_TABLE ".shim", "containerd-shim");
	_cleanup_free_ char *path = NULL;

	if (sg_toml_array_has(doc, "disabled_plugins", SG_PLUGIN_V1_LINUX))
		return 0;
	if (no_shim && no_shim->value && strcmp(no_shim->value, "true") == 0) {
		if (sg_finding_add(f, "v1-runtime", FIX_V1, "%s: the legacy runtime "
				   SG_PLUGIN_V1_LINUX " has no_shim = true: `ctr run --runtime "
				   SG_PLUGIN_V1_LINUX "` runs runc with no shim at all",
				   host->containerd_config) < 0)
			return oom(err);
		return 0;
	}
	path = sg_host_resolve_shim(host->shim_path, shim);
	if (!path || sg_host_is_gate(host->gate, path))
		return 0;
	if (sg_finding_add(f, "v1-runtime", FIX_V1, "the legacy runtime " SG_PLUGIN_V1_LINUX
			   " runs its shim '%s' (%s), not the gate: `ctr run --runtime "
			   SG_PLUGIN_V1_LINUX "` runs containerd-shim and runc ungated", shim, path) < 0)
		return oom(err);
	return 0;
}

int sg_doctor_containerd(const struct sg_host *host, const struct sg_toml *doc,
			 struct sg_findings *f, struct sg_error *err)
{
	const struct sg_toml_entry *version = sg_toml_get(doc, "version");

	if (!version || !version->value || strcmp(version->value, "2") != 0) {
		/* Version 1 names the plugins differently; judging it by version 2 keys would
		 * report a clean host that is not. */
		if (sg_finding_add(f, "config", "containerd config migrate, then shimgate setup",
				   "%s is not a version 2 configuration, which is all doctor and "
				   "setup read", host->containerd_config) < 0)
			return oom(err);
		return 0;
	}
	if (check_v1_runtime(host, doc, f, err) < 0)
		return err->code;
	if (sg_toml_array_has(doc, "disabled_plugins", SG_PLUGIN_CRI))
		return 0;
	return check_cri(host, doc, f, err);
}

int sg_doctor_docker(const struct sg_host *host, struct sg_findings *f, struct sg_error *err)
{
	json_auto_t *cfg = NULL;
	json_error_t jerr;
	json_t *buildkit, *rt, *dflt;
	const char *name;

	if (access(host->docker_config, F_OK) < 0) {
		/* No daemon.json: Docker's defaults apply where dockerd is installed. */
		if (access("/usr/bin/dockerd", X_OK) < 0 && access("/usr/sbin/dockerd", X_OK) < 0)
			return 0;
		cfg = json_object();
	} else {
		cfg = json_load_file(host->docker_config, JSON_REJECT_DUPLICATES, &jerr);
	}
	if (!cfg || !json_is_object(cfg))
		return sg_error_set(err, -EINVAL, "%s:%d: %s", host->docker_config,
				    cfg ? 1 : jerr.line, cfg ? "not a JSON object" : jerr.text);
	json_object_foreach(json_object_get(cfg, "runtimes"), name, rt) {
		const char *path = json_string_value(json_object_get(rt, "path"));
		const char *type = json_string_value(json_object_get(rt, "runtimeType"));

		if (!sg_host_docker_runc(name, rt) &&
		    sg_finding_add(f, "docker", FIX_DOCKER,
				   "Docker runtime '%s' (%s %s) in %s: `docker run --runtime %s` "
				   "runs another OCI runtime or shim than runc under the gate",
				   name, type ? "runtimeType" : "path",
				   type ? type : path ? path : "(none)", host->docker_config, name) < 0)
			return oom(err);
	}
	dflt = json_object_get(cfg, "default-runtime");
	if (dflt && strcmp(json_string_value(dflt) ? json_string_value(dflt) : "", "runc") != 0 &&
	    sg_finding_add(f, "docker", FIX_DOCKER,
			   "Docker's default-runtime is '%s' in %s, not runc",
			   json_string_value(dflt) ? json_string_value(dflt) : "?",
			   host->docker_config) < 0)
		return oom(err);
	buildkit = json_object_get(json_object_get(cfg, "features"), "buildkit");
	if (!json_is_false(buildkit) &&
	    sg_finding_add(f, "buildkit",
			   "shimgate setup docker: \"features\": {\"buildkit\": false} in daemon.json "
			   "(the default builder; a client may still ask for BuildKit, so only trusted "
			   "users may reach the Docker socket)",
			   "BuildKit is %s in dockerd (%s): `docker build` RUN steps under BuildKit "
			   "run runc directly, never through containerd's shims",
			   json_is_true(buildkit) ? "enabled" : "not disabled",
			   json_is_true(buildkit) ? host->docker_config
						  : "features.buildkit is not false") < 0)
		return oom(err);
	return 0;
}

static void doctor_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate doctor [--json] [PATHS]\n"
		"Lists every way around the gate on this host, each with its fix: shim binaries\n"
		"containerd resolves for a runtime name that are not the gate, the legacy v1\n"
		"runtime plugin, CRI handlers (the default one included) that are not the gate,\n"
		"Docker runtimes and BuildKit, running shims that are not gates, audit-only mode,\n"
		"key and policy file modes, and the modes of the real shims' sockets.\n"
		"Exit status: 0 nothing found, 1 something found, 2 usage or input error.\n"
		"  --json                     a JSON object {\"findings\": [{check, problem, fix}]}\n"
		"  --containerd-config FILE   default " SG_HOST_CONTAINERD_CONFIG "\n"
		"  --docker-config FILE       default " SG_HOST_DOCKER_CONFIG "\n"
		"  --shim-path DIR:DIR        containerd's PATH (default: the PATH of the drop-in\n"
		"                             " SG_HOST_DROPIN ",\n"
		"                             else systemd's " SG_HOST_SYSTEMD_PATH ")\n"
		"  --dropin FILE              the systemd drop-in read for the PATH\n"
		"  --config FILE              shimgate.conf (default $SHIMGATE_CONFIG, else the\n"
		"                             drop-in's, else /etc/shimgate/shimgate.conf)\n"
		"  --gate FILE                the gate binary (default: " SG_HOST_GATE_NAME "\n"
		"                             beside this shimgate)\n");
}

static int print_findings(const struct sg_findings *f, bool as_json)
{
	json_auto_t *list = json_array(), *doc = json_object();

	if (!as_json) {
		if (f->n == 0)
			printf("shimgate doctor: found no way around the gate\n");
		else
			printf("shimgate doctor: %zu way%s around the gate\n", f->n, f->n == 1 ? "" : "s");
		for (size_t i = 0; i < f->n; i++)
			printf("[%s] %s\n    fix: %s\n", f->items[i].check, f->items[i].problem,
			       f->items[i].fix);
		return 0;
	}
	if (!list || !doc || json_object_set(doc, "findings", list) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < f->n; i++) {
		if (json_array_append_new(list, json_pack("{s:s,s:s,s:s}", "check", f->items[i].check,
							  "problem", f->items[i].problem, "fix",
							  f->items[i].fix)) < 0)
			return -ENOMEM;
	}
	if (json_dumpf(doc, stdout, JSON_INDENT(1) | JSON_PRESERVE_ORDER) < 0)
		return -EIO;
	putchar('\n');
	return 0;
}

int sg_cmd_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		SG_HOST_OPTIONS,
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sg_host host = { 0 };
	struct sg_findings found = { 0 };
	struct sg_toml *doc = NULL;
	struct sg_error err = { 0 };
	bool as_json = false;
	int c, rc = SG_EXIT_USAGE;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (sg_host_option(&host, c, optarg))
			continue;
		if (c == 'j')
			as_json = true;
		else
			return sg_cli_usage(doctor_usage, c == 'h' ? SG_EXIT_OK : SG_EXIT_USAGE);
	}
	if (optind != argc)
		return sg_cli_usage(doctor_usage, SG_EXIT_USAGE);
	if (sg_host_resolve(&host, &err) < 0 ||
	    sg_host_load_containerd(host.containerd_config, &doc, &err) < 0 ||
	    sg_doctor_shims(&host, &found, &err) < 0 ||
	    sg_doctor_containerd(&host, doc, &found, &err) < 0 ||
	    sg_doctor_docker(&host, &found, &err) < 0 ||
	    sg_doctor_gate(&host, &found, &err) < 0 ||
	    sg_doctor_tasks(&host, doc, &found, &err) < 0 ||
	    sg_doctor_daemons(&host, &found, &err) < 0 ||
	    sg_doctor_sockets(SG_RUNDIR, &found, &err) < 0) {
		fprintf(stderr, "shimgate doctor: %s\n", err.msg);
		goto out;
	}
	if (print_findings(&found, as_json) < 0) {
		fprintf(stderr, "shimgate doctor: cannot print the findings\n");
		goto out;
	}
	rc = found.n == 0 ? SG_EXIT_OK : SG_EXIT_REFUSED;
out:
	sg_findings_free(&found);
	sg_toml_free(doc);
	sg_host_release(&host);
	return rc;
}
