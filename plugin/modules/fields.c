/* SPDX-License-Identifier: Apache-2.0 */
/* fields [pass=PATH,...] [oom_score_adj=MIN..MAX] [rtprio=N]: every member of a create's
 * config.json or an exec's process spec must be a field the table (oci/fields.c) knows and
 * does not refuse, unless pass= names it (THREATS T30); and the few fields no other module
 * judges are bounded here (T28).
 *
 * pass= takes table paths as `shimgate fields` prints them ("linux.intelRdt",
 * "process.scheduler", "annotations.org.systemd.property.*") or a path the table lacks
 * ("linux.memoryPolicy"); a path passes its whole subtree.
 * oom_score_adj= bounds process.oomScoreAdj (default -998..1000: containerd's CRI gives a pod
 * sandbox -998 and the kubelet its containers -997 and up; -999 is the kubelet's own, -1000
 * unkillable).
 * rtprio= bounds RLIMIT_RTPRIO (default 0): above 0 a process gets realtime scheduling
 * without CAP_SYS_NICE.
 * linux.cgroupsPath must end in the container id (cgroupfs "/a/b/<id>", systemd
 * "slice:prefix:<id>") and hold no "..": a cgroup of the container's own, never a host
 * service's, whose limits and freezer would then hit the service. The id is the caller's
 * choice, so the cgroup must also not exist yet with a process or a child in it (in any
 * cgroup hierarchy of the host): runc 1.1 joins an existing cgroup, and Pids and Kill --all
 * then reach every host process in it ("/system.slice" for a container named system.slice).
 * Nor may a cgroupfs component be named like a systemd unit (see unit_component). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/request.h"
#include "modules.h"
#include "oci/cgroup.h"
#include "oci/fields.h"
#include "oci/procread.h"

struct sg_module_state {
	struct sg_strv pass;
	long long oom_min, oom_max;
	unsigned long long rtprio;
};

struct visit_ctx {
	const struct sg_module_state *s;
	const struct sg_request *req;
	const char *label;
};

static void fields_fini(struct sg_module_state *s)
{
	if (!s)
		return;
	sg_strv_clear(&s->pass);
	free(s);
}

static inline void fields_finip(struct sg_module_state **s)
{
	fields_fini(*s);
}

static int parse_ll(const char *s, const char *end, long long *out)
{
	char *e;

	errno = 0;
	*out = strtoll(s, &e, 10);
	return errno == 0 && e != s && e == end ? 0 : -EINVAL;
}

static int parse_arg(struct sg_module_state *s, const char *a, struct sg_error *err)
{
	if (strncmp(a, "pass=", 5) == 0)
		return sg_strv_push_list(&s->pass, "pass", a + 5, 256, err);
	if (strncmp(a, "oom_score_adj=", 14) == 0) {
		const char *v = a + 14, *dots = strstr(v, "..");

		if (!dots || parse_ll(v, dots, &s->oom_min) < 0 ||
		    parse_ll(dots + 2, dots + strlen(dots), &s->oom_max) < 0 ||
		    s->oom_min < -1000 || s->oom_max > 1000 || s->oom_min > s->oom_max)
			return sg_error_set(err, -EINVAL,
					    "oom_score_adj '%s': want MIN..MAX within -1000..1000", v);
		return 0;
	}
	if (strncmp(a, "rtprio=", 7) == 0) {
		long long n;

		if (parse_ll(a + 7, a + strlen(a), &n) < 0 || n < 0 || n > 99)
			return sg_error_set(err, -EINVAL, "rtprio '%s': want 0..99", a + 7);
		s->rtprio = (unsigned long long)n;
		return 0;
	}
	return sg_error_set(err, -EINVAL,
			    "unknown argument '%s' (want pass=, oom_score_adj=, rtprio=)", a);
}

static int fields_init(const struct sg_module_init *init, struct sg_module_state **state,
		       struct sg_error *err)
{
	__attribute__((cleanup(fields_finip))) struct sg_module_state *s = calloc(1, sizeof(*s));

	if (!s)
		return sg_error_set(err, -ENOMEM, "out of memory");
	s->oom_min = -998;
	s->oom_max = 1000;
	for (int i = 0; i < init->argc; i++) {
		int r = parse_arg(s, init->argv[i], err);

		if (r < 0)
			return r;
	}
	*state = steal_pointer(&s);
	return 0;
}

/* pass=P covers P and everything below it. */
static bool passed(const struct sg_module_state *s, const char *pattern)
{
	for (size_t i = 0; i < s->pass.n; i++) {
		size_t n = strlen(s->pass.v[i]);

		if (strncmp(pattern, s->pass.v[i], n) == 0 &&
		    (pattern[n] == '\0' || pattern[n] == '.' || pattern[n] == '['))
			return true;
	}
	return false;
}

