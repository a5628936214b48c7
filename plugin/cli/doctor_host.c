/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate doctor's checks of the running host: shimgate.conf, key and policy file modes, the
 * shims of running tasks (from /proc), the gate's run directory and the real shims' sockets. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/config.h"
#include "core/safepath.h"
#include "runc/settings.h"
#include "doctor.h"

#define FIX_MODES "chown root and chmod go-w (keys: 0600 or 0400, keys.d 0700)"
/* Policy directories are walked this deep (policy.d/seccomp/...). */
#define POLICY_DEPTH 4
#define CMDLINE_MAX 8192
#define ENVIRON_MAX (64u * 1024)
#define FIX_RESTART "systemctl daemon-reload && systemctl restart containerd (after shimgate setup)"

static int oom(struct sg_error *err)
{
	return sg_error_set(err, -ENOMEM, "out of memory");
}

static int safepath_finding(const char *path, unsigned flags, struct sg_findings *f,
			    struct sg_error *err)
{
	struct sg_error why = { 0 };

	if (sg_safepath_check(path, flags, &why) == 0)
		return 0;
	if (sg_finding_add(f, "files", FIX_MODES, "%s: a gate refuses to start or to sign with it",
			   why.msg) < 0)
		return oom(err);
	return 0;
}

/* Every entry under dir: directories with SG_SAFEPATH_DIR, files with file_flags. */
static int check_tree(const char *dir, unsigned file_flags, int depth, struct sg_findings *f,
		      struct sg_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return 0;
	while (r == 0 && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (asprintf(&path, "%s/%s", dir, de->d_name) < 0) {
			r = oom(err);
			break;
		}
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode) && depth > 0) {
			r = safepath_finding(path, SG_SAFEPATH_DIR, f, err);
			if (r == 0)
				r = check_tree(path, file_flags, depth - 1, f, err);
		} else {
			r = safepath_finding(path, file_flags, f, err);
		}
	}
	closedir(d);
	return r;
}

int sg_doctor_gate(const struct sg_host *host, struct sg_findings *f, struct sg_error *err)
{
	struct sg_config *cfg = NULL;
	struct sg_runc_settings *runc = NULL;
	struct sg_error why = { 0 };
	_cleanup_free_ char *real = NULL;
	int r = 0;

	if (sg_runc_settings_load(host->config, &cfg, &runc, &why) < 0) {
		if (sg_finding_add(f, "config", "shimgate setup, or shimgate config check",
				   "shimgate.conf does not load: %s: no gate can start", why.msg) < 0)
			return oom(err);
		return 0;
	}
	if (cfg->mode == SG_MODE_AUDIT_ONLY &&
	    sg_finding_add(f, "mode", "mode = enforce in shimgate.conf",
			   "%s: mode = audit-only: the gates record refusals and let them through",
			   cfg->path ? cfg->path : host->config) < 0)
		r = oom(err);
	real = r == 0 ? sg_host_resolve_shim(host->shim_path, runc->real_shim) : NULL;
	if (r == 0 && real && sg_host_is_gate(host->gate, real) &&
	    sg_finding_add(f, "config", "runtime = " SG_HOST_REAL_SHIM " (an absolute path)",
			   "%s: runtime '%s' resolves to the gate itself (%s): gates refuse to start",
			   host->config, runc->real_shim, real) < 0)
		r = oom(err);
	if (r == 0)
		r = safepath_finding(cfg->key_dir, SG_SAFEPATH_DIR | SG_SAFEPATH_SECRET, f, err);
	if (r == 0)
		r = check_tree(cfg->key_dir, SG_SAFEPATH_SECRET, 0, f, err);
	if (r == 0)
		r = safepath_finding(cfg->policy_dir, SG_SAFEPATH_DIR, f, err);
	if (r == 0)
		r = check_tree(cfg->policy_dir, 0, POLICY_DEPTH, f, err);
	sg_config_free(cfg);
	sg_runc_settings_free(runc);
	return r;
}

/* The value after flag in a NUL-separated argv, or NULL. */
static const char *arg_after(const char *args, size_t len, const char *flag)
{
	for (const char *a = args; a < args + len; a += strlen(a) + 1) {
		const char *next = a + strlen(a) + 1;

		if (strcmp(a, flag) == 0 && next < args + len)
			return next;
	}
	return NULL;
}

