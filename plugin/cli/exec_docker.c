/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate exec docker: resolves the container with `docker inspect`, signs the exec for
 * namespace moby (exec id unbound: Docker makes a random one), runs `docker exec`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "core/cleanup.h"
#include "core/limits.h"
#include "exec_helper.h"
#include "oci/oci.h"

#define DOCKER_DEFAULT "/usr/bin/docker"
#define DOCKER_NAMESPACE "moby"

enum { D_INTERACTIVE, D_TTY, D_USER, D_WORKDIR, D_ENV, D_NAMESPACE, D_GROUPS, D_COUNT };

static const struct sg_exec_opt docker_opts[D_COUNT] = {
	[D_INTERACTIVE] = { 'i', "interactive", false },
	[D_TTY] = { 't', "tty", false },
	[D_USER] = { 'u', "user", true },
	[D_WORKDIR] = { 'w', "workdir", true },
	[D_ENV] = { 'e', "env", true },
	[D_NAMESPACE] = { 0, "containerd-namespace", true },
	[D_GROUPS] = { 0, "groups", true },
};

static void docker_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate exec docker [OPTIONS] CONTAINER [--] ARGV...\n"
		"       docker shimgate exec [OPTIONS] CONTAINER [--] ARGV...   (CLI plugin)\n"
		"Signs `docker exec` for CONTAINER and runs it (" DOCKER_DEFAULT " unless --client):\n"
		"  -i, --interactive      keep stdin open\n"
		"  -t, --tty              a terminal (TERM=xterm, which Docker adds, is implied)\n"
		"  -u, --user UID[:GID]   numeric only; UID:GID also signs no extra groups (Docker\n"
		"                         adds GID itself); default: the container's own user\n"
		"  -w, --workdir DIR      default: the container's own\n"
		"  -e, --env K=V          an env entry to add (repeatable)\n"
		"  --containerd-namespace NS   dockerd's containerd namespace (default " DOCKER_NAMESPACE ")\n"
		"  --groups G1,G2         with -u UID:GID: the supplementary groups Docker will add\n"
		"                         from the image's /etc/group (signed only; default none)\n"
		"The daemon is the one the docker client talks to (DOCKER_HOST).\n");
	sg_exec_common_usage(out);
}

/* The container's full id (its containerd id under namespace moby) and the env its config
 * holds: an -e entry equal to one of those adds nothing, so it is not signed. */
static int inspect(const char *docker, const char *name, char **id, struct sg_strv *env,
		   struct sg_error *err)
{
	struct sg_argv q = { 0 };
	_cleanup_free_ char *out = NULL;
	char *save = NULL, *line;
	int r;

	sg_argv_add(&q, docker);
	sg_argv_add(&q, "inspect");
	sg_argv_add(&q, "--type=container");
	sg_argv_add(&q, "--format={{.Id}}{{range .Config.Env}}{{println}}{{.}}{{end}}");
	sg_argv_add(&q, "--");
	sg_argv_add(&q, name);
	r = q.err ? sg_error_set(err, -ENOMEM, "out of memory") : sg_exec_capture(q.v, &out, err);
	sg_argv_clear(&q);
	if (r < 0)
		return r;
	line = strtok_r(out, "\n", &save);
	if (!line || strspn(line, "0123456789abcdef") != 64 || line[64])
		return sg_error_set(err, -EINVAL, "docker inspect '%s': no 64-hex container id", name);
	*id = strdup(line);
	if (!*id)
		return sg_error_set(err, -ENOMEM, "out of memory");
	while ((line = strtok_r(NULL, "\n", &save)))
		if (sg_strv_push(env, line, SG_LIMIT_ENVC, err) < 0)
			return -E2BIG;
	return 0;
}

static int docker_prepare(const struct sg_exec_common *c, const struct sg_exec_args *a,
			  struct sg_exec_sign_req *sr, struct sg_argv *keep, struct sg_error *err)
{
	const struct sg_strv *env = &a->val[D_ENV];
	struct sg_strv base = { 0 };
	_cleanup_free_ char *id = NULL;
	int r;

	for (size_t i = 0; i < env->n; i++)
		if (!strchr(env->v[i], '='))
			return sg_error_set(err, -EINVAL, "-e '%s': want K=V (the value is signed)",
					    env->v[i]);
	sr->ns = sg_exec_last(a, D_NAMESPACE) ? sg_exec_last(a, D_NAMESPACE) : DOCKER_NAMESPACE;
	r = inspect(c->client, a->target, &id, &base, err);
	for (size_t i = 0; r == 0 && i < env->n; i++)
		if (!sg_strv_contains(&base, env->v[i]))
			r = sg_strv_push(&sr->env, env->v[i], SG_LIMIT_ENVC, err);
	sg_strv_clear(&base);
	if (r < 0)
		return r;
	sg_argv_addf(keep, "%s", id);
	sr->id = keep->err ? NULL : keep->v[keep->n - 1];
	sr->user = sg_exec_last(a, D_USER);
	if (sg_exec_last(a, D_GROUPS)) {
		if (!sr->user || !strchr(sr->user, ':'))
			return sg_error_set(err, -EINVAL, "--groups needs -u UID:GID");
		sg_argv_addf(keep, "%s:%s", sr->user, sg_exec_last(a, D_GROUPS));
		sr->user = keep->err ? NULL : keep->v[keep->n - 1];
	}
	sr->cwd = sg_exec_last(a, D_WORKDIR);
	sr->terminal = a->val[D_TTY].n > 0;
	return sr->id ? 0 : sg_error_set(err, -ENOMEM, "out of memory");
}

/* The token rides in the environment (`-e SHIMGATE_TOKEN` without a value), out of `ps`;
 * the container by its full id, so it is the one that was signed. */
static void docker_command(const struct sg_exec_common *c, const struct sg_exec_args *a,
			   const struct sg_exec_sign_req *sr, const struct sg_argv *keep,
			   struct sg_argv *cmd)
{
	sg_argv_add(cmd, c->client);
	sg_argv_add(cmd, "exec");
	sg_argv_add(cmd, "-e");
	sg_argv_add(cmd, SG_TOKEN_ENV);
	if (a->val[D_INTERACTIVE].n)
		sg_argv_add(cmd, "-i");
	if (sr->terminal)
		sg_argv_add(cmd, "-t");
	if (sg_exec_last(a, D_USER)) {
		sg_argv_add(cmd, "-u");
		sg_argv_add(cmd, sg_exec_last(a, D_USER));
	}
	if (sr->cwd) {
		sg_argv_add(cmd, "-w");
		sg_argv_add(cmd, sr->cwd);
	}
	for (size_t i = 0; i < a->val[D_ENV].n; i++) {
		sg_argv_add(cmd, "-e");
		sg_argv_add(cmd, a->val[D_ENV].v[i]);
	}
	sg_argv_add(cmd, sr->id);
}

static const struct sg_exec_client docker_client = {
	.name = "docker",
	.default_client = DOCKER_DEFAULT,
	.opts = docker_opts,
	.nopts = D_COUNT,
	.usage = docker_usage,
	.env_token = true,
	.prepare = docker_prepare,
	.command = docker_command,
};

int sg_exec_docker(int argc, char **argv)
{
	return sg_exec_main(&docker_client, argc, argv);
}
