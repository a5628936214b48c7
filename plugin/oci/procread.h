/* SPDX-License-Identifier: Apache-2.0 */
/* An exec's process spec read without a jansson document, and the rewritten process written
 * back from it: the exec's fast path.
 *
 * The reader takes only the plain documents every client sends (ctr, Docker, CRI): the keys
 * of procread.c's table spelled exactly, each once, values of the types the typed reader
 * (process.c) accepts, strings of printable ASCII without escapes, integers without fraction
 * or exponent. Anything else (another field, a misspelt or repeated key, an escape, a value
 * the gate refuses) is left to the jansson path (sg_oci_parse_doc), which then accepts or
 * refuses it with its own message: the reader never refuses. tests/fuzz/fuzz_exec_fast.c
 * holds the two paths to the same typed fields, the same verdict of the fields module and
 * the same bytes written back. */
#ifndef SG_OCI_PROCREAD_H
#define SG_OCI_PROCREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/request.h"

/* Members of a process, of its user and capabilities objects, of consoleSize and of a
 * rlimits entry, in the order the reader's tables list them. */
#define SG_PROC_KEYS_MAX 12
#define SG_PROC_RLIMITS_MAX 64

/* A string of the text: printable ASCII without '"' or '\\', so its bytes are its value. */
struct sg_span {
	const char *p;
	size_t n;
};

struct sg_proc_rlimit {
	uint8_t order[3]; /* type, hard, soft as written */
	uint8_t n_keys;
	struct sg_span type;
	uint64_t hard, soft;
};

/* What the typed process (struct sg_process) does not hold, and the order of every object's
 * members, for the writer. Strings point into the text read: it must outlive the doc. */
struct sg_proc_doc {
	uint8_t order[SG_PROC_KEYS_MAX]; /* top-level keys as written */
	uint8_t n_keys;
	uint8_t user_order[4], n_user;
	uint8_t caps_order[SG_CAPSET_COUNT], n_caps;
	uint8_t console_order[2], n_console;
	bool terminal;          /* as the request set it: written back as is */
	struct sg_span cwd, apparmor, selinux;
	int64_t oom_score_adj;
	uint32_t umask;
	uint64_t console[2];    /* height, width */
	struct sg_proc_rlimit rlimits[SG_PROC_RLIMITS_MAX];
	size_t n_rlimits;
};

/* Top-level keys, as sg_proc_doc.order holds them. */
enum sg_proc_key {
	SG_PK_TERMINAL,
	SG_PK_CONSOLE,
	SG_PK_USER,
	SG_PK_ARGS,
	SG_PK_ENV,
	SG_PK_CWD,
	SG_PK_CAPS,
	SG_PK_RLIMITS,
	SG_PK_NNP,
	SG_PK_APPARMOR,
	SG_PK_SELINUX,
	SG_PK_OOM,
};

/* The keys' JSON names, by enum sg_proc_key. */
extern const char *const sg_proc_key_names[SG_PROC_KEYS_MAX];

/* Reads text into doc and proc (its typed fields, terminal set to the request's), as the
 * jansson path would after setting "terminal". Returns 1 when read, 0 when the text is not
 * one this reader takes (doc and proc then hold nothing), -ENOMEM. */
int sg_proc_doc_read(const char *text, size_t len, bool terminal, struct sg_proc_doc *doc,
		     struct sg_process *proc, struct sg_error *err);

/* The process JSON runc gets: doc's members with the typed fields of p written over them, byte
 * for byte what sg_oci_exec_serialize writes for the same request on the jansson path. */
int sg_proc_doc_write(const struct sg_proc_doc *doc, const struct sg_process *p, char **out,
		      size_t *len, struct sg_error *err);

#endif
