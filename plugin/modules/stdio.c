/* SPDX-License-Identifier: Apache-2.0 */
/* stdio [allow=URI,...]: the stdin, stdout and stderr a Create or Exec request names
 * (THREATS T23). The runc shim opens them as root: a plain path as a FIFO, `binary://PROG?ARGS`
 * by running PROG on the host, `file://PATH` by writing container output into PATH.
 *
 *   empty:        passes (no stdio).
 *   plain path:   must be absolute, without '?', '#', '%' (Go's URL parser would read them),
 *                 and name an existing FIFO reached through root-owned directories that no
 *                 group or other may write, following only root-owned symlinks, never
 *                 through procfs (sg_path_walk_memo): nobody but root can swap it before the
 *                 shim opens it.
 *   URI:          any scheme (binary, file, fifo, ...) is refused unless allow= lists it. An
 *                 item matches the URI exactly, or with a "?query" after it (a logging
 *                 binary's arguments); an item ending in '/' matches every URI below it that
 *                 holds no "..", '%', '?' or '#'. Refused on exec too: a `file://` stdout
 *                 alone made containerd-shim-runc-v2 1.6 panic and kill the container. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/pathwalk.h"
#include "core/request.h"
#include "modules.h"

struct sg_module_state {
	struct sg_strv allow;
};

static const char *const stdio_names[SG_STDIO_COUNT] = { "stdin", "stdout", "stderr" };

static void stdio_fini(struct sg_module_state *s)
{
	if (!s)
		return;
	sg_strv_clear(&s->allow);
	free(s);
}

static inline void stdio_finip(struct sg_module_state **s)
{
	stdio_fini(*s);
}

/* The scheme's length when value starts with "<scheme>:" as Go's url.Parse reads it, else 0. */
static size_t scheme_len(const char *v)
{
	size_t n;

	if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z')))
		return 0;
	n = 1 + strspn(v + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
	return v[n] == ':' ? n : 0;
}

static int check_allow(const char *item, struct sg_error *err)
{
	size_t n = scheme_len(item);

	if (!n || strncmp(item + n, "://", 3) != 0)
		return sg_error_set(err, -EINVAL, "allow '%s': not a URI (scheme://...)", item);
	if (strstr(item, "..") || strpbrk(item, "%#"))
		return sg_error_set(err, -EINVAL, "allow '%s': holds '..', '%%' or '#'", item);
	return 0;
}

static int stdio_init(const struct sg_module_init *init, struct sg_module_state **state,
		      struct sg_error *err)
{
	__attribute__((cleanup(stdio_finip))) struct sg_module_state *s = calloc(1, sizeof(*s));

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (int i = 0; i < init->argc; i++) {
		const char *a = init->argv[i];
		int r;

		if (strncmp(a, "allow=", 6) != 0)
			return sg_error_set(err, -EINVAL, "unknown argument '%s' (want allow=)", a);
		r = sg_strv_push_list(&s->allow, "allow", a + 6, 256, err);
		for (size_t k = 0; r == 0 && k < s->allow.n; k++)
			r = check_allow(s->allow.v[k], err);
		if (r < 0)
			return r;
	}
	*state = steal_pointer(&s);
	return 0;
}

static bool uri_allowed(const struct sg_module_state *s, const char *uri)
{
	for (size_t i = 0; i < s->allow.n; i++) {
		const char *a = s->allow.v[i];
		size_t n = strlen(a);

		if (strncmp(uri, a, n) != 0)
			continue;
		if (uri[n] == '\0' || (a[n - 1] != '/' && uri[n] == '?'))
			return true;
		if (a[n - 1] == '/' && !strstr(uri, "..") && !strpbrk(uri + n, "%?#"))
			return true;
	}
	return false;
}

static int check_one(const struct sg_module_state *s, const char *what, const char *v,
		     struct sg_pathwalk_memo *memo, struct sg_error *reason)
{
	char canonical[PATH_MAX];
	struct stat st;
	struct sg_error why = { 0 };

	if (scheme_len(v)) {
		if (uri_allowed(s, v))
			return SG_VERDICT_SUCCESS;
		sg_error_set(reason, -EPERM, "stdio: %s '%.256s': a URI the policy does not allow "
			     "(stdio allow=)", what, v);
		return SG_VERDICT_DENY;
	}
	if (v[0] != '/' || strpbrk(v, "?#%")) {
		sg_error_set(reason, -EPERM, "stdio: %s '%.256s': not an absolute path without "
			     "'?', '#' or '%%'", what, v);
		return SG_VERDICT_DENY;
	}
	if (sg_path_walk_memo(v, SG_PATHWALK_NO_PROC, memo, canonical, &st, &why) < 0) {
		sg_error_set(reason, -EPERM, "stdio: %s '%.256s': %s", what, v, why.msg);
		return SG_VERDICT_DENY;
	}
	if (!S_ISFIFO(st.st_mode)) {
		sg_error_set(reason, -EPERM, "stdio: %s '%.256s': not a FIFO", what, v);
		return SG_VERDICT_DENY;
	}
	return SG_VERDICT_SUCCESS;
}

static int stdio_check(struct sg_module_state *s, struct sg_request *req,
		       struct sg_error *reason)
{
	/* The three FIFOs sit in one directory (containerd's fifo dir): walked once. */
	struct sg_pathwalk_memo memo = { .valid = false };

	if (req->op != SG_OP_CREATE && req->op != SG_OP_EXEC)
		return SG_VERDICT_IGNORE;
	for (size_t i = 0; i < SG_STDIO_COUNT; i++) {
		int v;

		if (!req->stdio[i])
			continue;
		v = check_one(s, stdio_names[i], req->stdio[i], &memo, reason);
		if (v != SG_VERDICT_SUCCESS)
			return v;
	}
	return SG_VERDICT_SUCCESS;
}

const struct sg_module sg_module_stdio = {
	SG_MODULE_HEADER,
	.name = "stdio",
	.summary = "task stdio: existing FIFOs through root-owned directories, or allowlisted URIs",
	.ops = SG_OP_BIT(SG_OP_CREATE) | SG_OP_BIT(SG_OP_EXEC),
	.init = stdio_init,
	.check = stdio_check,
	.fini = stdio_fini,
};