static int check_oom_value(const struct visit_ctx *c, const char *shown, bool integer,
			   long long n, struct sg_error *err)
{
	if (!integer || n < c->s->oom_min || n > c->s->oom_max)
		return sg_error_set(err, -EPERM, "%s: %s: outside %lld..%lld (oom_score_adj=)",
				    c->label, shown, c->s->oom_min, c->s->oom_max);
	return 0;
}

static int check_rlimit(const struct visit_ctx *c, const char *shown, const json_t *v,
			struct sg_error *err)
{
	static const char *const limits[] = { "hard", "soft" };
	const char *type = json_string_value(json_object_get(v, "type"));

	if (!json_is_object(v) || !type || strcmp(type, "RLIMIT_RTPRIO") != 0)
		return 0;
	for (size_t i = 0; i < SG_ARRAY_SIZE(limits); i++) {
		const json_t *lim = json_object_get(v, limits[i]);
		unsigned long long n = 0;

		if (lim && (!sg_oci_u64_value(lim, &n) || n > c->s->rtprio))
			return sg_error_set(err, -EPERM,
					    "%s: %s.%s: RLIMIT_RTPRIO above %llu gives realtime "
					    "scheduling without CAP_SYS_NICE (rtprio=)",
					    c->label, shown, limits[i], c->s->rtprio);
	}
	return 0;
}

/* A cgroupfs path component named like a systemd unit ("cron.service", "system.slice"): the
 * container would create the cgroup systemd puts that unit's processes in when it starts
 * later (systemd takes an existing directory as its own). In the systemd form the container
 * gets its own "<prefix>-<name>.scope"; a name ending in ".slice" would make it a slice. */
static const char *unit_component(const char *p)
{
	static const char *const suffixes[] = {
		".slice", ".service", ".scope", ".socket", ".mount", ".swap", ".target",
		".device", ".automount", ".path", ".timer",
	};
	const char *name = strchr(p, ':') ? strrchr(p, ':') + 1 : p;

	for (const char *c = name; *c;) {
		size_t n = strcspn(c, "/");

		for (size_t i = 0; i < SG_ARRAY_SIZE(suffixes); i++) {
			size_t l = strlen(suffixes[i]);

			if ((!strchr(p, ':') || i == 0) && n >= l &&
			    strncmp(c + n - l, suffixes[i], l) == 0)
				return suffixes[i];
		}
		c += n + (c[n] == '/');
	}
	return NULL;
}

static int check_cgroups_path(const struct visit_ctx *c, const char *shown, const json_t *v,
			      struct sg_error *err)
{
	const char *p = json_string_value(v);
	struct sg_error why = { 0 };
	char found[PATH_MAX];
	const char *last;
	int r;

	if (!p)
		return sg_error_set(err, -EPERM, "%s: %s: not a string", c->label, shown);
	last = strchr(p, ':') ? strrchr(p, ':') + 1 : (strrchr(p, '/') ? strrchr(p, '/') + 1 : p);
	if (strcmp(p, "..") == 0 || strncmp(p, "../", 3) == 0 || strstr(p, "/../") ||
	    (strlen(p) >= 3 && strcmp(p + strlen(p) - 3, "/..") == 0) ||
	    strcmp(last, c->req->id) != 0)
		return sg_error_set(err, -EPERM,
				    "%s: %s: '%.256s' is not a cgroup of the container's own (its "
				    "last element must be '%s', without '..')",
				    c->label, shown, p, c->req->id);
	if (unit_component(p))
		return sg_error_set(err, -EPERM,
				    "%s: %s: '%.256s': names a systemd unit ('*%s'): systemd would "
				    "start that unit's processes in the container's cgroup",
				    c->label, shown, p, unit_component(p));
	r = sg_cgroup_in_use("/proc/self/mountinfo", "/proc/self/cgroup", p, found, sizeof(found),
			     &why);
	if (r < 0)
		return sg_error_set(err, -EPERM, "%s: %s: %s", c->label, shown, why.msg);
	if (r > 0)
		return sg_error_set(err, -EPERM,
				    "%s: %s: '%.256s': the cgroup exists and is in use (%.256s): "
				    "runc would join it, and Pids and Kill --all would reach its "
				    "processes", c->label, shown, p, found);
	return 0;
}

