/* SPDX-License-Identifier: Apache-2.0 */
/* OCI JSON as the real shim reads it: keys Go would match to a field we did not read, and the
 * one parse entry for every OCI document (the bounded parse, then that check). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/limits.h"
#include "oci/gokeys.h"
#include "oci/oci.h"

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

/* oci_keys by their folding (lower case: they are ASCII), sorted on first use for binary
 * search. No lock: the shim judges frames on one thread, and the CLI and the fuzzers have one. */
struct oci_name {
	char folded[64];
	const char *name;
};
static struct oci_name oci_sorted[SG_ARRAY_SIZE(oci_keys)];
static bool oci_sorted_done;

static int cmp_oci_name(const void *a, const void *b)
{
	return strcmp(((const struct oci_name *)a)->folded, ((const struct oci_name *)b)->folded);
}

static void oci_sort(void)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(oci_keys); i++) {
		/* Cannot fail: the names are short ASCII. */
		(void)go_fold(oci_keys[i], oci_sorted[i].folded, sizeof(oci_sorted[i].folded));
		oci_sorted[i].name = oci_keys[i];
	}
	qsort(oci_sorted, SG_ARRAY_SIZE(oci_sorted), sizeof(oci_sorted[0]), cmp_oci_name);
}

static int cmp_folded_oci(const void *folded, const void *entry)
{
	return strcmp(folded, ((const struct oci_name *)entry)->folded);
}

/* The OCI name key folds to, or NULL. */
static const char *oci_name(const char *folded)
{
	const struct oci_name *hit;

	if (!oci_sorted_done) {
		oci_sort();
		oci_sorted_done = true;
	}
	hit = bsearch(folded, oci_sorted, SG_ARRAY_SIZE(oci_sorted), sizeof(oci_sorted[0]),
		      cmp_folded_oci);
	return hit ? hit->name : NULL;
}

static bool is_map(const char *key)
{
	for (size_t i = 0; i < SG_ARRAY_SIZE(map_keys); i++)
		if (strcmp(map_keys[i], key) == 0)
			return true;
	return false;
}

/* A key of an object that Go could match to a field. */
struct key_ref {
	uint64_t hash; /* of its folding */
	const char *key;
	const char *misread; /* the OCI field it would be read as, when it misspells it */
	size_t pos;          /* its position in the object */
};

/* FNV-1a: equal foldings, equal hashes; the sort below compares foldings on a tie. */
static uint64_t fold_hash(const char *folded)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);

	for (const unsigned char *p = (const unsigned char *)folded; *p; p++)
		h = (h ^ *p) * UINT64_C(0x100000001b3);
	return h;
}

static int fold_cmp(const char *a, const char *b)
{
	char fa[64], fb[64];

	/* Both fold: only such keys become refs. */
	(void)go_fold(a, fa, sizeof(fa));
	(void)go_fold(b, fb, sizeof(fb));
	return strcmp(fa, fb);
}

/* By folding, keys of one folding in object order. */
static int cmp_ref(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int r;

	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	r = fold_cmp(x->key, y->key);
	if (r)
		return r;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

/* The first key in object order that runc would misread: one that folds like an earlier key
 * (*dup: the earliest of them), else one that misspells a field. Returns its position, or n
 * when there is none. Sorts refs. */
static size_t first_misread(struct key_ref *refs, size_t n_refs, size_t n,
			    const struct key_ref **bad, const struct key_ref **dup)
{
	size_t at = n;

	if (n_refs > 1)
		qsort(refs, n_refs, sizeof(*refs), cmp_ref);
	*bad = *dup = NULL;
	for (size_t i = 1, first = 0; i < n_refs; i++) {
		if (refs[i].hash != refs[first].hash || fold_cmp(refs[i].key, refs[first].key)) {
			first = i;
			continue;
		}
		if (refs[i].pos < at) {
			at = refs[i].pos;
			*dup = &refs[first];
			*bad = &refs[i];
		}
	}
	for (size_t i = 0; i < n_refs; i++) {
		if (refs[i].misread && refs[i].pos < at) {
			at = refs[i].pos;
			*dup = NULL;
			*bad = &refs[i];
		}
	}
	return at;
}

static int check(const json_t *v, unsigned depth, struct sg_error *err);

/* Keys are judged before values, but an error in the value of an earlier key is reported
 * first, as a walk in object order would. */
static int check_object(const json_t *obj, unsigned depth, struct sg_error *err)
{
	struct key_ref small[16];
	_cleanup_free_ struct key_ref *big = NULL;
	struct key_ref *refs = small;
	size_t n = json_object_size(obj), n_refs = 0, pos = 0, at;
	const struct key_ref *bad, *dup;
	const char *key;
	json_t *v;

	if (n > SG_ARRAY_SIZE(small)) {
		refs = big = calloc(n, sizeof(*big));
		if (!big)
			return sg_error_set(err, -ENOMEM, "out of memory");
	}
	json_object_foreach((json_t *)obj, key, v) {
		char folded[64];

		if (n_refs < n && go_fold(key, folded, sizeof(folded))) {
			const char *name = oci_name(folded);

			refs[n_refs++] = (struct key_ref){
				.hash = fold_hash(folded),
				.key = key,
				.misread = name && strcmp(name, key) != 0 ? name : NULL,
				.pos = pos,
			};
		}
		pos++;
	}
	at = first_misread(refs, n_refs, n, &bad, &dup);
	pos = 0;
	json_object_foreach((json_t *)obj, key, v) {
		int r;

		if (pos++ == at) {
			if (dup)
				return sg_error_set(err, -EINVAL,
						    "keys '%.64s' and '%.64s' name the same field "
						    "for runc",
						    dup->key, bad->key);
			return sg_error_set(err, -EINVAL, "key '%.64s' would be read by runc as '%s'",
					    bad->key, bad->misread);
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

int sg_oci_go_keys_check(const json_t *doc, struct sg_error *err)
{
	return check(doc, 0, err);
}

int sg_oci_parse_doc(const char *text, size_t len, const char *root, json_t **out,
		     struct sg_error *err)
{
	json_auto_t *doc = NULL;
	int r;

	r = sg_oci_parse_as(text, len, root, &doc, err);
	if (r == 0)
		r = sg_oci_go_keys_check(doc, err);
	if (r < 0)
		return r;
	*out = steal_pointer(&doc);
	return 0;
}
