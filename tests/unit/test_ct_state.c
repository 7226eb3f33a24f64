// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tracker without sockets: resync by dump, counts per tunnel/device on
 * the seed topology, stale-flow and flush selection, refresh policy.
 *
 * Seed (ct_seed.h): eth0 (2) configured; tun0 (5, ipip) over eth1 (3).
 * Routes: 10.0.0.0/24 dev eth0, 10.2.0.0/24 dev tun0, default dev eth1.
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
#include <time.h>
#include <cmocka.h>

#include "ct_fixture.h"
#include "ct_routes_stub.h"
#include "ct_seed.h"
#include "ct.h"

static const struct ctspec flow_a = { AF_INET, "10.0.0.2", "10.2.0.2", NULL, NULL, IPPROTO_TCP,
				      40000, 80, 1, IPS_CONFIRMED | IPS_OFFLOAD, 0, 0 };
static const struct ctspec flow_b = { AF_INET, "10.0.0.3", "10.2.0.5", NULL, NULL, IPPROTO_UDP,
				      5000, 53, 2, IPS_OFFLOAD | IPS_HW_OFFLOAD, 0, 0 };
/* Masqueraded to the Internet. */
static const struct ctspec flow_c = { AF_INET, "10.0.0.2", "8.8.8.8", NULL, "198.51.100.1",
				      IPPROTO_TCP, 40001, 443, 3, IPS_OFFLOAD | IPS_SRC_NAT, 0, 0 };
/* Within eth0. */
static const struct ctspec flow_d = { AF_INET, "10.0.0.4", "10.0.0.5", NULL, NULL, IPPROTO_TCP,
				      1, 2, 4, IPS_OFFLOAD, 0, 0 };
/* From outside into the tunnel. */
static const struct ctspec flow_e = { AF_INET, "172.16.0.1", "10.2.0.9", NULL, NULL, IPPROTO_UDP,
				      7, 8, 5, IPS_OFFLOAD, 0, 0 };

static struct ct_ctx *seed_tracker(void)
{
	struct ct_route routes[] = {
		route4("10.0.0.0", 24, 2),
		route4("10.2.0.0", 24, 5),
		route4("0.0.0.0", 0, 3),
	};
	struct ct_ctx *ct;

	assert_int_equal(ct_new(NULL, &ct), 0);
	assert_int_equal(seed_set_routes(ct, routes, 3), 0);
	assert_int_equal(ct_set_plan(ct, &seed_plan), 0);
	return ct;
}

/* A dump made of these flows, fed message by message. */
static void dump(struct ct_ctx *ct, const struct ctspec *const *flows, size_t n, double now)
{
	union ctbuf buf;
	size_t off = 0;
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf.b;
	int rem;

	for (size_t i = 0; i < n; i++)
		ct_fx_put(&buf, &off, FX_DUMP, flows[i]);
	ct_dump_begin(ct);
	rem = (int)off;
	for (; mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem))
		ct_dump_msg(ct, nlh, (size_t)rem);
	ct_dump_end(ct, now, true);
}

static void load_all(struct ct_ctx *ct)
{
	const struct ctspec *all[] = { &flow_a, &flow_b, &flow_c, &flow_d, &flow_e };

	dump(ct, all, 5, 10.0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 5);
}

static const struct ct_path_count *count_of(const struct ct_path_count *v, size_t n,
					    const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	fail_msg("no count for %s", name);
	return NULL;
}

static void assert_count(const struct ct_path_count *c, uint32_t sw, uint32_t hw)
{
	if (c->sw != sw || c->hw != hw)
		fail_msg("%s: sw %u hw %u, want sw %u hw %u", c->name, c->sw, c->hw, sw, hw);
}

