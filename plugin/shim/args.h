/* SPDX-License-Identifier: Apache-2.0 */
/* The shim v2 command line as containerd writes it (Go `flag` syntax), read without
 * changing it: the real shim is later run with the very same argv. */
#ifndef SG_SHIM_ARGS_H
#define SG_SHIM_ARGS_H

#include <stdbool.h>

#include <shimgate/shimgate.h>

struct sg_shim_args {
	const char *ns;        /* -namespace */
	const char *id;        /* -id */
	const char *address;   /* -address: containerd's gRPC socket */
	const char *bundle;    /* -bundle (delete) */
	bool debug;            /* -debug */
	bool version;          /* -v */
	bool info;             /* -info (containerd 2.x) */
	const char *action;    /* start, delete, or NULL (the daemon form, never used by us) */
};

/* Accepts every flag containerd 1.6, 1.7 and 2.x pass; an unknown flag is an error, because
 * guessing whether it takes a value could make us misread the action. */
int sg_shim_args_parse(int argc, const char *const *argv, struct sg_shim_args *a, struct sg_error *err);

#endif
