/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seed topology as the conntrack tracker sees it, for the tests and
 * the ct_replay benchmark: eth0 (2) configured; tun0 (5, ipip) over
 * eth1 (3).  The routes are each program's own.
 *
 * Static, not shared objects: every program gets its own copy to change
 * (test_ct_state turns tun0's acceleration off and on again).
 */
#ifndef FLOWD_TEST_CT_SEED_H
#define FLOWD_TEST_CT_SEED_H

#include <arpa/inet.h>
#include <stdint.h>

#include "ct.h"

static struct plan_device seed_devs[] = {
	{ .name = "eth0", .ifindex = 2, .reasons = PLAN_REASON_CONFIGURED },
	{ .name = "eth1", .ifindex = 3, .reasons = PLAN_REASON_UNDERLAY, .tunnel = "tun0" },
	{ .name = "tun0", .ifindex = 5, .reasons = PLAN_REASON_TUNNEL, .tunnel = "tun0" },
};
static struct plan_tunnel seed_tuns[] = {
	{ .name = "tun0", .ifindex = 5, .selected = true, .accelerated = true,
	  .underlay_ifindex = 3, .underlay = "eth1", .kind = "ipip" },
};
static const struct plan seed_plan = { seed_devs, 3, seed_tuns, 1 };

/* addr/plen dev ifindex, for seed_set_routes(). */
static inline struct ct_route route4(const char *addr, int plen, int ifindex)
{
	struct ct_route r = { .family = AF_INET, .plen = (uint8_t)plen, .ifindex = ifindex };

	inet_pton(AF_INET, addr, r.addr);
	return r;
}

#endif
