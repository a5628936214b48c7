/* SPDX-License-Identifier: Apache-2.0 */
/* The request flags shared by sign, verify and explain: parsing, and building the request
 * from flags, an OCI process, a container's config.json, or a request envelope. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli/commands.h"
#include "core/cleanup.h"
#include "core/limits.h"
#include "core/strutil.h"
#include "oci/fields.h"
#include "oci/oci.h"
#include "reqflags.h"
#include "sig/canon.h"
#include "sig/grant.h"
#include "sig/keyring.h"
#include "sig/token.h"
#include "sig/verify.h"

enum {
	OPT_NAMESPACE = 0x100, OPT_ID, OPT_EXEC_ID, OPT_PROCESS, OPT_SPEC, OPT_REQUEST,
	OPT_BASE_ENV, OPT_USER, OPT_CWD, OPT_ENV, OPT_TERMINAL, OPT_NO_BIND, OPT_KEY,
	OPT_KEY_DIR, OPT_TOKEN, OPT_NOW, OPT_REPLAY, OPT_KEY_ID, OPT_TIMESTAMP, OPT_NONCE,
	OPT_RELATIVE, OPT_TOKEN_VERSION, OPT_VIEW, OPT_FULL_VIEW, OPT_HELP, OPT_POD,
	OPT_CONTAINER, OPT_SANDBOX, OPT_GRANT, OPT_NOT_AFTER, OPT_POD_JSON,
};

/* What a grant without --not-after is valid for. */
#define GRANT_DEFAULT_LIFETIME (30 * 86400)

static const struct option options[] = {
	{ "namespace", required_argument, NULL, OPT_NAMESPACE },
	{ "id", required_argument, NULL, OPT_ID },
	{ "exec-id", required_argument, NULL, OPT_EXEC_ID },
	{ "process", required_argument, NULL, OPT_PROCESS },
	{ "spec", required_argument, NULL, OPT_SPEC },
	{ "request", required_argument, NULL, OPT_REQUEST },
	{ "base-env-from", required_argument, NULL, OPT_BASE_ENV },
	{ "user", required_argument, NULL, OPT_USER },
	{ "cwd", required_argument, NULL, OPT_CWD },
	{ "env", required_argument, NULL, OPT_ENV },
	{ "terminal", no_argument, NULL, OPT_TERMINAL },
	{ "no-bind-exec-id", no_argument, NULL, OPT_NO_BIND },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "key-dir", required_argument, NULL, OPT_KEY_DIR },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "now", required_argument, NULL, OPT_NOW },
	{ "replay-store", required_argument, NULL, OPT_REPLAY },
	{ "key-id", required_argument, NULL, OPT_KEY_ID },
	{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
	{ "nonce", required_argument, NULL, OPT_NONCE },
	{ "relative", required_argument, NULL, OPT_RELATIVE },
	{ "token-version", required_argument, NULL, OPT_TOKEN_VERSION },
	{ "view", no_argument, NULL, OPT_VIEW },
	{ "full-view", no_argument, NULL, OPT_FULL_VIEW },
	{ "help", no_argument, NULL, OPT_HELP },
	{ "pod", required_argument, NULL, OPT_POD },
	{ "container", required_argument, NULL, OPT_CONTAINER },
	{ "sandbox", no_argument, NULL, OPT_SANDBOX },
	{ "grant", no_argument, NULL, OPT_GRANT },
	{ "not-after", required_argument, NULL, OPT_NOT_AFTER },
	{ "pod-json", required_argument, NULL, OPT_POD_JSON },
	{ NULL, 0, NULL, 0 },
};

