/* SPDX-License-Identifier: Apache-2.0 */
/* The shimgate command line: one table of commands, each in its own file. */
#include <stdio.h>
#include <string.h>

#include "commands.h"

/* The lead's CMake may pass the project version; a build without it still says something. */
#ifndef SG_VERSION
#define SG_VERSION "0.1.0"
#endif

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *help;
};

static const struct command commands[] = {
	{ "keygen", sg_cmd_keygen, "create a signing key in the key directory" },
	{ "sign", sg_cmd_sign, "sign a request and print its token" },
	{ "verify", sg_cmd_verify, "verify the token of a request" },
	{ "explain", sg_cmd_explain, "show what a token binds and why it verifies or not" },
	{ "policy", sg_cmd_policy, "check the policy stacks, or test a request against them" },
	{ "seccomp", sg_cmd_seccomp, "check or dump a seccomp profile" },
	{ "config", sg_cmd_config, "check or dump shimgate.conf" },
	{ "exec", sg_cmd_exec, "sign and run an exec through docker, kubectl or ctr" },
	{ "fields", sg_cmd_fields, "print the field table: who judges each OCI and Task API field" },
	{ "doctor", sg_cmd_doctor, "list every way around the gate on this host, with the fix" },
	{ "setup", sg_cmd_setup, "make the gate the only runtime of containerd, Docker or CRI" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: shimgate COMMAND [OPTIONS]\n"
		     "       shimgate COMMAND --help\n"
		     "       shimgate --version\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(out, "\nExit status: 0 success or allowed, 1 refused or not verified, "
		     "2 usage or input error.\n");
}

int main(int argc, char **argv)
{
	const char *self = argc > 0 ? strrchr(argv[0], '/') : NULL;
	int rc;

	/* Installed as a Docker CLI plugin or a kubectl plugin under those names. */
	self = self ? self + 1 : (argc > 0 ? argv[0] : "");
	if (strcmp(self, "docker-shimgate") == 0)
		return sg_docker_plugin(argc, argv);
	if (strcmp(self, "kubectl-shimgate") == 0)
		return sg_kubectl_plugin(argc, argv);
	rc = sg_cli_first_arg(argc, argv, usage);
	if (rc >= 0)
		return rc;
	if (strcmp(argv[1], "--version") == 0) {
		printf("shimgate %s\n", SG_VERSION);
		return SG_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "shimgate: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return SG_EXIT_USAGE;
}
