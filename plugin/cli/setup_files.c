/* SPDX-License-Identifier: Apache-2.0 */
/* setup's file work (see setup_files.h). Every change is printed; an operator's file is never
 * replaced, only the configuration files setup owns the edits of are rewritten (atomically). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "commands.h"
#include "core/cleanup.h"
#include "core/config.h"
#include "core/strutil.h"
#include "runc/settings.h"
#include "hostcfg.h"
#include "setup_files.h"

/* Files setup reads or writes are configuration, never this large. */
#define SETUP_FILE_MAX (1u << 20)

extern char **environ;

static int oom(struct sg_error *err)
{
	return sg_error_set(err, -ENOMEM, "out of memory");
}

int sg_setup_mkdir(const char *path, mode_t mode, bool dry_run, struct sg_error *err)
{
	_cleanup_free_ char *buf = strdup(path);
	struct stat st;

	if (!buf)
		return oom(err);
	for (char *p = buf + 1;; p++) {
		bool last = *p == '\0';

		if (*p != '/' && !last)
			continue;
		*p = '\0';
		if (stat(buf, &st) == 0) {
			if (!S_ISDIR(st.st_mode))
				return sg_error_set(err, -ENOTDIR, "%s: not a directory", buf);
		} else if (dry_run) {
			/* mkdir -p: the parents of a missing directory are missing too. */
			printf("would create directory %s\n", path);
			return 0;
		} else if (mkdir(buf, last ? mode : 0755) < 0 || (last && chmod(buf, mode) < 0)) {
			return sg_error_set(err, -errno, "mkdir %s: %s", buf, strerror(errno));
		} else {
			printf("created directory %s\n", buf);
		}
		if (last)
			return 0;
		*p = '/';
	}
}

int sg_setup_read(const char *path, char **text, struct sg_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	_cleanup_free_ char *buf = NULL;
	size_t n;

	*text = NULL;
	if (!f)
		return sg_error_set(err, -errno, "%s: %s", path, strerror(errno));
	buf = malloc(SETUP_FILE_MAX + 1);
	if (!buf)
		return oom(err);
	n = fread(buf, 1, SETUP_FILE_MAX + 1, f);
	if (ferror(f) || n > SETUP_FILE_MAX || memchr(buf, '\0', n))
		return sg_error_set(err, -EINVAL, "%s: unreadable, larger than %u bytes or binary",
				    path, SETUP_FILE_MAX);
	buf[n] = '\0';
	*text = steal_pointer(&buf);
	return 0;
}

int sg_setup_copy_new(const char *from, const char *to, mode_t mode, bool dry_run,
		      struct sg_error *err)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	size_t len;

	if (lstat(to, &st) == 0) {
		printf("kept %s\n", to);
		return 0;
	}
	if (sg_setup_read(from, &text, err) < 0)
		return sg_error_prefix(err, "the shipped policy (--policies)");
	if (dry_run) {
		printf("would copy %s to %s\n", from, to);
		return 0;
	}
	len = strlen(text);
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return sg_error_set(err, -errno, "%s: %s", to, strerror(errno));
	errno = 0; /* a short write sets none */
	if (fchmod(fd, mode) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0) {
		int r = sg_error_set(err, errno ? -errno : -EIO, "%s: cannot write: %s", to,
				     strerror(errno ? errno : EIO));

		/* A partial stack would be kept by the next run. */
		(void)unlink(to);
		return r;
	}
	printf("copied %s to %s\n", from, to);
	return 0;
}

int sg_setup_first_key(const char *keys, const char *key_id, bool dry_run, struct sg_error *err)
{
	DIR *d = opendir(keys);
	struct dirent *de;
	bool any = false;
	char *argv[] = { (char *)"keygen", (char *)"--key-id", (char *)key_id, (char *)"--dir",
			 (char *)keys, NULL };

	while (d && (de = readdir(d)))
		any |= de->d_name[0] != '.';
	if (d)
		closedir(d);
	if (any) {
		printf("kept the keys in %s\n", keys);
		return 0;
	}
	if (dry_run) {
		printf("would write key '%s' to %s/%s\n", key_id, keys, key_id);
		return 0;
	}
	fflush(stdout);
	if (sg_cmd_keygen((int)SG_ARRAY_SIZE(argv) - 1, argv) != SG_EXIT_OK)
		return sg_error_set(err, -EIO, "shimgate keygen --key-id %s --dir %s failed", key_id,
				    keys);
	return 0;
}

static bool has_item(char **list, size_t n, const char *item)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(list[i], item) == 0)
			return true;
	}
	return false;
}

