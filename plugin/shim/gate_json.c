/* SPDX-License-Identifier: Apache-2.0 */
/* OCI JSON as the real shim reads it: keys Go would match to a field we did not read. */
#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "gate_json.h"

/* Every field name of the OCI runtime-spec (config.json, Process, LinuxResources) that runc
 * decodes into a struct field, spelled as the spec spells it. */
static const char *const oci_keys[] = {
	"ociVersion", "process", "root", "hostname", "domainname", "mounts", "hooks",
	"annotations", "linux", "solaris", "windows", "vm", "zos",
	/* process */
	"terminal", "consoleSize", "height", "width", "user", "uid", "gid", "umask",
	"additionalGids", "username", "args", "commandLine", "env", "cwd", "capabilities",
	"bounding", "effective", "inheritable", "permitted", "ambient", "rlimits", "type", "hard",
	"soft", "noNewPrivileges", "apparmorProfile", "oomScoreAdj", "scheduler", "policy",
	"nice", "priority", "flags", "runtime", "deadline", "period", "selinuxLabel",
	"ioPriority", "class", "execCPUAffinity", "initial", "final",
	/* root, mounts, hooks */
	"path", "readonly", "destination", "source", "options", "uidMappings", "gidMappings",
	"containerID", "hostID", "size", "prestart", "createRuntime", "createContainer",
	"startContainer", "poststart", "poststop", "timeout",
	/* linux */
	"sysctl", "resources", "cgroupsPath", "namespaces", "devices", "major", "minor",
	"fileMode", "seccomp", "defaultAction", "defaultErrnoRet", "architectures",
	"listenerPath", "listenerMetadata", "syscalls", "names", "action", "errnoRet", "index",
	"value", "valueTwo", "op", "rootfsPropagation", "maskedPaths", "readonlyPaths",
	"mountLabel", "intelRdt", "closID", "l3CacheSchema", "memBwSchema", "enableCMT",
	"enableMBM", "personality", "domain", "timeOffsets", "secs", "nanosecs",
	/* linux.resources */
	"allow", "access", "memory", "limit", "reservation", "swap", "kernel", "kernelTCP",
	"swappiness", "disableOOMKiller", "useHierarchy", "checkBeforeUpdate", "cpu", "shares",
	"quota", "burst", "realtimeRuntime", "realtimePeriod", "cpus", "mems", "idle", "pids",
	"blockIO", "weight", "leafWeight", "weightDevice", "throttleReadBpsDevice",
	"throttleWriteBpsDevice", "throttleReadIOPSDevice", "throttleWriteIOPSDevice", "rate",
	"hugepageLimits", "pageSize", "network", "classID", "priorities", "name", "rdma",
	"hcaHandles", "hcaObjects", "unified",
};

/* Objects Go decodes as map[string]...: their keys are data, matched exactly. */
static const char *const map_keys[] = { "annotations", "sysctl", "unified", "rdma",
					"timeOffsets" };

/* Folds key as Go's encoding/json does for field matching into out (NUL-terminated).
 * Returns false for a key that cannot match any field name (non-ASCII other than the two
 * special foldings, or too long): such keys are left to the strict reader. */
static bool go_fold(const char *key, char *out, size_t size)
{
	const unsigned char *p = (const unsigned char *)key;
	size_t n = 0;

	while (*p) {
		int c;

		if (p[0] < 0x80) {
			c = (p[0] >= 'A' && p[0] <= 'Z') ? p[0] + ('a' - 'A') : p[0];
			p += 1;
		} else if (p[0] == 0xc5 && p[1] == 0xbf) { /* U+017F LATIN SMALL LETTER LONG S */
			c = 's';
			p += 2;
		} else if (p[0] == 0xe2 && p[1] == 0x84 && p[2] == 0xaa) { /* U+212A KELVIN */
			c = 'k';
			p += 3;
		} else {
			return false;
		}
		if (n + 1 >= size)
			return false;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return true;
}

/* The OCI name key folds to, or NULL. */
static const char *oci_name(const char *folded)
{
	char f[64];

	for (size_t i = 0; i < SG_ARRAY_SIZE(oci_keys); i++)
		if (go_fold(oci_keys[i], f, sizeof(f)) && strcmp(f, folded) == 0)
			return oci_keys[i];
	return NULL;
}

static bool is_map(const char *key)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(map_keys); i++)
		if (strcmp(map_keys[i], key) == 0)
			return true;
	return false;
}

static int check(const json_t *v, unsigned depth, struct sg_error *err);

static int check_object(const json_t *obj, unsigned depth, struct sg_error *err)
{
	json_auto_t *seen = json_object();
	const char *key;
	json_t *v;

	if (!seen)
		return sg_error_set(err, -ENOMEM, "out of memory");
	json_object_foreach((json_t *)obj, key, v) {
		char folded[64];
		const char *name;
		json_t *other;
		int r;

		if (go_fold(key, folded, sizeof(folded))) {
			other = json_object_get(seen, folded);
			if (other)
				return sg_error_set(err, -EINVAL,
						    "keys '%.64s' and '%.64s' name the same field "
						    "for runc",
						    json_string_value(other), key);
			name = oci_name(folded);
			if (name && strcmp(name, key) != 0)
				return sg_error_set(err, -EINVAL,
						    "key '%.64s' would be read by runc as '%s'",
						    key, name);
			if (json_object_set_new(seen, folded, json_string(key)) < 0)
				return sg_error_set(err, -ENOMEM, "out of memory");
		}
		if (is_map(key))
			continue;
		r = check(v, depth + 1, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int check(const json_t *v, unsigned depth, struct sg_error *err)
{
	if (depth > SG_LIMIT_JSON_DEPTH)
		return sg_error_set(err, -EINVAL, "JSON nested deeper than %u", SG_LIMIT_JSON_DEPTH);
	if (json_is_object(v))
		return check_object(v, depth, err);
	if (json_is_array(v)) {
		for (size_t i = 0; i < json_array_size(v); i++) {
			int r = check(json_array_get(v, i), depth + 1, err);

			if (r < 0)
				return r;
		}
	}
	return 0;
}

int sg_json_go_check(const json_t *doc, struct sg_error *err)
{
	return check(doc, 0, err);
}