static int visit(void *data, const struct sg_field *f, const char *shown, const char *pattern,
		 const json_t *v, struct sg_error *err)
{
	const struct visit_ctx *c = data;

	if (passed(c->s, pattern))
		return 1;
	if (!f)
		return sg_error_set(err, -EPERM, "%s: %s: not judged by this gate", c->label, shown);
	if (f->cls == SG_FIELD_REFUSED)
		return sg_error_set(err, -EPERM, "%s: %s: not judged by this gate: %s (pass=%s "
				    "allows it)", c->label, shown, f->why, f->path);
	if (strcmp(pattern, "process.oomScoreAdj") == 0)
		return check_oom_value(c, shown, json_is_integer(v), json_integer_value(v), err);
	if (strcmp(pattern, "process.rlimits[]") == 0)
		return check_rlimit(c, shown, v, err);
	if (strcmp(pattern, "linux.cgroupsPath") == 0)
		return check_cgroups_path(c, shown, v, err);
	return (f->flags & SG_FIELD_OPAQUE) ? 1 : 0;
}

/* An exec's LSM label must be its container's: the profile only confines, yet an exec that
 * names another one ("unconfined") or none at all runs outside the container's. */
static int check_exec_labels(const struct visit_ctx *c, struct sg_error *err)
{
	static const char *const keys[] = { "apparmorProfile", "selinuxLabel" };
	static const char *const paths[] = { "process.apparmorProfile", "process.selinuxLabel" };
	const json_t *cproc = json_object_get(c->req->container_doc, "process");
	const struct sg_proc_doc *pd = c->req->proc_doc;

	if (!c->req->container_doc)
		return 0;
	for (size_t i = 0; i < SG_ARRAY_SIZE(keys); i++) {
		const json_t *theirs = json_object_get(cproc, keys[i]);
		const char *b = json_is_string(theirs) ? json_string_value(theirs) : "";
		/* Not a string (or absent) reads as "": the exec's label as a span. */
		struct sg_span a = { "", 0 };

		if (pd && (i ? pd->selinux.p : pd->apparmor.p)) {
			a = i ? pd->selinux : pd->apparmor;
		} else if (!pd) {
			const json_t *mine = json_object_get(c->req->doc, keys[i]);

			if (json_is_string(mine))
				a = (struct sg_span){ json_string_value(mine),
						      strlen(json_string_value(mine)) };
		}
		if (!passed(c->s, paths[i]) && (a.n != strlen(b) || memcmp(a.p, b, a.n) != 0))
			return sg_error_set(err, -EPERM, "%s: %s '%.*s': not the container's "
					    "('%.128s'): the exec would run outside the container's "
					    "confinement", c->label, keys[i], (int)(a.n < 128 ? a.n : 128),
					    a.p, b);
	}
	return 0;
}

/* The fast path's process (oci/procread.h): its reader takes only members the table knows and
 * does not refuse, and no RLIMIT_RTPRIO, so of what visit() judges only oomScoreAdj is left. */
static int walk_proc_doc(const struct visit_ctx *c, struct sg_error *err)
{
	for (size_t i = 0; i < c->req->proc_doc->n_keys; i++)
		if (c->req->proc_doc->order[i] == SG_PK_OOM && !passed(c->s, "process.oomScoreAdj"))
			return check_oom_value(c, "oomScoreAdj", true,
					       c->req->proc_doc->oom_score_adj, err);
	return 0;
}

static int fields_check(struct sg_module_state *s, struct sg_request *req,
			struct sg_error *reason)
{
	struct visit_ctx c = { .s = s, .req = req };
	const char *root;
	int r;

	if (req->op == SG_OP_CREATE) {
		root = SG_FIELDS_ROOT_CONFIG;
		c.label = "config.json";
	} else if (req->op == SG_OP_EXEC) {
		root = SG_FIELDS_ROOT_PROCESS;
		c.label = "process spec";
	} else {
		return SG_VERDICT_IGNORE;
	}
	if (req->op == SG_OP_EXEC && req->proc_doc) {
		r = walk_proc_doc(&c, reason);
	} else if (!req->doc) {
		/* Built from typed fields alone (no document): nothing untyped to judge. */
		return SG_VERDICT_IGNORE;
	} else if (!json_is_object(req->doc)) {
		sg_error_set(reason, -EINVAL, "fields: %s: not a JSON object", c.label);
		return SG_VERDICT_DENY;
	} else {
		r = sg_fields_walk(req->doc, root, visit, &c, reason);
	}
	if (r == 0 && req->op == SG_OP_EXEC)
		r = check_exec_labels(&c, reason);
	if (r < 0) {
		sg_error_prefix(reason, "fields");
		return SG_VERDICT_DENY;
	}
	return SG_VERDICT_SUCCESS;
}

const struct sg_module sg_module_fields = {
	SG_MODULE_HEADER,
	.name = "fields",
	.summary = "refuses any config.json or process field the field table does not know or refuses (pass=)",
	.ops = SG_OP_BIT(SG_OP_CREATE) | SG_OP_BIT(SG_OP_EXEC),
	.init = fields_init,
	.check = fields_check,
	.fini = fields_fini,
};
