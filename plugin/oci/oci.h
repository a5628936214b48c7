/* SPDX-License-Identifier: Apache-2.0 */
/* Reading OCI documents (config.json, a process spec) into requests, and writing the policy's
 * changes back. Also where the signature token is carried and taken out:
 *   exec:   env "SHIMGATE_TOKEN=<token>", or argv[0] "SHIMGATE_TOKEN=<token>" (for clients
 *           that can set only argv: ctr task exec, kubectl exec);
 *   create: annotation "io.shimgate.token", or process env "SHIMGATE_TOKEN=<token>".
 * Every carrier is stripped from the document, also when it is malformed or duplicated. */
#ifndef SG_OCI_OCI_H
#define SG_OCI_OCI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <shimgate/shimgate.h>

#include "core/request.h"

#define SG_TOKEN_ENV "SHIMGATE_TOKEN"
#define SG_TOKEN_ANNOTATION "io.shimgate.token"

struct sg_request;
struct sg_process;
struct sg_mount;

/* Parses JSON text with the project's bounds (size, depth) and refuses duplicate keys and NUL
 * characters in strings. No integer may exceed 2^63-1. */
int sg_oci_parse(const char *text, size_t len, json_t **out, struct sg_error *err);
/* The same for a document whose root is at root in the field table (SG_FIELDS_ROOT_*, see
 * oci/fields.h): integers up to 2^64-1 are accepted where the table marks a uint64 field, as
 * sg_oci_is_big_u64() strings that sg_oci_dump writes back as the same digits; anywhere else
 * they are refused with their JSON path. */
int sg_oci_parse_as(const char *text, size_t len, const char *root, json_t **out,
		    struct sg_error *err);
/* The one entry for an OCI document that runc will read (config.json, a process, resources)
 * and for the CLI's request envelope: sg_oci_parse_as, then the Go key check of oci/gokeys.h,
 * so the shim, the CLI and the fuzzers refuse the same documents. */
int sg_oci_parse_doc(const char *text, size_t len, const char *root, json_t **out,
		     struct sg_error *err);

/* Strict read of an OCI process object into typed fields (args, env, cwd, terminal, user,
 * capabilities, noNewPrivileges). Unknown capability names, wrong types and values over the
 * limits are errors naming the field. */
int sg_oci_process_read(const json_t *process, struct sg_process *out, struct sg_error *err);
/* Writes the typed fields back into process (args, env, user, capabilities, noNewPrivileges). */
int sg_oci_process_apply(const struct sg_process *p, json_t *process, struct sg_error *err);

/* Builds an exec request from the process JSON of an ExecProcessRequest (read through
 * sg_oci_parse_doc). container_doc (the
 * container's config.json, may be NULL) gives base_env and the container's capabilities; it
 * is borrowed (reference taken). The token is moved into req->token. */
int sg_oci_exec_request(const char *ns, const char *id, const char *exec_id, const char *json,
			size_t len, json_t *container_doc, struct sg_request **out,
			struct sg_error *err);
/* What the container itself runs with, from its config.json (reference taken): its env
 * (entries of an exec equal to these are not signed), its capabilities (the most an exec may
 * get), its user and cwd (for container-relative tokens). */
int sg_oci_exec_container(struct sg_request *req, json_t *container_doc, struct sg_error *err);
/* The same in two steps, for a caller that keeps what it read of a container's config.json:
 * read once (no "process" leaves known false; a process that does not read is kept as its
 * error, which each apply returns), applied to each request (copied). */
struct sg_exec_container {
	/* Of the document only what the exec path reads besides proc: {"process":
	 * {"apparmorProfile", "selinuxLabel"}} where they are strings; becomes
	 * req->container_doc. */
	json_t *doc;
	struct sg_process proc;
	bool known;
	int error;
	char *why; /* error's message (kept out of line: a cache holds many of these) */
};
void sg_oci_exec_container_read(json_t *container_doc, struct sg_exec_container *out);
int sg_oci_exec_container_apply(struct sg_request *req, const struct sg_exec_container *c,
				struct sg_error *err);
void sg_oci_exec_container_clear(struct sg_exec_container *c);
/* The same from an already parsed process object (reference taken). */
int sg_oci_exec_request_doc(const char *ns, const char *id, const char *exec_id, json_t *process,
			    json_t *container_doc, struct sg_request **out, struct sg_error *err);
/* The same with the container as sg_oci_exec_container_read kept it (may be NULL): its doc
 * is only the labels, so a caller that keeps one passes it whole, never its doc. */
int sg_oci_exec_request_kept(const char *ns, const char *id, const char *exec_id,
			     json_t *process, const struct sg_exec_container *container,
			     struct sg_request **out, struct sg_error *err);
/* The same from a process spec read by sg_proc_doc_read (oci/procread.h): proc is moved into
 * the request, which borrows pd (it must outlive the request) and has no document; container
 * (may be NULL) is applied as sg_oci_exec_container_apply does. */
