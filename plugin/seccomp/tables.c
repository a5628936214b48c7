/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp profiles: the architectures, and the flags and actions as libseccomp takes them. */
#include <string.h>

#include "core/cleanup.h"
#include "internal.h"

static const struct arch_def arch_defs[] = {
	{ SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64", "amd64", "x86_64" },
	{ SCMP_ARCH_X86, "SCMP_ARCH_X86", "386", "x86" },
	{ SCMP_ARCH_X32, "SCMP_ARCH_X32", "x32", "x32" },
	{ SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64", "arm64", "aarch64" },
	{ SCMP_ARCH_ARM, "SCMP_ARCH_ARM", "arm", "arm" },
	{ SCMP_ARCH_PPC64LE, "SCMP_ARCH_PPC64LE", "ppc64le", "ppc64le" },
	{ SCMP_ARCH_PPC64, "SCMP_ARCH_PPC64", "ppc64", "ppc64" },
	{ SCMP_ARCH_S390X, "SCMP_ARCH_S390X", "s390x", "s390x" },
	{ SCMP_ARCH_S390, "SCMP_ARCH_S390", "s390", "s390" },
	{ SCMP_ARCH_RISCV64, "SCMP_ARCH_RISCV64", "riscv64", "riscv64" },
};

const struct flag_def sg_seccomp_flag_defs[SG_SECCOMP_N_FLAGS] = {
	{ "SECCOMP_FILTER_FLAG_TSYNC", FLAG_TSYNC },
	{ "SECCOMP_FILTER_FLAG_LOG", FLAG_LOG },
};

const struct arch_def *sg_seccomp_arch_by_token(uint32_t token)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(arch_defs); i++)
		if (arch_defs[i].token == token)
			return &arch_defs[i];
	return NULL;
}

const struct arch_def *sg_seccomp_arch_by_oci(const char *s)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(arch_defs); i++)
		if (strcmp(arch_defs[i].oci, s) == 0)
			return &arch_defs[i];
	return NULL;
}

const struct arch_def *sg_seccomp_arch_by_short(const char *s)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(arch_defs); i++)
		if (strcmp(arch_defs[i].go, s) == 0 || strcmp(arch_defs[i].name, s) == 0)
			return &arch_defs[i];
	return NULL;
}

uint32_t sg_seccomp_action_value(const struct action *a)
{
	return a->def->kind == ACT_WITH_ERRNO ? (a->def->action | a->errno_ret) : a->def->action;
}

bool sg_seccomp_action_equal(const struct action *a, const struct action *b)
{
	return sg_seccomp_action_value(a) == sg_seccomp_action_value(b);
}