/* Which extra group each command-specific option belongs to (0: a request flag). */
static unsigned option_group(int c)
{
	switch (c) {
	case OPT_KEY:
	case OPT_KEY_DIR:
		return SG_RF_KEY;
	case OPT_TOKEN:
		return SG_RF_TOKEN;
	case OPT_NOW:
	case OPT_REPLAY:
		return SG_RF_VERIFY;
	case OPT_KEY_ID:
	case OPT_TIMESTAMP:
	case OPT_NONCE:
		return SG_RF_SIGNING;
	case OPT_VIEW:
	case OPT_FULL_VIEW:
		return SG_RF_VIEW;
	default:
		return 0;
	}
}

void sg_reqflags_usage(FILE *out)
{
	fprintf(out,
		"Request (exec | create):\n"
		"  --namespace NS            containerd namespace (required unless --request)\n"
		"  --id CID                  container id (required unless --request)\n"
		"  --exec-id EID             exec id; signed (bound) unless --no-bind-exec-id\n"
		"  --no-bind-exec-id         sign 'exec-id -' (for kubectl exec: random exec ids)\n"
		"  --request FILE            a request envelope (the test-vector format)\n"
		"  --process FILE            exec: the OCI process JSON exactly as sent\n"
		"  --spec FILE               create: the container's config.json (process and host\n"
		"                            mounts); exec: the container's config.json as the\n"
		"                            template ctr uses (user, cwd, env), then the flags below\n"
		"  --base-env-from FILE      exec: a config.json whose process env is the base env\n"
		"  --user UID[:GID[:G1,G2]]  exec: the user; what is not given is the container's\n"
		"                            own (UID:GID signs no supplementary groups besides GID)\n"
		"                            create: user and additional gids (default 0:0, none)\n"
		"  --cwd DIR                 working directory (exec default: the container's own,\n"
		"                            create default: /)\n"
		"  --env K=V                 an environment entry the client adds (repeatable)\n"
		"  --terminal                the process has a terminal (an exec may then carry\n"
		"                            TERM=xterm unsigned, as docker/kubectl exec -t add it)\n"
		"  --relative ugsw|-         exec: bind exactly these as the container's own: u uid,\n"
		"                            g gid, s supplementary groups, w cwd (default: those\n"
		"                            not given by flags; none with --process or --request)\n"
		"  --token-version 1         exec: the version 1 form (absolute values; for gates\n"
		"                            older than version 2 tokens)\n"
		"Create grants (version 3, FORMAT.md section 8; need --spec):\n"
		"  --pod NS/NAME             a Kubernetes grant for this pod (namespace k8s.io)\n"
		"  --pod-json FILE           ... for the pod of this manifest (JSON), whose container\n"
		"                            (--container) must agree with --spec: command/args,\n"
		"                            env, runAsUser/runAsGroup, hostPath volumes, hostNetwork\n"
		"  --container NAME          ... for this container of the pod\n"
		"  --sandbox                 ... for the pod's sandbox instead of a container\n"
		"  --grant                   a grant that binds content only (Docker; namespace moby)\n"
		"  --not-after T             valid until unix time T, or +SECONDS from now (default\n"
		"                            +2592000, 30 days; never past the key's not_after)\n"
		"  [--] ARGV...              the process arguments\n");
}

static int usage_error(const char *cmd, const char *msg, const char *arg)
{
	fprintf(stderr, "shimgate %s: %s%s%s%s\n", cmd, msg, arg ? " '" : "", arg ? arg : "",
		arg ? "'" : "");
	fprintf(stderr, "Try 'shimgate %s --help'.\n", cmd);
	return -EINVAL;
}

static int parse_i64(const char *s, int64_t *out)
{
	return sg_timestamp_parse(s, out);
}

