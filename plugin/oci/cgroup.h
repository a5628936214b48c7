/* SPDX-License-Identifier: Apache-2.0 */
/* Where runc will put a container's cgroup (linux.cgroupsPath), and whether that cgroup is
 * already in use: runc 1.1 joins an existing cgroup, and then Pids lists and Kill --all
 * signals every process in it (THREATS T25). */
#ifndef SG_OCI_CGROUP_H
#define SG_OCI_CGROUP_H

#include <stddef.h>

#include <shimgate/shimgate.h>

/* The cgroup cgroups_path names (cgroupfs "/a/b/id" or "a/b/id", relative to the gate's own
 * cgroup as runc's is; systemd "slice:prefix:name") under every cgroup mount of mountinfo
 * (/proc/self/mountinfo's format; self_cgroup is /proc/self/cgroup's): 1 when one exists and
 * holds a process or a child cgroup (its directory in found), 0 when none does, -errno when
 * the files cannot be read or the path is not one runc would take. */
int sg_cgroup_in_use(const char *mountinfo, const char *self_cgroup, const char *cgroups_path,
		     char *found, size_t found_len, struct sg_error *err);

#endif