static ssize_t read_small(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return n;
}

/* True when the task's bundle address names a gate socket: this real shim is behind a gate. */
static bool behind_gate(const char *state, const char *ns, const char *id)
{
	static const char prefix[] = "unix://" SG_RUNDIR "/";
	_cleanup_free_ char *path = NULL;
	char addr[512];

	if (!ns || !id || strchr(ns, '/') || strchr(id, '/') ||
	    asprintf(&path, "%s/io.containerd.runtime.v2.task/%s/%s/address", state, ns, id) < 0)
		return false;
	return read_small(path, addr, sizeof(addr)) > 0 &&
	       strncmp(addr, prefix, strlen(prefix)) == 0;
}

/* What a check of one process in /proc judges against, and where it adds its findings. */
struct proc_scan {
	const struct sg_host *host;
	const char *address, *state; /* containerd's, for the shims of its tasks */
	struct sg_findings *f;
};

/* Runs check on every process in /proc, until one fails. */
static int scan_processes(const struct proc_scan *s,
			  int (*check)(const struct proc_scan *s, const char *pid,
				       struct sg_error *err),
			  struct sg_error *err)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int r = 0;

	if (!d)
		return sg_error_set(err, -errno, "/proc: %s", strerror(errno));
	while (r == 0 && (de = readdir(d))) {
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			r = check(s, de->d_name, err);
	}
	closedir(d);
	return r;
}

