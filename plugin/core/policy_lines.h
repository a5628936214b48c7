/* SPDX-License-Identifier: Apache-2.0 */
/* Line-oriented text shared by the policy and configuration parsers: bounds and comments. */
#ifndef SG_CORE_POLICY_LINES_H
#define SG_CORE_POLICY_LINES_H

#include <stddef.h>

#include <shimgate/shimgate.h>

/* Calls fn for every line of text (len bytes, modified in place) with its comment removed:
 * "#" starts a comment at the start of a line or after a blank; inside a word it is text.
 * Refuses a NUL byte and lines over SG_LIMIT_POLICY_LINE, as "path:line: ...". Stops at
 * the first error fn returns. */
int sg_lines_foreach(const char *path, char *text, size_t len,
		     int (*fn)(char *line, unsigned lineno, void *data, struct sg_error *err),
		     void *data, struct sg_error *err);

#endif
