/* SPDX-License-Identifier: Apache-2.0 */
/* shimgate seccomp check|dump: check a seccomp profile with libseccomp, or print its filter. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "core/cleanup.h"
#include "oci/oci.h"
#include "seccomp/profile.h"

static void seccomp_usage(FILE *out)
{
	fprintf(out,
		"Usage: shimgate seccomp check PROFILE\n"
		"       shimgate seccomp dump PROFILE [--caps CAP_A,net_raw,...|ALL] [--oci]\n\n"
		"check  loads PROFILE as the seccomp module does (every syscall, action, operator\n"
		"       and architecture checked, the filter built) and prints ok or the error.\n"
		"dump   prints the filter for this host and the given bounding capabilities as\n"
		"       libseccomp pseudo-code (PFC), or with --oci the linux.seccomp object that\n"
		"       goes into config.json.\n");
}

static int seccomp_dump(const char *path, uint64_t caps, bool oci)
{
	_cleanup_seccomp_profile_ struct sg_seccomp_profile *p = NULL;
	_cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
	json_auto_t *resolved = NULL;
	struct sg_error err = { 0 };
	int r;

	if (sg_seccomp_profile_load(path, &p, &err) < 0 ||
	    sg_seccomp_profile_resolve(p, caps, &resolved, &err) < 0) {
		fprintf(stderr, "shimgate seccomp: %s\n", err.msg);
		return SG_EXIT_USAGE;
	}
	if (oci) {
		if (json_dumpf(resolved, stdout, JSON_INDENT(2)) < 0 || putchar('\n') == EOF)
			return SG_EXIT_USAGE;
		return fflush(stdout) == 0 ? SG_EXIT_OK : SG_EXIT_USAGE;
	}
	if (sg_seccomp_filter_build(resolved, &ctx, &err) < 0) {
		fprintf(stderr, "shimgate seccomp: %s\n", err.msg);
		return SG_EXIT_USAGE;
	}
	fflush(stdout);
	r = seccomp_export_pfc(ctx, STDOUT_FILENO);
	if (r < 0) {
		fprintf(stderr, "shimgate seccomp: cannot export the filter: %s\n", strerror(-r));
		return SG_EXIT_USAGE;
	}
	return SG_EXIT_OK;
}

int sg_cmd_seccomp(int argc, char **argv)
{
	_cleanup_seccomp_profile_ struct sg_seccomp_profile *p = NULL;
	struct sg_error err = { 0 };
	uint64_t caps = 0;
	bool oci = false;
	int rc = sg_cli_first_arg(argc, argv, seccomp_usage);

	if (rc >= 0)
		return rc;
	if (argc == 3 && strcmp(argv[1], "check") == 0) {
		if (sg_seccomp_profile_load(argv[2], &p, &err) < 0) {
			fprintf(stderr, "%s\n", err.msg);
			return SG_EXIT_USAGE;
		}
		printf("%s: ok\n", argv[2]);
		return SG_EXIT_OK;
	}
	if (argc >= 3 && strcmp(argv[1], "dump") == 0) {
		for (int i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--oci") == 0) {
				oci = true;
			} else if (strcmp(argv[i], "--caps") == 0 && i + 1 < argc) {
				/* The list the caps module reads: one parser, one spelling. */
				if (sg_cap_parse_list(argv[++i], &caps, &err) < 0) {
					fprintf(stderr, "shimgate seccomp: --caps: %s\n", err.msg);
					return SG_EXIT_USAGE;
				}
			} else {
				seccomp_usage(stderr);
				return SG_EXIT_USAGE;
			}
		}
		return seccomp_dump(argv[2], caps, oci);
	}
	seccomp_usage(stderr);
	return SG_EXIT_USAGE;
}
