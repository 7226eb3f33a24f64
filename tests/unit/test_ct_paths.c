// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Flow paths from route lookups (ct_paths.c): which lookups are asked,
 * the cache (hits, misses, precise invalidation by route events, rule and
 * link events dropping everything), backend failures, and attribution
 * under an fwmark rule.  The backend is a scripted "kernel" that logs
 * every key it is asked.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "ct.h"
#include "ct_fixture.h"
#include "ct_int.h"
#include "nlmsg_build.h"

/*
 * The scripted kernel: 10.0.0.0/24 on eth0 (2); 10.2.0.0/24 on tun0 (5),
 * or tun2 (6) for mark 1 (ip rule fwmark 1), or tun3 (7) once "moved";
 * everything else via eth1 (3), a default route.  Input lookups: refused
 * (rp_filter) when refuse_iif matches; from iif_rule_iif, tun4 (8) (an
 * `ip rule iif`).  VRF blue (20) holds eth2 (9) and tun6 (11); its table
 * has 10.9.0.0/24 on eth2 and 10.2.0.0/24 on tun6, nothing else.
 */
#define VRF_BLUE 20
#define VRF_ETH 9
#define VRF_TUN 11

static struct kernel {
	bool moved;
	int refuse_iif;
	int iif_rule_iif;
	int fail;			/* the whole call fails with this errno */
	int unknown_from;		/* answer -1 for dst 10.2.0.x >= this, 0: none */
	struct ct_rtkey asked[1024];
	size_t n_asked;
} k;

static bool in24(const uint8_t *a, uint8_t b0, uint8_t b1, uint8_t b2)
{
	return a[0] == b0 && a[1] == b1 && a[2] == b2;
}

static int backend(void *arg, const struct ct_rtkey *keys, int32_t *ifindex, uint8_t *plen,
		   size_t n)
{
	assert_ptr_equal(arg, &k);
	if (k.fail)
		return -k.fail;
	for (size_t i = 0; i < n; i++) {
		const struct ct_rtkey *key = &keys[i];

		if (k.n_asked < sizeof(k.asked) / sizeof(k.asked[0]))
			k.asked[k.n_asked] = *key;
		k.n_asked++;
		assert_int_equal(key->family, AF_INET);
		if (k.unknown_from && in24(key->dst, 10, 2, 0) && key->dst[3] >= k.unknown_from) {
			ifindex[i] = -1;
			continue;
		}
		if (key->input && key->iif == k.refuse_iif) {
			ifindex[i] = 0;
			continue;
		}
		if (key->input && key->iif == k.iif_rule_iif) {
			ifindex[i] = 8;
			continue;
		}
		/* VRF blue's table: its members' lookups, or an output lookup in it. */
		if ((key->input && (key->iif == VRF_ETH || key->iif == VRF_TUN)) ||
		    (!key->input && key->oif == VRF_BLUE)) {
			ifindex[i] = in24(key->dst, 10, 9, 0) ? VRF_ETH :
				     in24(key->dst, 10, 2, 0) ? VRF_TUN : 0;
			plen[i] = ifindex[i] > 0 ? 24 : 0;
			continue;
		}
		plen[i] = 24;
		if (in24(key->dst, 10, 0, 0)) {
			ifindex[i] = 2;
		} else if (in24(key->dst, 10, 2, 0)) {
			ifindex[i] = k.moved ? 7 : key->mark == 1 ? 6 : 5;
		} else {
			ifindex[i] = 3;
			plen[i] = 0;		/* the default route */
		}
	}
	return 0;
}

static const struct ctspec flow_a = { AF_INET, "10.0.0.2", "10.2.0.2", NULL, NULL, IPPROTO_TCP,
				      40000, 80, 1, IPS_CONFIRMED | IPS_OFFLOAD, 0, 0 };
/* The same hosts, other ports: the same lookups. */
static const struct ctspec flow_b = { AF_INET, "10.0.0.2", "10.2.0.2", NULL, NULL, IPPROTO_TCP,
				      40001, 80, 2, IPS_CONFIRMED | IPS_OFFLOAD, 0, 0 };
/* The same hosts again, conntrack mark 1: the fwmark rule's table. */
static const struct ctspec flow_c = { AF_INET, "10.0.0.2", "10.2.0.2", NULL, NULL, IPPROTO_TCP,
				      40002, 5202, 3, IPS_CONFIRMED | IPS_OFFLOAD, 0, 1 };
