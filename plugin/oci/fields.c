/* SPDX-License-Identifier: Apache-2.0 */
/* The field table (every OCI config.json and Task API request field, with who judges it) and
 * the walker that looks each member of a document up in it. */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "oci/fields.h"

#define N SG_FIELD_NODE
#define S SG_FIELD_SIGNED
#define F SG_FIELD_FORCED
#define C SG_FIELD_CHECKED
#define P SG_FIELD_PASSED
#define R SG_FIELD_REFUSED
#define U64 SG_FIELD_U64
#define MAP SG_FIELD_MAP
#define OPAQUE SG_FIELD_OPAQUE

/* Reasons shared by several rows. */
#define WHY_OWN_CGROUP "a limit of the container's own cgroup, which sits below the runtime's parent cgroup"
#define WHY_BLKIO "weights and throttles of the container's own block IO"
#define WHY_NOT_LINUX "runc on Linux does not read this section"
#define WHY_HOOK "runs on the host as root: only allowlisted programs, run by their real path"
#define WHY_DEV "device nodes and the device cgroup: refused unless allowlisted"
#define WHY_DEVRULE "device cgroup rules: deny-all first, then only default and allowlisted grants"
#define WHY_SECCOMP "replaced by the policy's profile (seccomp mode=replace)"
#define WHY_MOUNT "judged by the mount stack, once per mount; host binds are also signed"
#define WHY_SCHED "set by the runtime as root: a realtime policy starves the host's CPUs"
#define WHY_RDT "resctrl groups are host-wide (cache and memory bandwidth of every process)"
#define WHY_IDMAP "user-namespace id mappings: a mapped root is never more than the host root the container already is"

#define HOOK_ROWS(kind)                                                              \
	{ "hooks." kind, C, "hooks", 0, WHY_HOOK },                                  \
	{ "hooks." kind "[].path", C, "hooks", 0, WHY_HOOK },                        \
	{ "hooks." kind "[].args", C, "hooks", 0, "arguments of an allowlisted hook; libnetwork-setkey only in Docker's shape for this container" }, \
	{ "hooks." kind "[].env", C, "hooks", 0, "only names env= lists" }, \
	{ "hooks." kind "[].timeout", C, "hooks", 0, "how long the runtime waits for the hook" }

#define THROTTLE_ROWS(name)                                                            \
	{ "linux.resources.blockIO." name, P, NULL, 0, WHY_BLKIO },                    \
	{ "linux.resources.blockIO." name "[].major", P, NULL, 0, WHY_BLKIO },         \
	{ "linux.resources.blockIO." name "[].minor", P, NULL, 0, WHY_BLKIO },         \
	{ "linux.resources.blockIO." name "[].rate", P, NULL, U64, WHY_BLKIO }

