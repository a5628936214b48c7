/* SPDX-License-Identifier: Apache-2.0 */
/* Line-oriented text shared by the policy and configuration parsers: bounds and comments. */
#include <errno.h>
#include <string.h>

#include "limits.h"
#include "policy_lines.h"

static void strip_comment(char *line)
{
	for (char *c = line; *c; c++) {
		if (*c == '#' && (c == line || c[-1] == ' ' || c[-1] == '\t')) {
			*c = '\0';
			return;
		}
	}
}

int sg_lines_foreach(const char *path, char *text, size_t len,
		     int (*fn)(char *line, unsigned lineno, void *data, struct sg_error *err),
		     void *data, struct sg_error *err)
{
	unsigned lineno = 0;
	char *p = text;

	if (strlen(text) != len)
		return sg_error_set(err, -EINVAL, "%s: contains a NUL byte", path);
	while (*p) {
		char *line = p;
		char *nl = strchr(p, '\n');
		int r;

		lineno++;
		if (nl) {
			*nl = '\0';
			p = nl + 1;
		} else {
			p += strlen(p);
		}
		if (strlen(line) > SG_LIMIT_POLICY_LINE)
			return sg_error_set(err, -E2BIG, "%s:%u: line longer than %u bytes", path,
					    lineno, SG_LIMIT_POLICY_LINE);
		strip_comment(line);
		r = fn(line, lineno, data, err);
		if (r < 0)
			return r;
	}
	return 0;
}
