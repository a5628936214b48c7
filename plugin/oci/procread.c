/* SPDX-License-Identifier: Apache-2.0 */
/* The exec's process spec read straight from its text into typed fields (no jansson
 * document); whatever it does not take goes the jansson way (procread.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "oci/oci.h"
#include "oci/procread.h"

/* Capabilities in one set, as process.c bounds them. */
#define CAPSET_ENTRIES_MAX 256u

const char *const sg_proc_key_names[SG_PROC_KEYS_MAX] = {
	[SG_PK_TERMINAL] = "terminal",   [SG_PK_CONSOLE] = "consoleSize",
	[SG_PK_USER] = "user",           [SG_PK_ARGS] = "args",
	[SG_PK_ENV] = "env",             [SG_PK_CWD] = "cwd",
	[SG_PK_CAPS] = "capabilities",   [SG_PK_RLIMITS] = "rlimits",
	[SG_PK_NNP] = "noNewPrivileges", [SG_PK_APPARMOR] = "apparmorProfile",
	[SG_PK_SELINUX] = "selinuxLabel", [SG_PK_OOM] = "oomScoreAdj",
};
static const char *const user_keys[] = { "uid", "gid", "umask", "additionalGids" };
static const char *const console_keys[] = { "height", "width" };
static const char *const rlimit_keys[] = { "type", "hard", "soft" };

struct rd {
	const char *s;
	size_t i, len;
	struct sg_proc_doc *doc;
	struct sg_process *proc;
	int failed; /* -ENOMEM: a real error, not a fallback */
};

static void skip_ws(struct rd *r)
{
	while (r->i < r->len && (r->s[r->i] == ' ' || r->s[r->i] == '\n' || r->s[r->i] == '\t' ||
				 r->s[r->i] == '\r'))
		r->i++;
}

static bool take(struct rd *r, char c)
{
	skip_ws(r);
	if (r->i < r->len && r->s[r->i] == c) {
		r->i++;
		return true;
	}
	return false;
}

/* A plain string: printable ASCII, no quote or backslash, at most SG_LIMIT_STRING bytes. */
static bool string(struct rd *r, struct sg_span *out)
{
	const char *start, *p, *end = r->s + r->len;

	if (!take(r, '"'))
		return false;
	start = p = r->s + r->i;
	for (; p < end && *p != '"'; p++) {
		unsigned char c = (unsigned char)*p;

		/* One compare for below 0x20 and above 0x7e. */
		if ((unsigned char)(c - 0x20) > 0x5e || c == '\\')
			return false;
	}
	if (p == end || (size_t)(p - start) > SG_LIMIT_STRING)
		return false;
	*out = (struct sg_span){ start, (size_t)(p - start) };
	r->i = (size_t)(p - r->s) + 1;
	return true;
}

static bool span_is(const struct sg_span *sp, const char *s)
{
	return strlen(s) == sp->n && memcmp(sp->p, s, sp->n) == 0;
}

static bool boolean(struct rd *r, bool *out)
{
	skip_ws(r);
	for (int v = 0; v < 2; v++) {
		size_t n = v ? 4 : 5;

		if (r->len - r->i >= n && memcmp(r->s + r->i, v ? "true" : "false", n) == 0) {
			r->i += n;
			*out = v;
			return true;
		}
	}
	return false;
}

/* An integer as JSON writes one, without fraction or exponent (and not "-0"): its sign and
 * magnitude, up to 2^64-1 (2^63 when negative). */
static bool integer(struct rd *r, bool *neg, uint64_t *mag)
{
	size_t start;

	skip_ws(r);
	*neg = r->i < r->len && r->s[r->i] == '-';
	r->i += *neg;
	start = r->i;
	*mag = 0;
	while (r->i < r->len && r->s[r->i] >= '0' && r->s[r->i] <= '9') {
		unsigned d = (unsigned)(r->s[r->i] - '0');

		if (*mag > (UINT64_MAX - d) / 10)
			return false;
		*mag = *mag * 10 + d;
		r->i++;
	}
	if (r->i == start || (r->s[start] == '0' && r->i - start > 1) || (*neg && *mag == 0))
		return false;
	if (r->i < r->len && (r->s[r->i] == '.' || r->s[r->i] == 'e' || r->s[r->i] == 'E'))
		return false;
	return !*neg || *mag <= (uint64_t)INT64_MAX + 1;
}

static bool unsigned_int(struct rd *r, uint64_t max, uint64_t *out)
{
	bool neg;

	return integer(r, &neg, out) && !neg && *out <= max;
}

