/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate-signer: serve | check. A binary of its own, so the CLI on every node carries no
 * HTTPS server and only the signer host links libevent's server side. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "http.h"
#include "signer.h"

#define DEFAULT_CONFIG SG_SYSCONFDIR "/signer.json"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate-signer serve [--config FILE]\n"
		"       shimgate-signer check [--config FILE]\n"
		"serve: the HTTPS signer (TLS 1.3, client certificates required) until SIGTERM.\n"
		"check: parses the configuration and exits 0 when it loads.\n"
		"  --config FILE   default " DEFAULT_CONFIG "\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = DEFAULT_CONFIG, *cmd;
	struct sg_signer_config *cfg = NULL;
	struct sg_error err = { 0 };
	int c, r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (strcmp(cmd, "serve") != 0 && strcmp(cmd, "check") != 0)) {
		usage(stderr);
		return 2;
	}
	r = sg_signer_config_load(config, &cfg, &err);
	if (r == 0 && strcmp(cmd, "serve") == 0)
		r = sg_signer_serve(cfg, &err);
	else if (r == 0)
		printf("%s: ok (%zu identities)\n", config, cfg->n_ids);
	sg_signer_config_free(cfg);
	if (r < 0) {
		fprintf(stderr, "shimgate-signer %s: %s\n", cmd, err.msg);
		return 1;
	}
	return 0;
}
