/* SPDX-License-Identifier: Apache-2.0 */
/* Logging for the front ends only (the core never logs). Lines are logrus-style
 * ("time=... level=... msg=...") because containerd copies the shim's log fifo into its own log. */
#ifndef SG_SHIM_LOG_H
#define SG_SHIM_LOG_H

enum sg_log_level {
	SG_LOG_ERROR = 0,
	SG_LOG_WARN,
	SG_LOG_INFO,
	SG_LOG_DEBUG,
};

/* fd < 0 disables logging. */
void sg_log_init(int fd, enum sg_log_level level);
int sg_log_level_parse(const char *name, enum sg_log_level *out);
void sg_log_write(enum sg_log_level level, const char *file, int line, const char *func,
		  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#define sg_log_error(...) sg_log_write(SG_LOG_ERROR, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define sg_log_warn(...) sg_log_write(SG_LOG_WARN, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define sg_log_info(...) sg_log_write(SG_LOG_INFO, __FILE__, __LINE__, __func__, __VA_ARGS__)
#define sg_log_debug(...) sg_log_write(SG_LOG_DEBUG, __FILE__, __LINE__, __func__, __VA_ARGS__)

#endif
