/* SPDX-License-Identifier: Apache-2.0 */
/* paths [mask=P,...] [readonly=P,...]: /proc and /sys stay as runc and Docker confine them
 * (THREATS T26). With maskedPaths and readonlyPaths emptied, /proc/sys is writable and a
 * host-global sysctl can be set from inside; a read-write sysfs reaches host devices.
 *
 * The default masked and read-only sets of runc, Docker 20.10 and containerd (plus mask=
 * and readonly=) are added to linux.maskedPaths and linux.readonlyPaths, never removed.
 * sysfs, cgroup and cgroup2 mounts are forced read-only; a proc mount anywhere but /proc,
 * or a sysfs mount anywhere but /sys, is refused, since the masks apply only there. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/request.h"
#include "modules.h"
#include "specutil.h"

/* moby oci/defaults.go and containerd oci/spec.go (powercap: CVE-2020-8694 leak). */
static const char *const default_masked[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
	"/sys/firmware", "/sys/devices/virtual/powercap",
};

static const char *const default_readonly[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};

enum { LIST_MASKED, LIST_READONLY, LIST_COUNT };
static const char *const list_keys[LIST_COUNT] = { "maskedPaths", "readonlyPaths" };

struct sg_module_state {
	struct sg_strv paths[LIST_COUNT];
};

static void paths_fini(struct sg_module_state *s)
{
	if (s)
		sg_spec_lists_clear(s->paths, LIST_COUNT);
	free(s);
}

static inline void paths_finip(struct sg_module_state **s)
{
	paths_fini(*s);
}

static int add_defaults(struct sg_strv *sv, const char *const *defs, size_t n,
			struct sg_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int r = sg_strv_push(sv, defs[i], SG_SPEC_ARG_ITEMS, err);

		if (r < 0)
			return r;
	}
	return 0;
}

static int paths_init(const struct sg_module_init *init, struct sg_module_state **state,
		      struct sg_error *err)
{
	static const char *const keys[LIST_COUNT] = { "mask", "readonly" };
	__attribute__((cleanup(paths_finip))) struct sg_module_state *s = calloc(1, sizeof(*s));
	bool seen[LIST_COUNT] = { false };
	int r;

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	r = add_defaults(&s->paths[LIST_MASKED], default_masked, SG_ARRAY_SIZE(default_masked),
			 err);
	if (r == 0)
		r = add_defaults(&s->paths[LIST_READONLY], default_readonly,
				 SG_ARRAY_SIZE(default_readonly), err);
	if (r == 0)
		r = sg_spec_arg_lists(init, keys, LIST_COUNT, s->paths, seen, err);
	for (int k = 0; r == 0 && k < LIST_COUNT; k++)
		r = sg_spec_arg_paths(keys[k], &s->paths[k], err);
	if (r < 0)
		return r;
	*state = steal_pointer(&s);
	return 0;
}

static bool json_list_has(const json_t *arr, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return true;
	return false;
}

/* Adds every path of want missing from linux.<key>; notes what it added. */
static int force_list(struct sg_request *req, json_t *linux_obj, const char *key,
		      const struct sg_strv *want, struct sg_error *reason)
{
	json_t *arr = json_object_get(linux_obj, key);
	char added[200] = "";
	size_t n_added = 0;
	const json_t *v;
	size_t i;

	if (!arr) {
		if (json_object_set_new(linux_obj, key, json_array()) < 0)
			return sg_error_set(reason, -ENOMEM, "out of memory");
		arr = json_object_get(linux_obj, key);
	}
	if (!json_is_array(arr))
		return sg_error_set(reason, -EPERM, "linux.%s: not an array", key);
	json_array_foreach(arr, i, v)
		if (!json_is_string(v))
			return sg_error_set(reason, -EPERM, "linux.%s[%zu]: not a string", key, i);
	for (i = 0; i < want->n; i++) {
		size_t len = strlen(added);

		if (json_list_has(arr, want->v[i]))
			continue;
		if (json_array_append_new(arr, json_string(want->v[i])) < 0)
			return sg_error_set(reason, -ENOMEM, "out of memory");
		(void)snprintf(added + len, sizeof(added) - len, "%s%s", n_added ? "," : "",
			       want->v[i]);
		n_added++;
	}
	if (n_added)
		(void)sg_request_note(req, "paths: linux.%s: added %zu (%s)", key, n_added, added);
	return 0;
}

static int judge_mount(struct sg_request *req, struct sg_mount *m, struct sg_error *reason)
{
	static const char *const ro_types[] = { "sysfs", "cgroup", "cgroup2" };
	const char *dst = m->destination ? m->destination : "";
	bool force = false, changed = false;

	if (m->rootfs || !m->type)
		return 0;
	if (strcmp(m->type, "proc") == 0 && strcmp(dst, "/proc") != 0)
		return sg_error_set(reason, -EPERM, "mounts[%zu]: a proc mount at '%.256s' (only "
				    "at /proc, where the masked paths apply)", m->index, dst);
	if (strcmp(m->type, "sysfs") == 0 && strcmp(dst, "/sys") != 0)
		return sg_error_set(reason, -EPERM, "mounts[%zu]: a sysfs mount at '%.256s' (only "
				    "at /sys, where the masked paths apply)", m->index, dst);
	for (size_t i = 0; i < SG_ARRAY_SIZE(ro_types); i++)
		force |= strcmp(m->type, ro_types[i]) == 0;
	if (!force)
		return 0;
	for (size_t i = m->options.n; i-- > 0;)
		if (strcmp(m->options.v[i], "rw") == 0) {
			sg_strv_remove(&m->options, i);
			changed = true;
		}
	if (!sg_strv_contains(&m->options, "ro")) {
		if (sg_strv_push(&m->options, "ro", SG_LIMIT_MOUNT_OPTS, reason) < 0)
			return sg_error_prefix(reason, "mounts[%zu].options", m->index);
		changed = true;
	}
	/* this module's change only: another module may have marked the mount already */
	m->changed |= changed;
	if (changed)
		(void)sg_request_note(req, "paths: mounts[%zu] (%s on %s): forced ro", m->index,
				      m->type, dst);
	return 0;
}

static int paths_check(struct sg_module_state *s, struct sg_request *req,
		       struct sg_error *reason)
{
	json_t *linux_obj;

	if (req->op != SG_OP_CREATE)
		return SG_VERDICT_IGNORE;
	if (sg_spec_linux(req->doc, true, &linux_obj, reason) < 0)
		return SG_VERDICT_DENY;
	for (int l = 0; l < LIST_COUNT; l++)
		if (force_list(req, linux_obj, list_keys[l], &s->paths[l], reason) < 0)
			return reason->code == -ENOMEM ? SG_VERDICT_ERROR : SG_VERDICT_DENY;
	for (size_t i = 0; i < req->n_mounts; i++)
		if (judge_mount(req, &req->mounts[i], reason) < 0)
			return SG_VERDICT_DENY;
	return SG_VERDICT_SUCCESS;
}

const struct sg_module sg_module_paths = {
	SG_MODULE_HEADER,
	.name = "paths",
	.summary = "forces the default masked and read-only /proc, /sys paths; sysfs, cgroup mounts ro",
	.ops = SG_OP_BIT(SG_OP_CREATE),
	.init = paths_init,
	.check = paths_check,
	.fini = paths_fini,
};
