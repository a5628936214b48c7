/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp profiles: the libseccomp filter of a typed profile, and the check that every name
 * exists and every filter builds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "internal.h"
#include "profile.h"

/* Every name of every rule must be known to libseccomp, and exist on at least one
 * architecture of each entry the rule applies to: a name that exists nowhere in the filter
 * would be dropped without a word, which is the mistake this check is here to catch. A call
 * that only a sub-architecture has (x86's _llseek in the x86_64 entry) is fine; where it is
 * missing, the default action applies. */
static int check_names(const struct sg_seccomp_profile *p, const struct arch_entry *e,
		       struct sg_error *err)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct rule *r = &p->rules[i];

		if (!sg_seccomp_rule_applies_to_arch(r, e->arch[0]->token))
			continue;
		for (size_t k = 0; k < r->n_names; k++) {
			bool exists = false;

			for (size_t a = 0; a < e->n; a++) {
				int nr = seccomp_syscall_resolve_name_arch(e->arch[a]->token,
									   r->names[k]);

				if (nr == __NR_SCMP_ERROR)
					return sg_error_set(err, -EINVAL,
							    "%s: syscall '%s': unknown on %s",
							    p->name, r->names[k],
							    e->arch[a]->name);
				exists = exists || nr >= 0;
			}
			if (!exists)
				return sg_error_set(err, -EINVAL,
						    "%s: syscall '%s': does not exist on %s%s; "
						    "restrict its rule with includes.arches",
						    p->name, r->names[k], e->arch[0]->name,
						    e->n > 1 ? " nor its sub-architectures" : "");
		}
	}
	return 0;
}

/* Builds the filter for one entry from typed rules; shared by the check and by the OCI path. */
int sg_seccomp_build(const struct sg_seccomp_profile *p, uint32_t arch, uint64_t caps,
		     uint32_t kernel, scmp_filter_ctx *out, struct sg_error *err)
{
	const struct arch_entry *e = sg_seccomp_entry_for(p, arch);
	_cleanup_seccomp_ scmp_filter_ctx ctx = NULL;
	bool has_native = !e;
	int r;

	ctx = seccomp_init(sg_seccomp_action_value(&p->def));
	if (!ctx)
		return sg_error_set(err, -EINVAL, "%s: seccomp_init refused the default action",
				    p->name);
	for (size_t i = 0; e && i < e->n; i++) {
		if (e->arch[i]->token == seccomp_arch_native()) {
			has_native = true;
			continue;
		}
		r = seccomp_arch_add(ctx, e->arch[i]->token);
		if (r < 0)
			return sg_error_set(err, r, "%s: cannot add architecture %s: %s", p->name,
					    e->arch[i]->name, strerror(-r));
	}
	/* A filter for other architectures only (checking an archMap entry of another
	 * platform) must not carry the host's. */
	if (!has_native && (r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE)) < 0)
		return sg_error_set(err, r, "%s: cannot remove the native architecture: %s",
				    p->name, strerror(-r));
	if ((p->flags & FLAG_TSYNC) && (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0)
		return sg_error_set(err, r, "%s: flag TSYNC: %s", p->name, strerror(-r));
	if ((p->flags & FLAG_LOG) && (r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1)) < 0)
		return sg_error_set(err, r, "%s: flag LOG: %s", p->name, strerror(-r));
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct rule *rl = &p->rules[i];

		/* libseccomp refuses a rule that repeats the default action; it is redundant. */
		if (!sg_seccomp_rule_applies(rl, arch, caps, kernel) || sg_seccomp_action_equal(&rl->act, &p->def))
			continue;
		for (size_t k = 0; k < rl->n_names; k++) {
			/* rule numbers are the host's; libseccomp translates them per arch */
			int nr = seccomp_syscall_resolve_name(rl->names[k]);

			if (nr == __NR_SCMP_ERROR)
				return sg_error_set(err, -EINVAL, "%s: syscall '%s': unknown on %s",
						    p->name, rl->names[k],
						    sg_seccomp_arch_by_token(seccomp_arch_native())->name);
			r = seccomp_rule_add_array(ctx, sg_seccomp_action_value(&rl->act), nr,
						   (unsigned)rl->n_args, rl->args);
			if (r < 0)
				return sg_error_set(err, r, "%s: syscall '%s': libseccomp refused "
						    "the rule: %s", p->name, rl->names[k],
						    strerror(-r));
		}
	}
	*out = steal_pointer(&ctx);
	return 0;
}

