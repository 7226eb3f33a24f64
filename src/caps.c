// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * flowd started outside systemd holds every capability of root.  After
 * start-up it needs only:
 *
 * - CAP_NET_ADMIN: nftables and conntrack netlink (the batches, event
 *   subscriptions, conntrack deletes) and SO_RCVBUFFORCE, also when a
 *   socket is reopened later;
 * - CAP_CHOWN: a reload that changes control.socket, .mode or .group
 *   creates a new socket and gives it to control.group (ctl_socket.c);
 *   everything else there (mkdir, bind, unlink in root's own directories)
 *   needs only the uid.
 *
 * The uid stays 0: netlink checks the capability, not the uid, and the
 * socket and runtime directory stay owned by the uid that created them.
 * The service unit's CapabilityBoundingSet names the same two.
 *
 * libcap-ng rather than raw capset(2): it handles the capability ABI
 * versions, the bounding and ambient sets in one call, and is what Debian
 * daemons use for this (libcap-ng0 is on every system with util-linux).
 */
#include "config.h"

#include <cap-ng.h>
#include <linux/capability.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "caps.h"
#include "log.h"

static const unsigned int kept[] = { CAP_NET_ADMIN, CAP_CHOWN };
#define N_KEPT (sizeof(kept) / sizeof(kept[0]))

static bool is_kept(unsigned int cap)
{
	for (size_t i = 0; i < N_KEPT; i++)
		if (kept[i] == cap)
			return true;
	return false;
}

/* Capabilities in the effective or permitted set that flowd does not keep. */
static unsigned int count_extra(char *names, size_t len)
{
	unsigned int n = 0;
	size_t used = 0;

	names[0] = '\0';
	for (unsigned int cap = 0; cap <= CAP_LAST_CAP; cap++) {
		const char *name;

		if (is_kept(cap) || (!capng_have_capability(CAPNG_EFFECTIVE, cap) &&
				     !capng_have_capability(CAPNG_PERMITTED, cap)))
			continue;
		n++;
		name = capng_capability_to_name(cap);
		if (used < len)
			used += (size_t)snprintf(names + used, len - used, "%s%s", used ? " " : "",
						 name ? name : "?");
	}
	return n;
}

int caps_drop(void)
{
	bool held[N_KEPT], bounds;
	char extra[1024];
	unsigned int n;

	if (capng_get_caps_process() < 0) {
		log_err("cannot read this process's capabilities");
		return -1;
	}
	n = count_extra(extra, sizeof(extra));
	if (n == 0) {
		log_info("capabilities already restricted (at most cap_net_admin, cap_chown): "
			 "nothing to drop");
		return 0;
	}
	/* capset() can only lower: keep what we hold, never ask for more. */
	for (size_t i = 0; i < N_KEPT; i++)
		held[i] = capng_have_capability(CAPNG_PERMITTED, kept[i]);
	/* Shrinking the bounding set needs CAP_SETPCAP; without it the rest still goes. */
	bounds = capng_have_capability(CAPNG_EFFECTIVE, CAP_SETPCAP);
	capng_clear(bounds ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS);
	for (size_t i = 0; i < N_KEPT; i++) {
		if (!held[i])
			continue;
		if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED |
				 (bounds ? CAPNG_BOUNDING_SET : 0), kept[i]) < 0) {
			log_err("cannot keep %s", capng_capability_to_name(kept[i]));
			return -1;
		}
	}
	if (capng_apply(bounds ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS) < 0) {
		log_err("cannot drop capabilities (%s)", extra);
		return -1;
	}
	/* Check what the kernel now says, not what we asked for. */
	if (capng_get_caps_process() < 0 || count_extra(extra, sizeof(extra)) != 0) {
		log_err("capabilities still held after dropping them: %s", extra);
		return -1;
	}
	for (size_t i = 0; i < N_KEPT; i++) {
		if (held[i] && !capng_have_capability(CAPNG_EFFECTIVE, kept[i])) {
			log_err("%s lost while dropping the other capabilities",
				capng_capability_to_name(kept[i]));
			return -1;
		}
	}
	log_info("dropped %u capabilities%s; keeping cap_net_admin, cap_chown", n,
		 bounds ? " (and from the bounding set)" : "");
	return 0;
}
