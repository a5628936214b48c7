/* SPDX-License-Identifier: Apache-2.0 */
/* Host facts shared by doctor and setup: default paths, shim name resolution, gate identity. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "commands.h"
#include "core/config.h"
#include "hostcfg.h"

const struct sg_cri_legacy sg_cri_legacy[2] = {
	{ "default_runtime", "default", true },
	{ "untrusted_workload_runtime", "untrusted", false },
};

bool sg_host_runc_type(const char *runtime_type)
{
	return strcmp(runtime_type, "io.containerd.runc.v2") == 0 ||
	       strcmp(runtime_type, "io.containerd.runc.v1") == 0;
}

const char *const sg_host_runc_shims[2] = { "containerd-shim-runc-v2", "containerd-shim-runc-v1" };

/* The value of NAME in the drop-in's Environment= lines (malloc'ed), or NULL. */
static char *dropin_env(const char *dropin, const char *name)
{
	_cleanup_fclose_ FILE *f = fopen(dropin, "re");
	size_t len = strlen(name);
	char line[4096];

	while (f && fgets(line, sizeof(line), f)) {
		char *p = line;

		if (strncmp(p, "Environment=", 12) != 0)
			continue;
		p += 12;
		if (*p == '"')
			p++;
		if (strncmp(p, name, len) != 0 || p[len] != '=')
			continue;
		p += len + 1;
		p[strcspn(p, "\" \n")] = '\0';
		return strdup(p);
	}
	return NULL;
}

int sg_host_resolve(struct sg_host *host, struct sg_error *err)
{
	if (!host->containerd_config)
		host->containerd_config = SG_HOST_CONTAINERD_CONFIG;
	if (!host->docker_config)
		host->docker_config = SG_HOST_DOCKER_CONFIG;
	if (!host->dropin)
		host->dropin = SG_HOST_DROPIN;
	if (!host->shim_path) {
		host->owned_shim_path = dropin_env(host->dropin, "PATH");
		host->shim_path = host->owned_shim_path ? host->owned_shim_path : SG_HOST_SYSTEMD_PATH;
	}
	/* As the shim: --config, $SHIMGATE_CONFIG, then what the drop-in gives containerd. */
	if (!host->config && !getenv(SG_CONFIG_ENV))
		host->config = host->owned_config = dropin_env(host->dropin, SG_CONFIG_ENV);
	host->config = sg_cli_config_path(host->config);
	if (!host->gate) {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		char *slash;

		if (n < 0)
			return sg_error_set(err, -errno, "/proc/self/exe: %s", strerror(errno));
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash)
			*slash = '\0';
		if (asprintf(&host->owned_gate, "%s/" SG_HOST_GATE_NAME, self) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
		host->gate = host->owned_gate;
	}
	if (host->gate[0] != '/')
		return sg_error_set(err, -EINVAL, "--gate '%s': want an absolute path", host->gate);
	return 0;
}

void sg_host_release(struct sg_host *host)
{
	free(host->owned_shim_path);
	free(host->owned_gate);
	free(host->owned_config);
}

static bool is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111);
}

char *sg_host_resolve_shim(const char *shim_path, const char *name)
{
	_cleanup_free_ char *dirs = NULL;
	char *save = NULL, *path = NULL;

	if (name[0] == '/')
		return is_executable(name) ? strdup(name) : NULL;
	if (asprintf(&dirs, "%s:/usr/bin", shim_path) < 0)
		return NULL;
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (asprintf(&path, "%s/%s", d, name) < 0)
			return NULL;
		if (is_executable(path))
			return path;
		free(path);
		path = NULL;
	}
	return NULL;
}

char *sg_host_shim_name(const char *runtime_type)
{
	static const char prefix[] = "io.containerd.";
	const char *rest = runtime_type + strlen(prefix), *dot;
	char *name = NULL;

	if (strncmp(runtime_type, prefix, strlen(prefix)) != 0)
		return NULL;
	dot = strrchr(rest, '.');
	if (!dot || dot == rest || dot[1] != 'v')
		return NULL;
	if (asprintf(&name, "containerd-shim-%.*s-%s", (int)(dot - rest), rest, dot + 1) < 0)
		return NULL;
	return name;
}

bool sg_host_is_gate(const char *gate, const char *path)
{
	struct stat a, b;

	return stat(gate, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int sg_host_load_containerd(const char *path, struct sg_toml **doc, struct sg_error *err)
{
	int r = sg_toml_load(path, doc, err);

	if (r == -ENOENT)
		return sg_toml_parse(path, "", doc, err);
	return r;
}

static const char *cri_field(const struct sg_toml *doc, const char *handler, const char *field)
{
	_cleanup_free_ char *key = NULL;

	if (asprintf(&key, SG_CRI_RUNTIMES ".%s.%s", handler, field) < 0)
		return "";
	return sg_toml_string(doc, key, "");
}

const char *sg_host_cri_type(const struct sg_toml *doc, const char *handler)
{
	return cri_field(doc, handler, "runtime_type");
}

const char *sg_host_cri_path(const struct sg_toml *doc, const char *handler)
{
	return cri_field(doc, handler, "runtime_path");
}

int sg_host_option(struct sg_host *host, int opt, const char *arg)
{
	switch (opt) {
	case 'C': host->containerd_config = arg; return 1;
	case 'D': host->docker_config = arg; return 1;
	case 'P': host->shim_path = arg; return 1;
	case 'R': host->dropin = arg; return 1;
	case 'c': host->config = arg; return 1;
	case 'G': host->gate = arg; return 1;
	default: return 0;
	}
}

bool sg_host_docker_runc(const char *name, json_t *rt)
{
	const char *path = json_string_value(json_object_get(rt, "path"));
	const char *type = json_string_value(json_object_get(rt, "runtimeType"));

	return strcmp(name, "runc") == 0 && (!path || strcmp(path, "runc") == 0) &&
	       (!type || strcmp(type, "io.containerd.runc.v2") == 0);
}

bool sg_host_is_runc_shim(const char *name)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(sg_host_runc_shims); i++) {
		if (strcmp(name, sg_host_runc_shims[i]) == 0)
			return true;
	}
	return false;
}

/* containerd-shim-X-vN: a name containerd maps a runtime name to. */
static bool is_shim_name(const char *name)
{
	static const char prefix[] = "containerd-shim-";
	const char *v = strrchr(name, '-');

	return strncmp(name, prefix, strlen(prefix)) == 0 && v && v[1] == 'v' &&
	       v > name + strlen(prefix);
}

int sg_host_each_shim(const char *shim_path, sg_host_shim_fn fn, void *data, struct sg_error *err)
{
	_cleanup_free_ char *dirs = NULL;
	char *save = NULL;
	int r = 0;

	if (asprintf(&dirs, "%s:/usr/bin", shim_path) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (char *d = strtok_r(dirs, ":", &save); d && r == 0; d = strtok_r(NULL, ":", &save)) {
		DIR *dir = opendir(d);
		struct dirent *de;

		while (dir && r == 0 && (de = readdir(dir))) {
			_cleanup_free_ char *first = NULL, *here = NULL;

			if (!is_shim_name(de->d_name))
				continue;
			if (asprintf(&here, "%s/%s", d, de->d_name) < 0) {
				r = sg_error_set(err, -ENOMEM, "out of memory");
				break;
			}
			/* Once per name, where containerd finds it first (/bin is /usr/bin). */
			first = sg_host_resolve_shim(shim_path, de->d_name);
			if (first && strcmp(first, here) == 0)
				r = fn(de->d_name, here, data, err);
		}
		if (dir)
			closedir(dir);
	}
	return r;
}
