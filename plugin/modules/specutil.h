/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the config.json modules (hooks, root, namespaces, paths, devices, sysctl):
 * their argument lists, and the parts of the spec more than one of them reads. */
#ifndef SG_MODULES_SPECUTIL_H
#define SG_MODULES_SPECUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include <shimgate/module.h>

#include "core/request.h"

/* Most entries one argument list may hold. */
#define SG_SPEC_ARG_ITEMS 256u

/* Finds which of keys ("allow", "signed_allow", ...) arg ("key=value") names; refuses an
 * unknown argument or one given twice (seen[] has one flag per key). Returns the index and
 * sets *value, or -EINVAL naming the argument. */
int sg_spec_arg(const char *arg, const char *const *keys, size_t n_keys, bool *seen,
		const char **value, struct sg_error *err);

/* Splits a comma list into out (appended); an empty item is an error naming arg. */
int sg_spec_arg_list(const char *arg, const char *value, struct sg_strv *out,
		     struct sg_error *err);

/* Every argument of init is KEY=LIST for one of keys: its items go to lists[KEY's index]
 * (appended). Unknown or repeated keys and empty items are errors naming the argument. */
int sg_spec_arg_lists(const struct sg_module_init *init, const char *const *keys, size_t n_keys,
		      struct sg_strv *lists, bool *seen, struct sg_error *err);

/* Every item of list (the argument key's) is an absolute path. */
int sg_spec_arg_paths(const char *key, const struct sg_strv *list, struct sg_error *err);

void sg_spec_lists_clear(struct sg_strv *lists, size_t n);

/* The create carried a signature that verified (the hmac line earlier in the stack). */
bool sg_spec_signed(const struct sg_request *req);

/* doc's "linux" object: NULL when absent; with create, made when absent. A "linux" that is
 * not an object is an error. */
int sg_spec_linux(json_t *doc, bool create, json_t **out, struct sg_error *err);

enum sg_ns_state {
	SG_NS_OWN,    /* listed without a path: a new namespace for the container */
	SG_NS_JOINED, /* a path to a namespace other than the host's */
	SG_NS_HOST,   /* not listed, or a path to the host's own namespace */
};

/* The OCI namespace type ("network", "mount", ...) and its /proc/<pid>/ns file name. */
const char *sg_spec_ns_file(const char *type);

/* Where the container's namespace of type (OCI name) comes from. The host's is the gate's
 * own /proc/self/ns/<file>: a path naming the same namespace (device and inode) is the
 * host's. *index is the entry's position in linux.namespaces (-1 when not listed). A path
 * that cannot be examined, or that someone other than root could point elsewhere before runc
 * opens it (not /proc/PID/ns/<file>, nor walked by sg_path_walk without procfs), is an error
 * naming it. A path sg_spec_ns_pin wrote is judged by the descriptor it names. */
int sg_spec_ns_state(const struct sg_request *req, const char *type, enum sg_ns_state *state,
		     long *index, struct sg_error *err);

/* THREATS T25: between a check of /proc/<pid>/ns/<file> and runc's open the pid can die and
 * be reused by a host process. So the gate opens the entry's path itself (linux.namespaces[i]
 * of req->doc), makes sure it opened a namespace of the entry's type (nsfs, NS_GET_NSTYPE),
 * holds the descriptor in req and rewrites the path to /proc/<gate pid>/fd/<N>, which runc
 * opens to the very same namespace file (runc 1.1 opens every path, then setns). What
 * sg_spec_ns_state says of the entry afterwards is what runc joins. An entry already pinned
 * is left alone. */
int sg_spec_ns_pin(struct sg_request *req, json_t *entry, size_t i, struct sg_error *err);

/* path is the kernel's entry for a namespace of a process: /proc/PID/ns/FILE,
 * /proc/PID/task/TID/ns/FILE or /proc/self/ns/FILE, exactly. */
bool sg_spec_proc_ns_path(const char *path, const char *file);

#endif