static int check_process(const struct proc_scan *s, const char *pid, struct sg_error *err)
{
	char path[64], args[CMDLINE_MAX], exe[PATH_MAX];
	const char *base, *ns, *id, *addr;
	ssize_t len, n;

	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	len = read_small(path, args, sizeof(args));
	if (len <= 0)
		return 0;
	base = strrchr(args, '/');
	base = base ? base + 1 : args;
	if (strncmp(base, "containerd-shim", strlen("containerd-shim")) != 0)
		return 0;
	/* Only the shims of the containerd whose configuration is read. */
	addr = arg_after(args, (size_t)len, "-address");
	if (!addr || strcmp(addr, s->address) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%s/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return 0;
	exe[n] = '\0';
	if (sg_host_is_gate(s->host->gate, path))
		return 0;
	ns = arg_after(args, (size_t)len, "-namespace");
	id = arg_after(args, (size_t)len, "-id");
	/* The legacy v1 shim has no -id: its -workdir ends in the container id. */
	if (!id && (id = arg_after(args, (size_t)len, "-workdir")) && strrchr(id, '/'))
		id = strrchr(id, '/') + 1;
	if (behind_gate(s->state, ns, id))
		return 0;
	if (sg_finding_add(s->f, "task", "stop and start the container again after setup: its new "
			   "shim is the gate",
			   "pid %s: %s serves namespace '%s', task '%s' without a gate", pid, exe,
			   ns ? ns : "?", id ? id : "?") < 0)
		return oom(err);
	return 0;
}

int sg_doctor_tasks(const struct sg_host *host, const struct sg_toml *doc, struct sg_findings *f,
		    struct sg_error *err)
{
	const struct proc_scan s = {
		.host = host, .f = f,
		.address = sg_toml_string(doc, "grpc.address", SG_HOST_CONTAINERD_ADDRESS),
		.state = sg_toml_string(doc, "state", SG_HOST_CONTAINERD_STATE),
	};

	return scan_processes(&s, check_process, err);
}

/* The value of NAME in a NUL-separated environment, or NULL. */
static const char *env_value(const char *env, size_t len, const char *name)
{
	size_t n = strlen(name);

	for (const char *e = env; e < env + len; e += strlen(e) + 1) {
		if (strncmp(e, name, n) == 0 && e[n] == '=')
			return e + n + 1;
	}
	return NULL;
}

/* The configuration file a containerd command line names (its default when none). */
static const char *daemon_config(const char *args, size_t len)
{
	for (const char *a = args; a < args + len; a += strlen(a) + 1) {
		const char *next = a + strlen(a) + 1;

		if ((strcmp(a, "--config") == 0 || strcmp(a, "-c") == 0) && next < args + len)
			return next;
		if (strncmp(a, "--config=", 9) == 0)
			return a + 9;
	}
	return SG_HOST_CONTAINERD_CONFIG;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* A running containerd of this configuration still has the environment it started with:
 * the drop-in, a shadow directory or SHIMGATE_CONFIG apply only after a restart. */
static int check_daemon(const struct proc_scan *s, const char *pid, struct sg_error *err)
{
	const struct sg_host *host = s->host;
	_cleanup_free_ char *env = NULL;
	char path[64], args[CMDLINE_MAX], comm[32];
	const char *shim_path, *config;
	ssize_t len, elen;

	snprintf(path, sizeof(path), "/proc/%s/comm", pid);
	if (read_small(path, comm, sizeof(comm)) <= 0 || strcmp(comm, "containerd\n") != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%s/cmdline", pid);
	len = read_small(path, args, sizeof(args));
	if (len <= 0 || !same_file(daemon_config(args, (size_t)len), host->containerd_config))
		return 0;
	env = malloc(ENVIRON_MAX);
	snprintf(path, sizeof(path), "/proc/%s/environ", pid);
	if (!env || (elen = read_small(path, env, ENVIRON_MAX)) < 0)
		return env ? 0 : oom(err);
	shim_path = env_value(env, (size_t)elen, "PATH");
	config = env_value(env, (size_t)elen, SG_CONFIG_ENV);
	if (!config || !*config)
		config = SG_CONFIG_DEFAULT_PATH;
	if ((!shim_path || strcmp(shim_path, host->shim_path) != 0) &&
	    sg_finding_add(s->f, "restart", FIX_RESTART,
			   "containerd (pid %s) runs with PATH=%s, not %s, which doctor judged the "
			   "shims on", pid, shim_path ? shim_path : "(none)", host->shim_path) < 0)
		return oom(err);
	if (!same_file(config, host->config) && strcmp(config, host->config) != 0 &&
	    sg_finding_add(s->f, "restart", FIX_RESTART,
			   "containerd (pid %s) gives its gates " SG_CONFIG_ENV "=%s, not %s, which "
			   "doctor judged", pid, config, host->config) < 0)
		return oom(err);
	return 0;
}

int sg_doctor_daemons(const struct sg_host *host, struct sg_findings *f, struct sg_error *err)
{
	const struct proc_scan s = { .host = host, .f = f };

	return scan_processes(&s, check_daemon, err);
}

/* The socket path in a .real record: the real shim's start output, plain or JSON. */
static char *record_socket(const char *text)
{
	const char *p = strstr(text, "unix://");

	if (!p)
		return NULL;
	p += strlen("unix://");
	return strndup(p, strcspn(p, "\"\n \t"));
}

static int check_socket(const char *path, const char *what, mode_t forbidden,
			struct sg_findings *f, struct sg_error *err)
{
	struct stat st;

	if (lstat(path, &st) < 0 || (st.st_uid == 0 && !(st.st_mode & forbidden)))
		return 0;
	if (sg_finding_add(f, "socket", "chown root and chmod go-rwx",
			   "%s %s: owner uid %u, mode %04o: others can connect past the gate",
			   what, path, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777)) < 0)
		return oom(err);
	return 0;
}

int sg_doctor_sockets(const char *rundir, struct sg_findings *f, struct sg_error *err)
{
	DIR *d = opendir(rundir);
	struct dirent *de;
	int r;

	if (!d)
		return 0;
	r = check_socket(rundir, "the gate's run directory", S_IRWXG | S_IRWXO, f, err);
	while (r == 0 && (de = readdir(d))) {
		_cleanup_free_ char *path = NULL, *sock = NULL;
		size_t len = strlen(de->d_name);
		char text[4096];

		if (asprintf(&path, "%s/%s", rundir, de->d_name) < 0) {
			r = oom(err);
			break;
		}
		if (len > 5 && strcmp(de->d_name + len - 5, ".real") == 0) {
			sock = read_small(path, text, sizeof(text)) > 0 ? record_socket(text) : NULL;
			/* Connecting to a unix socket takes write permission on it. */
			if (sock)
				r = check_socket(sock, "real shim socket", S_IWGRP | S_IWOTH, f, err);
		} else if (de->d_type == DT_SOCK) {
			r = check_socket(path, "gate socket", S_IRWXG | S_IRWXO, f, err);
		}
	}
	closedir(d);
	return r;
}
