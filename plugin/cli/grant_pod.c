/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate sign create --pod-json: a grant's identity from a Pod manifest (JSON), and the
 * template spec checked against the container it declares (args, env, user, hostPath volumes,
 * hostNetwork), so a stale template is not signed. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "core/strutil.h"
#include "reqflags.h"
#include "sig/canon.h"

/* A refusal naming the manifest and the container: POD_FAIL(err, FMT, file, name, ...). */
#define POD_FAIL(err, ...) sg_error_set(err, -EINVAL, "%s: container '%s': " __VA_ARGS__)

static const json_t *find_container(const json_t *pod, const char *name)
{
	static const char *const lists[] = { "containers", "initContainers" };
	const json_t *spec = json_object_get(pod, "spec"), *c;
	size_t i;

	for (size_t l = 0; l < SG_ARRAY_SIZE(lists); l++)
		json_array_foreach(json_object_get(spec, lists[l]), i, c)
			if (json_is_string(json_object_get(c, "name")) &&
			    strcmp(json_string_value(json_object_get(c, "name")), name) == 0)
				return c;
	return NULL;
}

/* command + args when the pod gives a command (the whole argv); only args otherwise (they
 * follow the image's entrypoint, so they must end the template's argv). */
static int check_args(const char *file, const char *name, const json_t *c,
		      const struct sg_strv *have, struct sg_error *err)
{
	const json_t *cmd = json_object_get(c, "command"), *args = json_object_get(c, "args");
	size_t n = json_array_size(cmd) + json_array_size(args), off, i;
	json_t *v;

	if (!cmd && !args)
		return 0;
	if (n > have->n || (cmd && n != have->n))
		return POD_FAIL(err, "args: the pod gives %zu, the template spec has %zu",
				file, name, n, have->n);
	off = cmd ? 0 : have->n - n;
	json_array_foreach(cmd, i, v)
		if (!json_is_string(v) || strcmp(json_string_value(v), have->v[off++]) != 0)
			return POD_FAIL(err, "args: command[%zu] differs from the template spec",
					file, name, i);
	json_array_foreach(args, i, v)
		if (!json_is_string(v) || strcmp(json_string_value(v), have->v[off++]) != 0)
			return POD_FAIL(err, "args: args[%zu] differs from the template spec",
					file, name, i);
	return 0;
}

static int check_env(const char *file, const char *name, const json_t *c,
		     const struct sg_strv *have, struct sg_error *err)
{
	json_t *e;
	size_t i;

	json_array_foreach(json_object_get(c, "env"), i, e) {
		const char *k = json_string_value(json_object_get(e, "name"));
		const char *v = json_string_value(json_object_get(e, "value"));
		_cleanup_free_ char *kv = NULL;

		if (!k || json_object_get(e, "valueFrom"))
			return POD_FAIL(err, "env[%zu]: only literal values can be signed (no valueFrom)",
					file, name, i);
		if (asprintf(&kv, "%s=%s", k, v ? v : "") < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
		if (!sg_strv_contains(have, kv))
			return POD_FAIL(err, "env '%s' is not in the template spec",
					file, name, k);
	}
	return 0;
}

/* runAsUser/runAsGroup of the container, else of the pod. */
static int check_id(const char *file, const char *name, const json_t *pod, const json_t *c,
		    const char *key, uint32_t have, struct sg_error *err)
{
	const json_t *v = json_object_get(json_object_get(c, "securityContext"), key);

	if (!v)
		v = json_object_get(json_object_get(json_object_get(pod, "spec"), "securityContext"),
				    key);
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) != (json_int_t)have)
		return POD_FAIL(err, "%s differs from the template spec's %" PRIu32,
				file, name, key, have);
	return 0;
}

static const char *host_path_of(const json_t *pod, const char *volume)
{
	const json_t *vol;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(pod, "spec"), "volumes"), i, vol)
		if (json_is_string(json_object_get(vol, "name")) &&
		    strcmp(json_string_value(json_object_get(vol, "name")), volume) == 0)
			return json_string_value(
				json_object_get(json_object_get(vol, "hostPath"), "path"));
	return NULL;
}

