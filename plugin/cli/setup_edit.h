/* SPDX-License-Identifier: Apache-2.0 */
/* The edits shimgate setup makes to containerd's config.toml (in place, line by line, keeping
 * the operator's comments and layout) and to dockerd's daemon.json. */
#ifndef SG_CLI_SETUP_EDIT_H
#define SG_CLI_SETUP_EDIT_H

#include <stdbool.h>

#include <jansson.h>

#include <shimgate/shimgate.h>

enum sg_engine {
	SG_ENGINE_CONTAINERD,
	SG_ENGINE_DOCKER,
	SG_ENGINE_KUBERNETES,
};

/* Sets key (canonical path) in table (canonical path, "" for the root) to value, a TOML value
 * as written; *text is replaced. A key already set to value is left as it is. */
int sg_toml_edit_set(char **text, const char *path, const char *table, const char *key,
		     const char *value, struct sg_error *err);
/* TOML's basic string for s (malloc'ed). */
char *sg_toml_quote(const char *s);

/* Every edit of containerd's configuration for engine: version 2, the gate as the legacy v1
 * runtime's shim (which it refuses), and for kubernetes the gate as the CRI default handler and every runc handler's shim.
 * Notes for the operator (handlers left alone) are printed to notes. */
int sg_setup_containerd_text(char **text, const char *path, enum sg_engine engine,
			     const char *gate, FILE *notes, struct sg_error *err);
/* dockerd's daemon.json: BuildKit off, no runtime but runc, no other default runtime. */
int sg_setup_docker_json(json_t *cfg, FILE *notes, struct sg_error *err);
/* In a policy stack's text (*text replaced): the line that starts with start (then a blank or
 * its end) becomes line, or with before, line is put before it. 1 when no line starts so. */
int sg_setup_stack_line(char **text, const char *start, const char *line, bool before,
			struct sg_error *err);

#endif
