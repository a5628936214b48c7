/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the unit tests. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#include "modules/modules.h"
#include "sig/keyring.h"
#include "sig/replay.h"

char *sg_test_mkdtemp(void)
{
	const char *tmp = getenv("TMPDIR");
	char *path = NULL;

	if (asprintf(&path, "%s/sgtest.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
		abort();
	if (!mkdtemp(path))
		abort();
	return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void sg_test_rmtree(const char *path)
{
	if (path)
		(void)nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

char *sg_test_write(const char *dir, const char *name, mode_t mode, const char *fmt, ...)
{
	char *path = NULL;
	char *body = NULL;
	va_list ap;
	int fd, n;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	va_start(ap, fmt);
	n = vasprintf(&body, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0 || write(fd, body, (size_t)n) != n || fchmod(fd, mode) < 0)
		abort();
	close(fd);
	free(body);
	return path;
}

char *sg_test_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

char *sg_test_read_in(const char *dir, const char *name, size_t *len)
{
	char *path = NULL;
	char *text;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		abort();
	text = sg_test_read(path, len);
	if (!text)
		fail_msg("%s: cannot read", path);
	free(path);
	return text;
}

char *sg_test_src(const char *rel)
{
	char *path = NULL;

	if (asprintf(&path, "%s/%s", SG_TEST_SRCDIR, rel) < 0)
		abort();
	return path;
}

int sg_test_dir_setup(void **state)
{
	struct sg_test_dir *f = calloc(1, sizeof(*f));

	if (!f)
		abort();
	f->dir = sg_test_mkdtemp();
	*state = f;
	return 0;
}

int sg_test_dir_teardown(void **state)
{
	struct sg_test_dir *f = *state;

	sg_test_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

int sg_test_each_case(const char *root, void (*run)(const char *root, const char *dir))
{
	struct dirent **names = NULL;
	int n = scandir(root, &names, NULL, alphasort);
	int cases = 0;

	if (n <= 0)
		fail_msg("%s: no golden cases", root);
	for (int i = 0; i < n; i++) {
		char *dir = NULL;

		if (names[i]->d_type == DT_DIR && names[i]->d_name[0] != '.') {
			if (asprintf(&dir, "%s/%s", root, names[i]->d_name) < 0)
				abort();
			run(root, dir);
			free(dir);
			cases++;
		}
		free(names[i]);
	}
	free(names);
	return cases;
}

void sg_test_sig_open(struct sg_test_sig *k, const char *secret, const char *const *keys)
{
	struct sg_error err = { 0 };
	char *dir = NULL, *store = NULL;

	k->dir = sg_test_mkdtemp();
	if (asprintf(&dir, "%s/keys", k->dir) < 0 || asprintf(&store, "%s/replay", k->dir) < 0 ||
	    mkdir(dir, 0700) < 0)
		fail_msg("keys: cannot make %s", k->dir);
	for (size_t i = 0; keys[i]; i += 2)
		free(sg_test_write(dir, keys[i], 0600, "secret = %s\n%s", secret, keys[i + 1]));
	if (sg_keyring_load(dir, &k->kr, &err) < 0 || sg_replay_open(store, 4096, &k->replay, &err) < 0)
		fail_msg("keys: %s", err.msg);
	k->ctx.keyring = k->kr;
	k->ctx.replay = k->replay;
	free(dir);
	free(store);
}

void sg_test_sig_close(struct sg_test_sig *k)
{
	if (k->mod)
		sg_module_hmac.fini(k->mod);
	sg_keyring_free(k->kr);
	sg_replay_free(k->replay);
	sg_test_rmtree(k->dir);
	free(k->dir);
	memset(k, 0, sizeof(*k));
}