/*
 * flow c's stream picked up again after its entry was deleted, from the
 * server's ACK: the original direction runs from the server.
 */
static const struct ctspec flow_c_reversed = { AF_INET, "10.2.0.2", "10.0.0.2", NULL, NULL,
					       IPPROTO_TCP, 5202, 40002, 5,
					       IPS_CONFIRMED | IPS_OFFLOAD, 0, 1 };
/* To the Internet. */
static const struct ctspec flow_d = { AF_INET, "10.0.0.4", "172.16.5.5", NULL, NULL, IPPROTO_UDP,
				      1, 2, 4, IPS_CONFIRMED | IPS_OFFLOAD, 0, 0 };

static struct plan_device devs[] = {
	{ .name = "eth0", .ifindex = 2 },
	{ .name = "eth1", .ifindex = 3 },
	{ .name = "tun0", .ifindex = 5 },
	{ .name = "tun2", .ifindex = 6 },
};
static struct plan_tunnel tuns[] = {
	{ .name = "tun0", .ifindex = 5, .underlay_ifindex = 3, .underlay = "eth1" },
	{ .name = "tun2", .ifindex = 6, .underlay_ifindex = 3, .underlay = "eth1" },
};
static const struct plan two_tunnels = { devs, 4, tuns, 2 };

static struct ct_ctx *tracker(void)
{
	struct ct_ctx *ct;

	memset(&k, 0, sizeof(k));
	assert_int_equal(ct_new(NULL, &ct), 0);
	assert_int_equal(ct_set_plan(ct, &two_tunnels), 0);
	ct_set_lookup(ct, backend, &k);
	return ct;
}

/* These flows arrive as one buffer of UPDATE events (offloaded). */
static void feed(struct ct_ctx *ct, const struct ctspec *const *flows, size_t n)
{
	union ctbuf buf;
	size_t off = 0;

	for (size_t i = 0; i < n; i++)
		ct_fx_put(&buf, &off, FX_UPDATE, flows[i]);
	ct_feed(ct, buf.b, off, 1.0);
}

static const struct ct_flow *flow(const struct ct_ctx *ct, uint32_t id)
{
	for (size_t i = 0; i < ct_flows_count(ct_table(ct)); i++)
		if (ct_flows_at(ct_table(ct), i)->id == id)
			return ct_flows_at(ct_table(ct), i);
	fail_msg("no flow %u", id);
	return NULL;
}

/* `flush tunnel TUNNEL` would select exactly the flow with this id. */
static void assert_selects_only(const struct ct_ctx *ct, const char *tunnel, uint32_t id)
{
	struct ct_target t = { .kind = CT_TARGET_TUNNEL };
	struct ct_selection sel;

	snprintf(t.name, sizeof(t.name), "%s", tunnel);
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(sel.n, 1);
	assert_int_equal(sel.flows[0].id, id);
	ct_selection_free(&sel);
}

static size_t cached(const struct ct_ctx *ct)
{
	size_t n;
	uint64_t lookups;

	ct_path_cache_stats(ct, &n, &lookups);
	if (!k.fail)
		assert_int_equal(lookups, k.n_asked);
	return n;
}

static struct nlmsghdr *route_event(union nlbuf *buf, uint16_t type, const char *dst, int plen)
{
	struct nlmsghdr *nlh = nl_newroute(buf, AF_INET, plen, RTN_UNICAST);

	nlh->nlmsg_type = type;
	if (plen > 0)
		nl_put_in4(nlh, RTA_DST, dst);
	mnl_attr_put_u32(nlh, RTA_OIF, 9);
	return nlh;
}

