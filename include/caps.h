/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Giving up root's other powers once flowd is set up: it keeps running as
 * uid 0 (the files it owns stay its own) but with only the capabilities
 * its netlink and control-socket work needs.
 */
#ifndef FLOWD_CAPS_H
#define FLOWD_CAPS_H

/*
 * Drop every capability (effective, permitted, inheritable, ambient and,
 * when allowed, the bounding set) except CAP_NET_ADMIN and CAP_CHOWN.
 * A no-op, logged, when the process holds nothing else already (systemd's
 * CapabilityBoundingSet, or not root).  0, or -1 (logged) when the drop
 * failed.
 */
int caps_drop(void);

#endif
