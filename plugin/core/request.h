/* SPDX-License-Identifier: Apache-2.0 */
/* The request model: what one create, mount or exec asks for, independent of containerd.
 *
 * Front ends (the shim, the CLI) fill a request from an OCI spec or process (plugin/oci/),
 * modules judge it and change its typed fields, and the front end writes the changes back
 * (sg_oci_*_apply). The typed fields are the truth for everything the gate understands; the
 * JSON documents carry the rest through untouched. */
#ifndef SG_CORE_REQUEST_H
#define SG_CORE_REQUEST_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include <shimgate/shimgate.h>

#include "limits.h"

/* A list of strings that knows whether it was present at all: absent and empty differ. */
struct sg_strv {
	char **v;
	size_t n;
	bool present;
};

void sg_strv_clear(struct sg_strv *sv);
/* Appends a copy of s; -E2BIG past max entries, -ENOMEM. */
int sg_strv_push(struct sg_strv *sv, const char *s, size_t max, struct sg_error *err);
/* Removes entry i, freeing it. */
void sg_strv_remove(struct sg_strv *sv, size_t i);
int sg_strv_copy(struct sg_strv *dst, const struct sg_strv *src, struct sg_error *err);
/* Appends each item of a module argument's comma list value ("a,b"); an empty list or item
 * is an error naming the argument arg. */
int sg_strv_push_list(struct sg_strv *sv, const char *arg, const char *value, size_t max,
		      struct sg_error *err);
bool sg_strv_contains(const struct sg_strv *sv, const char *s);

enum sg_capset {
	SG_CAPSET_BOUNDING = 0,
	SG_CAPSET_EFFECTIVE,
	SG_CAPSET_INHERITABLE,
	SG_CAPSET_PERMITTED,
	SG_CAPSET_AMBIENT,
	SG_CAPSET_COUNT
};

/* OCI JSON key of a set: "bounding", "effective", ... */
const char *sg_capset_name(enum sg_capset set);

struct sg_user {
	uint32_t uid;
	uint32_t gid;
	uint32_t *additional_gids;
	size_t n_additional_gids;
	bool additional_gids_present;
	char *username; /* OCI user.username, NULL if absent */
};

struct sg_process {
	struct sg_strv args;
	struct sg_strv env;
	char *cwd;
	bool terminal;
	struct sg_user user;
	uint64_t caps[SG_CAPSET_COUNT];     /* bit n = capability number n */
	bool caps_present[SG_CAPSET_COUNT]; /* the JSON had that set */
	bool capabilities_present;          /* the JSON had a "capabilities" object */
	bool no_new_privileges;
};

struct sg_mount {
	char *type;
	char *source;
	char *destination;
	struct sg_strv options;
	bool rootfs;     /* from CreateTaskRequest.rootfs, not from the spec: cannot be rewritten */
	size_t index;    /* position in spec "mounts" (spec mounts) or in the rootfs list */
	bool changed;    /* a module changed options: write it back */
};

/* The outcome of checking the signature a request carried (cached: a create's token is
 * verified once, and its mounts reuse the result). */
enum sg_sig_status {
	SG_SIG_UNCHECKED = 0,
	SG_SIG_ABSENT,   /* no token */
	SG_SIG_VALID,
	SG_SIG_INVALID,
	SG_SIG_FAILED,   /* the check could not be made (memory, the HMAC, the replay store) */
};

struct sg_sig_state {
	enum sg_sig_status status;
	char key_id[SG_LIMIT_KEY_ID + 1];
	struct sg_error why; /* for SG_SIG_INVALID, SG_SIG_FAILED and SG_SIG_ABSENT */
	int64_t grant_not_after; /* a valid create grant (sg3): its not_after; 0 for a token */
};

struct sg_proc_doc;

/* stdin, stdout, stderr of a create or exec. */
#define SG_STDIO_COUNT 3

struct sg_request {
	enum sg_op op;
	char *ns;
	char *id;
	char *exec_id; /* exec only */
	/* create: the bundle directory (CreateTaskRequest.bundle), NULL when not known. */
	char *bundle;

	/* The signature token, taken out of the env, argv or annotations by the front end.
	 * Wiped and freed by sg_request_free; never copied into notes or errors. */
	char *token;

	/* create and exec: the process. */
	struct sg_process proc;

	/* exec: the container's own environment (its config.json process.env). Entries of an
	 * exec's env that equal one of these are not part of what is signed. */
	struct sg_strv base_env;
	/* exec: the container's capability sets; an exec never gets more than these. */
	uint64_t container_caps[SG_CAPSET_COUNT];
	bool container_caps_known;
	/* exec: the container's own user and cwd, for tokens that bind them as the container's
	 * own (FORMAT.md, version 2); known only with the container's config.json. */
	struct sg_user container_user;
	char *container_cwd;
	bool container_proc_known;