static void test_seed_counts(void **state)
{
	struct ct_ctx *ct = seed_tracker();
	const struct ctspec *one[] = { &flow_a };
	struct ct_counts c;

	/* The seed's example: 10.0.0.2 -> 10.2.0.2 counts for tun0, eth0 and eth1. */
	dump(ct, one, 1, 1.0);
	assert_int_equal(ct_counts(ct, &c), 0);
	assert_int_equal(c.n_devices, 3);
	assert_int_equal(c.n_tunnels, 1);
	assert_count(count_of(c.devices, 3, "eth0"), 1, 0);
	assert_count(count_of(c.devices, 3, "eth1"), 1, 0);
	assert_count(count_of(c.devices, 3, "tun0"), 1, 0);
	assert_count(count_of(c.tunnels, 1, "tun0"), 1, 0);
	assert_int_equal(c.sw, 1);
	assert_int_equal(c.hw, 0);
	assert_int_equal(c.unrouted, 0);
	assert_int_equal(count_of(c.tunnels, 1, "tun0")->seen, 1);
	ct_counts_free(&c);

	load_all(ct);
	assert_int_equal(ct_counts(ct, &c), 0);
	assert_count(count_of(c.devices, 3, "eth0"), 3, 1);	/* a b c d */
	assert_count(count_of(c.devices, 3, "eth1"), 3, 1);	/* a b c e */
	assert_count(count_of(c.devices, 3, "tun0"), 2, 1);	/* a b e */
	assert_count(count_of(c.tunnels, 1, "tun0"), 2, 1);
	assert_int_equal(c.sw, 4);
	assert_int_equal(c.hw, 1);
	assert_int_equal(count_of(c.devices, 3, "eth0")->seen, 4);
	assert_int_equal(c.stats.seen, 5);
	assert_int_equal(c.stats.resyncs, 2);
	ct_counts_free(&c);

	/* A route change moves 10.2.0.0/24 to tun1 (6): re-resolved at once. */
	{
		struct ct_route routes[] = {
			route4("10.0.0.0", 24, 2),
			route4("10.2.0.0", 24, 6),
			route4("0.0.0.0", 0, 3),
		};

		assert_int_equal(seed_set_routes(ct, routes, 3), 0);
	}
	assert_int_equal(ct_counts(ct, &c), 0);
	assert_count(count_of(c.tunnels, 1, "tun0"), 0, 0);
	assert_count(count_of(c.devices, 3, "eth1"), 2, 0);	/* c e (e arrives on eth1) */
	ct_counts_free(&c);
	ct_close(ct);
}

/* Flows whose routes are unknown count nowhere but in the totals. */
static void test_unrouted(void **state)
{
	struct ct_ctx *ct;
	const struct ctspec *one[] = { &flow_a };
	struct ct_counts c;

	assert_int_equal(ct_new(NULL, &ct), 0);
	assert_int_equal(ct_set_plan(ct, &seed_plan), 0);
	dump(ct, one, 1, 1.0);
	assert_int_equal(ct_counts(ct, &c), 0);
	assert_int_equal(c.sw, 1);
	assert_int_equal(c.unrouted, 1);
	assert_count(count_of(c.devices, 3, "eth0"), 0, 0);
	ct_counts_free(&c);
	ct_close(ct);
}

struct snapshot {
	struct ct_flow flows[16];
	size_t n;
};

