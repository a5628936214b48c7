/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: shimgate.conf. A file that loads must dump to text that loads to the same
 * configuration (config.h: the dump parses back). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "fuzz.h"

/* The configuration in the file syntax. */
static char *dump(const struct sg_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || sg_config_dump(cfg, f) < 0 || fclose(f) != 0)
		sg_fuzz_die("config dump failed");
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = sg_fuzz_write("fuzz.conf", data, size, 0644);
	struct sg_config *cfg = NULL, *again = NULL;
	struct sg_error err = { 0 };
	char *text, *text2;

	if (sg_config_load(path, &cfg, &err) < 0) {
		sg_fuzz_refused(&err);
		free(path);
		return 0;
	}
	text = dump(cfg);
	free(path);
	path = sg_fuzz_write("fuzz-dump.conf", text, strlen(text), 0644);
	if (sg_config_load(path, &again, &err) < 0)
		sg_fuzz_die("dump does not load: %s\n%s", err.msg, text);
	text2 = dump(again);
	if (strcmp(text, text2) != 0)
		sg_fuzz_die("dump loads differently:\n%s---\n%s", text, text2);
	sg_config_free(again);
	sg_config_free(cfg);
	free(text);
	free(text2);
	free(path);
	return 0;
}
