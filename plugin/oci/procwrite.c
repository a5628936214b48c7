/* SPDX-License-Identifier: Apache-2.0 */
/* The exec fast path's writer: the rewritten process JSON from the text's members and the
 * typed fields, byte for byte what the jansson path writes (procread.h): the members of the
 * text in its order with the typed fields over them, then what the jansson path's
 * sg_oci_process_apply would add, appended in its order. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/strutil.h"
#include "oci/jsonout.h"
#include "oci/oci.h"
#include "oci/procread.h"

static void put_key(struct sg_jout *o, bool *first, const char *key)
{
	if (!*first)
		sg_jout_put(o, ",", 1);
	*first = false;
	sg_jout_string(o, key, strlen(key));
	sg_jout_put(o, ":", 1);
}

static void put_uint(struct sg_jout *o, uint64_t v)
{
	char num[SG_U64_DEC_MAX + 1];

	sg_jout_put(o, num, sg_u64_dec(v, num));
}

static void put_int(struct sg_jout *o, int64_t v)
{
	if (v < 0)
		sg_jout_put(o, "-", 1);
	put_uint(o, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
}

static void put_bool(struct sg_jout *o, bool v)
{
	sg_jout_put(o, v ? "true" : "false", v ? 4 : 5);
}

static void put_strv(struct sg_jout *o, const struct sg_strv *sv)
{
	sg_jout_put(o, "[", 1);
	for (size_t i = 0; i < sv->n; i++) {
		if (i)
			sg_jout_put(o, ",", 1);
		sg_jout_string(o, sv->v[i], strlen(sv->v[i]));
	}
	sg_jout_put(o, "]", 1);
}

static void put_capset(struct sg_jout *o, uint64_t mask)
{
	bool first = true;

	sg_jout_put(o, "[", 1);
	for (int c = 0; c <= SG_CAP_LAST; c++) {
		if (!(mask & (UINT64_C(1) << c)))
			continue;
		/* The names are plain ASCII: quoted as they are, without the escaping loop. */
		sg_jout_put(o, first ? "\"" : ",\"", first ? 1 : 2);
		first = false;
		sg_jout_put(o, sg_cap_name(c), strlen(sg_cap_name(c)));
		sg_jout_put(o, "\"", 1);
	}
	sg_jout_put(o, "]", 1);
}

static void put_gids(struct sg_jout *o, const struct sg_user *u)
{
	sg_jout_put(o, "[", 1);
	for (size_t g = 0; g < u->n_additional_gids; g++) {
		if (g)
			sg_jout_put(o, ",", 1);
		put_uint(o, u->additional_gids[g]);
	}
	sg_jout_put(o, "]", 1);
}

/* apply_user: uid and gid set in place or appended, additionalGids written when present. */
static void put_user(struct sg_jout *o, const struct sg_proc_doc *d, const struct sg_user *u)
{
	static const char *const keys[] = { "uid", "gid", "umask", "additionalGids" };
	const uint32_t values[] = { u->uid, u->gid, d->umask };
	bool first = true, had[4] = { false };

	sg_jout_put(o, "{", 1);
	for (size_t i = 0; i < d->n_user; i++) {
		unsigned k = d->user_order[i];

		had[k] = true;
		if (k == 3 && !u->additional_gids_present)
			continue;
		put_key(o, &first, keys[k]);
		if (k < 3)
			put_uint(o, values[k]);
		else
			put_gids(o, u);
	}
	for (unsigned k = 0; k < 2; k++) {
		if (!had[k]) {
			put_key(o, &first, keys[k]);
			put_uint(o, values[k]);
		}
	}
	if (!had[3] && u->additional_gids_present) {
		put_key(o, &first, keys[3]);
		put_gids(o, u);
	}
	sg_jout_put(o, "}", 1);
}

/* apply_caps: a set neither present nor holding a capability is dropped, any other written
 * in place or appended in the sets' order. */
static bool capset_written(const struct sg_process *p, int s)
{
	return p->caps_present[s] || p->caps[s] != 0;
}

static void put_caps(struct sg_jout *o, const struct sg_proc_doc *d, const struct sg_process *p)
{
	bool first = true, had[SG_CAPSET_COUNT] = { false };

	sg_jout_put(o, "{", 1);
	for (size_t i = 0; i < d->n_caps; i++) {
		unsigned s = d->caps_order[i];

		had[s] = true;
		if (!capset_written(p, (int)s))
			continue;
		put_key(o, &first, sg_capset_name((enum sg_capset)s));
		put_capset(o, p->caps[s]);
	}
	for (int s = 0; s < SG_CAPSET_COUNT; s++) {
		if (!had[s] && capset_written(p, s)) {
			put_key(o, &first, sg_capset_name((enum sg_capset)s));
			put_capset(o, p->caps[s]);
		}
	}
	sg_jout_put(o, "}", 1);
}