static uint32_t ip4(const char *s)
{
	uint32_t a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/* The lookups asked for one new flow: what, in which order, with which iif. */
static void test_lookups_asked(void **state)
{
	const struct ctspec *a[] = { &flow_a };
	struct ct_ctx *ct = tracker();
	uint32_t v;

	feed(ct, a, 1);
	assert_int_equal(k.n_asked, 4);
	/* Round 1: output lookups, destination and mark only. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(k.asked[i].input, 0);
		assert_int_equal(k.asked[i].iif, 0);
		memcpy(&v, k.asked[i].src, 4);
		assert_int_equal(v, 0);
	}
	memcpy(&v, k.asked[0].dst, 4);
	assert_int_equal(v, ip4("10.2.0.2"));
	memcpy(&v, k.asked[1].dst, 4);
	assert_int_equal(v, ip4("10.0.0.2"));
	/* Round 2: input lookups, each arriving where the other direction leaves. */
	assert_int_equal(k.asked[2].input, 1);
	assert_int_equal(k.asked[2].iif, 2);		/* originals arrive on eth0 */
	memcpy(&v, k.asked[2].src, 4);
	assert_int_equal(v, ip4("10.0.0.2"));
	assert_int_equal(k.asked[3].input, 1);
	assert_int_equal(k.asked[3].iif, 5);		/* replies arrive on tun0 */
	memcpy(&v, k.asked[3].src, 4);
	assert_int_equal(v, ip4("10.2.0.2"));
	assert_int_equal(flow(ct, 1)->in_if, 2);
	assert_int_equal(flow(ct, 1)->out_if, 5);
	assert_int_equal(cached(ct), 4);
	ct_close(ct);
}

/* The same key is asked once; another mark is another key. */
static void test_cache_hit_miss(void **state)
{
	const struct ctspec *a[] = { &flow_a }, *b[] = { &flow_b }, *c[] = { &flow_c };
	struct ct_ctx *ct = tracker();

	feed(ct, a, 1);
	assert_int_equal(k.n_asked, 4);
	feed(ct, b, 1);
	assert_int_equal(k.n_asked, 4);			/* all hits */
	assert_int_equal(flow(ct, 2)->out_if, 5);
	/* A dump of the same flows: no lookups either. */
	feed(ct, a, 1);
	assert_int_equal(k.n_asked, 4);
	feed(ct, c, 1);
	assert_int_equal(k.n_asked, 8);			/* mark 1: four new keys */
	assert_int_equal(k.asked[4].mark, 1);
	assert_int_equal(flow(ct, 3)->out_if, 6);
	assert_int_equal(flow(ct, 3)->in_if, 2);
	assert_int_equal(cached(ct), 8);
	/* Nothing dropped: an update asks nothing. */
	assert_int_equal(ct_update_paths(ct), 0);
	assert_int_equal(k.n_asked, 8);
	ct_close(ct);
}

/* A route event drops the keys in its prefix, and only those. */
static void test_precise_invalidation(void **state)
{
	const struct ctspec *ad[] = { &flow_a, &flow_d };
	struct ct_ctx *ct = tracker();
	union nlbuf buf;
	struct nlmsghdr *nlh;
	size_t before;

	feed(ct, ad, 2);
	assert_int_equal(k.n_asked, 8);
	assert_int_equal(flow(ct, 4)->out_if, 3);
	before = cached(ct);

	/* Outside every key: nothing to do (the address filter says so). */
	nlh = route_event(&buf, RTM_NEWROUTE, "10.9.0.0", 16);
	assert_false(ct_route_event(ct, nlh, nlh->nlmsg_len));
	/* Next to the keys (same /16), but outside: scanned, kept. */
	nlh = route_event(&buf, RTM_NEWROUTE, "10.2.1.0", 24);
	ct_route_event(ct, nlh, nlh->nlmsg_len);
	nlh = route_event(&buf, RTM_DELROUTE, "172.16.5.6", 31);
	ct_route_event(ct, nlh, nlh->nlmsg_len);
	assert_int_equal(ct_update_paths(ct), 0);
	assert_int_equal(k.n_asked, 8);
	assert_int_equal(cached(ct), before);

	/* 10.2.0.0/24 moves to tun3 (7): the keys with 10.2.0.2 in them go. */
	k.moved = true;
	nlh = route_event(&buf, RTM_NEWROUTE, "10.2.0.0", 24);
	assert_true(ct_route_event(ct, nlh, nlh->nlmsg_len));
	assert_int_equal(cached(ct), before);		/* applied lazily */
	assert_int_equal(ct_update_paths(ct), 0);
	/*
	 * Asked again: the output lookup to 10.2.0.2, the input lookup to it,
	 * and the input lookup from it (which now arrives on tun3: a new key).
	 * Not flow d's four, nor the output lookup to 10.0.0.2.
	 */
	assert_int_equal(k.n_asked, 11);
	for (size_t i = 8; i < 11; i++) {
		uint32_t d, s;

		memcpy(&d, k.asked[i].dst, 4);
		memcpy(&s, k.asked[i].src, 4);
		assert_true(d == ip4("10.2.0.2") || s == ip4("10.2.0.2"));
	}
	assert_int_equal(flow(ct, 1)->out_if, 7);
	assert_int_equal(flow(ct, 1)->in_if, 2);
	assert_int_equal(flow(ct, 4)->out_if, 3);
	ct_close(ct);
}

/* Rule, nexthop and link events, lost and malformed events: everything goes. */
static void test_drop_all(void **state)
{
	const struct ctspec *ad[] = { &flow_a, &flow_d };
	static const uint16_t types[] = { RTM_NEWRULE, RTM_DELRULE, RTM_NEWNEXTHOP,
					  RTM_NEWLINK, 0 /* lost */, 1 /* malformed */ };
	struct ct_ctx *ct = tracker();
	union nlbuf buf;
	size_t asked = 8;

	feed(ct, ad, 2);
	assert_int_equal(k.n_asked, asked);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		struct nlmsghdr *nlh;
		bool r;

		if (types[i] == 0) {
			r = ct_route_event(ct, NULL, 0);
		} else if (types[i] == 1) {
			nlh = route_event(&buf, RTM_NEWROUTE, "10.9.0.0", 16);
			mnl_attr_put_u16(nlh, RTA_PRIORITY, 1);	/* a u32 too short */
			r = ct_route_event(ct, nlh, nlh->nlmsg_len);
		} else {
			nlh = nl_msg_start(&buf, types[i], sizeof(struct rtmsg));
			r = ct_route_event(ct, nlh, nlh->nlmsg_len);
		}
		assert_true(r);
		assert_int_equal(ct_update_paths(ct), 0);
		asked += 8;
		if (k.n_asked != asked)
			fail_msg("event %zu: %zu lookups, want %zu", i, k.n_asked, asked);
		assert_int_equal(flow(ct, 1)->out_if, 5);
	}
	/* Other messages are not routing events. */
	{
		struct nlmsghdr *nlh = nl_msg_start(&buf, RTM_NEWADDR, sizeof(struct ifaddrmsg));

		assert_false(ct_route_event(ct, nlh, nlh->nlmsg_len));
		assert_int_equal(ct_update_paths(ct), 0);
		assert_int_equal(k.n_asked, asked);
	}
	ct_close(ct);
}

