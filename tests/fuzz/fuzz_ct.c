// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conntrack: ctnetlink events and dump replies (ct_msg_parse) through the
 * tracker's state machine (ct_feed, ct_dump_*), with route messages from
 * the same buffer (ct_route_parse) as the lookup stub's routes and as
 * route events (ct_route_event: the path cache's invalidation), then the
 * counts, selections and refresh policy over whatever set of flows
 * resulted.
 */
#include <libmnl/libmnl.h>

#include "../unit/ct_routes_stub.h"
#include "ct.h"
#include "fuzz_util.h"
#include "nlattr_util.h"

#define MAX_ROUTES 64

static struct plan_device devs[] = {
	{ .name = "eth0", .ifindex = 2 },
	{ .name = "eth1", .ifindex = 3 },
	{ .name = "tun0", .ifindex = 5 },
};
static struct plan_tunnel tuns[] = {
	{ .name = "tun0", .ifindex = 5, .underlay_ifindex = 3 },
	{ .name = "tun1", .ifindex = 6, .underlay_ifindex = 0 },
};
static const struct plan plan = { devs, 3, tuns, 2 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void select_and_count(struct ct_ctx *ct)
{
	static const struct ct_target targets[] = {
		{ CT_TARGET_ALL, "" },
		{ CT_TARGET_TUNNEL, "tun0" },
		{ CT_TARGET_DEVICE, "eth1" },
		{ CT_TARGET_DEVICE, "nosuch" },
	};
	struct ct_counts c;

	if (ct_counts(ct, &c) == 0)
		ct_counts_free(&c);
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		struct ct_selection sel;

		if (ct_select(ct, &targets[i], &sel) < 0)
			continue;
		(void)ct_flush_advice(ct, &sel);
		ct_selection_free(&sel);
	}
	(void)ct_refresh_due(ct, 100.0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_route routes[MAX_ROUTES];
	size_t n_routes = 0;
	struct ct_ctx *ct;
	char *buf;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	buf = fuzz_copy(data, size);
	if (!buf || ct_new(NULL, &ct) < 0)
		abort();
	if (ct_set_plan(ct, &plan) < 0)
		abort();

	/* Routes first, so flows resolve to paths (ct_path.c's walk). */
	{
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int rem = (int)size;

		for (; nlattr_msg_ok(m, rem); m = mnl_nlmsg_next(m, &rem))
			if (ct_route_parse(m, (size_t)rem, &routes[n_routes]) == 1 &&
			    n_routes < MAX_ROUTES - 1)
				n_routes++;
	}
	if (seed_set_routes(ct, routes, n_routes) < 0)
		abort();

	/* Events: ct_feed frames the buffer itself. */
	ct_feed(ct, buf, size, 1.0);
	select_and_count(ct);

	/* The same messages as route events: drop cached paths, look up again. */
	{
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int rem = (int)size;

		for (; nlattr_msg_ok(m, rem); m = mnl_nlmsg_next(m, &rem))
			(void)ct_route_event(ct, m, (size_t)rem);
		(void)ct_update_paths(ct);
	}

	/*
	 * The same bytes as a dump, message by message: ct_watch.c gets them
	 * from libnfnetlink, which walks with the kernel's NLMSG_OK().
	 */
	{
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int rem = (int)size;

		ct_dump_begin(ct);
		/* NLMSG_OK(), spelled out: the macro trips -Wsign-compare. */
		for (; rem >= (int)sizeof(*m) && m->nlmsg_len >= sizeof(*m) &&
		       m->nlmsg_len <= (unsigned int)rem;
		     m = NLMSG_NEXT(m, rem))
			ct_dump_msg(ct, m, m->nlmsg_len);
		ct_dump_end(ct, 2.0, false);
	}
	select_and_count(ct);

	/* The whole input as one message. */
	{
		struct ct_flow f;
		struct ct_route r;
		uint32_t status;
		uint8_t plen;

		(void)ct_msg_parse(buf, size, &f, &status);
		(void)ct_route_parse(buf, size, &r);
		(void)ct_lookup_parse(buf, size, &plen);
	}
	ct_close(ct);
	free(buf);
	return 0;
}
