/* SPDX-License-Identifier: Apache-2.0 */
/* Inside the seccomp library: its limits, the typed form of a profile, and what its files
 * (tables, parse_rule, parse, resolve, build) share. Not for use outside plugin/seccomp/. */
#ifndef SG_SECCOMP_INTERNAL_H
#define SG_SECCOMP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <seccomp.h>

#include <shimgate/shimgate.h>

#define SCMP_MAX_ARCH_ENTRIES 16u
#define SCMP_MAX_SUBARCHES 8u
#define SCMP_MAX_RULES 4096u
#define SCMP_MAX_NAMES 1024u /* names in one rule */
#define SCMP_MAX_NAME 64u
#define SCMP_MAX_ARGS 6u     /* libseccomp takes at most six comparisons per rule */
#define SCMP_MAX_RULE_ARCHES 16u
#define SCMP_KERNEL_ANY UINT32_MAX

struct arch_def {
	uint32_t token;
	const char *oci;  /* "SCMP_ARCH_X86_64": architectures[], archMap */
	const char *go;   /* "amd64": includes.arches, as Docker writes them */
	const char *name; /* "x86_64": libseccomp's name, for messages (also accepted) */
};

enum act_kind { ACT_PLAIN, ACT_WITH_ERRNO };

struct action_def {
	const char *name;
	uint32_t action; /* for ERRNO and TRACE: the base, the value is or'ed in */
	enum act_kind kind;
};

/* SECCOMP_FILTER_FLAG_SPEC_ALLOW is refused: it turns off the speculative store bypass
 * mitigation for the container. WAIT_KILLABLE_RECV needs a newer libseccomp. */
enum { FLAG_TSYNC = 1u << 0, FLAG_LOG = 1u << 1 };
struct flag_def {
	const char *name;
	unsigned bit;
};
#define SG_SECCOMP_N_FLAGS 2u
extern const struct flag_def sg_seccomp_flag_defs[SG_SECCOMP_N_FLAGS];

struct action {
	const struct action_def *def;
	uint32_t errno_ret; /* ERRNO and TRACE only */
};

struct rule {
	const char **names; /* into the profile's strings */
	size_t n_names;
	struct action act;
	struct scmp_arg_cmp args[SCMP_MAX_ARGS];
	const char *arg_ops[SCMP_MAX_ARGS];
	size_t n_args;
	uint64_t inc_caps, exc_caps;
	uint32_t inc_arches[SCMP_MAX_RULE_ARCHES], exc_arches[SCMP_MAX_RULE_ARCHES];
	size_t n_inc_arches, n_exc_arches;
	uint32_t min_kernel; /* major << 16 | minor, 0 when absent */
};

/* One set of architectures a filter is built for: main first, then its sub-architectures. */
struct arch_entry {
	const struct arch_def *arch[1 + SCMP_MAX_SUBARCHES];
	size_t n;
};

struct sg_seccomp_profile {
	char *name;
	json_t *doc;   /* while parsing: the names point into it */
	char *strings; /* once parsed: every name, copied out of the document */
	struct action def;
	bool arch_map;  /* archMap form: one entry per main architecture */
	struct arch_entry entries[SCMP_MAX_ARCH_ENTRIES];
	size_t n_entries;
	unsigned flags;
	struct rule *rules;
	size_t n_rules;
};

/* tables.c: architectures by libseccomp token, OCI name, or Go/libseccomp short name. */
const struct arch_def *sg_seccomp_arch_by_token(uint32_t token);
const struct arch_def *sg_seccomp_arch_by_oci(const char *s);
const struct arch_def *sg_seccomp_arch_by_short(const char *s);
/* The action as libseccomp takes it (errno or'ed in), and whether two actions are equal. */
uint32_t sg_seccomp_action_value(const struct action *a);
bool sg_seccomp_action_equal(const struct action *a, const struct action *b);

/* parse_rule.c: one syscalls[] entry, and the pieces the top level shares. */
int sg_seccomp_check_keys(const json_t *obj, const char *const *allowed, const char *pname,
			  const char *where, struct sg_error *err);
int sg_seccomp_parse_action(const json_t *name, const json_t *errno_ret, const char *pname,
			    const char *where, struct action *out, struct sg_error *err);
/* "4.8" -> 4 << 16 | 8 */
int sg_seccomp_parse_kernel_version(const char *s, uint32_t *out);
int sg_seccomp_parse_rule(const json_t *o, size_t idx, const char *pname, struct rule *r,
			  struct sg_error *err);

/* resolve.c: which rules apply, and the archMap entry of an architecture. */
bool sg_seccomp_rule_applies_to_arch(const struct rule *r, uint32_t arch);
/* Docker's semantics: every included capability must be held, no excluded one may be. */
bool sg_seccomp_rule_applies(const struct rule *r, uint32_t arch, uint64_t caps,
			     uint32_t kernel);
const struct arch_entry *sg_seccomp_entry_for(const struct sg_seccomp_profile *p,
					      uint32_t arch);

/* build.c: the filter for one architecture from typed rules, and the whole-profile check
 * with libseccomp (names on every architecture, the filter builds and exports). */
int sg_seccomp_build(const struct sg_seccomp_profile *p, uint32_t arch, uint64_t caps,
		     uint32_t kernel, scmp_filter_ctx *out, struct sg_error *err);
int sg_seccomp_check(const struct sg_seccomp_profile *p, struct sg_error *err);

#endif
