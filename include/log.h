/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging: stderr in the foreground, syslog as a service.
 *
 * log_warn() appends strerror(errno); log_warnx() does not.  fatal() and
 * fatalx() exit and are meant for start-up only, before the event loop runs.
 */
#ifndef FLOWD_LOG_H
#define FLOWD_LOG_H

#include <stdbool.h>
#include <syslog.h>

enum log_level {
	LOG_LEVEL_ERROR = LOG_ERR,
	LOG_LEVEL_WARNING = LOG_WARNING,
	LOG_LEVEL_INFO = LOG_INFO,
	LOG_LEVEL_DEBUG = LOG_DEBUG,
};

void log_init(const char *ident, bool to_stderr, int level);
void log_set_level(int level);
int log_get_level(void);
/* "error", "warning", "info", "debug" -> level; -1 when unknown. */
int log_level_from_name(const char *name);
const char *log_level_name(int level);

void log_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