	/* create: every mount (spec mounts, then rootfs mounts). */
	struct sg_mount *mounts;
	size_t n_mounts;

	/* mount: the mount under decision (points into parent->mounts) and its create. */
	struct sg_mount *mount;
	struct sg_request *parent;

	/* create: the whole config.json; exec: the process JSON. Owned. */
	json_t *doc;
	/* exec on the shim's fast path (oci/procread.h): the process spec's members that are not
	 * typed fields, read without a document (doc is then NULL). Borrowed. */
	const struct sg_proc_doc *proc_doc;
	/* exec: of the container's config.json only process.apparmorProfile and
	 * process.selinuxLabel (oci/oci.h, struct sg_exec_container), read-only, may be NULL.
	 * Owned. */
	json_t *container_doc;
	/* create and exec: the task's stdin, stdout and stderr as the Task API request names
	 * them (a FIFO path or a URI; NULL when empty). Read by the stdio module. */
	char *stdio[SG_STDIO_COUNT];

	/* create: the OCI linux.seccomp object a module decided on, NULL to leave as is. Owned
	 * (a reference: the module shares one object between creates, never to be changed). */
	json_t *seccomp;
	/* create: seccomp as sg_oci_dump writes it, when the module has it, so config.json is
	 * written without serialising the object again; NULL: write the object. Owned. */
	char *seccomp_text;
	size_t seccomp_text_len;

	struct sg_sig_state sig;
	/* The full "what differs" view of a refused token (no secrets), for the debug log. */
	char *sig_view;

	/* Changes made by modules, for the audit trail. */
	struct sg_strv notes;

	/* The clock used for every time check of this request (seconds since the epoch). */
	int64_t now;

	/* create: descriptors the rewritten spec names as /proc/<gate pid>/fd/<N> (namespaces a
	 * module opened and checked): runc must open them before they close. Closed by
	 * sg_request_free unless the front end took them (sg_request_take_fds). */
	int held_fds[SG_LIMIT_HELD_FDS];
	size_t n_held_fds;
};

/* Allocates an empty request for op. ns and id are copied; they must be non-empty. */
int sg_request_new(enum sg_op op, const char *ns, const char *id, struct sg_request **out,
		   struct sg_error *err);
void sg_request_free(struct sg_request *req);
static inline void sg_request_freep(struct sg_request **req)
{
	sg_request_free(*req);
}
#define _cleanup_request_ __attribute__((cleanup(sg_request_freep)))

/* The not_after of the valid create grant req (or its create) was signed with; 0 when it was
 * not a grant (FORMAT.md section 8). */
int64_t sg_request_grant_not_after(const struct sg_request *req);

/* Sets the token (copied). Refuses a second token: a request carries at most one. */
int sg_request_set_token(struct sg_request *req, const char *token, struct sg_error *err);
/* Wipes and frees the token. */
void sg_request_drop_token(struct sg_request *req);

/* Takes ownership of fd (closed by sg_request_free); -E2BIG past SG_LIMIT_HELD_FDS, in which
 * case fd is closed too. */
int sg_request_hold_fd(struct sg_request *req, int fd, struct sg_error *err);
/* Moves the held descriptors to fds (room for SG_LIMIT_HELD_FDS); returns how many. */
size_t sg_request_take_fds(struct sg_request *req, int fds[SG_LIMIT_HELD_FDS]);

int sg_request_set_exec_id(struct sg_request *req, const char *exec_id, struct sg_error *err);

/* Sets stdin, stdout, stderr (copied; NULL or "" is none; at most PATH_MAX bytes each). */
int sg_request_set_stdio(struct sg_request *req, const char *const stdio[SG_STDIO_COUNT],
			 struct sg_error *err);

/* Builds the mount request for create->mounts[i] (borrowing create, which must outlive it). */
int sg_request_for_mount(struct sg_request *create, size_t i, struct sg_request **out,
			 struct sg_error *err);

/* Names a mount for refusals, the same way everywhere: "mount 3 ('/src' on '/dst')" for the
 * spec's mounts, "rootfs mount 0 of the Create request (type 'overlay', source 'overlay')" for
 * the rootfs mounts the API client chose (they have no destination). Truncates to size. */
void sg_mount_describe(const struct sg_mount *m, char *buf, size_t size);
void sg_mount_clear(struct sg_mount *m);
void sg_user_clear(struct sg_user *u);
void sg_process_clear(struct sg_process *p);

/* A plain identifier check used for ids and names: non-empty, bounded, no '/', no NUL,
 * not "." or "..". */
bool sg_id_valid(const char *s, size_t max);

#endif
