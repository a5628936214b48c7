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
	size_t n;

	if (!err)
		return 0;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	(void)vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/* The message is cut at the buffer's end rather than refused: it is for people. */
	n = strlen(err->msg);
	if (n + 2 < sizeof(err->msg)) {
		memcpy(err->msg + n, ": ", 3);
		n += 2;
		(void)strncat(err->msg + n, old, sizeof(err->msg) - n - 1);
	}
	return err->code;
}