/* An object whose keys are all in names, each once: order gets their indices as written. */
static bool object(struct rd *r, const char *const *names, int n_names, uint8_t *order,
		   uint8_t *n_order, bool (*member)(struct rd *r, int k, void *ctx), void *ctx)
{
	unsigned seen = 0;

	*n_order = 0;
	if (!take(r, '{'))
		return false;
	if (take(r, '}'))
		return true;
	do {
		struct sg_span key;
		int k = 0;

		if (!string(r, &key))
			return false;
		while (k < n_names && !span_is(&key, names[k]))
			k++;
		if (k == n_names || (seen & (1u << k)) || !take(r, ':') || !member(r, k, ctx))
			return false;
		seen |= 1u << k;
		order[(*n_order)++] = (uint8_t)k;
	} while (take(r, ','));
	return take(r, '}');
}

/* An array of at most max items. */
static bool array(struct rd *r, size_t max, bool (*item)(struct rd *r, size_t i, void *ctx),
		  void *ctx)
{
	size_t i = 0;

	if (!take(r, '['))
		return false;
	if (take(r, ']'))
		return true;
	do {
		if (i >= max || !item(r, i, ctx))
			return false;
		i++;
	} while (take(r, ','));
	return take(r, ']');
}

struct strv_ctx {
	struct sg_strv *out;
	size_t cap;
	bool env;
};

/* Each string copied into the list as it is read (doubling its array): no list of spans. */
static bool strv_item(struct rd *r, size_t i, void *ctx)
{
	struct strv_ctx *c = ctx;
	struct sg_strv *sv = c->out;
	struct sg_span sp;

	(void)i;
	if (!string(r, &sp))
		return false;
	/* process.c refuses an env entry that is not KEY=VALUE. */
	if (c->env && (sp.n == 0 || sp.p[0] == '=' || !memchr(sp.p, '=', sp.n)))
		return false;
	if (sv->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 16;
		char **v = reallocarray(sv->v, cap, sizeof(*v));

		if (!v) {
			r->failed = -ENOMEM;
			return false;
		}
		sv->v = v;
		c->cap = cap;
	}
	sv->v[sv->n] = strndup(sp.p, sp.n);
	if (!sv->v[sv->n]) {
		r->failed = -ENOMEM;
		return false;
	}
	sv->n++;
	return true;
}

static bool strv(struct rd *r, size_t max, bool env, struct sg_strv *out)
{
	struct strv_ctx c = { .out = out, .env = env };

	out->present = true;
	return array(r, max, strv_item, &c);
}

struct gids_ctx {
	uint32_t g[SG_LIMIT_GIDS];
	size_t n;
};

static bool gid_item(struct rd *r, size_t i, void *ctx)
{
	struct gids_ctx *c = ctx;
	uint64_t v;

	if (!unsigned_int(r, UINT32_MAX, &v))
		return false;
	c->g[i] = (uint32_t)v;
	c->n = i + 1;
	return true;
}

static bool user_member(struct rd *r, int k, void *ctx)
{
	struct sg_user *u = &r->proc->user;
	struct gids_ctx gids = { .n = 0 };
	uint64_t v;

	(void)ctx;
	if (k != 3) {
		if (!unsigned_int(r, UINT32_MAX, &v))
			return false;
		*(k == 0 ? &u->uid : k == 1 ? &u->gid : &r->doc->umask) = (uint32_t)v;
		return true;
	}
	if (!array(r, SG_LIMIT_GIDS, gid_item, &gids))
		return false;
	u->additional_gids_present = true;
	if (!gids.n)
		return true;
	u->additional_gids = calloc(gids.n, sizeof(*u->additional_gids));
	if (!u->additional_gids) {
		r->failed = -ENOMEM;
		return false;
	}
	memcpy(u->additional_gids, gids.g, gids.n * sizeof(*gids.g));
	u->n_additional_gids = gids.n;
	return true;
}

static bool cap_item(struct rd *r, size_t i, void *ctx)
{
	uint64_t *set = ctx;
	struct sg_span sp;
	int cap;

	(void)i;
	if (!string(r, &sp) || (cap = sg_cap_from_span(sp.p, sp.n)) < 0)
		return false;
	*set |= UINT64_C(1) << cap;
	return true;
}

/* The last capability list read: its text and its set. Clients write bounding, effective and
 * permitted as the same list: the same bytes read to the same set, without a lookup. */
struct caps_seen {
	struct sg_span text;
	uint64_t set;
};

