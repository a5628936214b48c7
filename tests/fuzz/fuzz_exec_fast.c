/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target, differential: the exec fast path's reader and writer (oci/procread.h) against
 * the jansson path on the same process spec. Input: one control byte, then the JSON text.
 *
 * Whenever the reader takes a text, the jansson path (sg_oci_parse_doc, "terminal" set from
 * the request, sg_oci_exec_request_doc) must accept it too, and the two requests must agree
 * on everything: the typed fields, the token, the error of a refused request, the fields
 * module's verdict and reason (under four argument sets), the exec stack's decision (module,
 * policy line, reason), and, after the same changes to the typed fields, every byte written
 * back (so jansson reads the two outputs as one document). A text the reader leaves to
 * jansson is the jansson path's alone: nothing to compare.
 *
 * Control byte: bit 0 the request's terminal; bit 1 a container whose process has AppArmor
 * and SELinux labels; bits 2-4 changes to the typed fields before writing (capabilities,
 * user, env and noNewPrivileges); bits 5-6 the fields module's arguments. */
#include <stdlib.h>
#include <string.h>

#include "core/decision.h"
#include "core/request.h"
#include "fuzz.h"
#include "gate/gate.h"
#include "modules/modules.h"
#include "oci/fields.h"
#include "oci/oci.h"
#include "oci/procread.h"

static json_t *container_doc(bool labels)
{
	static json_t *docs[2];
	struct sg_error err = { 0 };
	json_t *proc;
	size_t len;
	char *text;

	if (docs[labels])
		return docs[labels];
	text = sg_fuzz_src_read("tests/bench/fixtures/config.json", &len);
	if (sg_oci_parse(text, len, &docs[labels], &err) < 0)
		sg_fuzz_die("fixture config.json: %s", err.msg);
	free(text);
	proc = json_object_get(docs[labels], "process");
	if (labels && (json_object_set_new(proc, "apparmorProfile", json_string("cri-default")) ||
		       json_object_set_new(proc, "selinuxLabel", json_string("system_u:c1"))))
		sg_fuzz_die("out of memory");
	return docs[labels];
}

static struct sg_module_state *fields_state(unsigned which)
{
	static const char *const args[][1] = {
		{ "oom_score_adj=-998..1000" },
		{ "oom_score_adj=0..0" },
		{ "pass=process.oomScoreAdj,process.apparmorProfile" },
		{ "oom_score_adj=-1000..-999" },
	};
	static struct sg_module_state *states[4];
	struct sg_module_init init = { .struct_size = sizeof(init), .op = SG_OP_EXEC,
				       .policy_file = "fuzz", .line = 1, .argc = 1,
				       .argv = args[which] };
	struct sg_error err = { 0 };

	if (!states[which] && sg_module_fields.init(&init, &states[which], &err) < 0)
		sg_fuzz_die("fields %s: %s", args[which][0], err.msg);
	return states[which];
}