int sg_reqflags_parse(int argc, char **argv, unsigned extra, struct sg_reqflags *rf)
{
	const char *cmd = argv[0];
	int c;

	memset(rf, 0, sizeof(*rf));
	rf->extra = extra;
	optind = 0; /* 0: full re-initialisation of GNU getopt */
	opterr = 0;
	/* Options anywhere; ARGV with dashes of its own goes after "--". */
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		unsigned group = option_group(c);

		if (c == '?' || c == ':')
			return usage_error(cmd, "unknown option or missing value", argv[optind - 1]);
		if (group && !(extra & group))
			return usage_error(cmd, "option not accepted here", argv[optind - 1]);
		switch (c) {
		case 'h':
		case OPT_HELP:
			rf->help = true;
			return 0;
		case OPT_NAMESPACE: rf->ns = optarg; break;
		case OPT_ID: rf->id = optarg; break;
		case OPT_EXEC_ID: rf->exec_id = optarg; break;
		case OPT_PROCESS: rf->process_file = optarg; break;
		case OPT_SPEC: rf->spec_file = optarg; break;
		case OPT_REQUEST: rf->request_file = optarg; break;
		case OPT_BASE_ENV: rf->base_env_file = optarg; break;
		case OPT_USER: rf->user = optarg; break;
		case OPT_CWD: rf->cwd = optarg; break;
		case OPT_TERMINAL: rf->terminal = true; break;
		case OPT_NO_BIND: rf->no_bind_exec_id = true; break;
		case OPT_KEY: rf->key_file = optarg; break;
		case OPT_KEY_DIR: rf->key_dir = optarg; break;
		case OPT_TOKEN: rf->token = optarg; break;
		case OPT_REPLAY: rf->replay_store = optarg; break;
		case OPT_KEY_ID: rf->key_id = optarg; break;
		case OPT_NONCE: rf->nonce = optarg; break;
		case OPT_VIEW: rf->view = true; break;
		case OPT_POD: rf->pod = optarg; rf->grant = true; break;
		case OPT_CONTAINER: rf->container_name = optarg; rf->grant = true; break;
		case OPT_SANDBOX: rf->sandbox = rf->grant = true; break;
		case OPT_POD_JSON: rf->pod_json = optarg; rf->grant = true; break;
		case OPT_GRANT: rf->grant = true; break;
		case OPT_NOT_AFTER:
			rf->not_after_rel = optarg[0] == '+';
			if (parse_i64(optarg + rf->not_after_rel, &rf->not_after) < 0)
				return usage_error(cmd, "--not-after wants unix seconds or +SECONDS",
						   optarg);
			rf->not_after_set = rf->grant = true;
			break;
		case OPT_FULL_VIEW: rf->view = rf->full_view = true; break;
		case OPT_RELATIVE:
			if (sg_rel_parse(optarg, strlen(optarg), &rf->rel) < 0)
				return usage_error(cmd, "--relative wants '-' or letters of 'ugsw' in that order",
						   optarg);
			rf->rel_set = true;
			break;
		case OPT_TOKEN_VERSION:
			if (strcmp(optarg, "1") != 0 && strcmp(optarg, "2") != 0 &&
			    strcmp(optarg, "3") != 0)
				return usage_error(cmd, "--token-version wants 1, 2 or 3", optarg);
			rf->token_version = (unsigned)(optarg[0] - '0');
			break;
		case OPT_ENV:
			if (!strchr(optarg, '=') ||
			    sg_strv_push(&rf->env, optarg, SG_LIMIT_ENVC, NULL) < 0)
				return usage_error(cmd, "--env wants K=V", optarg);
			break;
		case OPT_NOW:
			if (parse_i64(optarg, &rf->now) < 0)
				return usage_error(cmd, "--now wants unix seconds", optarg);
			rf->now_set = true;
			break;
		case OPT_TIMESTAMP:
			if (parse_i64(optarg, &rf->timestamp) < 0)
				return usage_error(cmd, "--timestamp wants unix seconds", optarg);
			rf->timestamp_set = true;
			break;
		default:
			return usage_error(cmd, "unknown option", argv[optind - 1]);
		}
	}
	/* GNU getopt moved every non-option here: the operation first, then ARGV. */
	if (optind < argc && (!rf->request_file || sg_op_parse(argv[optind], &rf->op) == 0)) {
		if (sg_op_parse(argv[optind], &rf->op) < 0 || rf->op == SG_OP_MOUNT)
			return usage_error(cmd, "want the operation exec or create, not",
					   argv[optind]);
		rf->op_set = true;
		optind++;
	}
	rf->argv = argv + optind;
	rf->argc = argc - optind;
	if (rf->key_file && rf->key_dir)
		return usage_error(cmd, "give --key or --key-dir, not both", NULL);
	return 0;
}

