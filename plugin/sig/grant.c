/* SPDX-License-Identifier: Apache-2.0 */
/* Create grants: what a grant binds besides the process and host mounts, read from config.json
 * (identity annotations, host namespaces, devices, capabilities, hooks). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "grant.h"
#include "oci/oci.h"

#define GRANT_LIST_MAX 1024u

static const char *const host_ns_types[] = { "pid", "network", "ipc", "uts", "mount" };
static const char *const hook_stages[] = { "prestart",       "createRuntime", "createContainer",
					   "startContainer", "poststart",     "poststop" };

void sg_grant_fields_clear(struct sg_grant_fields *g)
{
	sg_strv_clear(&g->host_ns);
	sg_strv_clear(&g->devices);
	sg_strv_clear(&g->device_rules);
	sg_strv_clear(&g->caps);
	for (size_t i = 0; i < g->n_hooks; i++) {
		free(g->hooks[i].path);
		sg_strv_clear(&g->hooks[i].args);
	}
	free(g->hooks);
	memset(g, 0, sizeof(*g));
}

static const char *annotation(const json_t *doc, const char *key)
{
	return json_string_value(json_object_get(json_object_get(doc, "annotations"), key));
}

static int push(struct sg_strv *sv, const char *s, struct sg_error *err)
{
	return sg_strv_push(sv, s, GRANT_LIST_MAX, err);
}

static int read_host_ns(const json_t *lnx, struct sg_strv *out, struct sg_error *err)
{
	const json_t *nss = json_object_get(lnx, "namespaces");
	int r;

	out->present = true;
	for (size_t t = 0; t < SG_ARRAY_SIZE(host_ns_types); t++) {
		bool own = false;
		size_t i;
		json_t *ns;

		json_array_foreach(nss, i, ns)
			own |= json_is_string(json_object_get(ns, "type")) &&
			       strcmp(json_string_value(json_object_get(ns, "type")),
				      host_ns_types[t]) == 0;
		if (own)
			continue;
		r = push(out, host_ns_types[t], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "<n>" for a JSON integer, "*" when absent (a device rule's wildcard). */
