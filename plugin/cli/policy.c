/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate policy check | test: load the stacks as the shim would; run one request through them. */
#define _GNU_SOURCE
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/audit.h"
#include "core/cleanup.h"
#include "core/config.h"
#include "core/limits.h"
#include "core/request.h"
#include "core/stack.h"
#include "core/strutil.h"
#include "gate/gate.h"
#include "oci/fields.h"
#include "oci/oci.h"
#include "runc/settings.h"

/* A throwaway replay store: testing a signed request must never burn its nonce for real. */
#define TEMP_REPLAY_CAPACITY 1024u

struct policy_opts {
	const char *config;
	const char *policy_dir;
	const char *key_dir;
	const char *module_dir;
	const char *replay_store;
	const char *request;
	const char *op;
	char *tmpdir; /* the temporary replay store's directory, removed at the end */
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate policy check [SOURCE]\n"
		"       shimgate policy test --op exec|create|mount --request FILE.json [SOURCE]\n"
		"                            [--replay-store PATH]\n\n"
		"SOURCE is --config FILE (default $" SG_CONFIG_ENV ", else " SG_CONFIG_DEFAULT_PATH "), or\n"
		"--policy-dir DIR [--key-dir DIR] [--module-dir DIR] (built-in defaults otherwise;\n"
		"no keyring without --key-dir).\n\n"
		"check loads the create, mount and exec stacks and prints them normalised, or the\n"
		"first error as file:line. test runs the request through the stacks and prints\n"
		"each module's verdict and action, then the decision (exit 0 allowed, 1 refused).\n"
		"Without --replay-store, test uses a temporary replay store that it deletes.\n");
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void remove_tmpdir(struct policy_opts *o)
{
	if (!o->tmpdir)
		return;
	/* Best effort: a leftover temp directory is harmless and has no one to report to. */
	(void)nftw(o->tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	free(o->tmpdir);
	o->tmpdir = NULL;
}

static int set_path(char **field, const char *value, struct sg_error *err)
{
	/* Policy and module loading insist on absolute paths (the safe-path check). */
	char *abs = realpath(value, NULL);

	if (!abs)
		return sg_error_set(err, -errno, "%s: %s", value, strerror(errno));
	free(*field);
	*field = abs;
	return 0;
}

static int open_gate(struct policy_opts *o, struct sg_gate **gate, struct sg_error *err)
{
	struct sg_config *cfg = NULL;
	unsigned flags = 0;
	int r;

	if (o->policy_dir) {
		r = sg_config_defaults(&cfg, err);
		if (r == 0)
			r = set_path(&cfg->policy_dir, o->policy_dir, err);
		if (r == 0 && o->module_dir)
			r = set_path(&cfg->module_dir, o->module_dir, err);
		if (r == 0 && o->key_dir)
			r = set_path(&cfg->key_dir, o->key_dir, err);
		if (!o->key_dir)
			flags |= SG_GATE_NO_KEYRING;
	} else {
		struct sg_runc_settings *runc = NULL;

		/* The whole file as the shim reads it; its runc settings judge no request here. */
		r = sg_runc_settings_load(sg_cli_config_path(o->config), &cfg, &runc, err);
		sg_runc_settings_free(runc);
	}
	if (r == 0 && o->replay_store) {
		free(cfg->replay_store);
		cfg->replay_store = strdup(o->replay_store);
		if (!cfg->replay_store)
			r = sg_error_set(err, -ENOMEM, "out of memory");
	} else if (r == 0) {
		char tmpl[] = "/tmp/shimgate-policy.XXXXXX";

		if (!mkdtemp(tmpl))
			r = sg_error_set(err, -errno, "temporary directory: %s", strerror(errno));
		else if (!(o->tmpdir = strdup(tmpl)))
			r = sg_error_set(err, -ENOMEM, "out of memory");
		free(cfg->replay_store);
		cfg->replay_store = NULL;
		if (r == 0 && asprintf(&cfg->replay_store, "%s/replay.db", tmpl) < 0) {
			cfg->replay_store = NULL;
			r = sg_error_set(err, -ENOMEM, "out of memory");
		}
		cfg->replay_capacity = TEMP_REPLAY_CAPACITY;
	}
	if (r < 0) {
		sg_config_free(cfg);
		return r;
	}
	return sg_gate_open_config(cfg, flags, gate, err);
}

static int parse_opts(int argc, char **argv, bool test, struct policy_opts *o)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "policy-dir", required_argument, NULL, 'p' },
		{ "key-dir", required_argument, NULL, 'k' },
		{ "module-dir", required_argument, NULL, 'm' },
		{ "op", required_argument, NULL, 'o' },
		{ "request", required_argument, NULL, 'r' },
		{ "replay-store", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case 'c': o->config = optarg; break;
		case 'p': o->policy_dir = optarg; break;
		case 'k': o->key_dir = optarg; break;
		case 'm': o->module_dir = optarg; break;
		case 'o': o->op = optarg; break;
		case 'r': o->request = optarg; break;
		case 's': o->replay_store = optarg; break;
		case 'h':
			return sg_cli_usage(usage, SG_EXIT_OK);
		default:
			return sg_cli_usage(usage, SG_EXIT_USAGE);
		}
	}
	if (optind != argc || (o->config && (o->policy_dir || o->key_dir || o->module_dir)) ||
	    (!o->policy_dir && (o->key_dir || o->module_dir)) ||
	    (!test && (o->op || o->request || o->replay_store)) ||
	    (test && (!o->op || !o->request))) {
		usage(stderr);
		return SG_EXIT_USAGE;
	}
	return -1;
}

