/* SPDX-License-Identifier: Apache-2.0 */
/* The shimgate CLI: one function per command, one file per command, one table in main.c.
 * Exit codes: 0 success (or allowed), 1 refused / verification failed, 2 usage or input error. */
#ifndef SG_CLI_COMMANDS_H
#define SG_CLI_COMMANDS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"

#define SG_EXIT_OK 0
#define SG_EXIT_REFUSED 1
#define SG_EXIT_USAGE 2

/* Prints a command's usage, to stdout when it was asked for (rc SG_EXIT_OK), else to stderr;
 * returns rc. */
static inline int sg_cli_usage(void (*usage)(FILE *out), int rc)
{
	usage(rc == SG_EXIT_OK ? stdout : stderr);
	return rc;
}

/* For shimgate and the commands with subcommands, which need argv[1]: none is a usage error
 * and --help/-h asks for the usage. Returns -1 to go on, else the exit status. */
static inline int sg_cli_first_arg(int argc, char **argv, void (*usage)(FILE *out))
{
	if (argc < 2)
		return sg_cli_usage(usage, SG_EXIT_USAGE);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return sg_cli_usage(usage, SG_EXIT_OK);
	return -1;
}

/* The shimgate.conf a command reads, as the shim picks it: --config, else $SHIMGATE_CONFIG,
 * else the default path. */
static inline const char *sg_cli_config_path(const char *flag)
{
	const char *env = getenv(SG_CONFIG_ENV);

	if (flag)
		return flag;
	return env && *env ? env : SG_CONFIG_DEFAULT_PATH;
}

int sg_cmd_keygen(int argc, char **argv);
int sg_cmd_sign(int argc, char **argv);
int sg_cmd_verify(int argc, char **argv);
int sg_cmd_explain(int argc, char **argv);
int sg_cmd_policy(int argc, char **argv);   /* policy check | policy test */
int sg_cmd_seccomp(int argc, char **argv);  /* seccomp check | seccomp dump */
int sg_cmd_config(int argc, char **argv);   /* config check | config dump */
int sg_cmd_exec(int argc, char **argv);     /* exec docker | exec kubectl | exec ctr */
int sg_docker_plugin(int argc, char **argv);  /* argv[0] docker-shimgate */
int sg_kubectl_plugin(int argc, char **argv); /* argv[0] kubectl-shimgate */
int sg_cmd_fields(int argc, char **argv);   /* the field table */
int sg_cmd_doctor(int argc, char **argv);
int sg_cmd_setup(int argc, char **argv);    /* setup containerd | docker | kubernetes */

#endif
