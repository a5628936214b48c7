/* SPDX-License-Identifier: Apache-2.0 */
/* The one error model: a caller-owned struct sg_error filled in one line that returns the code. */
#include <stdio.h>
#include <string.h>

#include <shimgate/shimgate.h>

int sg_error_setv(struct sg_error *err, int code, const char *fmt, va_list ap)
{
	if (err) {
		err->code = code;
		(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	}
	return code;
}

int sg_error_set(struct sg_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	code = sg_error_setv(err, code, fmt, ap);
	va_end(ap);
	return code;
}

int sg_error_prefix(struct sg_error *err, const char *fmt, ...)
{
	char old[SG_ERROR_MSG_MAX];
	va_list ap;
	size_t n, room, keep;

	if (!err)
		return 0;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* The message is cut at the buffer's end rather than refused: it is for people. Explicit
	 * bounds (not strncat) so the copy is visibly in range, for the reader and for GCC. */
	n = strlen(err->msg);
	if (n + 2 < sizeof(err->msg)) {
		room = sizeof(err->msg) - n - 3; /* after ": ", before the NUL */
		keep = strnlen(old, room);
		memcpy(err->msg + n, ": ", 2);
		memcpy(err->msg + n + 2, old, keep);
		err->msg[n + 2 + keep] = '\0';
	}
	return err->code;
}