/* True when a runc_root line is written in text (the first one replaces the default). */
static bool names_runc_root(const char *text)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		l += strspn(l, " \t");
		if (strncmp(l, "runc_root", 9) == 0 && strchr(" \t=", l[9]))
			return true;
	}
	return false;
}

/* Appends the line head + value. */
static int append_line(char **text, const char *head, const char *value, struct sg_error *err)
{
	char *out = NULL;

	if (asprintf(&out, "%s%s%s%s\n", *text,
		     **text && (*text)[strlen(*text) - 1] != '\n' ? "\n" : "", head, value) < 0)
		return oom(err);
	free(*text);
	*text = out;
	return 0;
}

static int new_conf(const char *path, const struct sg_conf_want *w, bool dry_run,
		    struct sg_error *err)
{
	_cleanup_free_ char *text = NULL;

	if (asprintf(&text,
		     "# shimgate.conf, written by shimgate setup (README.md, \"shimgate.conf\")\n"
		     "# The real shim by absolute path: the name resolves to the shadow, the gate.\n"
		     "runtime = %s\n"
		     "policy_dir = %s/policy.d\n"
		     "key_dir = %s/keys.d\n"
		     "%s%s%s%s%s%s"
		     "mode = enforce\n"
		     "runc_root = " SG_HOST_CONTAINERD_RUNC_ROOT "\n"
		     "%s%s%s%s",
		     w->real_shim, w->etc, w->etc, w->audit ? "audit = " : "",
		     w->audit ? w->audit : "", w->audit ? "\n" : "",
		     w->replay_store ? "replay_store = " : "",
		     w->replay_store ? w->replay_store : "", w->replay_store ? "\n" : "",
		     w->docker_root ? "# Docker 20.10: runc by name, state under its exec-root.\n"
				      "runc_binary = runc\nrunc_root = " : "",
		     w->docker_root ? w->docker_root : "", w->docker_root ? "\n" : "", "") < 0)
		return oom(err);
	return sg_setup_write(path, NULL, text, 0600, dry_run, err);
}

int sg_setup_conf(const char *path, const struct sg_conf_want *w, bool dry_run,
		  struct sg_error *err)
{
	_cleanup_free_ char *old = NULL, *text = NULL;
	struct sg_config *cfg = NULL;
	struct sg_runc_settings *runc = NULL;
	bool add_root, add_binary;
	int r;

	r = sg_setup_read(path, &old, err);
	if (r == -ENOENT)
		return new_conf(path, w, dry_run, err);
	if (r < 0)
		return r;
	if (sg_runc_settings_load(path, &cfg, &runc, err) < 0)
		return err->code;
	r = 0;
	if (runc->real_shim[0] != '/') {
		r = sg_error_set(err, -EINVAL,
				 "%s: runtime '%s' is a name, which the shadow resolves to the gate "
				 "itself: set runtime = %s", path, runc->real_shim, w->real_shim);
		goto out;
	}
	add_root = w->docker_root && !has_item(runc->roots, runc->n_roots, w->docker_root);
	add_binary = w->docker_root && !has_item(runc->binaries, runc->n_binaries, "runc");
	text = strdup(old);
	if (!text) {
		r = oom(err);
		goto out;
	}
	if ((add_root || add_binary) &&
	    append_line(&text, "# added by shimgate setup ", "docker", err) < 0)
		r = err->code;
	if (r == 0 && add_binary && append_line(&text, "runc_binary = ", "runc", err) < 0)
		r = err->code;
	/* The first runc_root line replaces the default, which containerd and CRI still need. */
	if (r == 0 && add_root && !names_runc_root(old) &&
	    append_line(&text, "runc_root = ", SG_HOST_CONTAINERD_RUNC_ROOT, err) < 0)
		r = err->code;
	if (r == 0 && add_root && append_line(&text, "runc_root = ", w->docker_root, err) < 0)
		r = err->code;
	if (r == 0)
		r = sg_setup_write(path, old, text, 0600, dry_run, err);
out:
	sg_config_free(cfg);
	sg_runc_settings_free(runc);
	return r;
}

struct shadow {
	const char *dir, *gate;
	bool dry_run;
};

static int shadow_one(const struct shadow *sh, const char *name, struct sg_error *err)
{
	_cleanup_free_ char *link = NULL;
	struct stat st;

	if (asprintf(&link, "%s/%s", sh->dir, name) < 0)
		return oom(err);
	if (lstat(link, &st) == 0) {
		if (sg_host_is_gate(sh->gate, link)) {
			printf("kept %s (the gate)\n", link);
			return 0;
		}
		return sg_error_set(err, -EEXIST, "%s exists and is not the gate %s: not replacing it",
				    link, sh->gate);
	}
	if (sh->dry_run) {
		printf("would link %s -> %s\n", link, sh->gate);
		return 0;
	}
	if (symlink(sh->gate, link) < 0)
		return sg_error_set(err, -errno, "symlink %s: %s", link, strerror(errno));
	printf("linked %s -> %s\n", link, sh->gate);
	return 0;
}