struct sg_proc_doc;
int sg_oci_exec_request_fast(const char *ns, const char *id, const char *exec_id,
			     struct sg_process *proc, const struct sg_proc_doc *pd,
			     const struct sg_exec_container *container, struct sg_request **out,
			     struct sg_error *err);
/* The process JSON to forward, with the policy's changes and without the token. Caller frees. */
/* doc as compact JSON, byte for byte what json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER)
 * writes, NUL-terminated; *len excludes the NUL. */
int sg_oci_dump(const json_t *doc, char **out, size_t *len, struct sg_error *err);
/* The same, writing node (wherever doc holds that very object) as text, which must be what
 * sg_oci_dump writes for node: a large shared subtree (the resolved seccomp profile) is
 * serialised once, not per document. text NULL: plain sg_oci_dump. */
int sg_oci_dump_spliced(const json_t *doc, const json_t *node, const char *text,
			size_t text_len, char **out, size_t *len, struct sg_error *err);
int sg_oci_exec_serialize(const struct sg_request *req, char **out, size_t *len,
			  struct sg_error *err);

/* Builds a create request from config.json (reference taken) and the rootfs mounts of the
 * CreateTaskRequest (copied; may be NULL/0). Spec mounts come first in req->mounts. */
int sg_oci_create_request(const char *ns, const char *id, json_t *config,
			  const struct sg_mount *rootfs, size_t n_rootfs, struct sg_request **out,
			  struct sg_error *err);
/* Writes the changes into req->doc: process fields, linux.seccomp, mount options; removes
 * the token carriers. */
int sg_oci_create_apply(struct sg_request *req, struct sg_error *err);
/* A bundle's config.json as the gate read it: the one way the shim loads one (a create's,
 * and the container's for an exec or an update). */
struct sg_oci_config {
	char *path;
	json_t *doc; /* the document; a request built from it takes its own reference */
	char *text;  /* the file as read, so a store writes only a change */
	size_t len;
};
/* Reads path (at most SG_LIMIT_JSON_MAX bytes of a regular file, not through a symbolic
 * link) and parses it through sg_oci_parse_doc. Every error names the path. */
int sg_oci_config_load(const char *path, struct sg_oci_config *out, struct sg_error *err);
/* The mode a create's config.json is written back with. */
#define SG_CONFIG_JSON_MODE 0644
/* The create's store: writes the policy's changes into req->doc (sg_oci_create_apply; req
 * was built from cfg->doc) and, when the document differs from the one read, replaces
 * cfg->path atomically (temporary file, then rename), so runc reads the old file or the new
 * one, never a part. Unchanged, the file is not touched. */
int sg_oci_config_store(const struct sg_oci_config *cfg, struct sg_request *req,
			struct sg_error *err);
void sg_oci_config_clear(struct sg_oci_config *cfg);

/* An Update's resources (LinuxResources JSON) against the container's config.json (may be
 * NULL when the update holds no device rule that allows): every member must be a
 * linux.resources field the table knows and does not refuse, and device rules must only deny
 * or be the container's own list, rule for rule (a leading deny-all aside). -EPERM names the
 * field or the rule; -EINVAL for malformed input. */
int sg_oci_update_check(const json_t *resources, const json_t *config, struct sg_error *err);

/* A request described as JSON, for `shimgate policy test`, `sign`, and the test vectors:
 *   {"op":"exec","namespace":"default","id":"c1","exec_id":"e1",
 *    "process":{...OCI process...},"container":{...OCI config.json, optional...},
 *    "now":1700000000}
 *   {"op":"create","namespace":"default","id":"c1","spec":{...config.json...},
 *    "rootfs":[{"type":"overlay","source":"overlay","options":[...]}]}
 *   {"op":"mount", ... same as create, plus "mount": index into the create's mounts}
 * create, mount and exec may add "stdin", "stdout", "stderr" (what the Task API request names).
 * A create or mount may name its "bundle" (absolute), which the root module compares with.
 * Unknown keys are errors, and so are keys Go would fold onto an OCI field (oci/gokeys.h),
 * as in the shim. */
int sg_oci_request_from_json(const json_t *envelope, struct sg_request **out,
			     struct sg_error *err);

/* Capability names: "CAP_SYS_ADMIN" <-> 21. Returns -1 / NULL when unknown. */
int sg_cap_from_name(const char *name);
/* The same for n bytes at p (not NUL-terminated). */
int sg_cap_from_span(const char *p, size_t n);
const char *sg_cap_name(int cap);
#define SG_CAP_LAST 40 /* CAP_CHECKPOINT_RESTORE */
#define SG_CAP_MASK_ALL ((UINT64_C(1) << (SG_CAP_LAST + 1)) - 1)

/* A policy's comma list of capabilities ("CAP_NET_RAW,chown,ALL": prefix and case optional)
 * as a mask. An unknown or empty item is an error naming it. */
int sg_cap_parse_list(const char *list, uint64_t *mask, struct sg_error *err);
/* The names of the bits of mask, comma separated, into buf (cut at size). */
void sg_cap_format(uint64_t mask, char *buf, size_t size);

#endif