const struct sg_field sg_fields[] = {
	/* config.json: top level */
	{ "ociVersion", P, NULL, 0, "the spec version; runc refuses versions it does not know" },
	{ "process", N, NULL, 0, "the container's first process" },
	{ "process.terminal", S, "hmac", 0, "signed" },
	{ "process.consoleSize", P, NULL, 0, "size of the container's own terminal" },
	{ "process.consoleSize.height", P, NULL, 0, "size of the container's own terminal" },
	{ "process.consoleSize.width", P, NULL, 0, "size of the container's own terminal" },
	{ "process.user", N, NULL, 0, "the process's credentials" },
	{ "process.user.uid", S, "hmac,user", 0, "signed; user bounds it" },
	{ "process.user.gid", S, "hmac,user", 0, "signed; user bounds it" },
	{ "process.user.umask", P, NULL, 0, "file mode mask of the container's own processes" },
	{ "process.user.additionalGids", S, "hmac,user", 0, "signed; user bounds them" },
	{ "process.user.username", P, NULL, 0, "Windows only: runc does not read it" },
	{ "process.args", S, "hmac,argv", 0, "signed; argv refuses dangerous programs" },
	{ "process.commandLine", P, NULL, 0, "Windows only: runc does not read it" },
	{ "process.env", S, "hmac", 0, "signed (an exec: the entries the container lacks)" },
	{ "process.cwd", S, "hmac", 0, "signed" },
	{ "process.capabilities", F, "caps", 0, "every set cut to the policy's list" },
	{ "process.capabilities.bounding", F, "caps", 0, "cut to the policy's list" },
	{ "process.capabilities.effective", F, "caps", 0, "cut to the policy's list" },
	{ "process.capabilities.inheritable", F, "caps", 0, "cut to the policy's list" },
	{ "process.capabilities.permitted", F, "caps", 0, "cut to the policy's list" },
	{ "process.capabilities.ambient", F, "caps", 0, "cut to the policy's list" },
	{ "process.rlimits", C, "fields", 0, "POSIX limits of the container's own processes" },
	{ "process.rlimits[].type", C, "fields", 0, "RLIMIT_RTPRIO above rtprio= is refused (realtime priority without CAP_SYS_NICE)" },
	{ "process.rlimits[].hard", C, "fields", U64, "up to 2^64-1 (RLIM_INFINITY); only RLIMIT_RTPRIO is bounded" },
	{ "process.rlimits[].soft", C, "fields", U64, "up to 2^64-1 (RLIM_INFINITY); only RLIMIT_RTPRIO is bounded" },
	{ "process.noNewPrivileges", F, "nonewprivs", 0, "forced true" },
	{ "process.apparmorProfile", C, "fields", 0, "a profile only confines; an exec's must be its container's (none or unconfined would leave it)" },
	{ "process.oomScoreAdj", C, "fields", 0, "bounded by oom_score_adj= (default -998..1000, what CRI and the kubelet give pods)" },
	{ "process.scheduler", R, NULL, 0, WHY_SCHED },
	{ "process.scheduler.policy", R, NULL, 0, WHY_SCHED },
	{ "process.scheduler.nice", R, NULL, 0, WHY_SCHED },
	{ "process.scheduler.priority", R, NULL, 0, WHY_SCHED },
	{ "process.scheduler.flags", R, NULL, 0, WHY_SCHED },
	{ "process.scheduler.runtime", R, NULL, U64, WHY_SCHED },
	{ "process.scheduler.deadline", R, NULL, U64, WHY_SCHED },
	{ "process.scheduler.period", R, NULL, U64, WHY_SCHED },
	{ "process.selinuxLabel", C, "fields", 0, "a label only confines; an exec's must be its container's, like apparmorProfile" },
	{ "process.ioPriority", R, NULL, 0, "set by the runtime as root: IOPRIO_CLASS_RT starves the host's disks" },
	{ "process.ioPriority.class", R, NULL, 0, "set by the runtime as root: IOPRIO_CLASS_RT starves the host's disks" },
	{ "process.ioPriority.priority", R, NULL, 0, "set by the runtime as root: IOPRIO_CLASS_RT starves the host's disks" },
	{ "process.execCPUAffinity", P, NULL, 0, "CPUs of an exec while it joins the container's cgroup, whose cpuset then bounds it" },
	{ "process.execCPUAffinity.initial", P, NULL, 0, "CPUs of an exec before it joins the container's cgroup" },
	{ "process.execCPUAffinity.final", P, NULL, 0, "CPUs of an exec after it joined the container's cgroup" },
	{ "root", N, NULL, 0, "the container's root file system" },
	{ "root.path", C, "root", 0, "must be the bundle's rootfs" },
	{ "root.readonly", P, NULL, 0, "only makes the container's own root read-only" },
	{ "hostname", P, NULL, 0, "the UTS namespace's name; namespaces keeps that namespace the container's own" },
	{ "domainname", P, NULL, 0, "the UTS namespace's domain; namespaces keeps that namespace the container's own" },
	{ "mounts", C, "mounts", 0, WHY_MOUNT },
	{ "mounts[].destination", C, "mounts,hmac", 0, WHY_MOUNT },
	{ "mounts[].type", C, "mounts,hmac,paths", 0, WHY_MOUNT "; sysfs and cgroup forced read-only, proc only at /proc" },
	{ "mounts[].source", C, "mounts,hmac", 0, WHY_MOUNT "; host binds: the canonical path, root-owned directories" },
	{ "mounts[].options", C, "mounts,hmac", 0, WHY_MOUNT "; shared propagation refused, host binds forced" },
	{ "mounts[].uidMappings", R, NULL, 0, "an id-mapped mount changes who owns the host files below it" },
	{ "mounts[].uidMappings[].containerID", R, NULL, 0, "an id-mapped mount changes who owns the host files below it" },
	{ "mounts[].uidMappings[].hostID", R, NULL, 0, "an id-mapped mount changes who owns the host files below it" },
	{ "mounts[].uidMappings[].size", R, NULL, 0, "an id-mapped mount changes who owns the host files below it" },
	{ "mounts[].gidMappings", R, NULL, 0, "an id-mapped mount changes who owns the host files below it" },
	{ "mounts[].gidMappings[].containerID", R, NULL, 0, "an id-mapped mount changes who owns the host files below it" },
	{ "mounts[].gidMappings[].hostID", R, NULL, 0, "an id-mapped mount changes who owns the host files below it" },
	{ "mounts[].gidMappings[].size", R, NULL, 0, "an id-mapped mount changes who owns the host files below it" },
	{ "hooks", C, "hooks", 0, WHY_HOOK },
	HOOK_ROWS("prestart"),
	HOOK_ROWS("createRuntime"),
	HOOK_ROWS("createContainer"),
	HOOK_ROWS("startContainer"),
	HOOK_ROWS("poststart"),
	HOOK_ROWS("poststop"),
	{ "annotations", P, NULL, MAP, "free-form notes for tools; runc 1.1 acts on none but the systemd ones below" },
	{ "annotations.*", P, NULL, 0, "free-form notes for tools" },
	{ "annotations.io.shimgate.token", F, "gate", 0, "the signature token: taken out before runc sees the spec" },
	{ "annotations.org.systemd.property.*", R, NULL, 0, "runc's systemd cgroup driver makes them unit properties (DeviceAllow=...)" },
	/* config.json: linux */
	{ "linux", N, NULL, 0, "the Linux section" },
	{ "linux.uidMappings", P, NULL, 0, WHY_IDMAP },
	{ "linux.uidMappings[].containerID", P, NULL, 0, WHY_IDMAP },
	{ "linux.uidMappings[].hostID", P, NULL, 0, WHY_IDMAP },
	{ "linux.uidMappings[].size", P, NULL, 0, WHY_IDMAP },
	{ "linux.gidMappings", P, NULL, 0, WHY_IDMAP },
	{ "linux.gidMappings[].containerID", P, NULL, 0, WHY_IDMAP },
	{ "linux.gidMappings[].hostID", P, NULL, 0, WHY_IDMAP },
	{ "linux.gidMappings[].size", P, NULL, 0, WHY_IDMAP },
	{ "linux.sysctl", C, "sysctl", MAP, "namespaced keys on the allowlist only" },
	{ "linux.sysctl.*", C, "sysctl", 0, "namespaced keys on the allowlist only" },
	{ "linux.resources", N, NULL, 0, "the container's cgroup" },
	{ "linux.resources.devices", C, "devices", 0, WHY_DEVRULE },
	{ "linux.resources.devices[].allow", C, "devices", 0, WHY_DEVRULE },
	{ "linux.resources.devices[].type", C, "devices", 0, WHY_DEVRULE },
	{ "linux.resources.devices[].major", C, "devices", 0, WHY_DEVRULE },
	{ "linux.resources.devices[].minor", C, "devices", 0, WHY_DEVRULE },
	{ "linux.resources.devices[].access", C, "devices", 0, WHY_DEVRULE },
	{ "linux.resources.memory", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.memory.limit", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.memory.reservation", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.memory.swap", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.memory.kernel", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.memory.kernelTCP", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.memory.swappiness", P, NULL, U64, WHY_OWN_CGROUP },
	{ "linux.resources.memory.disableOOMKiller", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.memory.useHierarchy", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.memory.checkBeforeUpdate", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.cpu", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.cpu.shares", P, NULL, U64, WHY_OWN_CGROUP },
	{ "linux.resources.cpu.quota", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.cpu.burst", P, NULL, U64, WHY_OWN_CGROUP },
	{ "linux.resources.cpu.period", P, NULL, U64, WHY_OWN_CGROUP },
	{ "linux.resources.cpu.realtimeRuntime", P, NULL, 0, WHY_OWN_CGROUP "; realtime needs CAP_SYS_NICE, which caps drops" },
	{ "linux.resources.cpu.realtimePeriod", P, NULL, U64, WHY_OWN_CGROUP "; realtime needs CAP_SYS_NICE, which caps drops" },
	{ "linux.resources.cpu.cpus", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.cpu.mems", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.cpu.idle", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.pids", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.pids.limit", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.blockIO", P, NULL, 0, WHY_BLKIO },
	{ "linux.resources.blockIO.weight", P, NULL, 0, WHY_BLKIO },
	{ "linux.resources.blockIO.leafWeight", P, NULL, 0, WHY_BLKIO },
	{ "linux.resources.blockIO.weightDevice", P, NULL, 0, WHY_BLKIO },
	{ "linux.resources.blockIO.weightDevice[].major", P, NULL, 0, WHY_BLKIO },
	{ "linux.resources.blockIO.weightDevice[].minor", P, NULL, 0, WHY_BLKIO },
	{ "linux.resources.blockIO.weightDevice[].weight", P, NULL, 0, WHY_BLKIO },
	{ "linux.resources.blockIO.weightDevice[].leafWeight", P, NULL, 0, WHY_BLKIO },
	THROTTLE_ROWS("throttleReadBpsDevice"),
	THROTTLE_ROWS("throttleWriteBpsDevice"),
	THROTTLE_ROWS("throttleReadIOPSDevice"),
	THROTTLE_ROWS("throttleWriteIOPSDevice"),
	{ "linux.resources.hugepageLimits", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.hugepageLimits[].pageSize", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.hugepageLimits[].limit", P, NULL, U64, WHY_OWN_CGROUP },
	{ "linux.resources.network", P, NULL, 0, "net_cls/net_prio tags of the container's own traffic" },
	{ "linux.resources.network.classID", P, NULL, 0, "net_cls tag of the container's own traffic" },
	{ "linux.resources.network.priorities", P, NULL, 0, "net_prio of the container's own traffic" },
	{ "linux.resources.network.priorities[].name", P, NULL, 0, "net_prio of the container's own traffic" },
	{ "linux.resources.network.priorities[].priority", P, NULL, 0, "net_prio of the container's own traffic" },
	{ "linux.resources.rdma", P, NULL, MAP, WHY_OWN_CGROUP },
	{ "linux.resources.rdma.*", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.rdma.*.hcaHandles", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.rdma.*.hcaObjects", P, NULL, 0, WHY_OWN_CGROUP },
	{ "linux.resources.unified", P, NULL, MAP, "cgroup v2 files of the container's own cgroup" },
	{ "linux.resources.unified.*", P, NULL, 0, "cgroup v2 files of the container's own cgroup" },
	{ "linux.resources.unified.cgroup.*", R, NULL, 0, "cgroup.procs, cgroup.subtree_control...: moving host processes or reshaping the tree" },
	{ "linux.cgroupsPath", C, "fields", 0, "ends in the container id and is new (none in use): never a host service's" },
	{ "linux.namespaces", C, "namespaces", 0, "pid, net, ipc, uts, mount: the container's own or another container's" },
	{ "linux.namespaces[].type", C, "namespaces", 0, "every type the policy does not share with the host must be listed" },
	{ "linux.namespaces[].path", C, "namespaces", 0, "/proc/<pid>/ns/<file> or /run/netns/<name>, of a type allow_join= lists; never the host's unless allowed; opened by the gate, runc gets its descriptor" },
	{ "linux.devices", C, "devices", 0, WHY_DEV },
	{ "linux.devices[].path", C, "devices", 0, WHY_DEV },
	{ "linux.devices[].type", C, "devices", 0, WHY_DEV },
	{ "linux.devices[].major", C, "devices", 0, WHY_DEV },
	{ "linux.devices[].minor", C, "devices", 0, WHY_DEV },
	{ "linux.devices[].fileMode", C, "devices", 0, WHY_DEV },
	{ "linux.devices[].uid", C, "devices", 0, WHY_DEV },
	{ "linux.devices[].gid", C, "devices", 0, WHY_DEV },
	{ "linux.netDevices", R, NULL, MAP, "moves a host network interface into the container" },
	{ "linux.netDevices.*", R, NULL, 0, "moves a host network interface into the container" },
	{ "linux.netDevices.*.name", R, NULL, 0, "moves a host network interface into the container" },
	{ "linux.seccomp", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.defaultAction", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.defaultErrnoRet", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.architectures", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.flags", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.listenerPath", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.listenerMetadata", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.syscalls", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.syscalls[].names", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.syscalls[].action", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.syscalls[].errnoRet", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.syscalls[].args", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.syscalls[].args[].index", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.seccomp.syscalls[].args[].value", F, "seccomp", U64, WHY_SECCOMP },
	{ "linux.seccomp.syscalls[].args[].valueTwo", F, "seccomp", U64, WHY_SECCOMP },
	{ "linux.seccomp.syscalls[].args[].op", F, "seccomp", 0, WHY_SECCOMP },
	{ "linux.rootfsPropagation", C, "root", 0, "shared and rshared refused: mounts would reach the host" },
	{ "linux.maskedPaths", F, "paths", 0, "the runtime's default masked set is added, never removed" },
	{ "linux.readonlyPaths", F, "paths", 0, "the runtime's default read-only set is added, never removed" },
	{ "linux.mountLabel", P, NULL, 0, "an SELinux label only confines, like process.selinuxLabel" },
	{ "linux.intelRdt", R, NULL, 0, WHY_RDT },
	{ "linux.intelRdt.closID", R, NULL, 0, WHY_RDT },
	{ "linux.intelRdt.schemata", R, NULL, 0, WHY_RDT },
	{ "linux.intelRdt.l3CacheSchema", R, NULL, 0, WHY_RDT },
	{ "linux.intelRdt.memBwSchema", R, NULL, 0, WHY_RDT },
	{ "linux.intelRdt.enableCMT", R, NULL, 0, WHY_RDT },
	{ "linux.intelRdt.enableMBM", R, NULL, 0, WHY_RDT },
	{ "linux.intelRdt.enableMonitoring", R, NULL, 0, WHY_RDT },
	{ "linux.personality", P, NULL, 0, "the execution domain of the container's own processes (uname, its own ASLR)" },
	{ "linux.personality.domain", P, NULL, 0, "LINUX or LINUX32 for the container's own processes" },
	{ "linux.personality.flags", P, NULL, 0, "personality flags of the container's own processes" },
	{ "linux.timeOffsets", P, NULL, MAP, "clocks of the container's own time namespace" },
	{ "linux.timeOffsets.*", P, NULL, 0, "clocks of the container's own time namespace" },
	{ "linux.timeOffsets.*.secs", P, NULL, 0, "clocks of the container's own time namespace" },
	{ "linux.timeOffsets.*.nanosecs", P, NULL, 0, "clocks of the container's own time namespace" },
	/* config.json: other platforms (runc ignores them; a VM runtime would run vm.hypervisor) */
	{ "solaris", P, NULL, OPAQUE, WHY_NOT_LINUX },
	{ "windows", P, NULL, OPAQUE, WHY_NOT_LINUX },
	{ "zos", P, NULL, OPAQUE, WHY_NOT_LINUX },
	{ "freebsd", P, NULL, OPAQUE, WHY_NOT_LINUX },
	{ "vm", R, NULL, OPAQUE, "names a hypervisor and kernel to run: nothing runc serves sends it" },
	/* Task API requests (judged by the gate's handlers and the stacks, never walked) */
	{ "CreateTaskRequest.id", C, "gate,hmac", 0, "a plain name; signed" },
	{ "CreateTaskRequest.bundle", C, "gate", 0, "must be <bundle root>/<id> of this shim" },
	{ "CreateTaskRequest.rootfs", C, "mounts", 0, "mounts rootfs: overlay or bind inside the snapshotter directories" },
	{ "CreateTaskRequest.terminal", P, NULL, 0, "the shim's console for the init; runc obeys process.terminal, which is signed" },
	{ "CreateTaskRequest.stdin", C, "stdio", 0, "an existing FIFO in root-owned directories, or an allowlisted URI" },
	{ "CreateTaskRequest.stdout", C, "stdio", 0, "an existing FIFO in root-owned directories, or an allowlisted URI" },
	{ "CreateTaskRequest.stderr", C, "stdio", 0, "an existing FIFO in root-owned directories, or an allowlisted URI" },
	{ "CreateTaskRequest.checkpoint", C, "gate", 0, "refused: a restore runs any memory image" },
	{ "CreateTaskRequest.parent_checkpoint", C, "gate", 0, "refused: a restore runs any memory image" },
	{ "CreateTaskRequest.options", C, "gate", 0, "runc options only; binary_name and root pinned by shimgate.conf, CRIU and no_pivot_root refused" },
	{ "ExecProcessRequest.id", C, "gate,hmac", 0, "a plain name; signed" },
	{ "ExecProcessRequest.exec_id", C, "gate,hmac", 0, "a plain name; signed unless the token is unbound" },
	{ "ExecProcessRequest.terminal", S, "hmac", 0, "copied into process.terminal, which is signed" },
	{ "ExecProcessRequest.stdin", C, "stdio", 0, "an existing FIFO in root-owned directories, or an allowlisted URI" },
	{ "ExecProcessRequest.stdout", C, "stdio", 0, "an existing FIFO in root-owned directories, or an allowlisted URI" },
	{ "ExecProcessRequest.stderr", C, "stdio", 0, "an existing FIFO in root-owned directories, or an allowlisted URI" },
	{ "ExecProcessRequest.spec", C, "fields", 0, "an OCI process: every member walked as process.* above" },
	{ "UpdateTaskRequest.id", P, NULL, 0, "names the task; the shim serves only its own" },
	{ "UpdateTaskRequest.resources", C, "gate", 0, "walked as linux.resources.*; device rules may only repeat the container's own" },
	{ "UpdateTaskRequest.annotations", P, NULL, 0, "the runc shim does not read them" },
};

const size_t sg_fields_count = SG_ARRAY_SIZE(sg_fields);

const char *sg_field_class_name(enum sg_field_class cls)
{
	static const char *const names[] = { "node", "signed", "forced", "checked", "passed",
					     "refused" };

	return (unsigned)cls < SG_ARRAY_SIZE(names) ? names[cls] : "?";
}

/* The table by path: the walker looks up every member of a spec, and a linear scan of the
 * table was most of a create's walk. Open addressing on FNV-1a, the first row of a path wins
 * (as the scan did); built when the program loads, so no lookup ever races its build. */
#define FIELD_INDEX_SIZE 1024u /* a power of two, over twice the rows */
static uint16_t field_index[FIELD_INDEX_SIZE]; /* row + 1; 0: empty */

static uint32_t path_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

static_assert(SG_ARRAY_SIZE(sg_fields) < FIELD_INDEX_SIZE / 2, "field index too small");

__attribute__((constructor)) static void field_index_build(void)
{
	for (size_t i = 0; i < sg_fields_count; i++) {
		uint32_t at = path_hash(sg_fields[i].path) & (FIELD_INDEX_SIZE - 1);

		while (field_index[at] && strcmp(sg_fields[field_index[at] - 1].path,
						 sg_fields[i].path) != 0)
			at = (at + 1) & (FIELD_INDEX_SIZE - 1);
		if (!field_index[at])
			field_index[at] = (uint16_t)(i + 1);
	}
}

const struct sg_field *sg_field_find(const char *pattern)
{
	uint32_t at = path_hash(pattern) & (FIELD_INDEX_SIZE - 1);

	for (; field_index[at]; at = (at + 1) & (FIELD_INDEX_SIZE - 1))
		if (strcmp(sg_fields[field_index[at] - 1].path, pattern) == 0)
			return &sg_fields[field_index[at] - 1];
	return NULL;
}

const struct sg_field *sg_field_find_map_key(const char *map_pattern, const char *key)
{
	const struct sg_field *best = NULL;
	size_t n = strlen(map_pattern), best_len = 0;

	for (size_t i = 0; i < sg_fields_count; i++) {
		const char *p = sg_fields[i].path;
		size_t len = strlen(p), pre;

		if (len < n + 2 || strncmp(p, map_pattern, n) != 0 || p[n] != '.')
			continue;
		if (strcmp(p + n + 1, key) == 0)
			return &sg_fields[i]; /* a row for this very key */
		if (p[len - 1] != '*')
			continue;
		pre = len - n - 2; /* the key prefix between "<map>." and "*" */
		if (strchr(p + n + 1, '*') != p + len - 1 || strncmp(key, p + n + 1, pre) != 0)
			continue;
		if (!best || pre > best_len) {
			best = &sg_fields[i];
			best_len = pre;
		}
	}
	return best;
}

bool sg_oci_is_big_u64(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);

	return s && n >= 2 && s[0] == '\0' && strspn(s + 1, "0123456789") == n - 1;
}

bool sg_oci_u64_value(const json_t *v, unsigned long long *out)
{
	if (json_is_integer(v)) {
		if (json_integer_value(v) < 0)
			return false;
		*out = (unsigned long long)json_integer_value(v);
		return true;
	}
	if (!sg_oci_is_big_u64(v))
		return false;
	errno = 0;
	*out = strtoull(json_string_value(v) + 1, NULL, 10);
	return errno == 0;
}

/* Two growing paths: as written (with indices and real map keys) and as the table spells it. */
struct walk {
	sg_field_visit_fn visit;
	void *data;
	char shown[1024];
	char pattern[1024];
};

static int walk_value(struct walk *w, const struct sg_field *f, const json_t *v, unsigned depth,
		      struct sg_error *err);

/* Appends "<sep><item>" to buf at len (the separator only after something); false when it
 * does not fit. memcpy, not snprintf: it runs for every value of a spec (~8 % of a create). */
static bool append(char *buf, size_t size, size_t len, const char *sep, const char *item)
{
	size_t sep_len = len ? strlen(sep) : 0, item_len = strlen(item);

	if (sep_len + item_len >= size - len)
		return false;
	memcpy(buf + len, sep, sep_len);
	memcpy(buf + len + sep_len, item, item_len + 1);
	return true;
}

/* "[i]" for an array index into out (room for any size_t). */
static void index_text(size_t i, char out[32])
{
	char digits[24];
	size_t n = 0, k = 0;

	do
		digits[n++] = (char)('0' + i % 10);
	while ((i /= 10) != 0);
	out[k++] = '[';
	while (n)
		out[k++] = digits[--n];
	out[k++] = ']';
	out[k] = '\0';
}

static int walk_member(struct walk *w, const struct sg_field *parent, const char *key,
		       const json_t *v, unsigned depth, struct sg_error *err)
{
	size_t sl = strlen(w->shown), pl = strlen(w->pattern);
	const struct sg_field *f;
	int r;

	if (!append(w->shown, sizeof(w->shown), sl, ".", key))
		return sg_error_set(err, -E2BIG, "%.64s...: JSON path too long", w->shown);
	if (parent && (parent->flags & SG_FIELD_MAP)) {
		f = sg_field_find_map_key(w->pattern, key);
		if (f)
			(void)snprintf(w->pattern, sizeof(w->pattern), "%s", f->path);
		else if (!append(w->pattern, sizeof(w->pattern), pl, ".", "*"))
			return sg_error_set(err, -E2BIG, "%.64s...: JSON path too long", w->shown);
	} else {
		if (!append(w->pattern, sizeof(w->pattern), pl, ".", key))
			return sg_error_set(err, -E2BIG, "%.64s...: JSON path too long", w->shown);
		f = sg_field_find(w->pattern);
	}
	r = w->visit(w->data, f, w->shown, w->pattern, v, err);
	if (r == 0)
		r = walk_value(w, f, v, depth + 1, err);
	w->shown[sl] = '\0';
	w->pattern[pl] = '\0';
	return r < 0 ? r : 0;
}

static int walk_value(struct walk *w, const struct sg_field *f, const json_t *v, unsigned depth,
		      struct sg_error *err)
{
	const char *key;
	const json_t *item;
	size_t i;
	int r;

	if (depth > SG_LIMIT_JSON_DEPTH + 1)
		return sg_error_set(err, -E2BIG, "%.64s: nested too deep", w->shown);
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, item) {
			r = walk_member(w, f, key, item, depth, err);
			if (r < 0)
				return r;
		}
	} else if (json_is_array(v)) {
		size_t sl = strlen(w->shown), pl = strlen(w->pattern);
		char idx[32];

		if (pl + 3 > sizeof(w->pattern))
			return sg_error_set(err, -E2BIG, "%.64s...: JSON path too long", w->shown);
		memcpy(w->pattern + pl, "[]", 3);
		json_array_foreach(v, i, item) {
			index_text(i, idx);
			if (!append(w->shown, sizeof(w->shown), sl, "", idx))
				return sg_error_set(err, -E2BIG, "%.64s...: JSON path too long",
						    w->shown);
			/* An element: an object's members are looked up under "<array>[]", a
			 * scalar belongs to the array's own entry. */
			r = w->visit(w->data, f, w->shown, w->pattern, item, err);
			if (r == 0 && (json_is_object(item) || json_is_array(item)))
				r = walk_value(w, NULL, item, depth + 1, err);
			w->shown[sl] = '\0';
			if (r < 0)
				return r;
		}
		w->pattern[pl] = '\0';
	}
	return 0;
}

int sg_fields_walk(const json_t *doc, const char *root, sg_field_visit_fn visit, void *data,
		   struct sg_error *err)
{
	_cleanup_free_ struct walk *w = calloc(1, sizeof(*w));

	if (!w)
		return sg_error_set(err, -ENOMEM, "out of memory");
	w->visit = visit;
	w->data = data;
	(void)snprintf(w->pattern, sizeof(w->pattern), "%s", root);
	return walk_value(w, sg_field_find(root), doc, 0, err);
}
