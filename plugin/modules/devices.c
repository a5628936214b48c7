/* SPDX-License-Identifier: Apache-2.0 */
/* devices [allow=ITEM,...] [signed_allow=ITEM,...] [signed_privileged]: host device nodes
 * and device cgroup grants (THREATS T27). `docker run --privileged` lists every host device
 * and adds an allow-all rule: the container can then read and write the host's disks.
 *
 * ITEM is a host path (/dev/fuse: the entry must name that path, and its type and numbers
 * must be the host node's) or TYPE:MAJOR:MINOR (c:10:229, b:8:*). Every linux.devices entry
 * must match an allow= item (or a signed_allow= item on a validly signed create).
 * linux.resources.devices is rewritten to start with a deny-all rule and to keep, of the
 * allow rules, only those inside the defaults runc, Docker 20.10 and CRI grant (c 1:3, 1:5,
 * 1:7, 1:8, 1:9, 5:0, 5:1, 5:2, 10:200, 136:*, and mknod of any c or b) or inside the
 * rules of the allowed devices; every other allow rule is dropped and noted. An allow-all
 * rule (type a, any numbers, read or write) is a privileged container: refused, unless the
 * create is signed and the line says signed_privileged. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "core/cleanup.h"
#include "core/request.h"
#include "core/strutil.h"
#include "modules.h"
#include "specutil.h"

#define ANY (-1LL)
enum { ACC_R = 1, ACC_W = 2, ACC_M = 4, ACC_ALL = 7 };

struct rule {
	char type; /* 'a', 'c', 'b' */
	long long major, minor; /* ANY: every number */
	unsigned access;
};

/* What runc (specconv.AllowedDevices), Docker 20.10 and CRI grant every container. */
static const struct rule default_rules[] = {
	{ 'c', 1, 3, ACC_ALL },   { 'c', 1, 5, ACC_ALL },   { 'c', 1, 7, ACC_ALL },
	{ 'c', 1, 8, ACC_ALL },   { 'c', 1, 9, ACC_ALL },   { 'c', 5, 0, ACC_ALL },
	{ 'c', 5, 1, ACC_ALL },   { 'c', 5, 2, ACC_ALL },   { 'c', 136, ANY, ACC_ALL },
	{ 'c', 10, 200, ACC_ALL }, { 'c', ANY, ANY, ACC_M }, { 'b', ANY, ANY, ACC_M },
};

struct item {
	char *path;   /* a host device path, or NULL */
	struct rule r; /* for a TYPE:MAJOR:MINOR item */
};

struct items {
	struct item *v;
	size_t n;
};

struct sg_module_state {
	struct items allow, signed_allow;
	bool signed_privileged;
};

static void items_clear(struct items *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].path);
	free(l->v);
}

static void devices_fini(struct sg_module_state *s)
{
	if (!s)
		return;
	items_clear(&s->allow);
	items_clear(&s->signed_allow);
	free(s);
}

static inline void devices_finip(struct sg_module_state **s)
{
	devices_fini(*s);
}

static int parse_number(const char *s, uint64_t max, long long *out)
{
	uint64_t v;

	if (strcmp(s, "*") == 0) {
		*out = ANY;
		return 0;
	}
	if (sg_parse_u64(s, max, &v) < 0)
		return -EINVAL;
	*out = (long long)v;
	return 0;
}

static int parse_item(const char *arg, const char *text, struct item *it, struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(text);
	char *maj, *min;

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	if (text[0] == '/') {
		it->path = steal_pointer(&copy);
		return 0;
	}
	maj = strchr(copy, ':');
	min = maj ? strchr(maj + 1, ':') : NULL;
	if (!min || (copy[0] != 'c' && copy[0] != 'b') || maj != copy + 1)
		return sg_error_set(err, -EINVAL, "argument '%s': '%s' is neither a path nor "
				    "c|b:MAJOR:MINOR", arg, text);
	*maj++ = '\0';
	*min++ = '\0';
	it->r.type = copy[0];
	it->r.access = ACC_ALL;
	if (parse_number(maj, 4095, &it->r.major) < 0 || parse_number(min, 1048575, &it->r.minor) < 0)
		return sg_error_set(err, -EINVAL, "argument '%s': '%s': bad device numbers", arg,
				    text);
	return 0;
}