static bool caps_member(struct rd *r, int k, void *ctx)
{
	struct caps_seen *last = ctx;
	size_t start;

	r->proc->caps_present[k] = true;
	skip_ws(r);
	start = r->i;
	if (last->text.p && r->len - r->i >= last->text.n &&
	    memcmp(r->s + r->i, last->text.p, last->text.n) == 0) {
		r->i += last->text.n;
		r->proc->caps[k] = last->set;
		return true;
	}
	if (!array(r, CAPSET_ENTRIES_MAX, cap_item, &r->proc->caps[k]))
		return false;
	*last = (struct caps_seen){ { r->s + start, r->i - start }, r->proc->caps[k] };
	return true;
}

static bool console_member(struct rd *r, int k, void *ctx)
{
	(void)ctx;
	return unsigned_int(r, INT64_MAX, &r->doc->console[k]);
}

static bool rlimit_member(struct rd *r, int k, void *ctx)
{
	struct sg_proc_rlimit *l = ctx;

	if (k == 0)
		/* RLIMIT_RTPRIO is bounded by the fields module: the jansson path judges it. */
		return string(r, &l->type) && !span_is(&l->type, "RLIMIT_RTPRIO");
	return unsigned_int(r, UINT64_MAX, k == 1 ? &l->hard : &l->soft);
}

static bool rlimit_item(struct rd *r, size_t i, void *ctx)
{
	struct sg_proc_rlimit *l = &r->doc->rlimits[i];

	(void)ctx;
	r->doc->n_rlimits = i + 1;
	return object(r, rlimit_keys, (int)SG_ARRAY_SIZE(rlimit_keys), l->order, &l->n_keys,
		      rlimit_member, l);
}

static bool top_member(struct rd *r, int k, void *ctx)
{
	struct sg_proc_doc *d = r->doc;
	struct sg_process *p = r->proc;
	const char *capsets[SG_CAPSET_COUNT];
	struct caps_seen seen = { { NULL, 0 }, 0 };
	bool ignored, neg;
	uint64_t mag;

	(void)ctx;
	switch ((enum sg_proc_key)k) {
	case SG_PK_TERMINAL: /* replaced by the request's */
		return boolean(r, &ignored);
	case SG_PK_CONSOLE:
		return object(r, console_keys, 2, d->console_order, &d->n_console,
			      console_member, NULL);
	case SG_PK_USER:
		return object(r, user_keys, 4, d->user_order, &d->n_user, user_member, NULL);
	case SG_PK_ARGS:
		return strv(r, SG_LIMIT_ARGC, false, &p->args);
	case SG_PK_ENV:
		return strv(r, SG_LIMIT_ENVC, true, &p->env);
	case SG_PK_CWD:
		if (string(r, &d->cwd) && !(p->cwd = strndup(d->cwd.p, d->cwd.n)))
			r->failed = -ENOMEM;
		return p->cwd != NULL;
	case SG_PK_CAPS:
		for (int s = 0; s < SG_CAPSET_COUNT; s++)
			capsets[s] = sg_capset_name((enum sg_capset)s);
		p->capabilities_present = true;
		return object(r, capsets, SG_CAPSET_COUNT, d->caps_order, &d->n_caps,
			      caps_member, &seen);
	case SG_PK_RLIMITS:
		return array(r, SG_PROC_RLIMITS_MAX, rlimit_item, NULL);
	case SG_PK_NNP:
		return boolean(r, &p->no_new_privileges);
	case SG_PK_APPARMOR:
		return string(r, &d->apparmor);
	case SG_PK_SELINUX:
		return string(r, &d->selinux);
	case SG_PK_OOM:
		if (!integer(r, &neg, &mag) || (!neg && mag > INT64_MAX))
			return false;
		d->oom_score_adj = neg ? (int64_t)(0 - mag) : (int64_t)mag;
		return true;
	}
	return false;
}

int sg_proc_doc_read(const char *text, size_t len, bool terminal, struct sg_proc_doc *doc,
		     struct sg_process *proc, struct sg_error *err)
{
	struct rd r = { .s = text, .len = len, .doc = doc, .proc = proc };
	bool ok;

	*doc = (struct sg_proc_doc){ .terminal = terminal };
	*proc = (struct sg_process){ .terminal = terminal };
	ok = len <= SG_LIMIT_JSON_MAX &&
	     object(&r, sg_proc_key_names, SG_PROC_KEYS_MAX, doc->order, &doc->n_keys, top_member,
		    NULL);
	skip_ws(&r);
	if (ok && r.i == len)
		return 1;
	sg_process_clear(proc);
	*doc = (struct sg_proc_doc){ 0 };
	if (r.failed)
		return sg_error_set(err, r.failed, "out of memory");
	return 0;
}