static int flow_cmp(const void *a, const void *b)
{
	const struct ct_flow *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void snap(const struct ct_ctx *ct, struct snapshot *s)
{
	s->n = ct_flows_count(ct_table(ct));
	assert_true(s->n <= 16);
	for (size_t i = 0; i < s->n; i++) {
		s->flows[i] = *ct_flows_at(ct_table(ct), i);
		s->flows[i].gen = 0;
	}
	qsort(s->flows, s->n, sizeof(s->flows[0]), flow_cmp);
}

static void test_resync_idempotent(void **state)
{
	struct ct_ctx *ct = seed_tracker();
	const struct ctspec *all[] = { &flow_a, &flow_b, &flow_c, &flow_d, &flow_e };
	struct ctspec gone = flow_a, stale_hw = flow_b, not_offloaded = flow_d;
	struct snapshot s1, s2;
	struct ct_stats st;
	union ctbuf buf;
	size_t off = 0;

	/* Before: drift of every kind, as if events had been lost. */
	gone.id = 99;				/* destroyed long ago */
	gone.sport = 1;
	stale_hw.status &= ~(uint32_t)IPS_HW_OFFLOAD;	/* hw bit not seen yet */
	ct_fx_put(&buf, &off, FX_UPDATE, &gone);
	ct_fx_put(&buf, &off, FX_UPDATE, &stale_hw);
	ct_feed(ct, buf.b, off, 0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 2);

	/* A kernel ignoring the status filter sends a non-offloaded entry too. */
	not_offloaded.status = IPS_CONFIRMED;
	not_offloaded.id = 77;
	{
		const struct ctspec *with_extra[] = { &flow_a, &flow_b, &flow_c, &flow_d, &flow_e,
						      &not_offloaded };

		dump(ct, with_extra, 6, 1.0);
	}
	snap(ct, &s1);
	assert_int_equal(s1.n, 5);
	for (size_t i = 0; i < 5; i++)
		assert_int_equal(s1.flows[i].id, i + 1);
	assert_int_equal(s1.flows[1].flags, CT_FLOW_OFFLOAD | CT_FLOW_HW);
	ct_get_stats(ct, &st);
	assert_int_equal(st.seen, 6);	/* gone, b, then a c d e */

	/* The same dump again: the same state, nothing seen twice. */
	dump(ct, all, 5, 2.0);
	snap(ct, &s2);
	assert_int_equal(s1.n, s2.n);
	assert_memory_equal(s1.flows, s2.flows, s1.n * sizeof(s1.flows[0]));
	ct_get_stats(ct, &st);
	assert_int_equal(st.seen, 6);
	assert_int_equal(st.resyncs, 2);

	/* An aborted dump (no end) sweeps nothing; the next complete one does. */
	ct_dump_begin(ct);
	snap(ct, &s2);
	assert_int_equal(s2.n, 5);
	dump(ct, all, 2, 3.0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 2);
	dump(ct, NULL, 0, 4.0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 0);
	ct_close(ct);
}

static void test_refresh_policy(void **state)
{
	struct ct_ctx *ct = seed_tracker();
	const struct ctspec *one[] = { &flow_a };
	struct ctspec fresh = flow_b;
	union ctbuf buf;
	struct ct_ctx *bare;
	size_t off = 0;

	/* No flowtable devices, nothing tracked, nothing new: never. */
	assert_int_equal(ct_new(NULL, &bare), 0);
	assert_true(ct_refresh_due(bare, 5.0) < 0);
	ct_close(bare);
	/*
	 * Devices and nothing tracked: every 10 s all the same, since flows
	 * the kernel set up again without an event come back only by a dump.
	 */
	dump(ct, NULL, 0, 50.0);
	assert_true(ct_refresh_due(ct, 50.0) == 10.0);
	assert_true(ct_refresh_due(ct, 61.0) == 0.0);
	dump(ct, one, 1, 100.0);
	/* Flows tracked: every 10 s. */
	assert_true(ct_refresh_due(ct, 100.0) == 10.0);
	assert_true(ct_refresh_due(ct, 104.0) == 6.0);
	assert_true(ct_refresh_due(ct, 111.0) == 0.0);
	/* A NEW event: one second after it, whatever else comes. */
	fresh.status = IPS_CONFIRMED;
	ct_fx_put(&buf, &off, FX_NEW, &fresh);
	ct_feed(ct, buf.b, off, 105.0);
	assert_true(ct_refresh_due(ct, 105.0) == 1.0);
	ct_feed(ct, buf.b, off, 105.9);
	assert_true(ct_refresh_due(ct, 105.9) < 0.11);
	dump(ct, NULL, 0, 106.0);
	/* Empty again: still every 10 s while the plan has devices. */
	assert_true(ct_refresh_due(ct, 106.0) == 10.0);
	ct_close(ct);
}

/* --- selection --- */

static bool selected(const struct ct_selection *sel, uint32_t id)
{
	for (size_t i = 0; i < sel->n; i++)
		if (sel->flows[i].id == id)
			return true;
	return false;
}

/* ids as a bit set: 1 << id. */
static unsigned int ids(const struct ct_selection *sel)
{
	unsigned int v = 0;

	for (size_t i = 0; i < sel->n; i++)
		v |= 1u << sel->flows[i].id;
	return v;
}

#define A (1u << 1)
#define B (1u << 2)
#define C (1u << 3)
#define D (1u << 4)
#define E (1u << 5)

static void test_flush_selection(void **state)
{
	struct ct_ctx *ct = seed_tracker();
	struct ct_target t = { CT_TARGET_TUNNEL, "tun0" };
	struct ct_selection sel;
	struct ct_flush_result res;

	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(sel.n, 0);
	assert_int_equal(ct_flush_advice(ct, &sel), CT_FLUSH_NONE);
	ct_selection_free(&sel);

	load_all(ct);
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(ids(&sel), A | B | E);
	assert_true(selected(&sel, 1) && !selected(&sel, 3));
	assert_int_equal(sel.n_nat, 0);
	assert_int_equal(sel.n_hw, 1);
	assert_int_equal(sel.n_total, 5);
	/* 3 of 5 is over the 50 % default: a rebuild costs little more. */
	assert_int_equal(ct_flush_advice(ct, &sel), CT_FLUSH_REBUILD);
	ct_selection_free(&sel);

	snprintf(t.name, sizeof(t.name), "eth1");
	t.kind = CT_TARGET_DEVICE;
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(ids(&sel), A | B | C | E);
	assert_int_equal(sel.n_nat, 1);
	ct_selection_free(&sel);

	snprintf(t.name, sizeof(t.name), "eth0");
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(ids(&sel), A | B | C | D);
	assert_int_equal(ct_flush_advice(ct, &sel), CT_FLUSH_REBUILD);	/* c is NATed */
	ct_selection_free(&sel);

	/* A tunnel named as a device. */
	snprintf(t.name, sizeof(t.name), "tun0");
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(ids(&sel), A | B | E);
	ct_selection_free(&sel);

	t.kind = CT_TARGET_ALL;
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(sel.n, 5);
	ct_selection_free(&sel);

	/* Unknown names; eth0 is no tunnel. */
	t.kind = CT_TARGET_TUNNEL;
	snprintf(t.name, sizeof(t.name), "eth0");
	assert_int_equal(ct_select(ct, &t, &sel), -ENOENT);
	t.kind = CT_TARGET_DEVICE;
	snprintf(t.name, sizeof(t.name), "eth9");
	assert_int_equal(ct_select(ct, &t, &sel), -ENOENT);
	assert_int_equal(ct_flush(ct, &t, false, &res), -ENOENT);

	/* The flush itself, without sockets: rebuild advised, nothing deleted. */
	t.kind = CT_TARGET_TUNNEL;
	snprintf(t.name, sizeof(t.name), "tun0");
	assert_int_equal(ct_flush(ct, &t, false, &res), 0);
	assert_int_equal(res.method, CT_FLUSH_REBUILD);
	assert_true(res.rebuild_needed);
	assert_int_equal(res.selected, 3);
	assert_int_equal(res.flushed, 0);
	assert_int_equal(ct_flows_count(ct_table(ct)), 5);
	/* Forced: the delete path, which needs the socket. */
	assert_int_equal(ct_flush(ct, &t, true, &res), -ENOTCONN);
	assert_int_equal(res.method, CT_FLUSH_DELETE);
	assert_string_equal(ct_flush_method_name(CT_FLUSH_REBUILD), "rebuild");
	ct_close(ct);
}

static void test_flush_advice_ratio(void **state)
{
	struct ct_config cfg;
	struct ct_ctx *ct;
	struct ct_route routes[] = { route4("10.0.0.0", 24, 2), route4("10.2.0.0", 24, 5),
				     route4("0.0.0.0", 0, 3) };
	struct ct_target t = { CT_TARGET_TUNNEL, "tun0" };
	struct ct_selection sel;

	ct_config_default(&cfg);
	cfg.rebuild_pct = 80;
	assert_int_equal(ct_new(&cfg, &ct), 0);
	assert_int_equal(seed_set_routes(ct, routes, 3), 0);
	assert_int_equal(ct_set_plan(ct, &seed_plan), 0);
	load_all(ct);
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(ct_flush_advice(ct, &sel), CT_FLUSH_DELETE);	/* 60 % < 80 % */
	ct_selection_free(&sel);
	t.kind = CT_TARGET_ALL;
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(ct_flush_advice(ct, &sel), CT_FLUSH_REBUILD);
	ct_selection_free(&sel);
	ct_close(ct);

	cfg.rebuild_pct = 0;		/* only NAT forces a rebuild */
	assert_int_equal(ct_new(&cfg, &ct), 0);
	assert_int_equal(seed_set_routes(ct, routes, 3), 0);
	assert_int_equal(ct_set_plan(ct, &seed_plan), 0);
	load_all(ct);
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(ct_flush_advice(ct, &sel), CT_FLUSH_REBUILD);	/* c is NATed */
	ct_selection_free(&sel);
	t.kind = CT_TARGET_TUNNEL;
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(ct_flush_advice(ct, &sel), CT_FLUSH_DELETE);
	ct_selection_free(&sel);
	ct_close(ct);
}

/* flush.method: delete and rebuild override the advice; auto follows it. */
static void test_flush_policy(void **state)
{
	struct ct_ctx *ct = seed_tracker();
	struct ct_target tun = { CT_TARGET_TUNNEL, "tun0" };
	struct ct_target dev = { CT_TARGET_DEVICE, "eth0" };
	struct ct_selection big, nat, none;
	struct ct_flush_result res;

	assert_int_equal(ct_select(ct, &tun, &none), 0);
	assert_int_equal(none.n, 0);
	load_all(ct);
	assert_int_equal(ct_select(ct, &tun, &big), 0);	/* 3 of 5, none NATed */
	assert_int_equal(ct_select(ct, &dev, &nat), 0);	/* holds NATed c */
	assert_int_equal(nat.n_nat, 1);

	assert_int_equal(ct_flush_advice(ct, &big), CT_FLUSH_REBUILD);
	assert_int_equal(ct_flush_advice(ct, &nat), CT_FLUSH_REBUILD);

	/* A router that drops ct state new non-SYN: delete, even NATed flows. */
	ct_set_flush_policy(ct, CT_FLUSH_POLICY_DELETE);
	assert_int_equal(ct_flush_advice(ct, &big), CT_FLUSH_DELETE);
	assert_int_equal(ct_flush_advice(ct, &nat), CT_FLUSH_DELETE);
	assert_int_equal(ct_flush_advice(ct, &none), CT_FLUSH_NONE);
	/* ct_flush follows it: the delete path, which needs the socket. */
	assert_int_equal(ct_flush(ct, &tun, false, &res), -ENOTCONN);
	assert_int_equal(res.method, CT_FLUSH_DELETE);
	assert_false(res.rebuild_needed);

	ct_set_flush_policy(ct, CT_FLUSH_POLICY_REBUILD);
	assert_int_equal(ct_flush_advice(ct, &big), CT_FLUSH_REBUILD);
	assert_int_equal(ct_flush_advice(ct, &none), CT_FLUSH_NONE);
	assert_int_equal(ct_flush(ct, &tun, false, &res), 0);
	assert_true(res.rebuild_needed);

	ct_set_flush_policy(ct, CT_FLUSH_POLICY_AUTO);
	assert_int_equal(ct_flush_advice(ct, &big), CT_FLUSH_REBUILD);
	ct_selection_free(&none);
	ct_selection_free(&big);
	ct_selection_free(&nat);
	ct_close(ct);
}

/* Under rebuild a single plain flow, which auto would delete, is rebuilt. */
static void test_flush_policy_small_selection(void **state)
{
	struct ct_config cfg;
	struct ct_ctx *ct;
	struct ct_route routes[] = { route4("10.0.0.0", 24, 2), route4("10.2.0.0", 24, 5),
				     route4("0.0.0.0", 0, 3) };
	struct ct_target t = { CT_TARGET_TUNNEL, "tun0" };
	struct ct_selection sel;

	ct_config_default(&cfg);
	cfg.rebuild_pct = 0;
	cfg.flush_policy = CT_FLUSH_POLICY_REBUILD;
	assert_int_equal(ct_new(&cfg, &ct), 0);
	assert_int_equal(seed_set_routes(ct, routes, 3), 0);
	assert_int_equal(ct_set_plan(ct, &seed_plan), 0);
	load_all(ct);
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	assert_int_equal(ct_flush_advice(ct, &sel), CT_FLUSH_REBUILD);
	ct_set_flush_policy(ct, CT_FLUSH_POLICY_AUTO);
	assert_int_equal(ct_flush_advice(ct, &sel), CT_FLUSH_DELETE);
	ct_selection_free(&sel);
	ct_close(ct);
}

static void test_note_rebuild(void **state)
{
	struct ct_ctx *ct = seed_tracker();
	struct ct_target t = { CT_TARGET_TUNNEL, "tun0" };
	struct ct_selection sel;
	struct ct_counts c;

	load_all(ct);
	assert_true(ct_refresh_due(ct, 10.0) == 10.0);
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	ct_note_rebuild(ct, &sel, 20.0);
	ct_selection_free(&sel);
	/* Everything was torn down; look again in a second. */
	assert_int_equal(ct_flows_count(ct_table(ct)), 0);
	assert_true(ct_refresh_due(ct, 20.0) == 1.0);
	assert_int_equal(ct_counts(ct, &c), 0);
	assert_int_equal(c.stats.flushed, 3);
	assert_int_equal(count_of(c.tunnels, 1, "tun0")->flushed, 3);
	assert_int_equal(count_of(c.devices, 3, "eth1")->flushed, 3);
	assert_int_equal(count_of(c.devices, 3, "eth0")->flushed, 2);
	assert_int_equal(count_of(c.devices, 3, "eth0")->seen, 4);
	assert_count(count_of(c.devices, 3, "eth0"), 0, 0);
	ct_counts_free(&c);
	ct_close(ct);
}

/* --- stale flows --- */

static void fp_seed(struct ct_tunnel_fp *fp)
{
	struct link l;
	struct tunnel_route r;

	memset(&l, 0, sizeof(l));
	memset(&r, 0, sizeof(r));
	l.ifindex = 5;
	snprintf(l.name, sizeof(l.name), "tun0");
	l.type = LINK_TYPE_TUNNEL;
	l.tun.kind = TUNNEL_KIND_IPIP;
	l.tun.outer_family = AF_INET;
	l.tun.local.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", &l.tun.local.v4);
	l.tun.remote.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.2", &l.tun.remote.v4);
	l.tun.ttl = 64;
	l.tun.pmtudisc = true;
	r.tunnel_ifindex = 5;
	r.resolved = true;
	r.oif = 3;
	r.nexthop.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.254", &r.nexthop.v4);
	ct_tunnel_fp_fill(fp, &l, &r, &seed_tuns[0]);
}

static unsigned int stale(struct ct_ctx *ct, const struct plan *new_plan,
			  const struct ct_tunnel_fp *new_fp, size_t n_new)
{
	struct ct_tunnel_fp old;
	struct ct_selection sel;
	unsigned int v;

	fp_seed(&old);
	assert_int_equal(ct_stale_flows(ct, &seed_plan, &old, 1, new_plan, new_fp, n_new, &sel),
			 0);
	v = ids(&sel);
	assert_int_equal(sel.n_total, 5);
	ct_selection_free(&sel);
	/* Each change here leaves some flow stale, and no change none. */
	assert_int_equal(ct_paths_changed(&seed_plan, &old, 1, new_plan, new_fp, n_new), v != 0);
	return v;
}

static void test_stale(void **state)
{
	struct ct_ctx *ct = seed_tracker();
	struct ct_tunnel_fp fp, fp2;
	struct plan_device devs[3];
	struct plan p = seed_plan;

	load_all(ct);
	fp_seed(&fp);
	fp_seed(&fp2);
	assert_true(ct_tunnel_fp_equal(&fp, &fp2));

	/* Nothing changed. */
	assert_int_equal(stale(ct, &seed_plan, &fp, 1), 0);

	/* Each path attribute of tun0 changing makes its flows stale. */
	fp2.nexthop.v4.s_addr ^= htonl(1);
	assert_int_equal(stale(ct, &seed_plan, &fp2, 1), A | B | E);
	fp_seed(&fp2);
	fp2.ttl = 1;
	assert_int_equal(stale(ct, &seed_plan, &fp2, 1), A | B | E);
	fp_seed(&fp2);
	fp2.tos = 0x10;
	assert_int_equal(stale(ct, &seed_plan, &fp2, 1), A | B | E);
	fp_seed(&fp2);
	fp2.pmtudisc = false;
	assert_int_equal(stale(ct, &seed_plan, &fp2, 1), A | B | E);
	fp_seed(&fp2);
	fp2.underlay_ifindex = 4;
	assert_int_equal(stale(ct, &seed_plan, &fp2, 1), A | B | E);
	fp_seed(&fp2);
	fp2.local.family = 0;
	assert_int_equal(stale(ct, &seed_plan, &fp2, 1), A | B | E);
	/* Kind-specific parameters go through the hash. */
	{
		struct link l;
		struct tunnel_route r = { .tunnel_ifindex = 5, .resolved = true, .oif = 3 };

		memset(&l, 0, sizeof(l));
		l.ifindex = 5;
		l.tun.kind = TUNNEL_KIND_GRE;
		ct_tunnel_fp_fill(&fp, &l, &r, &seed_tuns[0]);
		l.tun.okey = htonl(42);
		ct_tunnel_fp_fill(&fp2, &l, &r, &seed_tuns[0]);
		assert_false(ct_tunnel_fp_equal(&fp, &fp2));
		l.tun.okey = 0;
		ct_tunnel_fp_fill(&fp2, &l, &r, &seed_tuns[0]);
		assert_true(ct_tunnel_fp_equal(&fp, &fp2));
		/* Not accelerated any more: no underlay. */
		seed_tuns[0].accelerated = false;
		ct_tunnel_fp_fill(&fp2, &l, &r, &seed_tuns[0]);
		seed_tuns[0].accelerated = true;
		assert_false(ct_tunnel_fp_equal(&fp, &fp2));
	}

	/* The tunnel is gone. */
	assert_int_equal(stale(ct, &seed_plan, NULL, 0), A | B | E);

	/* eth0 leaves the flowtable (tun0 unchanged). */
	fp_seed(&fp);
	devs[0] = seed_devs[1];
	devs[1] = seed_devs[2];
	p.devices = devs;
	p.n_devices = 2;
	assert_int_equal(stale(ct, &p, &fp, 1), A | B | C | D);

	/* The underlay eth1 leaves: everything over it, tunnel flows included. */
	devs[0] = seed_devs[0];
	devs[1] = seed_devs[2];
	assert_int_equal(stale(ct, &p, &fp, 1), A | B | C | E);

	/* A device joining changes nothing. */
	memcpy(devs, seed_devs, sizeof(seed_devs));
	p.n_devices = 3;
	assert_int_equal(stale(ct, &p, &fp, 1), 0);
	ct_close(ct);
}

static double secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 100k offloaded flows: dump, counts, re-resolution, selection; timings printed. */
static void test_scale(void **state)
{
	enum { N = 100000 };
	struct ct_ctx *ct = seed_tracker();
	struct ct_target t = { CT_TARGET_DEVICE, "eth1" };
	struct ct_selection sel;
	struct ct_counts c;
	char src[32];
	double t0, t_dump, t_counts, t_routes, t_sel;
	struct ct_route routes[] = { route4("10.0.0.0", 8, 2), route4("10.2.0.0", 24, 5),
				     route4("0.0.0.0", 0, 3) };

	t0 = secs();
	ct_dump_begin(ct);
	for (int i = 0; i < N; i++) {
		union ctbuf buf;
		size_t off = 0;
		struct ctspec s = flow_a;

		snprintf(src, sizeof(src), "10.%d.%d.%d", 100 + i / 65536, (i / 256) % 256, i % 256);
		s.src = src;
		s.id = (uint32_t)i + 1;
		ct_fx_put(&buf, &off, FX_DUMP, &s);
		ct_dump_msg(ct, buf.b, off);
	}
	ct_dump_end(ct, 1.0, false);
	t_dump = secs() - t0;
	assert_int_equal(ct_flows_count(ct_table(ct)), N);

	t0 = secs();
	assert_int_equal(ct_counts(ct, &c), 0);
	t_counts = secs() - t0;
	assert_count(count_of(c.tunnels, 1, "tun0"), N, 0);
	assert_count(count_of(c.devices, 3, "eth1"), N, 0);
	assert_count(count_of(c.devices, 3, "eth0"), 0, 0);	/* 10.100+ is outside /24 */
	ct_counts_free(&c);

	t0 = secs();
	assert_int_equal(seed_set_routes(ct, routes, 3), 0);
	t_routes = secs() - t0;
	assert_int_equal(ct_counts(ct, &c), 0);
	assert_count(count_of(c.devices, 3, "eth0"), N, 0);
	ct_counts_free(&c);

	t0 = secs();
	assert_int_equal(ct_select(ct, &t, &sel), 0);
	t_sel = secs() - t0;
	assert_int_equal(sel.n, N);
	ct_selection_free(&sel);
	printf("# %d flows: dump+parse %.0f ms (incl. building), counts %.1f ms, "
	       "re-resolve %.1f ms, select %.1f ms\n", N, t_dump * 1e3, t_counts * 1e3,
	       t_routes * 1e3, t_sel * 1e3);
	ct_close(ct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed_counts),
		cmocka_unit_test(test_unrouted),
		cmocka_unit_test(test_resync_idempotent),
		cmocka_unit_test(test_refresh_policy),
		cmocka_unit_test(test_flush_selection),
		cmocka_unit_test(test_flush_advice_ratio),
		cmocka_unit_test(test_flush_policy),
		cmocka_unit_test(test_flush_policy_small_selection),
		cmocka_unit_test(test_note_rebuild),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_scale),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
