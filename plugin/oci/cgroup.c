/* SPDX-License-Identifier: Apache-2.0 */
/* linux.cgroupsPath against the host's cgroup mounts: does the cgroup exist and hold
 * anything? (see cgroup.h) */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "oci/cgroup.h"

/* "a-b-c.slice" as systemd lays it out: "/a.slice/a-b.slice/a-b-c.slice" ("-.slice": ""). */
static int expand_slice(const char *slice, char *out, size_t len)
{
	size_t n = strlen(slice), w = 0;

	out[0] = '\0';
	if (strcmp(slice, "-.slice") == 0)
		return 0;
	if (n < 6 || strcmp(slice + n - 6, ".slice") != 0 || slice[0] == '-')
		return -EINVAL;
	for (size_t i = 0; i + 6 <= n; i++) {
		if (slice[i] != '-' && i + 6 != n)
			continue;
		if (slice[i] == '-' && (i + 1 == n - 6 || slice[i + 1] == '-'))
			return -EINVAL;
		int k = snprintf(out + w, len - w, "/%.*s.slice", (int)i, slice);
		if (k < 0 || (size_t)k >= len - w)
			return -ENAMETOOLONG;
		w += (size_t)k;
	}
	return 0;
}

/* The hierarchy path runc uses for cgroups_path: *rel true when it is relative to the
 * process's own cgroup. */
static int hierarchy_path(const char *cgroups_path, char *out, size_t len, bool *rel)
{
	const char *c1 = strchr(cgroups_path, ':');
	int k;

	*rel = false;
	if (!c1) {
		*rel = cgroups_path[0] != '/';
		k = snprintf(out, len, "%s", cgroups_path);
		return k < 0 || (size_t)k >= len ? -ENAMETOOLONG : 0;
	}
	/* systemd: slice:prefix:name; the unit is prefix-name.scope, or name when it is a slice */
	const char *c2 = strchr(c1 + 1, ':');
	char slice[256], base[4096];
	const char *name;
	size_t n;
	int r;

	if (!c2 || strchr(c2 + 1, ':') || (size_t)(c1 - cgroups_path) >= sizeof(slice))
		return -EINVAL;
	memcpy(slice, cgroups_path, (size_t)(c1 - cgroups_path));
	slice[c1 - cgroups_path] = '\0';
	r = expand_slice(slice[0] ? slice : "system.slice", base, sizeof(base));
	if (r < 0)
		return r;
	name = c2 + 1;
	n = strlen(name);
	if (n > 6 && strcmp(name + n - 6, ".slice") == 0)
		k = snprintf(out, len, "%s/%s", base, name);
	else
		k = snprintf(out, len, "%s/%.*s%s%s.scope", base, (int)(c2 - c1 - 1), c1 + 1,
			     c2 - c1 > 1 ? "-" : "", name);
	return k < 0 || (size_t)k >= len ? -ENAMETOOLONG : 0;
}

/* mountinfo's octal escapes (\040 for a blank) decoded in place. */
static void unescape(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* The own cgroup (from /proc/self/cgroup) of the hierarchy whose super options are opts
 * ("rw,devices", "rw,name=systemd"; cgroup2: NULL). */
static int own_cgroup(const char *self_cgroup, const char *opts, char *out, size_t len)
{
	_cleanup_fclose_ FILE *f = fopen(self_cgroup, "re");
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		bool match = false;

		if (!c2)
			continue;
		*c2 = '\0';
		line[strcspn(line, "\n")] = c2[1 + strcspn(c2 + 1, "\n")] = '\0';
		if (!opts) {
			match = c1[1] == '\0';
		} else {
			char *save = NULL;
			for (char *t = strtok_r(c1 + 1, ",", &save); t && !match;
			     t = strtok_r(NULL, ",", &save)) {
				const char *p = strstr(opts, t);
				size_t n = strlen(t);
				match = p && (p == opts || p[-1] == ',') && (p[n] == ',' || !p[n]);
			}
		}
		if (match)
			return snprintf(out, len, "%s", c2 + 1) < (int)len ? 0 : -ENAMETOOLONG;
	}
	return -ENOENT;
}

/* dir holds a process or a child cgroup. */
static bool populated(const char *dir)
{
	_cleanup_free_ char *procs = NULL;
	_cleanup_fclose_ FILE *f = NULL;
	DIR *d = opendir(dir);
	struct dirent *e;
	bool any = false;
	int c;

	if (!d)
		return errno != ENOENT;
	while (!any && (e = readdir(d)))
		any = (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) && strcmp(e->d_name, ".") &&
		      strcmp(e->d_name, "..");
	closedir(d);
	if (any || asprintf(&procs, "%s/cgroup.procs", dir) < 0)
		return true;
	f = fopen(procs, "re");
	if (!f)
		return errno != ENOENT;
	while ((c = fgetc(f)) != EOF)
		if (c != ' ' && c != '\n')
			return true;
	return false;
}

int sg_cgroup_in_use(const char *mountinfo, const char *self_cgroup, const char *cgroups_path,
		     char *found, size_t found_len, struct sg_error *err)
{
	_cleanup_fclose_ FILE *f = fopen(mountinfo, "re");
	_cleanup_free_ char *line = NULL;
	char hpath[4096];
	size_t cap = 0;
	bool rel;
	int r = hierarchy_path(cgroups_path, hpath, sizeof(hpath), &rel);

	if (r < 0)
		return sg_error_set(err, r, "'%.256s' is not a cgroup path runc takes", cgroups_path);
	if (!f)
		return sg_error_set(err, -errno, "%s: %s", mountinfo, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		char *fld[6] = { 0 }, *dash = strstr(line, " - "), *save = NULL;
		char *fstype, *superopts, own[4096], dir[8192];
		const char *p = hpath;
		size_t n = 0, rootlen;

		if (!dash)
			continue;
		*dash = '\0';
		for (char *t = strtok_r(line, " ", &save); t && n < 6; t = strtok_r(NULL, " ", &save))
			fld[n++] = t;
		fstype = strtok_r(dash + 3, " ", &save);
		(void)strtok_r(NULL, " ", &save);
		superopts = strtok_r(NULL, " \n", &save);
		if (n < 5 || !fstype || (strcmp(fstype, "cgroup") && strcmp(fstype, "cgroup2")))
			continue;
		unescape(fld[3]);
		unescape(fld[4]);
		if (rel) {
			r = own_cgroup(self_cgroup, strcmp(fstype, "cgroup2") ? superopts : NULL, own,
				       sizeof(own));
			if (r < 0)
				return sg_error_set(err, r, "%s: no own cgroup for the hierarchy at "
						    "%s", self_cgroup, fld[4]);
			if (snprintf(own + strlen(own), sizeof(own) - strlen(own), "/%s", hpath) >=
			    (int)(sizeof(own) - strlen(own)))
				return sg_error_set(err, -ENAMETOOLONG, "cgroup path too long");
			p = own;
		}
		/* the mount shows the hierarchy from fld[3] down */
		rootlen = strcmp(fld[3], "/") == 0 ? 0 : strlen(fld[3]);
		if (rootlen && (strncmp(p, fld[3], rootlen) != 0 || (p[rootlen] && p[rootlen] != '/')))
			continue;
		if (snprintf(dir, sizeof(dir), "%s%s", fld[4], p + rootlen) >= (int)sizeof(dir))
			return sg_error_set(err, -ENAMETOOLONG, "cgroup path too long");
		if (populated(dir)) {
			snprintf(found, found_len, "%s", dir);
			return 1;
		}
	}
	return 0;
}
