/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate exec ctr: signs a `ctr task exec` with its exec id bound (ctr needs one, so the
 * signer knows it) and runs ctr with the token as argv[0] (ctr has no --env). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static int ctr_prepare(const struct sg_exec_common *c, const struct sg_exec_args *a,
		       struct sg_exec_sign_req *sr, struct sg_argv *keep, struct sg_error *err)
{
	char nonce[SG_NONCE_HEX + 1];

	sr->ns = sg_exec_last(a, C_NAMESPACE) ? sg_exec_last(a, C_NAMESPACE)
					      : getenv("CONTAINERD_NAMESPACE");
	if (!sr->ns || !*sr->ns)
		sr->ns = "default";
	sr->exec_id = sg_exec_last(a, C_EXEC_ID);
	if (!sr->exec_id) {
		/* A fresh id: "sg-" and 128 random bits, drawn as a nonce is. */
		if (sg_nonce_generate(nonce, err) < 0)
			return -EIO;
		sg_argv_addf(keep, "sg-%s", nonce);
		if (keep->err)
			return sg_error_set(err, -ENOMEM, "out of memory");
		sr->exec_id = keep->v[keep->n - 1];
	}
	sr->id = a->target;
	sr->user = sg_exec_last(a, C_USER);
	sr->cwd = sg_exec_last(a, C_CWD);
	sr->terminal = a->val[C_TTY].n > 0;
	/* ctr --user UID:GID changes uid and gid and keeps the container's groups. */
	if (sr->user && strchr(sr->user, ':'))
		sr->relative = sr->cwd ? "s" : "sw";
	return 0;
}

/* ctr has no --env: the token is argv[0] of the process. */
static void ctr_command(const struct sg_exec_common *c, const struct sg_exec_args *a,
			const struct sg_exec_sign_req *sr, const struct sg_argv *keep,
			struct sg_argv *cmd)
{
	sg_argv_add(cmd, c->client);
	if (sg_exec_last(a, C_ADDRESS)) {
		sg_argv_add(cmd, "--address");
		sg_argv_add(cmd, sg_exec_last(a, C_ADDRESS));
	}
	sg_argv_add(cmd, "--namespace");
	sg_argv_add(cmd, sr->ns);
	sg_argv_add(cmd, "task");
	sg_argv_add(cmd, "exec");
	sg_argv_add(cmd, "--exec-id");
	sg_argv_add(cmd, sr->exec_id);
	if (sr->terminal)
		sg_argv_add(cmd, "--tty");
	if (sr->user) {
		sg_argv_add(cmd, "--user");
		sg_argv_add(cmd, sr->user);
	}
	if (sr->cwd) {
		sg_argv_add(cmd, "--cwd");
		sg_argv_add(cmd, sr->cwd);
	}
	sg_argv_add(cmd, a->target);
}

static const struct sg_exec_client ctr_client = {
	.name = "ctr",
	.default_client = CTR_DEFAULT,
	.opts = ctr_opts,
	.nopts = C_COUNT,
	.usage = ctr_usage,
	.env_token = false,
	.prepare = ctr_prepare,
	.command = ctr_command,
};

int sg_exec_ctr(int argc, char **argv)
{
	return sg_exec_main(&ctr_client, argc, argv);
}