static int parse_items(const char *arg, const char *value, struct items *out,
		       struct sg_error *err)
{
	struct sg_strv list = { 0 };
	int r = sg_spec_arg_list(arg, value, &list, err);

	if (r == 0 && list.n && !(out->v = calloc(list.n, sizeof(*out->v))))
		r = sg_error_set(err, -ENOMEM, "out of memory");
	for (size_t i = 0; r == 0 && i < list.n; i++) {
		out->n++;
		r = parse_item(arg, list.v[i], &out->v[i], err);
	}
	sg_strv_clear(&list);
	return r;
}

static int devices_init(const struct sg_module_init *init, struct sg_module_state **state,
			struct sg_error *err)
{
	static const char *const keys[] = { "allow", "signed_allow" };
	__attribute__((cleanup(devices_finip))) struct sg_module_state *s = calloc(1, sizeof(*s));
	bool seen[SG_ARRAY_SIZE(keys)] = { false };

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	for (int i = 0; i < init->argc; i++) {
		const char *value;
		int k;

		if (strcmp(init->argv[i], "signed_privileged") == 0) {
			s->signed_privileged = true;
			continue;
		}
		k = sg_spec_arg(init->argv[i], keys, SG_ARRAY_SIZE(keys), seen, &value, err);
		if (k < 0)
			return k;
		k = parse_items(init->argv[i], value, k == 0 ? &s->allow : &s->signed_allow, err);
		if (k < 0)
			return k;
	}
	*state = steal_pointer(&s);
	return 0;
}

static unsigned parse_access(const char *a)
{
	unsigned acc = 0;

	for (; *a; a++)
		acc |= *a == 'r' ? ACC_R : *a == 'w' ? ACC_W : *a == 'm' ? ACC_M : 8u;
	return acc;
}

/* A JSON number of a device rule or entry: absent, null or -1 mean any. */
static int json_number(const json_t *o, const char *key, long long *out)
{
	const json_t *v = json_object_get(o, key);

	*out = ANY;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < -1)
		return -EINVAL;
	*out = json_integer_value(v);
	return 0;
}

static int parse_rule(const json_t *o, size_t i, struct rule *r, bool *allow,
		      struct sg_error *reason)
{
	const json_t *t = json_object_get(o, "type");
	const json_t *a = json_object_get(o, "access");
	const json_t *al = json_object_get(o, "allow");
	const char *type = json_string_value(t);

	if (!json_is_object(o) || !json_is_boolean(al) || (t && !type) || (a && !json_is_string(a)) ||
	    json_number(o, "major", &r->major) < 0 || json_number(o, "minor", &r->minor) < 0)
		return sg_error_set(reason, -EPERM, "linux.resources.devices[%zu]: not a device "
				    "rule (allow, type, major, minor, access)", i);
	if (!type || strcmp(type, "") == 0 || strcmp(type, "a") == 0)
		r->type = 'a';
	else if (strcmp(type, "c") == 0 || strcmp(type, "u") == 0)
		r->type = 'c';
	else if (strcmp(type, "b") == 0)
		r->type = 'b';
	else
		return sg_error_set(reason, -EPERM, "linux.resources.devices[%zu].type '%.16s': "
				    "not a, b or c", i, type);
	/* runc reads an empty access as rwm */
	r->access = a && json_string_length(a) ? parse_access(json_string_value(a)) : ACC_ALL;
	if (r->access & ~(unsigned)ACC_ALL)
		return sg_error_set(reason, -EPERM, "linux.resources.devices[%zu].access: want "
				    "letters of rwm", i);
	*allow = json_is_true(al);
	return 0;
}

static bool rule_is_all(const struct rule *r)
{
	return r->type == 'a' && r->major == ANY && r->minor == ANY;
}

/* Every device r grants, of one type, is granted by g. */
static bool rule_within(const struct rule *r, char type, const struct rule *g)
{
	return g->type == type && (g->major == ANY || g->major == r->major) &&
	       (g->minor == ANY || g->minor == r->minor) && (r->access & ~g->access) == 0;
}

struct grants {
	struct rule v[256];
	size_t n;
};

