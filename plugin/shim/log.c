/* SPDX-License-Identifier: Apache-2.0 */
/* Logging for the front ends: logrus-style lines with file and function, to one fd. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static int log_fd = -1;
static enum sg_log_level log_level = SG_LOG_INFO;

static const char *const level_names[] = {
	[SG_LOG_ERROR] = "error",
	[SG_LOG_WARN] = "warning",
	[SG_LOG_INFO] = "info",
	[SG_LOG_DEBUG] = "debug",
};

void sg_log_init(int fd, enum sg_log_level level)
{
	log_fd = fd;
	log_level = level;
}

int sg_log_level_parse(const char *name, enum sg_log_level *out)
{
	static const struct {
		const char *name;
		enum sg_log_level level;
	} names[] = {
		{ "error", SG_LOG_ERROR }, { "warn", SG_LOG_WARN },
		{ "info", SG_LOG_INFO },   { "debug", SG_LOG_DEBUG },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i].name) == 0) {
			*out = names[i].level;
			return 0;
		}
	}
	return -EINVAL;
}

void sg_log_write(enum sg_log_level level, const char *file, int line, const char *func,
		  const char *fmt, ...)
{
	char msg[1024], out[1400], when[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (log_fd < 0 || level > log_level)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Quotes and newlines would break the key=value line containerd re-logs. */
	for (char *p = msg; *p; p++)
		if (*p == '"' || *p == '\n' || *p == '\r')
			*p = '\'';
	(void)clock_gettime(CLOCK_REALTIME, &ts);
	(void)gmtime_r(&ts.tv_sec, &tm);
	(void)strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(out, sizeof(out),
		     "time=\"%s.%09ldZ\" level=%s msg=\"%s\" runtime=shimgate src=\"%s:%d %s\"\n",
		     when, ts.tv_nsec, level_names[level], msg, file, line, func);
	if (n > (int)sizeof(out))
		n = (int)sizeof(out);
	/* A failed log write has nowhere else to go; the decision path must not depend on it. */
	if (n > 0)
		(void)!write(log_fd, out, (size_t)n);
}