static void put_rlimits(struct sg_jout *o, const struct sg_proc_doc *d)
{
	static const char *const keys[] = { "type", "hard", "soft" };

	sg_jout_put(o, "[", 1);
	for (size_t i = 0; i < d->n_rlimits; i++) {
		const struct sg_proc_rlimit *l = &d->rlimits[i];
		bool first = true;

		sg_jout_put(o, i ? ",{" : "{", i ? 2 : 1);
		for (size_t j = 0; j < l->n_keys; j++) {
			put_key(o, &first, keys[l->order[j]]);
			if (l->order[j] == 0)
				sg_jout_string(o, l->type.p, l->type.n);
			else
				put_uint(o, l->order[j] == 1 ? l->hard : l->soft);
		}
		sg_jout_put(o, "}", 1);
	}
	sg_jout_put(o, "]", 1);
}

static void put_console(struct sg_jout *o, const struct sg_proc_doc *d)
{
	static const char *const keys[] = { "height", "width" };
	bool first = true;

	sg_jout_put(o, "{", 1);
	for (size_t j = 0; j < d->n_console; j++) {
		put_key(o, &first, keys[d->console_order[j]]);
		put_uint(o, d->console[d->console_order[j]]);
	}
	sg_jout_put(o, "}", 1);
}

/* One member of the text, in its place (args and env only when the typed list is present). */
static void put_member(struct sg_jout *o, bool *first, const struct sg_proc_doc *d,
		       const struct sg_process *p, enum sg_proc_key k)
{
	if ((k == SG_PK_ARGS && !p->args.present) || (k == SG_PK_ENV && !p->env.present))
		return;
	put_key(o, first, sg_proc_key_names[k]);
	switch (k) {
	case SG_PK_TERMINAL: put_bool(o, d->terminal); break;
	case SG_PK_CONSOLE: put_console(o, d); break;
	case SG_PK_USER: put_user(o, d, &p->user); break;
	case SG_PK_ARGS: put_strv(o, &p->args); break;
	case SG_PK_ENV: put_strv(o, &p->env); break;
	case SG_PK_CWD: sg_jout_string(o, d->cwd.p, d->cwd.n); break;
	case SG_PK_CAPS: put_caps(o, d, p); break;
	case SG_PK_RLIMITS: put_rlimits(o, d); break;
	case SG_PK_NNP: put_bool(o, p->no_new_privileges); break;
	case SG_PK_APPARMOR: sg_jout_string(o, d->apparmor.p, d->apparmor.n); break;
	case SG_PK_SELINUX: sg_jout_string(o, d->selinux.p, d->selinux.n); break;
	case SG_PK_OOM: put_int(o, d->oom_score_adj); break;
	}
}

int sg_proc_doc_write(const struct sg_proc_doc *d, const struct sg_process *p, char **out,
		      size_t *len, struct sg_error *err)
{
	struct sg_jout o = { 0 };
	bool first = true, had[SG_PROC_KEYS_MAX] = { false }, any_caps = false;
	const struct sg_user *u = &p->user;
	/* What the jansson path appends when the text lacked it: "terminal" (set from the
	 * request before anything else), then sg_oci_process_apply's additions in its order. */
	enum sg_proc_key added[] = { SG_PK_TERMINAL, SG_PK_ARGS, SG_PK_ENV, SG_PK_USER,
				     SG_PK_CAPS, SG_PK_NNP };

	for (int s = 0; s < SG_CAPSET_COUNT; s++)
		any_caps |= capset_written(p, s);
	sg_jout_put(&o, "{", 1);
	for (size_t i = 0; i < d->n_keys; i++) {
		had[d->order[i]] = true;
		put_member(&o, &first, d, p, (enum sg_proc_key)d->order[i]);
	}
	for (size_t i = 0; i < SG_ARRAY_SIZE(added); i++) {
		enum sg_proc_key k = added[i];

		if (had[k] || (k == SG_PK_USER && !u->uid && !u->gid && !u->additional_gids_present) ||
		    (k == SG_PK_CAPS && !any_caps) || (k == SG_PK_NNP && !p->no_new_privileges))
			continue;
		put_member(&o, &first, d, p, k);
	}
	sg_jout_put(&o, "}", 1);
	return sg_jout_done(&o, out, len, err);
}