static bool covered(const struct rule *r, const struct grants *g)
{
	const char types[2] = { 'c', 'b' };

	for (size_t t = 0; t < 2; t++) {
		bool ok = false;

		if (r->type != 'a' && r->type != types[t])
			continue;
		for (size_t i = 0; !ok && i < SG_ARRAY_SIZE(default_rules); i++)
			ok = rule_within(r, types[t], &default_rules[i]);
		for (size_t i = 0; !ok && i < g->n; i++)
			ok = rule_within(r, types[t], &g->v[i]);
		if (!ok)
			return false;
	}
	return true;
}

static bool item_matches(const struct item *it, const char *path, char type, long long major,
			 long long minor)
{
	struct stat st;

	if (!it->path)
		return it->r.type == type && (it->r.major == ANY || it->r.major == major) &&
		       (it->r.minor == ANY || it->r.minor == minor);
	/* A path item: the entry must be that node as the host has it, not another device
	 * under an allowed name. */
	if (strcmp(it->path, path) != 0 || stat(it->path, &st) < 0)
		return false;
	if (!(type == 'c' ? S_ISCHR(st.st_mode) : S_ISBLK(st.st_mode)))
		return false;
	return (long long)major(st.st_rdev) == major && (long long)minor(st.st_rdev) == minor;
}

static bool items_match(const struct items *l, const char *path, char type, long long major,
			long long minor)
{
	for (size_t i = 0; i < l->n; i++)
		if (item_matches(&l->v[i], path, type, major, minor))
			return true;
	return false;
}

/* linux.devices: each entry allowlisted; its grant goes into g. */
static int judge_nodes(const struct sg_module_state *s, const struct sg_request *req,
		       const json_t *nodes, struct grants *g, struct sg_error *reason)
{
	const json_t *d;
	size_t i;

	if (nodes && !json_is_array(nodes))
		return sg_error_set(reason, -EPERM, "linux.devices: not an array");
	json_array_foreach(nodes, i, d) {
		const char *path = json_string_value(json_object_get(d, "path"));
		const char *type = json_string_value(json_object_get(d, "type"));
		long long major, minor;
		char t;

		if (!path || !type || json_number(d, "major", &major) < 0 ||
		    json_number(d, "minor", &minor) < 0)
			return sg_error_set(reason, -EPERM, "linux.devices[%zu]: not a device (path, "
					    "type, major, minor)", i);
		if (strcmp(type, "p") == 0)
			continue; /* a FIFO reaches no device */
		if (strcmp(type, "b") != 0 && strcmp(type, "c") != 0 && strcmp(type, "u") != 0)
			return sg_error_set(reason, -EPERM, "linux.devices[%zu].type '%.16s': not b, c, "
					    "u or p", i, type);
		t = type[0] == 'b' ? 'b' : 'c';
		if (!items_match(&s->allow, path, t, major, minor) &&
		    !(sg_spec_signed(req) && items_match(&s->signed_allow, path, t, major, minor)))
			return sg_error_set(reason, -EPERM, "linux.devices[%zu] '%.256s' (%s %lld:%lld): "
					    "not on the devices allowlist", i, path, type, major,
					    minor);
		if (g->n < SG_ARRAY_SIZE(g->v))
			g->v[g->n++] = (struct rule){ t, major, minor, ACC_ALL };
	}
	return 0;
}

/* 1 (reason says why) when a rule allows every device, 0 when none does, or -EPERM. */
static int privileged(const json_t *rules, size_t n_nodes, struct sg_error *reason)
{
	const json_t *o;
	size_t i;

	json_array_foreach(rules, i, o) {
		struct rule r;
		bool allow;

		if (parse_rule(o, i, &r, &allow, reason) < 0)
			return reason->code;
		if (allow && rule_is_all(&r) && (r.access & (ACC_R | ACC_W))) {
			sg_error_set(reason, -EPERM, "privileged container: linux.resources.devices[%zu] "
				     "allows every device ('a *:* %s%s%s')%s", i,
				     r.access & ACC_R ? "r" : "", r.access & ACC_W ? "w" : "",
				     r.access & ACC_M ? "m" : "",
				     n_nodes ? " and linux.devices lists host devices" : "");
			return 1;
		}
	}
	return 0;
}