/* Every hostPath volume the container mounts is a bind of the template spec. */
static int check_host_paths(const char *file, const char *name, const json_t *pod,
			    const json_t *c, const struct sg_request *req, struct sg_error *err)
{
	const json_t *vm;
	size_t i;

	json_array_foreach(json_object_get(c, "volumeMounts"), i, vm) {
		const char *src = host_path_of(pod, json_string_value(json_object_get(vm, "name")));
		const char *dst = json_string_value(json_object_get(vm, "mountPath"));
		bool found = false;

		if (!src)
			continue;
		for (size_t m = 0; m < req->n_mounts && !found; m++)
			found = sg_mount_is_host(&req->mounts[m]) && req->mounts[m].source &&
				req->mounts[m].destination && dst &&
				strcmp(req->mounts[m].source, src) == 0 &&
				strcmp(req->mounts[m].destination, dst) == 0;
		if (!found)
			return POD_FAIL(err, "hostPath '%s' on '%s' is not a bind of the template spec",
					file, name, src, dst ? dst : "-");
	}
	return 0;
}

static int check_host_network(const char *file, const char *name, const json_t *pod,
			      const struct sg_request *req, struct sg_error *err)
{
	const json_t *nss = json_object_get(json_object_get(req->doc, "linux"), "namespaces"), *ns;
	bool want = json_is_true(json_object_get(json_object_get(pod, "spec"), "hostNetwork"));
	bool own = false;
	size_t i;

	json_array_foreach(nss, i, ns)
		own |= json_is_string(json_object_get(ns, "type")) &&
		       strcmp(json_string_value(json_object_get(ns, "type")), "network") == 0;
	if (want == !own)
		return 0;
	return POD_FAIL(err, "hostNetwork is %s, the template spec %s the host's network",
			file, name, want ? "true" : "false", want ? "does not share" : "shares");
}

int sg_grant_pod_load(const char *file, json_t **pod, char **pod_id, struct sg_error *err)
{
	_cleanup_free_ char *text = NULL;
	const json_t *meta;
	const char *ns, *name;
	json_error_t jerr;
	size_t len = 0;
	int r;

	r = sg_read_file(file, SG_LIMIT_JSON_MAX, &text, &len, err);
	if (r < 0)
		return r;
	*pod = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*pod)
		return sg_error_set(err, -EINVAL, "%s:%d: %s", file, jerr.line, jerr.text);
	meta = json_object_get(*pod, "metadata");
	ns = json_string_value(json_object_get(meta, "namespace"));
	name = json_string_value(json_object_get(meta, "name"));
	if (!json_is_object(json_object_get(*pod, "spec")) || !name || !*name ||
	    (json_object_get(meta, "namespace") && (!ns || !*ns)) ||
	    asprintf(pod_id, "%s/%s", ns ? ns : "default", name) < 0) {
		json_decref(*pod);
		*pod = NULL;
		return sg_error_set(err, -EINVAL,
				    "%s: not a Pod (want metadata.name, metadata.namespace, spec)", file);
	}
	return 0;
}

int sg_grant_pod_check(const char *file, const json_t *pod, const char *container,
		       const struct sg_request *req, struct sg_error *err)
{
	const json_t *c = find_container(pod, container);
	int r;

	if (!c)
		return sg_error_set(err, -EINVAL, "%s: no container '%s' in the pod", file, container);
	r = check_args(file, container, c, &req->proc.args, err);
	if (r == 0)
		r = check_env(file, container, c, &req->proc.env, err);
	if (r == 0)
		r = check_id(file, container, pod, c, "runAsUser", req->proc.user.uid, err);
	if (r == 0)
		r = check_id(file, container, pod, c, "runAsGroup", req->proc.user.gid, err);
	if (r == 0)
		r = check_host_paths(file, container, pod, c, req, err);
	if (r == 0)
		r = check_host_network(file, container, pod, req, err);
	return r;
}
