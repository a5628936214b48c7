/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: containerd's config.toml, through the TOML-subset reader and setup's edits. A
 * file that parses must take every engine's edits, the result must parse, and a second edit
 * must change nothing (setup run twice writes nothing). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/setup_edit.h"
#include "cli/toml.h"
#include "fuzz.h"

#define GATE "/usr/bin/containerd-shim-shimgate-v2"

static void edit_twice(const char *input, enum sg_engine engine, FILE *notes)
{
	struct sg_error err = { 0 };
	struct sg_toml *doc = NULL;
	char *text = strdup(input), *once;

	if (!text)
		sg_fuzz_die("out of memory");
	if (sg_setup_containerd_text(&text, "fuzz.toml", engine, GATE, notes, &err) < 0) {
		sg_fuzz_refused(&err);
		free(text);
		return;
	}
	if (sg_toml_parse("edited.toml", text, &doc, &err) < 0)
		sg_fuzz_die("setup's edit does not parse: %s\n%s", err.msg, text);
	sg_toml_free(doc);
	once = strdup(text);
	if (!once || sg_setup_containerd_text(&text, "edited.toml", engine, GATE, notes, &err) < 0)
		sg_fuzz_die("a second edit failed: %s\n%s", err.msg, once ? once : "");
	if (strcmp(once, text) != 0)
		sg_fuzz_die("a second edit changed the file:\n%s---\n%s", once, text);
	free(once);
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input = sg_fuzz_cstr(data, size);
	struct sg_error err = { 0 };
	struct sg_toml *doc = NULL;
	FILE *notes = fopen("/dev/null", "w");

	if (!notes)
		sg_fuzz_die("/dev/null");
	if (sg_toml_parse("fuzz.toml", input, &doc, &err) < 0) {
		sg_fuzz_refused(&err);
	} else {
		sg_toml_free(doc);
		edit_twice(input, SG_ENGINE_CONTAINERD, notes);
		edit_twice(input, SG_ENGINE_KUBERNETES, notes);
	}
	fclose(notes);
	free(input);
	return 0;
}