/* Deny-all first; then the old rules, minus a repeated deny-all and uncovered grants. */
static int rebuild(struct sg_request *req, const json_t *rules, const struct grants *g,
		   json_t *out, struct sg_error *reason)
{
	char dropped[160] = "";
	size_t n_dropped = 0;
	const json_t *o;
	size_t i;

	json_array_foreach(rules, i, o) {
		struct rule r;
		bool allow;
		size_t len = strlen(dropped);

		if (parse_rule(o, i, &r, &allow, reason) < 0)
			return reason->code;
		if (!allow && rule_is_all(&r) && r.access == ACC_ALL)
			continue;
		if (!allow || covered(&r, g)) {
			if (json_array_append(out, (json_t *)o) < 0)
				return sg_error_set(reason, -ENOMEM, "out of memory");
			continue;
		}
		(void)snprintf(dropped + len, sizeof(dropped) - len, "%s[%zu]", n_dropped ? "," : "",
			       i);
		n_dropped++;
	}
	if (n_dropped)
		(void)sg_request_note(req, "devices: linux.resources.devices: dropped %zu allow "
				      "rule(s) beyond the defaults and the allowlist: %s", n_dropped,
				      dropped);
	return 0;
}

static int devices_check(struct sg_module_state *s, struct sg_request *req,
			 struct sg_error *reason)
{
	json_t *linux_obj, *res, *rules;
	json_auto_t *out = NULL;
	struct grants g = { .n = 0 };
	const json_t *nodes;

	if (req->op != SG_OP_CREATE)
		return SG_VERDICT_IGNORE;
	if (sg_spec_linux(req->doc, true, &linux_obj, reason) < 0)
		return SG_VERDICT_DENY;
	nodes = json_object_get(linux_obj, "devices");
	res = json_object_get(linux_obj, "resources");
	if (res && !json_is_object(res)) {
		sg_error_set(reason, -EPERM, "linux.resources: not an object");
		return SG_VERDICT_DENY;
	}
	rules = json_object_get(res, "devices");
	if (rules && !json_is_null(rules) && !json_is_array(rules)) {
		sg_error_set(reason, -EPERM, "linux.resources.devices: not an array");
		return SG_VERDICT_DENY;
	}
	switch (privileged(rules, json_array_size(nodes), reason)) {
	case 0:
		break;
	case 1:
		if (s->signed_privileged && sg_spec_signed(req)) {
			(void)sg_request_note(req, "devices: a signed privileged container");
			return SG_VERDICT_SUCCESS;
		}
		return SG_VERDICT_DENY;
	default:
		return SG_VERDICT_DENY;
	}
	if (judge_nodes(s, req, nodes, &g, reason) < 0)
		return SG_VERDICT_DENY;
	out = json_array();
	if (!out || json_array_append_new(out, json_pack("{sbss}", "allow", 0, "access", "rwm")) < 0) {
		sg_error_set(reason, -ENOMEM, "out of memory");
		return SG_VERDICT_ERROR;
	}
	if (rebuild(req, rules, &g, out, reason) < 0)
		return SG_VERDICT_DENY;
	if (rules && json_equal(rules, out))
		return SG_VERDICT_SUCCESS;
	if (!json_equal(json_array_get(rules, 0), json_array_get(out, 0)))
		(void)sg_request_note(req, "devices: linux.resources.devices: deny-all put first");
	if (!res) {
		if (json_object_set_new(linux_obj, "resources", json_object()) < 0) {
			sg_error_set(reason, -ENOMEM, "out of memory");
			return SG_VERDICT_ERROR;
		}
		res = json_object_get(linux_obj, "resources");
	}
	if (json_object_set(res, "devices", out) < 0) {
		sg_error_set(reason, -ENOMEM, "out of memory");
		return SG_VERDICT_ERROR;
	}
	return SG_VERDICT_SUCCESS;
}

const struct sg_module sg_module_devices = {
	SG_MODULE_HEADER,
	.name = "devices",
	.summary = "device nodes from the allowlist only; device cgroup: deny-all, defaults, allowlist",
	.ops = SG_OP_BIT(SG_OP_CREATE),
	.init = devices_init,
	.check = devices_check,
	.fini = devices_fini,
};