/* A failing backend caches nothing; the flows are resolved when it answers. */
static void test_backend_failure(void **state)
{
	const struct ctspec *a[] = { &flow_a };
	struct ct_ctx *ct = tracker();
	struct ct_counts c;

	k.fail = EIO;
	feed(ct, a, 1);
	assert_int_equal(cached(ct), 0);
	assert_int_equal(flow(ct, 1)->out_if, 0);
	assert_true(flow(ct, 1)->flags & CT_FLOW_UNRESOLVED);
	assert_int_equal(ct_counts(ct, &c), 0);
	assert_int_equal(c.unrouted, 1);
	ct_counts_free(&c);
	k.fail = 0;
	assert_int_equal(ct_update_paths(ct), 0);
	assert_int_equal(flow(ct, 1)->out_if, 5);
	assert_false(flow(ct, 1)->flags & CT_FLOW_UNRESOLVED);
	/* Counted as seen on its devices once, when resolved. */
	assert_int_equal(ct_counts(ct, &c), 0);
	assert_int_equal(c.unrouted, 0);
	assert_int_equal(c.tunnels[0].seen, 1);
	ct_counts_free(&c);
	ct_close(ct);
}

/*
 * A path update whose lookups fail (a timeout on a busy host) leaves the
 * flows to be resolved again: the next dump or event resolves them with
 * the new route, instead of status keeping the old one until some later
 * route event.
 */
static void test_update_failure_retried(void **state)
{
	const struct ctspec *a[] = { &flow_a };
	struct ct_ctx *ct = tracker();
	union nlbuf buf;
	struct nlmsghdr *nlh;

	feed(ct, a, 1);
	assert_int_equal(flow(ct, 1)->out_if, 5);
	k.moved = true;
	nlh = route_event(&buf, RTM_NEWROUTE, "10.2.0.0", 24);
	assert_true(ct_route_event(ct, nlh, nlh->nlmsg_len));
	k.fail = ETIMEDOUT;
	assert_int_equal(ct_update_paths(ct), -ETIMEDOUT);
	assert_true(flow(ct, 1)->flags & CT_FLOW_UNRESOLVED);
	k.fail = 0;
	/* The next refresh finds the flow offloaded as before. */
	feed(ct, a, 1);
	assert_int_equal(flow(ct, 1)->out_if, 7);
	assert_false(flow(ct, 1)->flags & CT_FLOW_UNRESOLVED);
	ct_close(ct);
}

