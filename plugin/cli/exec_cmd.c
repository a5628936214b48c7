/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate exec and the CLI plugin entry points (docker-shimgate, kubectl-shimgate): which
 * client's helper runs. The helpers share exec_helper.c. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "exec_helper.h"

static void exec_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate exec docker [-i] [-t] [-u UID[:GID]] [-w DIR] [-e K=V]... CONTAINER [--] ARGV...\n"
		"       shimgate exec kubectl [-i] [-t] [-n NS] [-c C] POD [--] ARGV...\n"
		"       shimgate exec ctr [-a ADDR] [-n NS] [-t] [--exec-id ID] [-u UID[:GID]] [--cwd DIR] CONTAINER [--] ARGV...\n"
		"Signs the exec with a container-relative token (what is not given is the\n"
		"container's own) and runs the client with the token where it carries it.\n"
		"`shimgate exec CLIENT --help` for each.\n");
}

int sg_cmd_exec(int argc, char **argv)
{
	int rc = sg_cli_first_arg(argc, argv, exec_usage);

	if (rc >= 0)
		return rc;
	if (strcmp(argv[1], "docker") == 0)
		return sg_exec_docker(argc - 1, argv + 1);
	if (strcmp(argv[1], "kubectl") == 0)
		return sg_exec_kubectl(argc - 1, argv + 1);
	if (strcmp(argv[1], "ctr") == 0)
		return sg_exec_ctr(argc - 1, argv + 1);
	fprintf(stderr, "shimgate exec: unknown client '%s' (docker, kubectl, ctr)\n", argv[1]);
	return SG_EXIT_USAGE;
}

#define PLUGIN_VERSION "0.1.0"

/* The docker CLI's global options that pick the daemon, as the environment the docker
 * client reads (the plugin runs /usr/bin/docker again). 1: one was consumed (with its value). */
static int docker_global(int argc, char **argv, int *i)
{
	static const struct {
		const char *s, *l, *env;
	} g[] = {
		{ "-H", "--host", "DOCKER_HOST" },
		{ "-c", "--context", "DOCKER_CONTEXT" },
		{ NULL, "--config", "DOCKER_CONFIG" },
	};
	const char *a = argv[*i];

	for (size_t k = 0; k < sizeof(g) / sizeof(g[0]); k++) {
		size_t n = strlen(g[k].l);
		const char *v = NULL;

		if (strncmp(a, g[k].l, n) == 0 && a[n] == '=')
			v = a + n + 1;
		else if ((g[k].s && strcmp(a, g[k].s) == 0) || strcmp(a, g[k].l) == 0)
			v = *i + 1 < argc ? argv[++*i] : NULL;
		else
			continue;
		return v && setenv(g[k].env, v, 1) == 0 ? 1 : -EINVAL;
	}
	return 0;
}

/* `docker [GLOBAL OPTIONS] shimgate exec ...` runs `docker-shimgate [GLOBAL OPTIONS] shimgate
 * exec ...` (a plugin gets the whole command line); the CLI first asks `docker-shimgate
 * docker-cli-plugin-metadata` (the CLI plugin protocol). */
int sg_docker_plugin(int argc, char **argv)
{
	int i;

	if (argc >= 2 && strcmp(argv[1], "docker-cli-plugin-metadata") == 0) {
		printf("{\"SchemaVersion\":\"0.1.0\",\"Vendor\":\"shimgate\",\"Version\":\""
		       PLUGIN_VERSION "\",\"ShortDescription\":\"Signed exec through the shimgate "
		       "runtime gate\"}\n");
		return SG_EXIT_OK;
	}
	/* Up to the plugin's name: -H/--host, -c/--context, --config are honoured, other global
	 * options (--debug, --log-level...) do not change what is signed or where. */
	for (i = 1; i < argc && strcmp(argv[i], "shimgate") != 0; i++)
		if (docker_global(argc, argv, &i) < 0)
			break;
	if (i + 1 < argc && strcmp(argv[i], "shimgate") == 0 && strcmp(argv[i + 1], "exec") == 0) {
		argv[i + 1] = (char *)"docker";
		return sg_exec_docker(argc - i - 1, argv + i + 1);
	}
	fprintf(stderr, "Usage: docker shimgate exec [OPTIONS] CONTAINER [--] ARGV...\n");
	return SG_EXIT_USAGE;
}

/* `kubectl shimgate exec ...` runs `kubectl-shimgate exec ...`. */
int sg_kubectl_plugin(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "exec") == 0) {
		argv[1] = (char *)"kubectl";
		return sg_exec_kubectl(argc - 1, argv + 1);
	}
	fprintf(stderr, "Usage: kubectl shimgate exec [OPTIONS] POD [--] ARGV...\n");
	return SG_EXIT_USAGE;
}
