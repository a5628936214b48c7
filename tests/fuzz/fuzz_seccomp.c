/* SPDX-License-Identifier: Apache-2.0 */
/* Fuzz target: a seccomp profile (the seccomp module's profile= file). A profile that loads
 * must resolve, for no capabilities and for all, into an OCI linux.seccomp object whose
 * filter builds (seccomp/profile.h: a profile that loads is known to be good). */
#include <stdlib.h>

#include "fuzz.h"
#include "oci/oci.h"
#include "seccomp/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t caps[] = { 0, SG_CAP_MASK_ALL };
	_cleanup_seccomp_profile_ struct sg_seccomp_profile *p = NULL;
	struct sg_error err = { 0 };

	if (sg_seccomp_profile_parse("fuzz.json", (const char *)data, size, &p, &err) < 0) {
		sg_fuzz_refused(&err);
		return 0;
	}
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		_cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
		json_auto_t *oci = NULL;

		if (sg_seccomp_profile_resolve(p, caps[i], &oci, &err) < 0)
			sg_fuzz_die("loaded profile does not resolve: %s", err.msg);
		if (sg_seccomp_filter_build(oci, &ctx, &err) < 0)
			sg_fuzz_die("resolved profile does not build: %s", err.msg);
	}
	return 0;
}
