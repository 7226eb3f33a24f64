/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Service manager notifications (sd_notify).  Without libsystemd, or when
 * not started by systemd (no NOTIFY_SOCKET), every call is a no-op.
 */
#ifndef FLOWD_NOTIFY_H
#define FLOWD_NOTIFY_H

#include <stdint.h>

/* READY=1 with STATUS=; after start-up and after each reload. */
void notify_ready(const char *status);
void notify_reloading(void);
void notify_stopping(void);
/* STATUS= alone, and only when it differs from the last one sent. */
void notify_status(const char *status);
void notify_watchdog(void);
/* The watchdog interval systemd asked for, in microseconds; 0 if none. */
uint64_t notify_watchdog_usec(void);

#endif