static bool strv_eq(const struct sg_strv *a, const struct sg_strv *b)
{
	if (a->present != b->present || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static bool user_eq(const struct sg_user *a, const struct sg_user *b)
{
	return a->uid == b->uid && a->gid == b->gid &&
	       a->additional_gids_present == b->additional_gids_present &&
	       a->n_additional_gids == b->n_additional_gids &&
	       (!a->n_additional_gids || memcmp(a->additional_gids, b->additional_gids,
						a->n_additional_gids * sizeof(uint32_t)) == 0) &&
	       !a->username == !b->username && (!a->username || !strcmp(a->username, b->username));
}

static void same_request(const struct sg_request *a, const struct sg_request *b)
{
	const struct sg_process *p = &a->proc, *q = &b->proc;

	if (!strv_eq(&p->args, &q->args) || !strv_eq(&p->env, &q->env))
		sg_fuzz_die("args or env differ");
	if (!p->cwd != !q->cwd || (p->cwd && strcmp(p->cwd, q->cwd)))
		sg_fuzz_die("cwd differs");
	if (p->terminal != q->terminal || p->no_new_privileges != q->no_new_privileges ||
	    p->capabilities_present != q->capabilities_present ||
	    memcmp(p->caps, q->caps, sizeof(p->caps)) ||
	    memcmp(p->caps_present, q->caps_present, sizeof(p->caps_present)))
		sg_fuzz_die("terminal, noNewPrivileges or capabilities differ");
	if (!user_eq(&p->user, &q->user))
		sg_fuzz_die("user differs");
	if (!a->token != !b->token || (a->token && strcmp(a->token, b->token)))
		sg_fuzz_die("token differs");
	if (!strv_eq(&a->base_env, &b->base_env) || !user_eq(&a->container_user, &b->container_user) ||
	    !a->container_cwd != !b->container_cwd ||
	    (a->container_cwd && strcmp(a->container_cwd, b->container_cwd)) ||
	    a->container_proc_known != b->container_proc_known ||
	    a->container_caps_known != b->container_caps_known ||
	    memcmp(a->container_caps, b->container_caps, sizeof(a->container_caps)))
		sg_fuzz_die("the container's env, user, cwd or capabilities differ");
}

static void same_fields_verdict(struct sg_request *a, struct sg_request *b, unsigned which)
{
	struct sg_error ea = { 0 }, eb = { 0 };
	int va = sg_module_fields.check(fields_state(which), a, &ea);
	int vb = sg_module_fields.check(fields_state(which), b, &eb);

	if (va != vb || strcmp(ea.msg, eb.msg) != 0)
		sg_fuzz_die("fields: verdict %d '%s' (jansson) against %d '%s' (fast)", va, ea.msg,
			    vb, eb.msg);
}

static void same_decision(struct sg_request *a, struct sg_request *b)
{
	struct sg_decision da = { 0 }, db = { 0 };
	struct sg_error ea = { 0 }, eb = { 0 };
	int ra, rb;

	/* A token is verified once: the replay store would refuse the second request. */
	if (a->token)
		return;
	a->now = b->now = SG_FUZZ_NOW;
	ra = sg_gate_decide(sg_fuzz_gate()->gate, a, &da, &ea);
	rb = sg_gate_decide(sg_fuzz_gate()->gate, b, &db, &eb);
	if (ra != rb || da.allowed != db.allowed || strcmp(da.module, db.module) ||
	    strcmp(da.where, db.where) || strcmp(da.reason, db.reason))
		sg_fuzz_die("decision: '%s' %s '%s' (jansson) against '%s' %s '%s' (fast)",
			    da.module, da.where, da.reason, db.module, db.where, db.reason);
	sg_decision_clear(&da);
	sg_decision_clear(&db);
}

/* The same changes on both sides, for the writer's branches (members added, dropped). */
static void change(struct sg_process *p, unsigned ctl)
{
	struct sg_error err = { 0 };

	if (ctl & 4) {
		for (int s = 0; s < SG_CAPSET_COUNT; s++)
			p->caps[s] &= 0x4fb;
		p->caps_present[SG_CAPSET_AMBIENT] = !p->caps_present[SG_CAPSET_AMBIENT];
		p->caps[SG_CAPSET_INHERITABLE] |= 1;
	}
	if (ctl & 8) {
		p->user.uid = 1000;
		free(p->user.additional_gids);
		p->user.additional_gids = NULL;
		p->user.n_additional_gids = 0;
		p->user.additional_gids_present = !p->user.additional_gids_present;
	}
	if (ctl & 16) {
		p->no_new_privileges = !p->no_new_privileges;
		if (p->env.present)
			sg_strv_clear(&p->env);
		else if (sg_strv_push(&p->env, "ADDED=1", SG_LIMIT_ENVC, &err) < 0)
			sg_fuzz_die("%s", err.msg);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_request_ struct sg_request *a = NULL;
	_cleanup_request_ struct sg_request *b = NULL;
	json_auto_t *doc = NULL;
	struct sg_error ea = { 0 }, eb = { 0 };
	struct sg_process fast = { 0 };
	struct sg_exec_container container;
	struct sg_proc_doc pd;
	const char *text = (const char *)data + 1;
	char *oa = NULL, *ob = NULL;
	size_t n = size ? size - 1 : 0, la = 0, lb = 0;
	unsigned ctl = size ? data[0] : 0;
	json_t *cdoc = container_doc(ctl & 2);
	int ra, rb;

	if (!size || sg_proc_doc_read(text, n, ctl & 1, &pd, &fast, &eb) <= 0)
		return 0;
	if (sg_oci_parse_doc(text, n, SG_FIELDS_ROOT_PROCESS, &doc, &ea) < 0 ||
	    !json_is_object(doc))
		sg_fuzz_die("the fast reader took a spec the jansson path refuses: %s", ea.msg);
	if (json_object_set_new(doc, "terminal", json_boolean(ctl & 1)) < 0)
		sg_fuzz_die("out of memory");
	ra = sg_oci_exec_request_doc(SG_FUZZ_NS, SG_FUZZ_ID, "e1", doc, cdoc, &a, &ea);
	sg_oci_exec_container_read(cdoc, &container);
	rb = sg_oci_exec_request_fast(SG_FUZZ_NS, SG_FUZZ_ID, "e1", &fast, &pd, &container, &b,
				      &eb);
	sg_oci_exec_container_clear(&container);
	sg_process_clear(&fast);
	if (ra != rb || (ra < 0 && strcmp(ea.msg, eb.msg) != 0))
		sg_fuzz_die("request: %d '%s' (jansson) against %d '%s' (fast)", ra, ea.msg, rb,
			    eb.msg);
	if (ra < 0)
		return 0;
	same_request(a, b);
	same_fields_verdict(a, b, (ctl >> 5) & 3);
	same_decision(a, b);
	change(&a->proc, ctl);
	change(&b->proc, ctl);
	ra = sg_oci_exec_serialize(a, &oa, &la, &ea);
	rb = sg_oci_exec_serialize(b, &ob, &lb, &eb);
	if (ra != rb || (ra == 0 && (la != lb || memcmp(oa, ob, la) != 0)))
		sg_fuzz_die("written back differently:\n%s\n%s", ra ? ea.msg : oa, rb ? eb.msg : ob);
	free(oa);
	free(ob);
	return 0;
}
