/* SPDX-License-Identifier: Apache-2.0 */
/* The shimgate policy-module ABI: one descriptor per module, built in or loaded from a .so.
 *
 * A loadable module is a shared object in the module directory that exports
 *
 *     SG_MODULE_EXPORT const struct sg_module SG_MODULE_SYMBOL = {
 *             SG_MODULE_HEADER, .name = "x", ... };
 *
 * (SG_MODULE_EXPORT keeps the descriptor visible when the module is built with
 * -fvisibility=hidden, as it should be.) The loader refuses a descriptor whose abi_version
 * differs from SG_MODULE_ABI_VERSION or whose struct_size is smaller than the loader's
 * sizeof(struct sg_module). Built-in modules are descriptors of the same type in the table
 * the gate hands to the policy loader; both go through one loader.
 *
 * A loadable module judges; it does not rewrite. It reads the request through the accessors
 * of <shimgate/shimgate.h> (process, mount, key id) and returns a verdict with a reason. The
 * request is opaque and no function changes it: the rewrites (capabilities, seccomp,
 * no_new_privileges, mount options) are the built-in modules' work, checked against the OCI
 * documents they write back. The module resolves the accessors against the program that
 * loads it (the shim or the CLI), which exports those and nothing else. */
#ifndef SHIMGATE_MODULE_H
#define SHIMGATE_MODULE_H

#include <shimgate/shimgate.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SG_MODULE_ABI_VERSION 1u
#define SG_MODULE_SYMBOL sg_module_descriptor
#define SG_MODULE_SYMBOL_NAME "sg_module_descriptor"
#define SG_MODULE_HEADER .abi_version = SG_MODULE_ABI_VERSION, .struct_size = sizeof(struct sg_module)
#define SG_MODULE_EXPORT __attribute__((visibility("default")))

/* Per-line module state: each module defines struct sg_module_state in its own file. */
struct sg_module_state;
/* The loaded gate (keyring, replay store, configuration) a built-in module may consult. Its
 * type is not part of this ABI. */
struct sg_context;

/* What a module's init gets for one policy line. */
struct sg_module_init {
	uint32_t struct_size;
	enum sg_op op;             /* the stack this line belongs to */
	const char *policy_file;   /* for messages: "file:line: ..." */
	unsigned line;
	int argc;                  /* module arguments, as written: "key=value" or "flag" */
	const char *const *argv;
	const char *policy_dir;    /* relative paths in arguments resolve against this */
	/* For built-in modules only (hmac reaches the keyring and the replay store through it).
	 * Its type is internal to shimgate; a loadable module is given NULL. */
	struct sg_context *ctx;
};

struct sg_module {
	uint32_t abi_version;
	uint32_t struct_size;
	const char *name;          /* [a-z0-9_-]+, what a policy line names */
	const char *summary;       /* one line for `shimgate policy check` and --help */
	unsigned ops;              /* SG_OP_BIT() set of operations it accepts */

	/* Parses arguments and builds state. Unknown or bad arguments are errors that name
	 * the argument. Returns 0 or -errno; *state may be set to NULL by modules that keep none. */
	int (*init)(const struct sg_module_init *init, struct sg_module_state **state,
		    struct sg_error *err);

	/* Judges one request (a built-in module may also change it). Returns an enum
	 * sg_verdict, and on DENY and UNSIGNED fills *reason with a message naming the field. A
	 * module whose machinery fails (a store it cannot reach, no memory) returns -errno,
	 * taken as SG_VERDICT_ERROR, with *reason filled or not. Any other value is a broken
	 * module: its line acts as "bad", whatever the policy says. */
	int (*check)(struct sg_module_state *state, struct sg_request *req,
		     struct sg_error *reason);

	void (*fini)(struct sg_module_state *state);
};

#ifdef __cplusplus
}
#endif

#endif