static int shadow_other(const char *name, const char *path, void *data, struct sg_error *err)
{
	const struct shadow *sh = data;

	if (sg_host_is_runc_shim(name) || sg_host_is_gate(sh->gate, path))
		return 0;
	return shadow_one(sh, name, err);
}

int sg_setup_shadow_names(const char *dir, const char *shim_path, const char *gate, bool dry_run,
			  struct sg_error *err)
{
	const struct shadow sh = { .dir = dir, .gate = gate, .dry_run = dry_run };

	for (size_t i = 0; i < SG_ARRAY_SIZE(sg_host_runc_shims); i++) {
		if (shadow_one(&sh, sg_host_runc_shims[i], err) < 0)
			return err->code;
	}
	/* Any other shim name containerd can resolve is a runtime a client may ask for. */
	return sg_host_each_shim(shim_path, shadow_other, (void *)&sh, err);
}

char *sg_setup_path_with(const char *dir, const char *path)
{
	_cleanup_free_ char *dirs = strdup(path);
	char *out = dirs ? strdup(dir) : NULL, *save = NULL;

	for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; out && d;
	     d = strtok_r(NULL, ":", &save)) {
		char *grown = NULL;

		if (strcmp(d, dir) == 0)
			continue;
		if (asprintf(&grown, "%s:%s", out, d) < 0)
			grown = NULL;
		free(out);
		out = grown;
	}
	return out;
}

int sg_setup_dropin(const char *file, const char *path, const char *config, bool dry_run,
		    struct sg_error *err)
{
	_cleanup_free_ char *old = NULL, *text = NULL, *parent = strdup(file);
	char *slash = parent ? strrchr(parent, '/') : NULL;
	int r;

	if (!parent)
		return oom(err);
	if (asprintf(&text,
		     "# Written by shimgate setup: the directory of links to the gate first on\n"
		     "# containerd's PATH, so every runc shim name containerd resolves is the gate.\n"
		     "[Service]\nEnvironment=PATH=%s\n%s%s%s",
		     path, config ? "Environment=SHIMGATE_CONFIG=" : "", config ? config : "",
		     config ? "\n" : "") < 0)
		return oom(err);
	r = sg_setup_read(file, &old, err);
	if (r < 0 && r != -ENOENT)
		return r;
	if (slash && slash != parent) {
		*slash = '\0';
		if (sg_setup_mkdir(parent, 0755, dry_run, err) < 0)
			return err->code;
	}
	return sg_setup_write(file, old, text, 0644, dry_run, err);
}

/* diff -u between old (or /dev/null) and text, on stdout. */
static int show_diff(const char *path, const char *old, const char *text, struct sg_error *err)
{
	char a[] = "/tmp/shimgate-setup-a.XXXXXX", b[] = "/tmp/shimgate-setup-b.XXXXXX";
	_cleanup_close_ int fa = mkstemp(a), fb = mkstemp(b);
	char *argv[] = { (char *)"diff", (char *)"-u", (char *)"--label", (char *)path,
			 (char *)"--label", (char *)path, a, b, NULL };
	pid_t pid;
	int status = 0, r = 0;

	if (fa < 0 || fb < 0 || write(fa, old ? old : "", old ? strlen(old) : 0) < 0 ||
	    write(fb, text, strlen(text)) < 0) {
		r = sg_error_set(err, -errno, "temporary file for the diff: %s", strerror(errno));
		goto out;
	}
	if (!old)
		argv[6] = (char *)"/dev/null";
	fflush(stdout);
	r = posix_spawnp(&pid, "diff", NULL, NULL, argv, environ);
	if (r != 0) {
		r = sg_error_set(err, -r, "diff: %s", strerror(r));
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	/* diff exits 1 when the files differ, which they do. */
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1)
		r = sg_error_set(err, -EIO, "diff of %s failed", path);
out:
	if (fa >= 0)
		(void)unlink(a);
	if (fb >= 0)
		(void)unlink(b);
	return r;
}

int sg_setup_write(const char *path, const char *old, const char *text, mode_t mode,
		   bool dry_run, struct sg_error *err)
{
	struct stat st;

	if (old && strcmp(old, text) == 0) {
		printf("unchanged %s\n", path);
		return 0;
	}
	if (show_diff(path, old, text, err) < 0)
		return err->code;
	if (dry_run)
		return 0;
	if (old && stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	if (sg_write_file_atomic(path, text, strlen(text), mode, err) < 0)
		return err->code;
	printf("wrote %s\n", path);
	return 0;
}