void sg_reqflags_clear(struct sg_reqflags *rf)
{
	sg_strv_clear(&rf->env);
}

static int parse_user(const char *s, struct sg_user *u, struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(s);
	char *gid, *gids;
	uint64_t v;

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	gid = strchr(copy, ':');
	if (gid)
		*gid++ = '\0';
	gids = gid ? strchr(gid, ':') : NULL;
	if (gids)
		*gids++ = '\0';
	/* Numbers only: a name means the container's /etc/passwd, which the signer lacks. */
	if (sg_parse_u64(copy, UINT32_MAX, &v) < 0)
		return sg_error_set(err, -EINVAL, "--user '%s': want a numeric UID[:GID[:G1,G2]]", s);
	u->uid = (uint32_t)v;
	if (!gid)
		return 0;
	if (sg_parse_u64(gid, UINT32_MAX, &v) < 0)
		return sg_error_set(err, -EINVAL, "--user '%s': bad gid", s);
	u->gid = (uint32_t)v;
	if (!gids)
		return 0;
	u->additional_gids_present = true;
	for (char *save = NULL, *g = strtok_r(gids, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
		uint32_t *n;

		if (sg_parse_u64(g, UINT32_MAX, &v) < 0 || u->n_additional_gids >= SG_LIMIT_GIDS)
			return sg_error_set(err, -EINVAL, "--user '%s': bad additional gid", s);
		n = realloc(u->additional_gids, (u->n_additional_gids + 1) * sizeof(*n));
		if (!n)
			return sg_error_set(err, -ENOMEM, "out of memory");
		u->additional_gids = n;
		u->additional_gids[u->n_additional_gids++] = (uint32_t)v;
	}
	return 0;
}

static int read_json(const char *path, const char *root, json_t **out, struct sg_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r;

	r = sg_read_file(path, SG_LIMIT_JSON_MAX, &text, &len, err);
	if (r < 0)
		return r;
	r = sg_oci_parse_doc(text, len, root, out, err);
	if (r < 0)
		return sg_error_prefix(err, "%s", path);
	return 0;
}

/* Flags that change the process given by flags (or by an exec's template). */
static int apply_process_flags(const struct sg_reqflags *rf, struct sg_process *p,
			       struct sg_error *err)
{
	int r;

	if (rf->argc > 0 || !p->args.present) {
		sg_strv_clear(&p->args);
		p->args.present = true;
		for (int i = 0; i < rf->argc; i++) {
			r = sg_strv_push(&p->args, rf->argv[i], SG_LIMIT_ARGC, err);
			if (r < 0)
				return sg_error_prefix(err, "argv");
		}
	}
	if (rf->cwd || !p->cwd) {
		free(p->cwd);
		p->cwd = strdup(rf->cwd ? rf->cwd : "/");
		if (!p->cwd)
			return sg_error_set(err, -ENOMEM, "out of memory");
	}
	if (rf->user) {
		sg_user_clear(&p->user);
		r = parse_user(rf->user, &p->user, err);
		if (r < 0)
			return r;
	}
	/* As ctr task exec does: the terminal comes from the command line, not the template. */
	p->terminal = rf->terminal;
	/* No --env and no template env: the process has no env key at all, which is what
	 * ctr sends for a --rootfs container (absent and empty sign differently, T8). */
	if (rf->env.n > 0)
		p->env.present = true;
	for (size_t i = 0; i < rf->env.n; i++) {
		r = sg_strv_push(&p->env, rf->env.v[i], SG_LIMIT_ENVC, err);
		if (r < 0)
			return sg_error_prefix(err, "env");
	}
	return 0;
}

static bool has_process_flags(const struct sg_reqflags *rf)
{
	return rf->argc > 0 || rf->cwd || rf->user || rf->terminal || rf->env.n > 0;
}

static int build_from_envelope(const struct sg_reqflags *rf, struct sg_request **out,
			       struct sg_error *err)
{
	json_t *doc = NULL;
	int r;

	if (rf->ns || rf->id || rf->exec_id || rf->process_file || rf->spec_file ||
	    rf->base_env_file || has_process_flags(rf))
		return sg_error_set(err, -EINVAL, "--request describes the whole request: no other request flags");
	r = read_json(rf->request_file, SG_FIELDS_ROOT_ENVELOPE, &doc, err);
	if (r < 0)
		return r;
	r = sg_oci_request_from_json(doc, out, err);
	json_decref(doc);
	if (r < 0)
		return sg_error_prefix(err, "%s", rf->request_file);
	if (rf->op_set && (*out)->op != rf->op) {
		enum sg_op op = (*out)->op;

		sg_request_free(*out);
		*out = NULL;
		return sg_error_set(err, -EINVAL, "%s: is a %s request, not %s", rf->request_file,
				    sg_op_name(op), sg_op_name(rf->op));
	}
	if ((*out)->op == SG_OP_MOUNT) {
		sg_request_free(*out);
		*out = NULL;
		return sg_error_set(err, -EINVAL,
				    "%s: a mount is signed by the token of its create", rf->request_file);
	}
	return 0;
}

static int build_exec(const struct sg_reqflags *rf, struct sg_request **out, struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	const char *container = rf->spec_file ? rf->spec_file : rf->base_env_file;
	int r;

	if (rf->spec_file && rf->base_env_file)
		return sg_error_set(err, -EINVAL, "exec: --spec already gives the base env");
	if (rf->process_file) {
		_cleanup_free_ char *text = NULL;
		json_t *cdoc = NULL;
		size_t len = 0;

		if (has_process_flags(rf))
			return sg_error_set(err, -EINVAL,
					    "--process gives the whole process: no argv, --cwd, --user, --env, --terminal");
		if (container) {
			r = read_json(container, SG_FIELDS_ROOT_CONFIG, &cdoc, err);
			if (r < 0)
				return r;
		}
		r = sg_read_file(rf->process_file, SG_LIMIT_JSON_MAX, &text, &len, err);
		if (r == 0)
			r = sg_oci_exec_request(rf->ns, rf->id, rf->exec_id, text, len, cdoc, out, err);
		json_decref(cdoc);
		if (r < 0)
			return sg_error_prefix(err, "%s", rf->process_file);
		return 0;
	}
	r = sg_request_new(SG_OP_EXEC, rf->ns, rf->id, &req, err);
	if (r < 0)
		return r;
	if (rf->exec_id) {
		r = sg_request_set_exec_id(req, rf->exec_id, err);
		if (r < 0)
			return r;
	}
	if (container) {
		json_t *cdoc = NULL;

		r = read_json(container, SG_FIELDS_ROOT_CONFIG, &cdoc, err);
		if (r < 0)
			return r;
		/* The container's own env, user and cwd; with --spec also the process template
		 * ctr copies (--base-env-from gives only the env, the rest comes from flags). */
		r = sg_oci_exec_container(req, cdoc, err);
		if (r == 0 && !json_is_object(json_object_get(cdoc, "process")))
			r = sg_error_set(err, -EINVAL, "no \"process\" object");
		if (r == 0 && rf->spec_file)
			r = sg_oci_process_read(json_object_get(cdoc, "process"), &req->proc, err);
		if (r == 0 && !rf->spec_file)
			r = sg_strv_copy(&req->proc.env, &req->base_env, err);
		json_decref(cdoc);
		if (r < 0)
			return sg_error_prefix(err, "%s: process", container);
	}
	r = apply_process_flags(rf, &req->proc, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&req);
	return 0;
}

static int build_create(const struct sg_reqflags *rf, struct sg_request **out,
			struct sg_error *err)
{
	_cleanup_request_ struct sg_request *req = NULL;
	int r;

	if (rf->exec_id || rf->process_file || rf->base_env_file)
		return sg_error_set(err, -EINVAL,
				    "create takes no --exec-id, --process or --base-env-from");
	if (rf->spec_file) {
		json_t *doc = NULL;

		if (has_process_flags(rf))
			return sg_error_set(err, -EINVAL,
					    "--spec gives the whole process: no argv, --cwd, --user, --env, --terminal");
		r = read_json(rf->spec_file, SG_FIELDS_ROOT_CONFIG, &doc, err);
		if (r < 0)
			return r;
		r = sg_oci_create_request(rf->ns, rf->id, doc, NULL, 0, out, err);
		json_decref(doc);
		if (r < 0)
			return sg_error_prefix(err, "%s", rf->spec_file);
		return 0;
	}
	r = sg_request_new(SG_OP_CREATE, rf->ns, rf->id, &req, err);
	if (r < 0)
		return r;
	r = apply_process_flags(rf, &req->proc, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&req);
	return 0;
}

/* Sets one annotation of doc (creating the object). */
static int set_annotation(json_t *doc, const char *key, const char *value, struct sg_error *err)
{
	json_t *ann = json_object_get(doc, "annotations");

	if (!ann) {
		ann = json_object();
		if (!ann || json_object_set_new(doc, "annotations", ann) < 0)
			return sg_error_set(err, -ENOMEM, "out of memory");
	}
	if (!json_is_object(ann))
		return sg_error_set(err, -EINVAL, "annotations: not an object");
	if (!value) {
		(void)json_object_del(ann, key); /* absent is what is wanted */
		return 0;
	}
	if (json_object_set_new(ann, key, json_string(value)) < 0)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

/* The identity the CRI plugin writes into the spec, from --pod and --container/--sandbox
 * (--sandbox: no container name); without --pod the spec is taken as it is. */
static int grant_identity(const struct sg_reqflags *rf, json_t *doc, struct sg_error *err)
{
	_cleanup_free_ char *pod_ns = NULL;
	const char *slash = rf->pod ? strchr(rf->pod, '/') : NULL;
	int r;

	if (rf->pod && (!slash || slash == rf->pod || !slash[1] || strchr(slash + 1, '/')))
		return sg_error_set(err, -EINVAL, "--pod wants NAMESPACE/NAME");
	if (rf->pod && !rf->sandbox == !rf->container_name)
		return sg_error_set(err, -EINVAL, "--pod wants --container NAME or --sandbox");
	if (!rf->pod && (rf->sandbox || rf->container_name))
		return sg_error_set(err, -EINVAL, "--container and --sandbox need --pod");
	if (!rf->pod)
		return 0; /* the spec's own identity, if it has one */
	pod_ns = strndup(rf->pod, (size_t)(slash - rf->pod));
	if (!pod_ns)
		return sg_error_set(err, -ENOMEM, "out of memory");
	r = set_annotation(doc, SG_CRI_CONTAINER_TYPE, rf->sandbox ? "sandbox" : "container", err);
	if (r == 0)
		r = set_annotation(doc, SG_CRI_SANDBOX_NAMESPACE, pod_ns, err);
	if (r == 0)
		r = set_annotation(doc, SG_CRI_SANDBOX_NAME, slash + 1, err);
	if (r == 0)
		r = set_annotation(doc, SG_CRI_CONTAINER_NAME, rf->container_name, err);
	return r;
}

/* A grant: the spec with the identity flags applied, under a placeholder id (the id is not
 * part of what a grant signs). */
static int build_grant(const struct sg_reqflags *rf, struct sg_request **out,
		       struct sg_error *err)
{
	struct sg_reqflags g = *rf;
	_cleanup_free_ char *pod_id = NULL;
	json_auto_t *pod = NULL;
	int r;

	if (rf->op != SG_OP_CREATE || !rf->spec_file)
		return sg_error_set(err, -EINVAL, "a grant signs a create: want create --spec FILE");
	if (rf->pod_json) {
		if (rf->pod || rf->sandbox || !rf->container_name)
			return sg_error_set(err, -EINVAL, "--pod-json wants --container NAME and no --pod");
		r = sg_grant_pod_load(rf->pod_json, &pod, &pod_id, err);
		if (r < 0)
			return r;
		g.pod = pod_id;
	}
	if (!g.ns)
		g.ns = g.pod ? "k8s.io" : "moby";
	if (!g.id)
		g.id = "grant";
	r = build_create(&g, out, err);
	if (r == 0)
		r = grant_identity(&g, (*out)->doc, err);
	if (r == 0 && pod)
		r = sg_grant_pod_check(rf->pod_json, pod, rf->container_name, *out, err);
	if (r < 0) {
		sg_request_free(*out);
		*out = NULL;
	}
	return r;
}

int sg_reqflags_not_after(const struct sg_reqflags *rf, const struct sg_key *k, int64_t now,
			  int64_t *out, struct sg_error *err)
{
	int64_t key_end, t = now + GRANT_DEFAULT_LIFETIME;

	if (rf->not_after_set)
		t = rf->not_after_rel ? now + rf->not_after : rf->not_after;
	if (k && sg_key_not_after(k, &key_end) && t > key_end) {
		if (rf->not_after_set)
			return sg_error_set(err, -EINVAL,
					    "--not-after %" PRId64 " is past key '%s''s not_after %" PRId64,
					    t, sg_key_id(k), key_end);
		t = key_end;
	}
	if (t > SG_TOKEN_TS_MAX)
		return sg_error_set(err, -EINVAL, "--not-after out of range");
	*out = t;
	return 0;
}

int sg_reqflags_build(const struct sg_reqflags *rf, struct sg_request **out,
		      struct sg_error *err)
{
	if (rf->request_file)
		return build_from_envelope(rf, out, err);
	if (rf->grant || rf->token_version == 3) {
		if (!rf->op_set)
			return sg_error_set(err, -EINVAL, "want the operation: create");
		return build_grant(rf, out, err);
	}
	if (!rf->op_set)
		return sg_error_set(err, -EINVAL, "want the operation: exec or create");
	if (!rf->ns || !rf->id)
		return sg_error_set(err, -EINVAL, "--namespace and --id are required");
	if (rf->op == SG_OP_EXEC)
		return build_exec(rf, out, err);
	return build_create(rf, out, err);
}

bool sg_reqflags_bind_exec_id(const struct sg_reqflags *rf, const struct sg_request *req)
{
	return req->op == SG_OP_EXEC && req->exec_id && !rf->no_bind_exec_id;
}

/* The fields an exec built from flags leaves to the container: what no flag gave. */
static unsigned default_rel(const struct sg_reqflags *rf)
{
	unsigned rel = SG_REL_ALL;
	const char *gid;

	if (rf->process_file || rf->request_file)
		return 0;
	if (rf->cwd)
		rel &= ~(unsigned)SG_REL_CWD;
	if (rf->user) {
		rel &= ~(unsigned)SG_REL_UID;
		gid = strchr(rf->user, ':');
		if (gid)
			rel &= ~(unsigned)(SG_REL_GID | SG_REL_GROUPS);
	}
	return rel;
}

int sg_reqflags_params(const struct sg_reqflags *rf, const struct sg_request *req,
		       struct sg_canon_params *p, struct sg_error *err)
{
	p->bind_exec_id = sg_reqflags_bind_exec_id(rf, req);
	if (rf->grant || rf->token_version == 3) {
		if (req->op != SG_OP_CREATE || (rf->rel_set && rf->rel))
			return sg_error_set(err, -EINVAL, "a grant (version 3) signs a create");
		p->version = 3;
		p->rel = 0;
		return 0;
	}
	if (req->op != SG_OP_EXEC || rf->token_version == 1) {
		if ((rf->rel_set && rf->rel) || rf->token_version == 2)
			return sg_error_set(err, -EINVAL,
					    "--relative and --token-version 2 are for exec tokens");
		p->version = 1;
		p->rel = 0;
		return 0;
	}
	p->version = 2;
	p->rel = rf->rel_set ? rf->rel : default_rel(rf);
	return 0;
}

/* The safe-path check wants an absolute path; prefix the working directory, without
 * resolving symlinks (the check must still see them). */
static int absolute(const char *path, char **out, struct sg_error *err)
{
	_cleanup_free_ char *cwd = NULL;

	if (path[0] == '/') {
		*out = strdup(path);
	} else {
		cwd = getcwd(NULL, 0);
		if (!cwd)
			return sg_error_set(err, -errno, "getcwd: %s", strerror(errno));
		if (asprintf(out, "%s/%s", cwd, path) < 0)
			*out = NULL;
	}
	if (!*out)
		return sg_error_set(err, -ENOMEM, "out of memory");
	return 0;
}

int sg_reqflags_keyring(const struct sg_reqflags *rf, struct sg_keyring **out,
			struct sg_error *err)
{
	_cleanup_free_ char *path = NULL;
	int r;

	if (!rf->key_file && !rf->key_dir)
		return sg_error_set(err, -EINVAL, "want --key FILE or --key-dir DIR");
	r = absolute(rf->key_file ? rf->key_file : rf->key_dir, &path, err);
	if (r < 0)
		return r;
	if (rf->key_file)
		return sg_keyring_load_file(path, out, err);
	return sg_keyring_load(path, out, err);
}

int sg_reqflags_fail(const char *cmd, const struct sg_error *err)
{
	fprintf(stderr, "shimgate %s: %s\n", cmd, err->msg[0] ? err->msg : "failed");
	return SG_EXIT_USAGE;
}

int sg_reqflags_sign(const struct sg_reqflags *rf, const struct sg_keyring *kr,
		     const struct sg_request *req, char token[SG_TOKEN_MAX + 1],
		     struct sg_error *err)
{
	struct sg_canon_params p = { 0 };
	char nonce[SG_NONCE_HEX + 1];
	const char *key_id;
	int r;

	if (rf->key_file) {
		key_id = strrchr(rf->key_file, '/') ? strrchr(rf->key_file, '/') + 1 : rf->key_file;
		if (rf->key_id && strcmp(rf->key_id, key_id) != 0)
			return sg_error_set(err, -EINVAL,
					    "--key-id '%s' differs from the key file's id '%s'",
					    rf->key_id, key_id);
	} else if (!(key_id = rf->key_id)) {
		return sg_error_set(err, -EINVAL, "--key-dir needs --key-id");
	}
	if (rf->nonce)
		memcpy(nonce, rf->nonce, sizeof(nonce));
	else if (sg_nonce_generate(nonce, err) < 0)
		return -EIO;
	p.key_id = key_id;
	p.nonce = nonce;
	p.timestamp = rf->timestamp_set ? rf->timestamp : (int64_t)time(NULL);
	r = sg_reqflags_params(rf, req, &p, err);
	if (r == 0 && p.version == 3)
		r = sg_reqflags_not_after(rf, sg_keyring_find(kr, key_id), p.timestamp,
					  &p.timestamp, err);
	if (r == 0)
		r = sg_sign_request_params(kr, &p, req, token, SG_TOKEN_MAX + 1, err);
	return r;
}
