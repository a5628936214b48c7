/* SPDX-License-Identifier: Apache-2.0 */
/* seccomp profile=PATH [mode=replace|default]: gives a container the policy's seccomp profile.
 *
 * Create only: an exec'd process inherits the filter runc installs at create, so the
 * profile is fixed by config.json linux.seccomp (PROTOCOL 4.5). The profile is loaded and
 * checked with libseccomp when the policy loads; a bad profile fails the policy. That check
 * runs once per host for a profile's exact bytes (seccomp/cache.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/config.h"
#include "core/context.h"
#include "core/request.h"
#include "modules.h"
#include "oci/oci.h"
#include "seccomp/cache.h"
#include "seccomp/profile.h"

/* A profile resolved for one bounding set, kept for the next create: a pod's gate creates the
 * sandbox and then every container of the pod, mostly with one set. Resolving (and writing
 * out) the object was a third of a create. The profile is fixed for the state's life, and the
 * architecture and kernel for the process's, so the set is the whole key. */
#define RESOLVED_MAX 8

struct resolved {
	uint64_t caps;
	json_t *oci;  /* shared with the requests: never changed once made */
	char *text;   /* oci as sg_oci_dump writes it */
	size_t len;
};

struct sg_module_state {
	struct sg_seccomp_profile *profile;
	char *path;
	bool replace; /* mode=replace: always; mode=default: only when the spec has none */
	struct resolved resolved[RESOLVED_MAX];
	size_t n_resolved, next_evict;
};

static void resolved_clear(struct resolved *e)
{
	json_decref(e->oci);
	free(e->text);
	*e = (struct resolved){ 0 };
}

static void seccomp_fini(struct sg_module_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_resolved; i++)
		resolved_clear(&s->resolved[i]);
	sg_seccomp_profile_free(s->profile);
	free(s->path);
	free(s);
}

static inline void seccomp_finip(struct sg_module_state **s)
{
	seccomp_fini(*s);
}

/* The record of checked profiles lives beside the replay store, in the gate's state directory
 * (a test's gate points both at its own directory). Without a configuration (a policy loaded
 * on its own) every profile gets the full check: NULL. */
static const char *cache_dir(const struct sg_module_init *init, char *buf, size_t size)
{
	const char *store = init->ctx && init->ctx->config ? init->ctx->config->replay_store : NULL;
	const char *slash = store ? strrchr(store, '/') : NULL;
	int n;

	if (!slash)
		return NULL;
	n = snprintf(buf, size, "%.*s/%s", (int)(slash - store), store, SG_SECCOMP_CACHE_NAME);
	return n < 0 || (size_t)n >= size ? NULL : buf;
}

static int seccomp_init_module(const struct sg_module_init *init,
			       struct sg_module_state **state, struct sg_error *err)
{
	__attribute__((cleanup(seccomp_finip))) struct sg_module_state *s = NULL;
	const char *profile = NULL, *mode = NULL;
	char path[PATH_MAX], cache[PATH_MAX];
	int r;

	for (int i = 0; i < init->argc; i++) {
		const char *a = init->argv[i];

		if (strncmp(a, "profile=", 8) == 0 && !profile)
			profile = a + 8;
		else if (strncmp(a, "mode=", 5) == 0 && !mode)
			mode = a + 5;
		else
			return sg_error_set(err, -EINVAL, "unknown or repeated argument '%s' (want "
					    "profile=PATH mode=replace|default)", a);
	}
	if (!profile || !*profile)
		return sg_error_set(err, -EINVAL, "missing profile=PATH");
	s = calloc(1, sizeof(*s));
	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	s->replace = true;
	if (mode && strcmp(mode, "default") == 0)
		s->replace = false;
	else if (mode && strcmp(mode, "replace") != 0)
		return sg_error_set(err, -EINVAL, "unknown mode '%s' (want replace or default)",
				    mode);
	if (profile[0] == '/' || !init->policy_dir)
		r = snprintf(path, sizeof(path), "%s", profile);
	else
		r = snprintf(path, sizeof(path), "%s/%s", init->policy_dir, profile);
	if (r < 0 || (size_t)r >= sizeof(path))
		return sg_error_set(err, -ENAMETOOLONG, "profile path too long");
	s->path = strdup(path);
	if (!s->path)
		return sg_error_set(err, -ENOMEM, "out of memory");
	r = sg_seccomp_profile_load_cached(path, cache_dir(init, cache, sizeof(cache)), &s->profile,
					   err);
	if (r < 0)
		return r;
	*state = steal_pointer(&s);
	return 0;
}