/* A key answered "unknown" is not cached and asked again. */
static void test_unknown_answer(void **state)
{
	const struct ctspec *a[] = { &flow_a };
	struct ct_ctx *ct = tracker();

	k.unknown_from = 1;
	feed(ct, a, 1);
	assert_int_equal(k.n_asked, 2);			/* round 2 needs round 1 */
	assert_int_equal(cached(ct), 1);		/* the answer for 10.0.0.2 */
	assert_true(flow(ct, 1)->flags & CT_FLOW_UNRESOLVED);
	k.unknown_from = 0;
	assert_int_equal(ct_update_paths(ct), 0);
	assert_int_equal(k.n_asked, 5);
	assert_int_equal(flow(ct, 1)->out_if, 5);
	ct_close(ct);
}

/*
 * An entry whose original direction is the server's (conntrack picked the
 * stream up from a reply) is the same stream: counted on the tunnel it
 * takes, its devices swapped.
 */
static void test_reversed_entry(void **state)
{
	const struct ctspec *r[] = { &flow_c_reversed };
	struct ct_ctx *ct = tracker();
	struct ct_counts c;

	feed(ct, r, 1);
	assert_int_equal(flow(ct, 5)->in_if, 6);
	assert_int_equal(flow(ct, 5)->out_if, 2);
	assert_int_equal(ct_counts(ct, &c), 0);
	assert_int_equal(c.tunnels[0].sw, 0);
	assert_int_equal(c.tunnels[1].sw, 1);
	ct_counts_free(&c);
	assert_selects_only(ct, "tun2", 5);
	ct_close(ct);
}

/* Input lookups decide (ip rule iif); refused ones fall back to the output answer. */
static void test_input_lookups(void **state)
{
	const struct ctspec *a[] = { &flow_a };
	struct ct_ctx *ct = tracker();

	k.iif_rule_iif = 2;	/* from eth0: tun4 (8) */
	feed(ct, a, 1);
	assert_int_equal(flow(ct, 1)->out_if, 8);
	assert_int_equal(flow(ct, 1)->in_if, 2);
	ct_close(ct);

	ct = tracker();
	k.refuse_iif = 5;	/* replies from tun0 refused: the output answer */
	feed(ct, a, 1);
	assert_int_equal(flow(ct, 1)->out_if, 5);
	assert_int_equal(flow(ct, 1)->in_if, 2);
	ct_close(ct);
}

/* An fwmark rule: same hosts, two tunnels; counts and selection follow. */
static void test_fwmark_attribution(void **state)
{
	const struct ctspec *ac[] = { &flow_a, &flow_c };
	struct ct_ctx *ct = tracker();
	struct ct_counts c;

	feed(ct, ac, 2);
	assert_int_equal(ct_counts(ct, &c), 0);
	assert_string_equal(c.tunnels[0].name, "tun0");
	assert_int_equal(c.tunnels[0].sw, 1);
	assert_string_equal(c.tunnels[1].name, "tun2");
	assert_int_equal(c.tunnels[1].sw, 1);
	ct_counts_free(&c);
	assert_selects_only(ct, "tun2", 3);
	assert_selects_only(ct, "tun0", 1);
	ct_close(ct);
}

/*
 * VRF blue's members in the flowtable: a flow from the VRF's network
 * (10.9.0.2, which the main table only knows through its default route)
 * to 10.2.0.2 arrives on eth2 and leaves by tun6, as the VRF's table
 * routes it; the same destination from the main table's LAN still goes
 * by tun0.  Without the VRF in the plan, the VRF's flow would be put on
 * the default route's device and tun0.
 */
static const struct ctspec flow_vrf = { AF_INET, "10.9.0.2", "10.2.0.2", NULL, NULL,
					IPPROTO_TCP, 40003, 5203, 5,
					IPS_CONFIRMED | IPS_OFFLOAD, 0, 0 };

