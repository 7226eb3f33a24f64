// SPDX-License-Identifier: GPL-2.0-or-later
/* sd_notify wrappers; compiled to no-ops without libsystemd. */
#include "config.h"

#include <stdio.h>

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

void notify_ready(const char *status)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status);
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
	char buf[256];

	snprintf(buf, sizeof(buf), "STATUS=%s", status);
	notify_send(buf);
}

void notify_watchdog(void)
{
	notify_send("WATCHDOG=1");
}
