/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which Ethernet device carries a PPP unit's PPPoE session.  rtnetlink does
 * not say (a ppp device reports no IFLA_LINK), and the kernel's
 * /proc/net/pppoe lists sessions with their Ethernet device but not their
 * ppp unit.  So flowd only concludes when it is unambiguous: exactly one
 * PPP link of unknown lower device and exactly one PPPoE session.
 */
#ifndef FLOWD_PPPOE_H
#define FLOWD_PPPOE_H

#include <net/if.h>
#include <stddef.h>

#include "model.h"

#define PPPOE_PROC_PATH "/proc/net/pppoe"

/*
 * Parse /proc/net/pppoe text ("Id Address Device" header, then one session
 * per line).  Returns the number of sessions; the device of the first one
 * goes to first_dev (when not NULL).  Malformed lines are skipped.
 */
size_t pppoe_parse_sessions(const char *text, char first_dev[IFNAMSIZ]);

/*
 * Set lower_ifindex of the one PPP link lacking it, when the text shows
 * exactly one session whose device is in links.  Returns 1 if a link was
 * changed, else 0.
 */
int pppoe_assign_lower(struct link *links, size_t n_links, const char *proc_text);

#endif
