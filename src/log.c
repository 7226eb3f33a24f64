// SPDX-License-Identifier: GPL-2.0-or-later
/* Logging to stderr (foreground) or syslog (service). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#include "log.h"

/*
 * The only process-wide state in flowd: logging must work before any
 * other structure exists (argument errors) and from every module.
 */
static struct {
	bool to_stderr;
	int level;
} log_state = { .to_stderr = true, .level = LOG_LEVEL_INFO };

static const struct {
	const char *name;
	int level;
} log_levels[] = {
	{ "error", LOG_LEVEL_ERROR },
	{ "warning", LOG_LEVEL_WARNING },
	{ "info", LOG_LEVEL_INFO },
	{ "debug", LOG_LEVEL_DEBUG },
};

void log_init(const char *ident, bool to_stderr, int level)
{
	log_state.to_stderr = to_stderr;
	log_state.level = level;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(int level)
{
	log_state.level = level;
}

int log_get_level(void)
{
	return log_state.level;
}

int log_level_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (strcasecmp(name, log_levels[i].name) == 0)
			return log_levels[i].level;
	return -1;
}

const char *log_level_name(int level)
{
	for (size_t i = 0; i < sizeof(log_levels) / sizeof(log_levels[0]); i++)
		if (log_levels[i].level == level)
			return log_levels[i].name;
	return "unknown";
}

static void log_vemit(int level, const char *suffix, const char *fmt, va_list ap)
{
	char msg[1024];

	if (level > log_state.level)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (log_state.to_stderr) {
		/* syslog and journald stamp their lines; stderr gets its own. */
		struct timeval tv;
		struct tm tm;
		char stamp[32] = "";

		if (gettimeofday(&tv, NULL) == 0 && localtime_r(&tv.tv_sec, &tm))
			snprintf(stamp, sizeof(stamp), "%02d:%02d:%02d.%03ld", tm.tm_hour,
				 tm.tm_min, tm.tm_sec, (long)tv.tv_usec / 1000);
		if (suffix)
			fprintf(stderr, "%s flowd: %s: %s\n", stamp, msg, suffix);
		else
			fprintf(stderr, "%s flowd: %s\n", stamp, msg);
		return;
	}
	if (suffix)
		syslog(level, "%s: %s", msg, suffix);
	else
		syslog(level, "%s", msg);
}

#define LOG_BODY(level, suffix)                          \
	do {                                             \
		va_list ap;                              \
		va_start(ap, fmt);                       \
		log_vemit((level), (suffix), fmt, ap);   \
		va_end(ap);                              \
	} while (0)

void log_err(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, NULL);
}

void log_warn(const char *fmt, ...)
{
	const char *err = strerror(errno);

	LOG_BODY(LOG_LEVEL_WARNING, err);
}

void log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_WARNING, NULL);
}

void log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_INFO, NULL);
}

void log_debug(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_DEBUG, NULL);
}

void fatal(const char *fmt, ...)
{
	const char *err = strerror(errno);

	LOG_BODY(LOG_LEVEL_ERROR, err);
	exit(1);
}

void fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_LEVEL_ERROR, NULL);
	exit(1);
}
