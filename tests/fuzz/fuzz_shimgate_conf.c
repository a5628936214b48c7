/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: shimgate.conf, read whole as the shim reads it (core's keywords and the runc
 * section). A file that loads must dump to text that loads to the same configuration
 * (config.h: the dump parses back). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "fuzz.h"
#include "runc/settings.h"

/* The configuration in the file syntax. */
static char *dump(const struct sg_config *cfg, const struct sg_runc_settings *runc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f || sg_runc_settings_dump(cfg, runc, f) < 0 || fclose(f) != 0)
		sg_fuzz_die("config dump failed");
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *path = sg_fuzz_write("fuzz.conf", data, size, 0644);
	struct sg_config *cfg = NULL, *again = NULL;
	struct sg_runc_settings *runc = NULL, *runc_again = NULL;
	struct sg_error err = { 0 };
	char *text, *text2;

	if (sg_runc_settings_load(path, &cfg, &runc, &err) < 0) {
		sg_fuzz_refused(&err);
		free(path);
		return 0;
	}
	text = dump(cfg, runc);
	free(path);
	path = sg_fuzz_write("fuzz-dump.conf", text, strlen(text), 0644);
	if (sg_runc_settings_load(path, &again, &runc_again, &err) < 0)
		sg_fuzz_die("dump does not load: %s\n%s", err.msg, text);
	text2 = dump(again, runc_again);
	if (strcmp(text, text2) != 0)
		sg_fuzz_die("dump loads differently:\n%s---\n%s", text, text2);
	sg_config_free(again);
	sg_config_free(cfg);
	sg_runc_settings_free(runc_again);
	sg_runc_settings_free(runc);
	free(text);
	free(text2);
	free(path);
	return 0;
}
