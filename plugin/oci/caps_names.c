/* SPDX-License-Identifier: Apache-2.0 */
/* Linux capability names and numbers (CAP_CHOWN = 0 .. CAP_CHECKPOINT_RESTORE = 40). */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/cleanup.h"
#include "core/strutil.h"
#include "oci/oci.h"

static const char *const cap_names[SG_CAP_LAST + 1] = {
	"CAP_CHOWN",          "CAP_DAC_OVERRIDE",    "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID",         "CAP_KILL",            "CAP_SETGID",          "CAP_SETUID",
	"CAP_SETPCAP",        "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",      "CAP_NET_RAW",         "CAP_IPC_LOCK",        "CAP_IPC_OWNER",
	"CAP_SYS_MODULE",     "CAP_SYS_RAWIO",       "CAP_SYS_CHROOT",      "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",      "CAP_SYS_ADMIN",       "CAP_SYS_BOOT",        "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",   "CAP_SYS_TIME",        "CAP_SYS_TTY_CONFIG",  "CAP_MKNOD",
	"CAP_LEASE",          "CAP_AUDIT_WRITE",     "CAP_AUDIT_CONTROL",   "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",   "CAP_MAC_ADMIN",       "CAP_SYSLOG",          "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",  "CAP_AUDIT_READ",      "CAP_PERFMON",         "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

/* Open addressing over the names' FNV-1a hashes, built once: a name costs one hash and one
 * compare (every capability of every set of every exec comes here). */
#define CAP_SLOTS 128u
static uint8_t cap_slot[CAP_SLOTS]; /* capability number + 1; 0: empty */
static uint8_t cap_len[SG_CAP_LAST + 1];
static pthread_once_t cap_slots_once = PTHREAD_ONCE_INIT;

static uint32_t cap_hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 16777619u;
	return h & (CAP_SLOTS - 1);
}

static void cap_slots_build(void)
{
	for (int i = 0; i <= SG_CAP_LAST; i++) {
		uint32_t h;

		cap_len[i] = (uint8_t)strlen(cap_names[i]);
		h = cap_hash(cap_names[i], cap_len[i]);
		while (cap_slot[h])
			h = (h + 1) & (CAP_SLOTS - 1);
		cap_slot[h] = (uint8_t)(i + 1);
	}
}

/* The OCI spec spells capabilities exactly ("CAP_" and upper case), as runc reads them. */
int sg_cap_from_span(const char *p, size_t n)
{
	(void)pthread_once(&cap_slots_once, cap_slots_build);
	for (uint32_t h = cap_hash(p, n); cap_slot[h]; h = (h + 1) & (CAP_SLOTS - 1)) {
		int cap = cap_slot[h] - 1;

		if (cap_len[cap] == n && memcmp(cap_names[cap], p, n) == 0)
			return cap;
	}
	return -1;
}

int sg_cap_from_name(const char *name)
{
	return sg_cap_from_span(name, strlen(name));
}

const char *sg_cap_name(int cap)
{
	return cap >= 0 && cap <= SG_CAP_LAST ? cap_names[cap] : NULL;
}

/* Policy spelling: "CAP_" optional, any case. */
static int cap_from_policy_name(const char *name)
{
	if (strncasecmp(name, "CAP_", 4) == 0)
		name += 4;
	for (int i = 0; i <= SG_CAP_LAST; i++)
		if (strcasecmp(name, cap_names[i] + 4) == 0)
			return i;
	return -1;
}

int sg_cap_parse_list(const char *list, uint64_t *mask, struct sg_error *err)
{
	_cleanup_free_ char *copy = strdup(list);
	uint64_t m = 0;
	char *item, *rest;

	if (!copy)
		return sg_error_set(err, -ENOMEM, "out of memory");
	rest = copy;
	do {
		int cap;

		item = strsep(&rest, ",");
		if (*item == '\0')
			return sg_error_set(err, -EINVAL, "empty capability in '%s'", list);
		if (strcasecmp(item, "ALL") == 0) {
			m = SG_CAP_MASK_ALL;
			continue;
		}
		cap = cap_from_policy_name(item);
		if (cap < 0)
			return sg_error_set(err, -EINVAL, "unknown capability '%s'", item);
		m |= UINT64_C(1) << cap;
	} while (rest);
	*mask = m;
	return 0;
}

void sg_cap_format(uint64_t mask, char *buf, size_t size)
{
	size_t used = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	/* Copies, not printf: the caps module notes its changes on every exec. */
	for (int i = 0; i <= SG_CAP_LAST; i++) {
		if (!(mask & (UINT64_C(1) << i)))
			continue;
		if (used)
			used += sg_str_copy(buf + used, size - used, ",");
		used += sg_str_copy(buf + used, size - used, cap_names[i]);
	}
}
