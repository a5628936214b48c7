/* SPDX-License-Identifier: Apache-2.0 */
/* The field table: every field of an OCI config.json (runtime-spec 1.0.2 to 1.1, Linux) and of
 * the Task API Create, Exec and Update requests, with who judges it (THREATS T30), and the
 * walker that finds each field of a document in it.
 *
 * Paths are written as `shimgate fields` prints them: "process.rlimits[].hard" (an array's
 * elements), "linux.sysctl.*" (the values of a free-form map), "annotations.org.systemd.property.*"
 * (the map keys that start with "org.systemd.property."), "CreateTaskRequest.stdout" (a field of
 * a Task API request, documented here, never walked). */
#ifndef SG_OCI_FIELDS_H
#define SG_OCI_FIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include <shimgate/shimgate.h>

enum sg_field_class {
	SG_FIELD_NODE = 0, /* an object or array: its members are judged one by one */
	SG_FIELD_SIGNED,   /* covered by the signature (hmac) */
	SG_FIELD_FORCED,   /* overwritten by a module, whatever the client sent */
	SG_FIELD_CHECKED,  /* judged by a module, which refuses what it does not allow */
	SG_FIELD_PASSED,   /* let through, for the reason given */
	SG_FIELD_REFUSED,  /* refused by `fields` unless the policy passes it by name */
};

enum sg_field_flags {
	SG_FIELD_U64 = 1u << 0,    /* an integer up to 2^64-1 (Go uint64) */
	SG_FIELD_MAP = 1u << 1,    /* a free-form map: its keys are data ("<path>.*") */
	SG_FIELD_OPAQUE = 1u << 2, /* a whole subtree judged as one (non-Linux sections) */
};

struct sg_field {
	const char *path;
	enum sg_field_class cls;
	const char *by; /* module name(s), comma separated; "gate" for the gate's own code */
	unsigned flags;
	const char *why;
};

/* The table, in document order. */
extern const struct sg_field sg_fields[];
extern const size_t sg_fields_count;

/* "signed", "forced", ... */
const char *sg_field_class_name(enum sg_field_class cls);

/* The entry of pattern (a path with "[]" and "*" as in the table), or NULL. */
const struct sg_field *sg_field_find(const char *pattern);

/* The entry of the member key of the map at map_pattern: "<map>.<key>" itself, else the
 * longest "<map>.<prefix>*" entry whose prefix starts key, or NULL. */
const struct sg_field *sg_field_find_map_key(const char *map_pattern, const char *key);

/* Roots a document is walked under: a config.json, an exec's process, an Update's resources,
 * and the request envelope of `shimgate policy test` (spec, container: config.json; process). */
#define SG_FIELDS_ROOT_CONFIG ""
#define SG_FIELDS_ROOT_PROCESS "process"
#define SG_FIELDS_ROOT_RESOURCES "linux.resources"
#define SG_FIELDS_ROOT_ENVELOPE "@envelope"

/* One member the walker reached: its entry (NULL when the table does not know it), the path
 * as the client wrote it ("process.rlimits[2].hard", relative to the document), the table
 * pattern ("process.rlimits[].hard"), and the value. Array elements are visited with the
 * array's entry. Returns 0 to descend into the value, 1 to skip it, or -errno to stop. */
typedef int (*sg_field_visit_fn)(void *data, const struct sg_field *f, const char *shown,
				 const char *pattern, const json_t *v, struct sg_error *err);

/* Visits every member of doc (an object) under root. Recursion is bounded by the parser's
 * depth limit. */
int sg_fields_walk(const json_t *doc, const char *root, sg_field_visit_fn visit, void *data,
		   struct sg_error *err);

/* A uint64 above INT64_MAX, as the parser keeps it (jansson holds only int64): a string of
 * a NUL byte and the decimal digits. No client string can hold a NUL (the parser refuses
 * "\u0000"), and the writer puts the digits back as a bare number. */
bool sg_oci_is_big_u64(const json_t *v);
/* The value of an integer or of such a string; false for anything else or a negative. */
bool sg_oci_u64_value(const json_t *v, unsigned long long *out);

#endif
