/* SPDX-License-Identifier: Apache-2.0 */
/* What the fuzz harnesses share: libFuzzer's entry point (driven by replay.c in normal
 * builds), a private scratch directory, and one real gate over a temporary configuration. */
#ifndef SG_FUZZ_FUZZ_H
#define SG_FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "core/context.h"
#include "shim/firewall/methods.h"

/* Each harness defines this; its fixtures are made on first use (sg_fuzz_gate...). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* With SG_FUZZ_TRACE set in the environment, the harnesses print what the gate answered
 * (for checking what a seed reaches); otherwise false. */
bool sg_fuzz_trace(void);

/* An input was refused: the refusal must say why (traced with SG_FUZZ_TRACE). */
void sg_fuzz_refused(const struct sg_error *err);

/* Setup failures are the harness's fault, never the input's: print and abort. */
void sg_fuzz_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* A directory of this process (mode 0700, under $TMPDIR, else /dev/shm, else /tmp), made on
 * first use and removed at exit. Files in it pass the safe-path check when run as root. */
const char *sg_fuzz_dir(void);
/* Removes it now (a sanitizer's death callback; sg_fuzz_die does it too). */
void sg_fuzz_scratch_remove(void);
/* Writes data to <sg_fuzz_dir()>/rel (replacing it) with mode; returns the malloc'ed path. */
char *sg_fuzz_write(const char *rel, const void *data, size_t len, mode_t mode);
/* mkdir <sg_fuzz_dir()>/rel with mode; returns the malloc'ed path. */
char *sg_fuzz_mkdir(const char *rel, mode_t mode);
/* A NUL-terminated copy of the input (the text parsers take C strings). */
char *sg_fuzz_cstr(const uint8_t *data, size_t size);
/* Reads a file of the source tree (path relative to the top) or dies; NUL-terminated. */
char *sg_fuzz_src_read(const char *rel, size_t *len);

/* ttrpc and Task messages reach the gate with this namespace and container (whose
 * config.json is the ctr default spec, tests/bench/fixtures/config.json). */
#define SG_FUZZ_NS "default"
#define SG_FUZZ_ID "c1"
/* Descriptor kept open on the bundle root. Seeds name the bundle /proc/self/fd/240/c1: the
 * gate compares the bundle's parent with its bundle root by inode, so the seeds do not
 * depend on the name of the temporary directory. */
#define SG_FUZZ_BUNDLE_FD 240

/* One gate, loaded on first use with sg_gate_open from <dir>/shimgate.conf: policy_dir =
 * <dir>/policy.d holding the shipped create and mount stacks, the shipped seccomp profile
 * and probes list, and tests/fuzz/policy.d/exec; key_dir = <dir>/keys.d with one key;
 * replay store, audit to /dev/null. */
struct sg_fuzz_gate {
	struct sg_gate *gate;
	struct sg_intercept *ic;
	struct sg_call_ctx call;    /* for the Task message handlers */
	struct sg_context modules; /* config, keyring, replay: for loading policy stacks */
	const char *policy_dir;
	const char *module_dir;     /* empty: only built-in modules */
	const char *config_path;
};
const struct sg_fuzz_gate *sg_fuzz_gate(void);
/* Puts the container's config.json back when a create rewrote it, so every input meets
 * the same file. */
void sg_fuzz_bundle_restore(void);

/* Runs one Task message handler (sg_gate_create_handle...) on payload through the gate,
 * checks its answer is well formed, and restores the bundle. */
void sg_fuzz_task(void (*handle)(const struct sg_call_ctx *, const uint8_t *, size_t,
				 struct sg_call_result *),
		  const uint8_t *payload, size_t len);

/* The clock every decision of the harnesses uses (deterministic runs). */
#define SG_FUZZ_NOW 1700000000

struct sg_request;

/* Decides req with the gate at SG_FUZZ_NOW and formats its audit line; returns allowed. */
bool sg_fuzz_decide(struct sg_request *req);
/* Dies when an OCI process object (may be NULL) still carries a token: an env entry
 * SHIMGATE_TOKEN=..., or with argv0 (execs) argv[0] SHIMGATE_TOKEN=... (oci.h: every
 * carrier is stripped). */
void sg_fuzz_check_no_carrier(const json_t *process, bool argv0);

#endif