static bool spec_has_seccomp(const struct sg_request *req)
{
	/* "seccomp": null is no profile at all */
	return req->seccomp ||
	       json_is_object(json_object_get(json_object_get(req->doc, "linux"), "seccomp"));
}

/* The profile resolved for caps: from the kept ones, else resolved and kept (the oldest
 * replaced when all slots are taken). */
static int resolved_for(struct sg_module_state *s, uint64_t caps, const struct resolved **out,
			struct sg_error *err)
{
	struct resolved e = { .caps = caps };
	struct resolved *slot;
	char *shrunk;
	int r;

	for (size_t i = 0; i < s->n_resolved; i++) {
		if (s->resolved[i].caps == caps) {
			*out = &s->resolved[i];
			return 0;
		}
	}
	r = sg_seccomp_profile_resolve(s->profile, caps, &e.oci, err);
	if (r == 0)
		r = sg_oci_dump(e.oci, &e.text, &e.len, err);
	if (r < 0) {
		resolved_clear(&e);
		return r;
	}
	/* Kept for the gate's life: the writer's buffer, which doubles, trimmed to the text. */
	shrunk = realloc(e.text, e.len + 1);
	if (shrunk)
		e.text = shrunk;
	if (s->n_resolved < RESOLVED_MAX) {
		slot = &s->resolved[s->n_resolved++];
	} else {
		slot = &s->resolved[s->next_evict];
		s->next_evict = (s->next_evict + 1) % RESOLVED_MAX;
		resolved_clear(slot);
	}
	*slot = e;
	*out = slot;
	return 0;
}

static int seccomp_check(struct sg_module_state *s, struct sg_request *req,
			 struct sg_error *reason)
{
	/* The filter is decided against the bounding set: a capability outside it can never
	 * be gained, and the caps module (when earlier in the stack) has already cut it. */
	uint64_t caps = req->proc.caps_present[SG_CAPSET_BOUNDING]
				? req->proc.caps[SG_CAPSET_BOUNDING] : 0;
	const struct resolved *resolved;
	char *text;
	int r;

	if (req->op != SG_OP_CREATE) {
		sg_error_set(reason, -EINVAL, "seccomp applies to create only");
		return SG_VERDICT_ERROR;
	}
	if (!s->replace && spec_has_seccomp(req)) {
		sg_error_set(reason, 0, "the spec has its own seccomp profile (mode=default)");
		return SG_VERDICT_SUCCESS;
	}
	r = resolved_for(s, caps, &resolved, reason);
	if (r < 0)
		return SG_VERDICT_ERROR;
	text = malloc(resolved->len + 1);
	if (!text) {
		sg_error_set(reason, -ENOMEM, "out of memory");
		return SG_VERDICT_ERROR;
	}
	memcpy(text, resolved->text, resolved->len + 1);
	json_decref(req->seccomp);
	free(req->seccomp_text);
	req->seccomp = json_incref(resolved->oci);
	req->seccomp_text = text;
	req->seccomp_text_len = resolved->len;
	sg_request_note(req, "seccomp: set profile %s", s->path);
	return SG_VERDICT_SUCCESS;
}

const struct sg_module sg_module_seccomp = {
	SG_MODULE_HEADER,
	.name = "seccomp",
	.summary = "sets the container's seccomp profile (Docker profile format, checked)",
	.ops = SG_OP_BIT(SG_OP_CREATE),
	.init = seccomp_init_module,
	.check = seccomp_check,
	.fini = seccomp_fini,
};
