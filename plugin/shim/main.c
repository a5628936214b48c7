/* SPDX-License-Identifier: Apache-2.0 */
/* containerd-shim-shimgate-v2: the shim v2 runtime io.containerd.shimgate.v2. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "args.h"
#include "commands.h"

#ifndef SG_VERSION
#define SG_VERSION "0.1.0"
#endif

int main(int argc, char **argv)
{
	const struct rlimit no_core = { 0, 0 };
	struct sg_shim_args a;
	struct sg_error err = { 0 };

	/* Keys live in this process: no core dump, no ptrace attach by other users. */
	(void)setrlimit(RLIMIT_CORE, &no_core);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* One gate runs per pod, so what it keeps private is paid per pod. Buffers of 32 KiB
	 * and more (the relay's, the real shim's output) are mapped on their own and given
	 * back when freed, not left resident in the heap; one arena (the gate has one
	 * thread). */
	(void)mallopt(M_MMAP_THRESHOLD, 32 << 10);
	(void)mallopt(M_ARENA_MAX, 1);
	if (sg_shim_args_parse(argc, (const char *const *)argv, &a, &err) < 0) {
		fprintf(stderr, "containerd-shim-shimgate-v2: %s\n", err.msg);
		return 2;
	}
	if (a.version) {
		printf("containerd-shim-shimgate-v2:\n  Version: %s\n", SG_VERSION);
		return 0;
	}
	if (a.info)
		return sg_shim_info(argv);
	if (a.action && strcmp(a.action, "start") == 0)
		return sg_shim_start(&a, argv);
	if (a.action && strcmp(a.action, "delete") == 0)
		return sg_shim_delete(&a, argv);
	fprintf(stderr,
		"containerd-shim-shimgate-v2: containerd runs this program as the runtime "
		"io.containerd.shimgate.v2 (actions: start, delete; flags: -v, -info)\n");
	return 2;
}
