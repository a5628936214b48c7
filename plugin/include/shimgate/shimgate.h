/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate public API: errors, operations, verdicts and read access to a request. */
#ifndef SHIMGATE_SHIMGATE_H
#define SHIMGATE_SHIMGATE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The version of this API: the functions below and the module ABI of <shimgate/module.h>.
 * Raised when either changes incompatibly (a function removed or changed, the module
 * structs changed); a module can test it at build time. */
#define SG_API_VERSION 1

/* Marks the functions the gate and the CLI export for loadable modules. Everything else in
 * those programs is hidden (built with -fvisibility=hidden and a version script made from
 * the SG_API lines of this header). */
#define SG_API __attribute__((visibility("default")))

/* Caller-owned error: code is a negative errno, msg names the cause. */
#define SG_ERROR_MSG_MAX 512
struct sg_error {
	int code;
	char msg[SG_ERROR_MSG_MAX];
};

/* Sets *err (when err is not NULL) and returns code, so a failure is one line:
 * return sg_error_set(err, -EINVAL, "%s:%u: unknown module '%s'", file, line, name); */
SG_API int sg_error_set(struct sg_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
SG_API int sg_error_setv(struct sg_error *err, int code, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Prefixes an existing message: "context: previous message". Returns err->code. */
SG_API int sg_error_prefix(struct sg_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* The three operations that decide what a container can reach. */
enum sg_op {
	SG_OP_CREATE = 0,
	SG_OP_MOUNT = 1,
	SG_OP_EXEC = 2,
	SG_OP_COUNT
};
#define SG_OP_BIT(op) (1u << (unsigned)(op))
#define SG_OP_ALL (SG_OP_BIT(SG_OP_CREATE) | SG_OP_BIT(SG_OP_MOUNT) | SG_OP_BIT(SG_OP_EXEC))

SG_API const char *sg_op_name(enum sg_op op);
/* Returns 0 and sets *op, or -EINVAL for an unknown name. */
SG_API int sg_op_parse(const char *name, enum sg_op *op);

/* What a module says about a request. A closed set: a module that cannot decide because its
 * machinery failed returns a negative errno, which the evaluator takes as SG_VERDICT_ERROR;
 * any other value is a broken module, and its policy line acts as "bad". */
enum sg_verdict {
	SG_VERDICT_SUCCESS = 0,  /* the module approves */
	SG_VERDICT_DENY = 1,     /* the module refuses; the reason says why */
	SG_VERDICT_UNSIGNED = 2, /* no signature was presented (hmac module) */
	SG_VERDICT_IGNORE = 3,   /* the module has no opinion on this request */
	SG_VERDICT_ERROR = 4,    /* the module could not decide (machinery failure) */
	SG_VERDICT_COUNT
};

SG_API const char *sg_verdict_name(enum sg_verdict v);
SG_API int sg_verdict_parse(const char *name, enum sg_verdict *v);

/* A request is opaque to loadable modules; they read it through these accessors.
 * Strings are NUL-terminated and owned by the request. Lists return NULL past the end. */
struct sg_request;

SG_API enum sg_op sg_request_op(const struct sg_request *req);
SG_API const char *sg_request_namespace(const struct sg_request *req);
SG_API const char *sg_request_container_id(const struct sg_request *req);
SG_API const char *sg_request_exec_id(const struct sg_request *req); /* NULL unless exec */

/* Process (create, exec). */
SG_API size_t sg_request_argc(const struct sg_request *req);
SG_API const char *sg_request_arg(const struct sg_request *req, size_t i);
SG_API size_t sg_request_envc(const struct sg_request *req);
SG_API const char *sg_request_env(const struct sg_request *req, size_t i);
SG_API const char *sg_request_cwd(const struct sg_request *req);
SG_API uint32_t sg_request_uid(const struct sg_request *req);
SG_API uint32_t sg_request_gid(const struct sg_request *req);
SG_API int sg_request_terminal(const struct sg_request *req);
SG_API int sg_request_no_new_privileges(const struct sg_request *req);

/* The mount under decision (mount operation only; NULL otherwise). */
SG_API const char *sg_request_mount_type(const struct sg_request *req);
SG_API const char *sg_request_mount_source(const struct sg_request *req);
SG_API const char *sg_request_mount_destination(const struct sg_request *req);
SG_API size_t sg_request_mount_optc(const struct sg_request *req);
SG_API const char *sg_request_mount_opt(const struct sg_request *req, size_t i);

/* The key id whose signature the request carried and that verified, or NULL. */
SG_API const char *sg_request_key_id(const struct sg_request *req);

/* Records a change a module made, for the audit trail ("caps: dropped CAP_NET_RAW"). Only
 * built-in modules change requests (see <shimgate/module.h>). */
SG_API int sg_request_note(struct sg_request *req, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#ifdef __cplusplus
}
#endif

#endif