/* The filter must build and export for every entry, with no capabilities and with all. */
static int check_builds(const struct sg_seccomp_profile *p, const struct arch_entry *e,
			struct sg_error *err)
{
	static const uint64_t cap_sets[] = { 0, UINT64_MAX };
	_cleanup_close_ int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	uint32_t arch = e ? e->arch[0]->token : seccomp_arch_native();
	int r;

	if (devnull < 0)
		return sg_error_set(err, -errno, "/dev/null: %s", strerror(errno));
	for (size_t i = 0; i < SG_ARRAY_SIZE(cap_sets); i++) {
		_cleanup_seccomp_ scmp_filter_ctx ctx = NULL;

		r = sg_seccomp_build(p, arch, cap_sets[i], SCMP_KERNEL_ANY, &ctx, err);
		if (r < 0)
			return r;
		r = seccomp_export_pfc(ctx, devnull);
		if (r < 0)
			return sg_error_set(err, r, "%s: the filter for %s does not export: %s",
					    p->name, sg_seccomp_arch_by_token(arch)->name, strerror(-r));
	}
	return 0;
}

static int check_here(const struct sg_seccomp_profile *p, struct sg_error *err)
{
	struct arch_entry native = { .arch = { sg_seccomp_arch_by_token(seccomp_arch_native()) },
				     .n = 1 };
	int r;

	if (!native.arch[0])
		return sg_error_set(err, -ENOTSUP, "unsupported native architecture");
	if (p->n_entries == 0) {
		r = check_names(p, &native, err);
		return r < 0 ? r : check_builds(p, NULL, err);
	}
	for (size_t i = 0; i < p->n_entries; i++) {
		r = check_names(p, &p->entries[i], err);
		if (r == 0)
			r = check_builds(p, &p->entries[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The check runs in a child process: the filters libseccomp builds (tens of thousands of
 * small allocations) never touch the caller's heap, where a gate, which lives as long as its
 * pod, would keep ~120 KiB of them resident. Only a start that misses the host's record of
 * checked profiles (cache.h) pays the fork. The child's verdict comes back through a pipe. */
int sg_seccomp_check(const struct sg_seccomp_profile *p, struct sg_error *err)
{
	struct sg_error child = { 0 };
	size_t got = 0;
	int fds[2], status, r;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return sg_error_set(err, -errno, "%s: pipe: %s", p->name, strerror(errno));
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(fds[0]);
		close(fds[1]);
		return sg_error_set(err, r, "%s: fork: %s", p->name, strerror(-r));
	}
	if (pid == 0) {
		close(fds[0]);
		r = check_here(p, &child);
		if (r < 0) {
			child.code = r;
			(void)!write(fds[1], &child, sizeof(child));
		}
		_exit(r < 0);
	}
	close(fds[1]);
	while (got < sizeof(child)) {
		ssize_t n = read(fds[0], (char *)&child + got, sizeof(child) - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return sg_error_set(err, -errno, "%s: waitpid: %s", p->name, strerror(errno));
	}
	if (got == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (got == sizeof(child) && child.code < 0) {
		child.msg[sizeof(child.msg) - 1] = '\0';
		return sg_error_set(err, child.code, "%s", child.msg);
	}
	return sg_error_set(err, -EIO, "%s: the seccomp check's process failed (status %d)",
			    p->name, status);
}
