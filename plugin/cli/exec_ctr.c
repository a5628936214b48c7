/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate exec ctr: signs a `ctr task exec` with its exec id bound (ctr needs one, so the
 * signer knows it) and runs ctr with the token as argv[0] (ctr has no --env). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "commands.h"
#include "exec_helper.h"
#include "oci/oci.h"

#define CTR_DEFAULT "ctr"

enum { C_ADDRESS, C_NAMESPACE, C_TTY, C_EXEC_ID, C_USER, C_CWD, C_COUNT };

static const struct sg_exec_opt ctr_opts[C_COUNT] = {
	[C_ADDRESS] = { 'a', "address", true },
	[C_NAMESPACE] = { 'n', "namespace", true },
	[C_TTY] = { 't', "tty", false },
	[C_EXEC_ID] = { 0, "exec-id", true },
	[C_USER] = { 'u', "user", true },
	[C_CWD] = { 0, "cwd", true },
};

static void ctr_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate exec ctr [OPTIONS] CONTAINER [--] ARGV...\n"
		"Signs `ctr task exec` and runs it (ctr on PATH unless --client):\n"
		"  -a, --address ADDR     containerd's socket\n"
		"  -n, --namespace NS     containerd namespace (default $CONTAINERD_NAMESPACE or default)\n"
		"  -t, --tty              a terminal\n"
		"  --exec-id ID           the exec id, bound (default: a random one)\n"
		"  -u, --user UID[:GID]   numeric; the supplementary groups stay the container's own\n"
		"                         (ctr keeps them); default: the container's own user\n"
		"  --cwd DIR              default: the container's own\n");
	sg_exec_common_usage(out);
}

static const char *last(const struct sg_exec_args *a, int k)
{
	return a->val[k].n ? a->val[k].v[a->val[k].n - 1] : NULL;
}

int sg_exec_ctr(int argc, char **argv)
{
	struct sg_exec_common c = { .client = CTR_DEFAULT };
	struct sg_exec_sign_req sr = { 0 };
	struct sg_exec_args a;
	struct sg_argv cmd = { 0 };
	struct sg_error err = { 0 };
	char token[SG_TOKEN_MAX + 1] = "", eid[SG_NONCE_HEX + 4];
	bool help = false;
	int rc = SG_EXIT_USAGE;

	if (sg_exec_parse("ctr", argc, argv, ctr_opts, C_COUNT, &c, &a, &help) < 0)
		goto out;
	if (help) {
		ctr_usage(stdout);
		rc = SG_EXIT_OK;
		goto out;
	}
	sr.ns = last(&a, C_NAMESPACE) ? last(&a, C_NAMESPACE) : getenv("CONTAINERD_NAMESPACE");
	if (!sr.ns || !*sr.ns)
		sr.ns = "default";
	sr.exec_id = last(&a, C_EXEC_ID);
	if (!sr.exec_id) {
		/* A fresh id: "sg-" and 128 random bits, as a nonce is drawn. */
		memcpy(eid, "sg-", 3);
		if (sg_nonce_generate(eid + 3, &err) < 0)
			goto fail;
		sr.exec_id = eid;
	}
	sr.id = a.target;
	sr.user = last(&a, C_USER);
	sr.cwd = last(&a, C_CWD);
	sr.terminal = a.val[C_TTY].n > 0;
	/* ctr --user UID:GID changes uid and gid and keeps the container's groups. */
	if (sr.user && strchr(sr.user, ':'))
		sr.relative = sr.cwd ? "s" : "sw";
	sr.argv = a.argv;
	sr.argc = a.argc;
	if (sg_exec_sign(&c, &sr, token, &err) < 0)
		goto fail;

	sg_argv_add(&cmd, c.client);
	if (last(&a, C_ADDRESS)) {
		sg_argv_add(&cmd, "--address");
		sg_argv_add(&cmd, last(&a, C_ADDRESS));
	}
	sg_argv_add(&cmd, "--namespace");
	sg_argv_add(&cmd, sr.ns);
	sg_argv_add(&cmd, "task");
	sg_argv_add(&cmd, "exec");
	sg_argv_add(&cmd, "--exec-id");
	sg_argv_add(&cmd, sr.exec_id);
	if (sr.terminal)
		sg_argv_add(&cmd, "--tty");
	if (sr.user) {
		sg_argv_add(&cmd, "--user");
		sg_argv_add(&cmd, sr.user);
	}
	if (sr.cwd) {
		sg_argv_add(&cmd, "--cwd");
		sg_argv_add(&cmd, sr.cwd);
	}
	sg_argv_add(&cmd, a.target);
	sg_argv_addf(&cmd, SG_TOKEN_ENV "=%s", token);
	for (int i = 0; i < a.argc; i++)
		sg_argv_add(&cmd, a.argv[i]);
	rc = sg_exec_run(&c, &cmd, token, false);
	goto out;
fail:
	fprintf(stderr, "shimgate exec ctr: %s\n", err.msg);
	rc = SG_EXIT_USAGE;
out:
	OPENSSL_cleanse(token, sizeof(token));
	sg_argv_clear(&cmd);
	sg_exec_args_clear(&a);
	return rc;
}