static struct plan_device vrf_devs[] = {
	{ .name = "eth0", .ifindex = 2 },
	{ .name = "eth1", .ifindex = 3 },
	{ .name = "eth2", .ifindex = VRF_ETH, .l3mdev_ifindex = VRF_BLUE },
	{ .name = "tun0", .ifindex = 5 },
	{ .name = "tun6", .ifindex = VRF_TUN, .l3mdev_ifindex = VRF_BLUE },
};
static struct plan_tunnel vrf_tuns[] = {
	{ .name = "tun0", .ifindex = 5, .underlay_ifindex = 3, .underlay = "eth1" },
	{ .name = "tun6", .ifindex = VRF_TUN, .underlay_ifindex = 3, .underlay = "eth1" },
};
static const struct plan with_vrf = { vrf_devs, 5, vrf_tuns, 2 };

static void test_vrf_attribution(void **state)
{
	const struct ctspec *av[] = { &flow_a, &flow_vrf };
	struct ct_ctx *ct = tracker();
	size_t probes = 0;

	/* Without the VRF: the main table's answer, a wrong one. */
	feed(ct, av, 2);
	assert_int_equal(flow(ct, 5)->in_if, 3);
	assert_int_equal(flow(ct, 5)->out_if, 5);

	assert_int_equal(ct_set_plan(ct, &with_vrf), 0);
	k.n_asked = 0;
	assert_int_equal(ct_update_paths(ct), 0);
	assert_int_equal(flow(ct, 5)->in_if, VRF_ETH);
	assert_int_equal(flow(ct, 5)->out_if, VRF_TUN);
	assert_int_equal(flow(ct, 1)->in_if, 2);
	assert_int_equal(flow(ct, 1)->out_if, 5);
	/*
	 * Each source and each destination was asked for the matching route
	 * in main and in blue: 10.0.0.2, 10.9.0.2 and 10.2.0.2, twice each.
	 */
	for (size_t i = 0; i < k.n_asked && i < 1024; i++)
		if (k.asked[i].fib_match) {
			assert_false(k.asked[i].input);
			assert_true(k.asked[i].oif == 0 || k.asked[i].oif == VRF_BLUE);
			probes++;
		}
	assert_int_equal(probes, 6);
	/* flush tunnel tun6 selects the VRF's flow, and only it. */
	assert_selects_only(ct, "tun6", 5);

	/* The VRF leaves the plan: back to the main table's view. */
	assert_int_equal(ct_set_plan(ct, &two_tunnels), 0);
	assert_int_equal(ct_update_paths(ct), 0);
	assert_int_equal(flow(ct, 5)->out_if, 5);
	ct_close(ct);
}

/*
 * The VRF's flow picked up again from the server's side after its entry
 * was deleted: the original direction runs from 10.2.0.2, which main and
 * blue both reach by a /24.  The destination breaks the tie: blue knows
 * 10.9.0.2 by its /24, main only by its default route.  So the reply
 * leaves by tun6 and the original by eth2, as the kernel routes them,
 * not by tun0 of the main table.
 */
static void test_vrf_reversed_pickup(void **state)
{
	static const struct ctspec reversed = { AF_INET, "10.2.0.2", "10.9.0.2", NULL, NULL,
						IPPROTO_TCP, 5203, 40003, 6,
						IPS_CONFIRMED | IPS_OFFLOAD, 0, 0 };
	const struct ctspec *av[] = { &flow_a, &reversed };
	struct ct_ctx *ct = tracker();

	assert_int_equal(ct_set_plan(ct, &with_vrf), 0);
	feed(ct, av, 2);
	assert_int_equal(flow(ct, 6)->in_if, VRF_TUN);
	assert_int_equal(flow(ct, 6)->out_if, VRF_ETH);
	assert_int_equal(flow(ct, 1)->in_if, 2);
	assert_int_equal(flow(ct, 1)->out_if, 5);
	assert_selects_only(ct, "tun6", 6);
	ct_close(ct);
}

/*
 * Many VRF flows, one at a time: the cache grows from walk to walk (five
 * keys per new source: its output lookup, its matches in main and in
 * the VRF, and two input lookups), and every flow lands on the VRF's
 * devices.
 */
static void test_vrf_many_flows(void **state)
{
	struct ct_ctx *ct = tracker();
	char src[32];

	assert_int_equal(ct_set_plan(ct, &with_vrf), 0);
	for (int i = 0; i < 200; i++) {
		struct ctspec s = flow_vrf;
		const struct ctspec *one[] = { &s };

		snprintf(src, sizeof(src), "10.9.0.%d", 1 + i % 250);
		s.src = src;
		s.sport = (uint16_t)(20000 + i);
		s.id = 1000 + (uint32_t)i;
		feed(ct, one, 1);
		assert_int_equal(flow(ct, s.id)->in_if, VRF_ETH);
		assert_int_equal(flow(ct, s.id)->out_if, VRF_TUN);
	}
	ct_close(ct);
}