static void num_or_star(const json_t *v, char *buf, size_t size)
{
	if (json_is_integer(v))
		(void)snprintf(buf, size, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		(void)snprintf(buf, size, "*");
}

static const char *str_or(const json_t *v, const char *dflt)
{
	return json_is_string(v) ? json_string_value(v) : dflt;
}

static int read_devices(const json_t *lnx, struct sg_grant_fields *g, struct sg_error *err)
{
	const json_t *devs = json_object_get(lnx, "devices");
	const json_t *rules = json_object_get(json_object_get(lnx, "resources"), "devices");
	char line[4200], maj[24], min[24];
	json_t *d;
	size_t i;
	int r;

	g->devices.present = true;
	g->device_rules.present = true;
	json_array_foreach(devs, i, d) {
		num_or_star(json_object_get(d, "major"), maj, sizeof(maj));
		num_or_star(json_object_get(d, "minor"), min, sizeof(min));
		(void)snprintf(line, sizeof(line), "%s %s:%s %s",
			       str_or(json_object_get(d, "type"), "-"), maj, min,
			       str_or(json_object_get(d, "path"), "-"));
		r = push(&g->devices, line, err);
		if (r < 0)
			return r;
	}
	/* Deny rules only take away; an allow rule is what reaches a host device. */
	json_array_foreach(rules, i, d) {
		if (!json_is_true(json_object_get(d, "allow")))
			continue;
		num_or_star(json_object_get(d, "major"), maj, sizeof(maj));
		num_or_star(json_object_get(d, "minor"), min, sizeof(min));
		(void)snprintf(line, sizeof(line), "%s %s:%s %s",
			       str_or(json_object_get(d, "type"), "a"), maj, min,
			       str_or(json_object_get(d, "access"), "rwm"));
		r = push(&g->device_rules, line, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int read_caps(const struct sg_request *req, struct sg_strv *out, struct sg_error *err)
{
	uint64_t all = 0;
	char num[8];
	int r;

	for (int s = 0; s < SG_CAPSET_COUNT; s++)
		all |= req->proc.caps[s];
	out->present = true;
	for (int c = 0; c < 64; c++) {
		const char *name = sg_cap_name(c);

		if (!(all & (UINT64_C(1) << c)))
			continue;
		(void)snprintf(num, sizeof(num), "%d", c);
		r = push(out, name ? name : num, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* Docker's libnetwork-setkey hook runs /proc/<dockerd's pid>/exe: the pid is not the
 * signer's to know, so it is written "{pid}" (the hooks module still judges the real path). */
static char *hook_path(const char *p)
{
	size_t digits;

	if (strncmp(p, "/proc/", 6) != 0)
		return strdup(p);
	digits = strspn(p + 6, "0123456789");
	if (digits == 0 || strcmp(p + 6 + digits, "/exe") != 0)
		return strdup(p);
	return strdup("/proc/{pid}/exe");
}

static int read_hook(const json_t *h, const char *stage, struct sg_grant_hook *out,
		     struct sg_error *err)
{
	const json_t *args = json_object_get(h, "args");
	json_t *a;
	size_t i;
	int r;

	out->stage = stage;
	out->path = hook_path(str_or(json_object_get(h, "path"), ""));
	if (!out->path)
		return sg_error_set(err, -ENOMEM, "out of memory");
	out->args.present = json_is_array(args);
	json_array_foreach(args, i, a) {
		r = push(&out->args, str_or(a, ""), err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int stage_known(const char *key)
{
	for (size_t s = 0; s < SG_ARRAY_SIZE(hook_stages); s++)
		if (strcmp(key, hook_stages[s]) == 0)
			return 0;
	return -EINVAL;
}

static int read_hooks(const json_t *doc, struct sg_grant_fields *g, struct sg_error *err)
{
	const json_t *hooks = json_object_get(doc, "hooks");
	const char *key;
	json_t *v;
	size_t n = 0;
	int r;

	json_object_foreach((json_t *)hooks, key, v) {
		if (stage_known(key) < 0)
			return sg_error_set(err, -EINVAL, "hooks.%.40s: not a hook stage a grant binds",
					    key);
		n += json_array_size(v);
	}
	if (n > GRANT_LIST_MAX)
		return sg_error_set(err, -E2BIG, "hooks: more than %u", GRANT_LIST_MAX);
	if (n == 0)
		return 0;
	g->hooks = calloc(n, sizeof(*g->hooks));
	if (!g->hooks)
		return sg_error_set(err, -ENOMEM, "out of memory");
	/* In the runtime spec's stage order, then each stage's order: the order they run in. */
	for (size_t s = 0; s < SG_ARRAY_SIZE(hook_stages); s++) {
		const json_t *list = json_object_get(hooks, hook_stages[s]);
		size_t i;

		json_array_foreach(list, i, v) {
			r = read_hook(v, hook_stages[s], &g->hooks[g->n_hooks++], err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

int sg_grant_fields_read(const struct sg_request *req, struct sg_grant_fields *g,
			 struct sg_error *err)
{
	const json_t *lnx = json_object_get(req->doc, "linux");
	int r;

	memset(g, 0, sizeof(*g));
	g->container_type = annotation(req->doc, SG_CRI_CONTAINER_TYPE);
	g->k8s = g->container_type != NULL;
	if (g->k8s) {
		g->pod_ns = annotation(req->doc, SG_CRI_SANDBOX_NAMESPACE);
		g->pod_name = annotation(req->doc, SG_CRI_SANDBOX_NAME);
		g->container_name = annotation(req->doc, SG_CRI_CONTAINER_NAME);
		g->sandbox_id = annotation(req->doc, SG_CRI_SANDBOX_ID);
	}
	r = read_host_ns(lnx, &g->host_ns, err);
	if (r == 0)
		r = read_devices(lnx, g, err);
	if (r == 0)
		r = read_caps(req, &g->caps, err);
	if (r == 0)
		r = read_hooks(req->doc, g, err);
	if (r < 0)
		sg_grant_fields_clear(g);
	return r;
}

/* Only a generated id (64 lowercase hex, as CRI, Docker and containerd make them) is
 * replaced: a short id chosen by a client could occur anywhere by chance. */
static size_t generated_id_len(const char *id)
{
	if (!id || strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
		return 0;
	return 64;
}

char *sg_grant_subst(const char *v, const char *id, const char *sandbox_id)
{
	size_t idn = generated_id_len(id);
	struct {
		const char *needle;
		size_t len;
		const char *mark;
	} subst[3] = {
		{ id, idn, "{id}" },
		{ sandbox_id, generated_id_len(sandbox_id), "{sandbox}" },
		/* Docker's default hostname (and HOSTNAME=) is the id's first 12 characters. */
		{ id, idn ? 12 : 0, "{id12}" },
	};
	/* A mark is never longer than what it replaces (12 characters or more), so the value's
	 * own length bounds the result: one allocation, nothing left in freed memory. */
	char *out = malloc(strlen(v) + 1), *o = out;

	if (!out)
		return NULL;
	while (*v) {
		size_t k = 0;

		/* Longest first: the full id before its 12-character prefix. */
		while (k < 3 && (subst[k].len == 0 || strncmp(v, subst[k].needle, subst[k].len) != 0))
			k++;
		if (k < 3) {
			memcpy(o, subst[k].mark, strlen(subst[k].mark));
			o += strlen(subst[k].mark);
			v += subst[k].len;
		} else {
			*o++ = *v++;
		}
	}
	*o = '\0';
	return out;
}