static int policy_check(struct policy_opts *o)
{
	struct sg_error err = { 0 };
	struct sg_gate *gate = NULL;

	if (open_gate(o, &gate, &err) < 0) {
		fprintf(stderr, "shimgate: %s\n", err.msg);
		return SG_EXIT_USAGE;
	}
	for (unsigned op = 0; op < SG_OP_COUNT; op++) {
		if (op)
			putchar('\n');
		(void)sg_stack_dump(sg_gate_stack(gate, (enum sg_op)op), stdout);
	}
	sg_gate_free(gate);
	return SG_EXIT_OK;
}

static int load_request(const struct policy_opts *o, struct sg_request **out,
			struct sg_error *err)
{
	_cleanup_free_ char *text = NULL;
	json_t *envelope = NULL;
	enum sg_op op;
	size_t len;
	int r;

	if (sg_op_parse(o->op, &op) < 0)
		return sg_error_set(err, -EINVAL, "--op '%s': want exec, create or mount", o->op);
	r = sg_read_file(o->request, SG_LIMIT_JSON_MAX, &text, &len, err);
	if (r < 0)
		return r;
	r = sg_oci_parse_doc(text, len, SG_FIELDS_ROOT_ENVELOPE, &envelope, err);
	if (r < 0)
		return sg_error_prefix(err, "%s", o->request);
	r = sg_oci_request_from_json(envelope, out, err);
	json_decref(envelope);
	if (r < 0)
		return sg_error_prefix(err, "%s", o->request);
	if ((*out)->op != op) {
		r = sg_error_set(err, -EINVAL, "%s: the request is for %s, not %s", o->request,
				 sg_op_name((*out)->op), o->op);
		sg_request_free(*out);
		*out = NULL;
	}
	return r;
}

static void print_decision(const struct sg_request *req, const struct sg_decision *d)
{
	_cleanup_free_ char *line = NULL;

	for (size_t i = 0; i < d->n_trace; i++) {
		const struct sg_trace_step *t = &d->trace[i];

		printf("%-6s %-8s %-8s %-8s %s", sg_op_name(t->op), t->module,
		       sg_verdict_name(t->verdict), t->action, t->where);
		printf(t->reason[0] ? "  (%s)\n" : "%s\n", t->reason);
	}
	for (size_t i = 0; i < req->notes.n; i++)
		printf("change: %s\n", req->notes.v[i]);
	printf("decision: %s\n", !d->allowed ? "deny" : d->audit_only ? "allow-audit-only" : "allow");
	if (d->module[0])
		printf("module: %s at %s\n", d->module, d->where);
	if (d->reason[0])
		printf("reason: %s\n", d->reason);
	line = sg_audit_format(req, d);
	if (line)
		printf("audit: %s\n", line);
}

static int policy_test(struct policy_opts *o)
{
	struct sg_decision d = { .want_trace = true };
	struct sg_request *req = NULL;
	struct sg_error err = { 0 };
	struct sg_gate *gate = NULL;
	int rc = SG_EXIT_USAGE;

	if (load_request(o, &req, &err) < 0 || open_gate(o, &gate, &err) < 0 ||
	    sg_gate_decide(gate, req, &d, &err) < 0) {
		fprintf(stderr, "shimgate: %s\n", err.msg);
		goto out;
	}
	print_decision(req, &d);
	/* An audit-only pass is still a refusal by the policy under test. */
	rc = d.allowed && !d.audit_only ? SG_EXIT_OK : SG_EXIT_REFUSED;
out:
	sg_decision_clear(&d);
	sg_gate_free(gate);
	sg_request_free(req);
	return rc;
}

int sg_cmd_policy(int argc, char **argv)
{
	struct policy_opts o = { 0 };
	bool test;
	int rc;

	rc = sg_cli_first_arg(argc, argv, usage);
	if (rc >= 0)
		return rc;
	if (strcmp(argv[1], "check") != 0 && strcmp(argv[1], "test") != 0) {
		fprintf(stderr, "shimgate policy: unknown subcommand '%s'\n", argv[1]);
		usage(stderr);
		return SG_EXIT_USAGE;
	}
	test = strcmp(argv[1], "test") == 0;
	rc = parse_opts(argc - 1, argv + 1, test, &o);
	if (rc >= 0)
		return rc;
	rc = test ? policy_test(&o) : policy_check(&o);
	remove_tmpdir(&o);
	return rc;
}
