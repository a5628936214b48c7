/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate config check | dump: read shimgate.conf as the shim would, and show it normalised. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "core/config.h"
#include "runc/settings.h"

static void usage(FILE *out)
{
	fprintf(out, "Usage: shimgate config check [--config FILE]\n"
		     "       shimgate config dump [--config FILE]\n\n"
		     "check reads the file (default $" SG_CONFIG_ENV ", else\n"
		     SG_CONFIG_DEFAULT_PATH ") and reports the first error as file:line; dump\n"
		     "prints every setting, defaults included, in the file's own syntax.\n");
}

int sg_cmd_config(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL;
	struct sg_config *cfg = NULL;
	struct sg_runc_settings *runc = NULL;
	struct sg_error err = { 0 };
	const char *sub;
	int c, rc;

	rc = sg_cli_first_arg(argc, argv, usage);
	if (rc >= 0)
		return rc;
	sub = argv[1];
	if (strcmp(sub, "check") != 0 && strcmp(sub, "dump") != 0) {
		fprintf(stderr, "shimgate config: unknown subcommand '%s'\n", sub);
		usage(stderr);
		return SG_EXIT_USAGE;
	}
	optind = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "c:h", options, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			return sg_cli_usage(usage, SG_EXIT_OK);
		default:
			return sg_cli_usage(usage, SG_EXIT_USAGE);
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return SG_EXIT_USAGE;
	}
	path = sg_cli_config_path(path);
	if (sg_runc_settings_load(path, &cfg, &runc, &err) < 0) {
		fprintf(stderr, "shimgate: %s\n", err.msg);
		return SG_EXIT_USAGE;
	}
	if (strcmp(sub, "dump") == 0) {
		rc = sg_runc_settings_dump(cfg, runc, stdout) < 0 ? SG_EXIT_USAGE : SG_EXIT_OK;
	} else {
		printf("%s: ok\n", path);
		rc = SG_EXIT_OK;
	}
	sg_config_free(cfg);
	sg_runc_settings_free(runc);
	return rc;
}
