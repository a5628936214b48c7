/* SPDX-License-Identifier: Apache-2.0 */
/* The shimgate CLI: one function per command, one file per command, one table in main.c.
 * Exit codes: 0 success (or allowed), 1 refused / verification failed, 2 usage or input error. */
#ifndef SG_CLI_COMMANDS_H
#define SG_CLI_COMMANDS_H

#define SG_EXIT_OK 0
#define SG_EXIT_REFUSED 1
#define SG_EXIT_USAGE 2

int sg_cmd_keygen(int argc, char **argv);
int sg_cmd_sign(int argc, char **argv);
int sg_cmd_verify(int argc, char **argv);
int sg_cmd_explain(int argc, char **argv);
int sg_cmd_policy(int argc, char **argv);   /* policy check | policy test */
int sg_cmd_seccomp(int argc, char **argv);  /* seccomp check | seccomp dump */
int sg_cmd_config(int argc, char **argv);   /* config check | config dump */

#endif