/* A flow whose mark changes is looked up again. */
static void test_mark_change(void **state)
{
	struct ctspec marked = flow_a;
	const struct ctspec *a[] = { &flow_a }, *m[] = { &marked };
	struct ct_ctx *ct = tracker();

	feed(ct, a, 1);
	assert_int_equal(flow(ct, 1)->out_if, 5);
	marked.mark = 1;
	feed(ct, m, 1);
	assert_int_equal(flow(ct, 1)->mark, 1);
	assert_int_equal(flow(ct, 1)->out_if, 6);
	ct_close(ct);
}

/* Keys of gone flows are swept; memory per key stays small. */
static void test_eviction(void **state)
{
	struct ct_ctx *ct = tracker();
	union ctbuf buf;
	union nlbuf rb;
	struct nlmsghdr *nlh;
	size_t off;
	char dst[32];

	for (int i = 0; i < 100; i++) {
		struct ctspec s = flow_d;

		snprintf(dst, sizeof(dst), "172.16.%d.5", i);
		s.dst = dst;
		s.id = 100 + (uint32_t)i;
		off = 0;
		ct_fx_put(&buf, &off, FX_UPDATE, &s);
		ct_feed(ct, buf.b, off, 1.0);
		off = 0;
		ct_fx_put(&buf, &off, FX_DESTROY, &s);
		ct_feed(ct, buf.b, off, 1.0);
	}
	assert_int_equal(ct_flows_count(ct_table(ct)), 0);
	/* Per flow: the output and both input lookups; 10.0.0.4's is shared. */
	assert_int_equal(cached(ct), 3 * 100 + 1);
	/* One key dropped: the walk over every flow sweeps the orphans. */
	nlh = route_event(&rb, RTM_NEWROUTE, "172.16.0.5", 32);
	assert_true(ct_route_event(ct, nlh, nlh->nlmsg_len));
	assert_int_equal(ct_update_paths(ct), 0);
	assert_int_equal(cached(ct), 0);
	printf("# a cached lookup: %zu bytes, in a table at most half full\n",
	       sizeof(struct ct_pc_entry));
	assert_true(sizeof(struct ct_pc_entry) <= 60);
	ct_close(ct);
}

/* The table itself: removal keeps every other key findable. */
static void test_pcache_remove(void **state)
{
	struct ct_pcache pc;
	struct ct_rtkey key = { .family = AF_INET };
	bool created;

	assert_int_equal(ct_pc_init(&pc), 0);
	for (uint32_t i = 0; i < 2000; i++) {
		memcpy(key.dst, &i, 4);
		assert_non_null(ct_pc_add(&pc, &key, &created));
		assert_true(created);
	}
	for (uint32_t i = 0; i < 2000; i += 2) {
		memcpy(key.dst, &i, 4);
		ct_pc_remove(&pc, &key);
	}
	assert_int_equal(pc.n, 1000);
	for (uint32_t i = 0; i < 2000; i++) {
		memcpy(key.dst, &i, 4);
		if ((ct_pc_find(&pc, &key) != NULL) != (i % 2 == 1))
			fail_msg("key %u %s", i, i % 2 ? "lost" : "still there");
	}
	ct_pc_free(&pc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookups_asked),
		cmocka_unit_test(test_cache_hit_miss),
		cmocka_unit_test(test_precise_invalidation),
		cmocka_unit_test(test_drop_all),
		cmocka_unit_test(test_backend_failure),
		cmocka_unit_test(test_update_failure_retried),
		cmocka_unit_test(test_reversed_entry),
		cmocka_unit_test(test_unknown_answer),
		cmocka_unit_test(test_input_lookups),
		cmocka_unit_test(test_fwmark_attribution),
		cmocka_unit_test(test_vrf_attribution),
		cmocka_unit_test(test_vrf_reversed_pickup),
		cmocka_unit_test(test_vrf_many_flows),
		cmocka_unit_test(test_mark_change),
		cmocka_unit_test(test_eviction),
		cmocka_unit_test(test_pcache_remove),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
