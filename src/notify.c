// SPDX-License-Identifier: GPL-2.0-or-later
/* sd_notify wrappers; compiled to no-ops without libsystemd. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "notify.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

static void notify_send(const char *state)
{
	int r = sd_notify(0, state);

	/* 0 means "not under systemd": nothing to tell, nothing wrong. */
	if (r < 0)
		log_warnx("sd_notify(%s) failed: error %d", state, -r);
}

uint64_t notify_watchdog_usec(void)
{
	uint64_t usec = 0;

	if (sd_watchdog_enabled(0, &usec) <= 0)
		return 0;
	return usec;
}
#else
static void notify_send(const char *state)
{
	(void)state;
}

uint64_t notify_watchdog_usec(void)
{
	return 0;
}
#endif

/*
 * The STATUS= last sent, so that a reconcile that changes nothing does not
 * write to the notify socket.
 */
static char last_status[256];

/*
 * One line of printable text: systemctl status shows it as it is, and a
 * newline would start another assignment.  The reasons in it can quote
 * interface names and kernel messages.
 */
static void status_line(const char *status, char *buf, size_t len)
{
	snprintf(buf, len, "%s", status);
	for (char *c = buf; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
}

void notify_ready(const char *status)
{
	char buf[sizeof(last_status) + 32];

	status_line(status, last_status, sizeof(last_status));
	snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", last_status);
	notify_send(buf);
}

void notify_reloading(void)
{
	notify_send("RELOADING=1");
}

void notify_stopping(void)
{
	notify_send("STOPPING=1");
}

void notify_status(const char *status)
{
	char line[sizeof(last_status)], buf[sizeof(last_status) + 16];

	status_line(status, line, sizeof(line));
	if (strcmp(line, last_status) == 0)
		return;
	memcpy(last_status, line, sizeof(last_status));
	snprintf(buf, sizeof(buf), "STATUS=%s", last_status);
	notify_send(buf);
}

void notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}
