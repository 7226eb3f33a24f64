// SPDX-License-Identifier: GPL-2.0-or-later
/* plan_compute() over hand-built topologies; struct conf built by hand. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plan.h"

struct topo_builder {
	struct link links[32];
	size_t n;
	struct tunnel_route routes[8];
	size_t nr;
};

static struct link *add_link(struct topo_builder *b, int ifindex, const char *name,
			     enum link_type type)
{
	struct link *l = &b->links[b->n++];

	assert_true(b->n <= sizeof(b->links) / sizeof(b->links[0]));
	memset(l, 0, sizeof(*l));
	l->ifindex = ifindex;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->type = type;
	l->up = true;
	switch (type) {
	case LINK_TYPE_VLAN:
		snprintf(l->kind, sizeof(l->kind), "vlan");
		break;
	case LINK_TYPE_BRIDGE:
		snprintf(l->kind, sizeof(l->kind), "bridge");
		break;
	case LINK_TYPE_PPP:
		snprintf(l->kind, sizeof(l->kind), "ppp");
		break;
	case LINK_TYPE_VRF:
		snprintf(l->kind, sizeof(l->kind), "vrf");
		break;
	default:
		break;
	}
	return l;
}

static struct link *add_lower(struct topo_builder *b, int ifindex, const char *name,
			      enum link_type type, int lower)
{
	struct link *l = add_link(b, ifindex, name, type);

	l->lower_ifindex = lower;
	return l;
}

static struct link *add_port(struct topo_builder *b, int ifindex, const char *name, int master)
{
	struct link *l = add_link(b, ifindex, name, LINK_TYPE_OTHER);

	l->master_ifindex = master;
	return l;
}

/* A point-to-point IPv4 tunnel (or IPv6 for ip6tnl/ip6gre); remote NULL = none. */
static struct link *add_tun(struct topo_builder *b, int ifindex, const char *name,
			    unsigned int kind, const char *remote)
{
	struct link *l = add_link(b, ifindex, name, LINK_TYPE_TUNNEL);
	const struct tunnel_kind_info *tk = tunnel_kind_info(kind);

	assert_non_null(tk);
	snprintf(l->kind, sizeof(l->kind), "%s", tk->name);
	l->tun.kind = kind;
	l->tun.outer_family = tk->outer_family;
	if (remote != NULL) {
		l->tun.remote.family = l->tun.outer_family;
		assert_int_equal(inet_pton(l->tun.outer_family, remote, l->tun.remote.bytes), 1);
		l->tun.local.family = l->tun.outer_family;
		assert_int_equal(inet_pton(l->tun.outer_family,
					   tk->outer_family == AF_INET6 ? "2001:db8::1" : "192.0.2.1",
					   l->tun.local.bytes), 1);
	}
	return l;
}

static struct tunnel_route *add_route(struct topo_builder *b, int tunnel, int oif)
{
	struct tunnel_route *r = &b->routes[b->nr++];

	memset(r, 0, sizeof(*r));
	r->tunnel_ifindex = tunnel;
	r->resolved = true;
	r->oif = oif;
	return r;
}

static struct topo topo_of(struct topo_builder *b)
{
	return (struct topo){ .links = b->links, .n_links = b->n, .routes = b->routes,
			      .n_routes = b->nr };
}

static struct conf conf_of(char **devices, size_t n_devices, unsigned int kinds, char **names,
			   size_t n_names)
{
	return (struct conf){ .devices = devices, .n_devices = n_devices, .tunnel_kinds = kinds,
			      .tunnel_names = names, .n_tunnel_names = n_names };
}

/* expected: "NAME REASONS TUNNEL" per device, in order, NULL-terminated. */
static void assert_devices(const struct plan *p, const char *const *expected)
{
	size_t n = 0;

	for (; expected[n] != NULL; n++) {
		char got[128], reasons[64];

		if (n >= p->n_devices)
			fail_msg("device %zu missing: want \"%s\"", n, expected[n]);
		snprintf(got, sizeof(got), "%s %s %s", p->devices[n].name,
			 plan_reasons_str(p->devices[n].reasons, reasons, sizeof(reasons)),
			 p->devices[n].tunnel[0] ? p->devices[n].tunnel : "-");
		assert_string_equal(got, expected[n]);
	}
	if (p->n_devices != n)
		fail_msg("%zu devices, want %zu (extra: %s)", p->n_devices, n, p->devices[n].name);
}

static const struct plan_tunnel *tunnel(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_tunnels; i++)
		if (strcmp(p->tunnels[i].name, name) == 0)
			return &p->tunnels[i];
	fail_msg("no tunnel %s in the plan", name);
	return NULL;
}

static void assert_accelerated(const struct plan *p, const char *name, const char *underlay)
{
	const struct plan_tunnel *t = tunnel(p, name);

	if (!t->accelerated)
		fail_msg("%s not accelerated: %s", name, t->why_not ? t->why_not : "?");
	assert_true(t->selected);
	assert_null(t->why_not);
	assert_string_equal(t->underlay, underlay);
	assert_true(t->underlay_ifindex > 0);
}

static void assert_not_accelerated(const struct plan *p, const char *name, const char *why)
{
	const struct plan_tunnel *t = tunnel(p, name);

	assert_false(t->accelerated);
	assert_non_null(t->why_not);
	assert_string_equal(t->why_not, why);
	assert_string_equal(t->underlay, "");
	assert_int_equal(t->underlay_ifindex, 0);
}

/* The seed's router: eth0 towards the LAN, tun0 (ipip) over eth1. */
static void seed(struct topo_builder *b)
{
	memset(b, 0, sizeof(*b));
	add_link(b, 1, "lo", LINK_TYPE_OTHER);
	add_link(b, 2, "eth0", LINK_TYPE_OTHER);
	add_link(b, 3, "eth1", LINK_TYPE_OTHER);
	add_tun(b, 5, "tun0", TUNNEL_KIND_IPIP, "198.51.100.2");
	add_route(b, 5, 3);
}

static char *eth0_only[] = { "eth0" };

static void compute(const struct conf *c, struct topo_builder *b, struct plan *p)
{
	struct topo t = topo_of(b);

	assert_int_equal(plan_compute(c, &t, p), 0);
}

static void test_seed(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(eth0_only, 1, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", "eth1 underlay tun0",
					    "tun0 tunnel tun0", NULL });
	assert_int_equal(p.devices[0].ifindex, 2);
	assert_int_equal(p.devices[1].ifindex, 3);
	assert_int_equal(p.devices[2].ifindex, 5);
	assert_int_equal(p.n_tunnels, 1);
	assert_accelerated(&p, "tun0", "eth1");
	assert_int_equal(p.tunnels[0].underlay_ifindex, 3);
	assert_string_equal(p.tunnels[0].kind, "ipip");
	assert_int_equal(p.tunnels[0].remote.family, AF_INET);
	plan_free(&p);
	assert_int_equal(p.n_devices, 0);
	assert_null(p.devices);
}

/*
 * Devices enslaved to a VRF carry it (conntrack looks flow paths up in
 * its table); a bridge port's master is no VRF, nor is a device without
 * a master.
 */
static void test_vrf_members(void **state)
{
	static char *devs[] = { "eth0", "eth2", "br0", "eth3" };
	struct topo_builder b;
	struct conf c = conf_of(devs, 4, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	add_link(&b, 20, "blue", LINK_TYPE_VRF);
	add_port(&b, 9, "eth2", 20);
	add_tun(&b, 11, "tun6", TUNNEL_KIND_IPIP, "198.51.100.6")->master_ifindex = 20;
	add_route(&b, 11, 3);
	add_link(&b, 21, "br0", LINK_TYPE_BRIDGE);
	add_port(&b, 12, "eth3", 21);
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "br0 configured -", "eth0 configured -",
					    "eth1 underlay tun0", "eth2 configured -",
					    "eth3 configured -", "tun0 tunnel tun0",
					    "tun6 tunnel tun6", NULL });
	for (size_t i = 0; i < p.n_devices; i++) {
		bool in_blue = strcmp(p.devices[i].name, "eth2") == 0 ||
			       strcmp(p.devices[i].name, "tun6") == 0;

		assert_int_equal(p.devices[i].l3mdev_ifindex, in_blue ? 20 : 0);
	}
	plan_free(&p);
}

static void test_globs(void **state)
{
	static char *globs[] = { "lan*", "eth[0-1]" };
	struct topo_builder b = { 0 };
	struct conf c = conf_of(globs, 2, 0, NULL, 0);
	struct plan p;

	add_link(&b, 4, "wan0", LINK_TYPE_OTHER);
	add_link(&b, 2, "lan1", LINK_TYPE_OTHER);
	add_link(&b, 3, "lan0", LINK_TYPE_OTHER);
	add_link(&b, 5, "eth2", LINK_TYPE_OTHER);
	add_link(&b, 6, "eth1", LINK_TYPE_OTHER);
	add_link(&b, 7, "eth0", LINK_TYPE_OTHER);
	add_link(&b, 8, "lan", LINK_TYPE_OTHER);
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", "eth1 configured -",
					    "lan configured -", "lan0 configured -",
					    "lan1 configured -", NULL });
	assert_int_equal(p.n_tunnels, 0);
	plan_free(&p);
}

static void test_missing_configured_device(void **state)
{
	static char *devs[] = { "eth9", "eth0", "ppp*" };
	struct topo_builder b;
	struct conf c = conf_of(devs, 3, 0, NULL, 0);
	struct plan p;

	seed(&b);
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", NULL });
	assert_not_accelerated(&p, "tun0", "not selected by config");
	assert_false(p.tunnels[0].selected);
	plan_free(&p);
}

static void test_tunnel_down(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(eth0_only, 1, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	b.links[3].up = false;
	compute(&c, &b, &p);
	/* A down tunnel carries nothing: it joins when it comes up. */
	assert_devices(&p, (const char *[]){ "eth0 configured -", NULL });
	assert_not_accelerated(&p, "tun0", "down");
	plan_free(&p);
}

static void test_tunnel_unresolved(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(eth0_only, 1, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	/* The route lookup's own reason is passed on. */
	seed(&b);
	b.routes[0].resolved = false;
	b.routes[0].why_not = "remote is unreachable (unreachable route)";
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", "tun0 tunnel tun0", NULL });
	assert_not_accelerated(&p, "tun0", "remote is unreachable (unreachable route)");
	plan_free(&p);

	/* No route entry at all. */
	seed(&b);
	b.nr = 0;
	compute(&c, &b, &p);
	assert_not_accelerated(&p, "tun0", "no route to remote");
	plan_free(&p);

	/* Resolved, but to the tunnel itself. */
	seed(&b);
	b.routes[0].oif = 5;
	compute(&c, &b, &p);
	assert_not_accelerated(&p, "tun0", "route to remote goes through the tunnel itself");
	plan_free(&p);

	/* Resolved to a device that is gone by now. */
	seed(&b);
	b.routes[0].oif = 99;
	compute(&c, &b, &p);
	assert_not_accelerated(&p, "tun0", "underlay device missing");
	assert_devices(&p, (const char *[]){ "eth0 configured -", "tun0 tunnel tun0", NULL });
	plan_free(&p);
}

static void test_tunnel_selection(void **state)
{
	static char *names[] = { "tun*" };
	struct topo_builder b;
	struct conf c = conf_of(eth0_only, 1, TUNNEL_KIND_GRE | TUNNEL_KIND_IP6GRE, NULL, 0);
	struct plan p;

	/* Kind not selected. */
	seed(&b);
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", NULL });
	assert_not_accelerated(&p, "tun0", "not selected by config");
	plan_free(&p);

	/* Selected by name instead. */
	c = conf_of(eth0_only, 1, 0, names, 1);
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", "eth1 underlay tun0",
					    "tun0 tunnel tun0", NULL });
	assert_accelerated(&p, "tun0", "eth1");
	plan_free(&p);
}

static void test_collect_md_and_no_remote(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	b.links[3].tun.collect_md = true;
	add_tun(&b, 6, "tunl0", TUNNEL_KIND_IPIP, NULL);
	compute(&c, &b, &p);
	/* An external tunnel never joins; an up one without a remote does. */
	assert_devices(&p, (const char *[]){ "tunl0 tunnel tunl0", NULL });
	assert_not_accelerated(&p, "tun0", "external/collect_md tunnel");
	assert_not_accelerated(&p, "tunl0", "no remote (not point-to-point)");
	plan_free(&p);
}

static bool has_tunnel(const struct plan *p, const char *name)
{
	for (size_t i = 0; i < p->n_tunnels; i++)
		if (strcmp(p->tunnels[i].name, name) == 0)
			return true;
	return false;
}

/* The modules' fallback devices: down, no endpoints; listed only when named. */
static void test_fallback_devices(void **state)
{
	static const struct {
		const char *name;
		unsigned int kind;
	} fb[] = {
		{ "tunl0", TUNNEL_KIND_IPIP }, { "gre0", TUNNEL_KIND_GRE },
		{ "sit0", TUNNEL_KIND_SIT }, { "ip6tnl0", TUNNEL_KIND_IP6TNL },
		{ "ip6gre0", TUNNEL_KIND_IP6GRE },
	};
	static char *named[] = { "gre0" };
	static char *pattern[] = { "*" };
	struct topo_builder b;
	struct conf c = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	for (size_t i = 0; i < sizeof(fb) / sizeof(fb[0]); i++)
		add_tun(&b, 20 + (int)i, fb[i].name, fb[i].kind, NULL)->up = false;
	compute(&c, &b, &p);
	assert_int_equal(p.n_tunnels, 1);
	assert_string_equal(p.tunnels[0].name, "tun0");
	plan_free(&p);

	/* Named (also by a pattern) in the config: listed, not accelerated. */
	c = conf_of(NULL, 0, TUNNEL_KIND_ALL, named, 1);
	compute(&c, &b, &p);
	assert_int_equal(p.n_tunnels, 2);
	assert_not_accelerated(&p, "gre0", "down");
	assert_false(has_tunnel(&p, "tunl0"));
	plan_free(&p);
	c = conf_of(NULL, 0, 0, pattern, 1);
	compute(&c, &b, &p);
	assert_int_equal(p.n_tunnels, 6);
	plan_free(&p);

	/* Up (a catch-all in use, as Calico's tunl0): listed by kind. */
	c = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	b.links[4].up = true;	/* tunl0 */
	compute(&c, &b, &p);
	assert_true(has_tunnel(&p, "tunl0"));
	assert_false(has_tunnel(&p, "sit0"));
	b.links[4].up = false;
	plan_free(&p);

	/* The same names with an endpoint or a bound device are users' tunnels. */
	b.links[5].tun.remote.family = AF_INET;	/* gre0 */
	assert_int_equal(inet_pton(AF_INET, "198.51.100.9", b.links[5].tun.remote.bytes), 1);
	b.links[6].tun.local.family = AF_INET;	/* sit0 */
	assert_int_equal(inet_pton(AF_INET, "192.0.2.9", b.links[6].tun.local.bytes), 1);
	b.links[7].tun.link_ifindex = 3;	/* ip6tnl0 */
	compute(&c, &b, &p);
	assert_true(has_tunnel(&p, "gre0"));
	assert_true(has_tunnel(&p, "sit0"));
	assert_true(has_tunnel(&p, "ip6tnl0"));
	assert_false(has_tunnel(&p, "tunl0"));
	assert_false(has_tunnel(&p, "ip6gre0"));
	plan_free(&p);

	/* Another kind under a fallback's name is not a fallback. */
	seed(&b);
	add_tun(&b, 20, "gre0", TUNNEL_KIND_IPIP, NULL)->up = false;
	compute(&c, &b, &p);
	assert_true(has_tunnel(&p, "gre0"));
	plan_free(&p);
}

static void test_vlan_and_qinq(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	add_lower(&b, 10, "eth1.100", LINK_TYPE_VLAN, 3);
	b.routes[0].oif = 10;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth1 underlay tun0", "tun0 tunnel tun0", NULL });
	assert_accelerated(&p, "tun0", "eth1");
	plan_free(&p);

	/* QinQ: 802.1Q over 802.1ad over eth1. */
	add_lower(&b, 11, "eth1.100.7", LINK_TYPE_VLAN, 10);
	b.routes[0].oif = 11;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth1 underlay tun0", "tun0 tunnel tun0", NULL });
	assert_accelerated(&p, "tun0", "eth1");
	plan_free(&p);
}

/* A multipath route to the remote: every next hop's device is an underlay. */
static void test_multipath_underlay(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(eth0_only, 1, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	add_link(&b, 4, "eth3", LINK_TYPE_OTHER);
	add_lower(&b, 10, "eth4.100", LINK_TYPE_VLAN, 11);
	add_link(&b, 11, "eth4", LINK_TYPE_OTHER);
	b.routes[0].path_oifs[0] = 3;
	b.routes[0].path_oifs[1] = 4;
	b.routes[0].path_oifs[2] = 10;
	b.routes[0].path_oifs[3] = 99;		/* gone meanwhile: skipped */
	b.routes[0].n_path_oifs = 4;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", "eth1 underlay tun0",
					    "eth3 underlay tun0", "eth4 underlay tun0",
					    "tun0 tunnel tun0", NULL });
	/* The status names the next hop the kernel's own lookup chose. */
	assert_accelerated(&p, "tun0", "eth1");
	assert_int_equal(p.tunnels[0].n_underlay_ifindexes, 3);
	plan_free(&p);

	/* A next hop through the tunnel itself leaves the others. */
	b.routes[0].path_oifs[1] = 5;
	b.routes[0].n_path_oifs = 2;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", "eth1 underlay tun0",
					    "tun0 tunnel tun0", NULL });
	assert_accelerated(&p, "tun0", "eth1");
	plan_free(&p);
}

static void test_bridge_ports(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	add_link(&b, 20, "br0", LINK_TYPE_BRIDGE);
	add_port(&b, 21, "eth2", 20);
	add_port(&b, 22, "eth3", 20);
	add_port(&b, 23, "eth4", 0);
	b.routes[0].oif = 20;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "br0 underlay tun0", "eth2 underlay tun0",
					    "eth3 underlay tun0", "tun0 tunnel tun0", NULL });
	assert_accelerated(&p, "tun0", "br0");
	assert_int_equal(tunnel(&p, "tun0")->underlay_ifindex, 20);
	plan_free(&p);
}

static void test_bridge_port_is_vlan(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	add_link(&b, 20, "br0", LINK_TYPE_BRIDGE);
	add_link(&b, 21, "eth2", LINK_TYPE_OTHER);
	add_lower(&b, 24, "eth2.10", LINK_TYPE_VLAN, 21)->master_ifindex = 20;
	add_lower(&b, 25, "eth2.20", LINK_TYPE_VLAN, 21)->master_ifindex = 20;
	add_port(&b, 22, "eth3", 20);
	/* A port whose lower device is gone is skipped, the others stay. */
	add_lower(&b, 26, "eth9.5", LINK_TYPE_VLAN, 99)->master_ifindex = 20;
	/* The route goes out on a VLAN of the bridge. */
	add_lower(&b, 30, "br0.100", LINK_TYPE_VLAN, 20);
	b.routes[0].oif = 30;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "br0 underlay tun0", "eth2 underlay tun0",
					    "eth3 underlay tun0", "tun0 tunnel tun0", NULL });
	assert_accelerated(&p, "tun0", "br0");
	plan_free(&p);
}

static void test_ppp(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	add_link(&b, 7, "eth2", LINK_TYPE_OTHER);
	add_lower(&b, 8, "ppp0", LINK_TYPE_PPP, 7);
	b.routes[0].oif = 8;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth2 underlay tun0", "tun0 tunnel tun0", NULL });
	assert_accelerated(&p, "tun0", "eth2");
	plan_free(&p);

	/* Lower device unknown: the PPP unit itself receives the packets. */
	b.links[5].lower_ifindex = 0;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "ppp0 underlay tun0", "tun0 tunnel tun0", NULL });
	assert_accelerated(&p, "tun0", "ppp0");
	plan_free(&p);

	/* PPPoE on a VLAN. */
	add_lower(&b, 9, "eth2.7", LINK_TYPE_VLAN, 7);
	b.links[5].lower_ifindex = 9;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth2 underlay tun0", "tun0 tunnel tun0", NULL });
	assert_accelerated(&p, "tun0", "eth2");
	plan_free(&p);
}

static void test_configured_and_underlay(void **state)
{
	static char *devs[] = { "eth*" };
	struct topo_builder b;
	struct conf c = conf_of(devs, 1, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", "eth1 configured,underlay tun0",
					    "tun0 tunnel tun0", NULL });
	plan_free(&p);

	/* A tunnel configured as a device, too. */
	devs[0] = "tun0";
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth1 underlay tun0",
					    "tun0 configured,tunnel tun0", NULL });
	plan_free(&p);
	devs[0] = "eth*";
}

static void test_two_tunnels_share_underlay(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(eth0_only, 1, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	/* Listed before tun0 in the topology, after it by name. */
	add_tun(&b, 6, "tunb", TUNNEL_KIND_GRE, "198.51.100.3");
	add_tun(&b, 7, "gre0a", TUNNEL_KIND_GRE, "198.51.100.4");
	add_route(&b, 6, 3);
	add_route(&b, 7, 3);
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", "eth1 underlay gre0a",
					    "gre0a tunnel gre0a", "tun0 tunnel tun0",
					    "tunb tunnel tunb", NULL });
	assert_int_equal(p.n_tunnels, 3);
	assert_string_equal(p.tunnels[0].name, "gre0a");
	assert_string_equal(p.tunnels[1].name, "tun0");
	assert_string_equal(p.tunnels[2].name, "tunb");
	assert_accelerated(&p, "gre0a", "eth1");
	assert_accelerated(&p, "tun0", "eth1");
	assert_accelerated(&p, "tunb", "eth1");
	plan_free(&p);
}

static void test_lower_loop_terminates(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(eth0_only, 1, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	add_lower(&b, 10, "va", LINK_TYPE_VLAN, 11);
	add_lower(&b, 11, "vb", LINK_TYPE_VLAN, 10);
	b.routes[0].oif = 10;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth0 configured -", "tun0 tunnel tun0", NULL });
	assert_not_accelerated(&p, "tun0", "underlay devices form a loop");
	plan_free(&p);

	/* A device its own lower device. */
	b.links[4].lower_ifindex = 10;
	compute(&c, &b, &p);
	assert_not_accelerated(&p, "tun0", "underlay devices form a loop");
	plan_free(&p);

	/* Two bridges, each the other's port. */
	seed(&b);
	add_link(&b, 20, "br0", LINK_TYPE_BRIDGE)->master_ifindex = 21;
	add_link(&b, 21, "br1", LINK_TYPE_BRIDGE)->master_ifindex = 20;
	b.routes[0].oif = 20;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "br0 underlay tun0", "br1 underlay tun0",
					    "eth0 configured -", "tun0 tunnel tun0", NULL });
	plan_free(&p);
}

static void test_too_deep(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	/* v1 over eth1, v2 over v1...: PLAN_MAX_DEPTH VLANs, then eth1. */
	for (int i = 1; i <= PLAN_MAX_DEPTH; i++) {
		char name[IFNAMSIZ];

		snprintf(name, sizeof(name), "v%d", i);
		add_lower(&b, 100 + i, name, LINK_TYPE_VLAN, i == 1 ? 3 : 100 + i - 1);
	}
	b.routes[0].oif = 100 + PLAN_MAX_DEPTH;
	compute(&c, &b, &p);
	assert_not_accelerated(&p, "tun0", "underlay stacked too deep");
	plan_free(&p);

	/* One level less is fine. */
	b.routes[0].oif = 100 + PLAN_MAX_DEPTH - 1;
	compute(&c, &b, &p);
	assert_accelerated(&p, "tun0", "eth1");
	plan_free(&p);
}

static void test_missing_lower(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	add_lower(&b, 10, "eth7.100", LINK_TYPE_VLAN, 77);
	b.routes[0].oif = 10;
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "tun0 tunnel tun0", NULL });
	assert_not_accelerated(&p, "tun0", "underlay device missing");
	plan_free(&p);

	/* A VLAN whose lower is in another namespace (lower_ifindex 0). */
	b.links[4].lower_ifindex = 0;
	compute(&c, &b, &p);
	assert_not_accelerated(&p, "tun0", "underlay device missing");
	plan_free(&p);
}

static void test_ipv6_tunnel(void **state)
{
	struct topo_builder b = { 0 };
	struct conf c = conf_of(NULL, 0, TUNNEL_KIND_IP6TNL, NULL, 0);
	struct plan p;
	char text[ADDR_STRLEN];

	add_link(&b, 3, "eth1", LINK_TYPE_OTHER);
	add_tun(&b, 6, "ip6t0", TUNNEL_KIND_IP6TNL, "2001:db8:1::2");
	add_route(&b, 6, 3);
	compute(&c, &b, &p);
	assert_devices(&p, (const char *[]){ "eth1 underlay ip6t0", "ip6t0 tunnel ip6t0", NULL });
	assert_accelerated(&p, "ip6t0", "eth1");
	assert_string_equal(addr_ntop(&p.tunnels[0].remote, text, sizeof(text)), "2001:db8:1::2");
	plan_free(&p);
}

static void test_l2_tunnels(void **state)
{
	static char *names[] = { "gt*" };
	struct topo_builder b;
	struct conf c = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;

	seed(&b);
	snprintf(add_link(&b, 9, "gt0", LINK_TYPE_L2_TUNNEL)->kind, 16, "gretap");
	compute(&c, &b, &p);
	assert_int_equal(p.n_tunnels, 1);	/* only tun0: gt0 is not asked for */
	plan_free(&p);

	c = conf_of(NULL, 0, TUNNEL_KIND_ALL, names, 1);
	compute(&c, &b, &p);
	assert_int_equal(p.n_tunnels, 2);
	assert_not_accelerated(&p, "gt0", "layer 2 tunnel: not accelerated");
	assert_true(tunnel(&p, "gt0")->l2);
	assert_devices(&p, (const char *[]){ "eth1 underlay tun0", "tun0 tunnel tun0", NULL });
	plan_free(&p);
}

static void test_empty(void **state)
{
	struct topo t = { 0 };
	struct conf c = { 0 };
	struct plan p, q;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	assert_int_equal(plan_compute(&c, &t, &p), 0);
	assert_int_equal(p.n_devices, 0);
	assert_int_equal(p.n_tunnels, 0);
	assert_int_equal(plan_compute(&c, &t, &q), 0);
	assert_true(plan_devices_equal(&p, &q));
	f = open_memstream(&text, &len);
	assert_non_null(f);
	plan_print(f, &p);
	fclose(f);
	assert_string_equal(text, "no flowtable devices\n\nno tunnels\n");
	free(text);
	plan_free(&p);
	plan_free(&q);
}

static void test_devices_equal(void **state)
{
	static char *eth01[] = { "eth0", "eth1" };
	struct topo_builder b;
	struct conf c1 = conf_of(eth0_only, 1, TUNNEL_KIND_ALL, NULL, 0);
	struct conf c2 = conf_of(NULL, 0, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p1, p2, p3;

	seed(&b);
	compute(&c1, &b, &p1);
	compute(&c1, &b, &p2);
	compute(&c2, &b, &p3);
	assert_true(plan_devices_equal(&p1, &p2));
	assert_false(plan_devices_equal(&p1, &p3));
	/* Same names, other reasons: still equal (the device set is what nft needs). */
	plan_free(&p2);
	c2 = conf_of(eth01, 2, TUNNEL_KIND_ALL, NULL, 0);
	compute(&c2, &b, &p2);
	assert_int_equal(p2.devices[1].reasons, PLAN_REASON_CONFIGURED | PLAN_REASON_UNDERLAY);
	assert_true(plan_devices_equal(&p1, &p2));
	plan_free(&p1);
	plan_free(&p2);
	plan_free(&p3);
}

static void test_print(void **state)
{
	struct topo_builder b;
	struct conf c = conf_of(eth0_only, 1, TUNNEL_KIND_ALL, NULL, 0);
	struct plan p;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	seed(&b);
	add_tun(&b, 6, "gre1", TUNNEL_KIND_GRE, NULL);
	compute(&c, &b, &p);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	plan_print(f, &p);
	fclose(f);
	assert_string_equal(text,
		"DEVICE  IFINDEX  REASON      TUNNEL\n"
		"eth0    2        configured  -\n"
		"eth1    3        underlay    tun0\n"
		"gre1    6        tunnel      gre1\n"
		"tun0    5        tunnel      tun0\n"
		"\n"
		"TUNNEL  KIND  LOCAL      REMOTE        UNDERLAY  STATUS\n"
		"gre1    gre   any        any           -         "
		"not accelerated: no remote (not point-to-point)\n"
		"tun0    ipip  192.0.2.1  198.51.100.2  eth1      accelerated\n");
	free(text);
	plan_free(&p);
}

static void test_reasons_str(void **state)
{
	char buf[64], tiny[8];

	assert_string_equal(plan_reasons_str(0, buf, sizeof(buf)), "-");
	assert_string_equal(plan_reasons_str(PLAN_REASON_CONFIGURED | PLAN_REASON_TUNNEL |
					     PLAN_REASON_UNDERLAY, buf, sizeof(buf)),
			    "configured,tunnel,underlay");
	/* Truncation keeps whole names only. */
	assert_string_equal(plan_reasons_str(PLAN_REASON_TUNNEL | PLAN_REASON_UNDERLAY, tiny,
					     sizeof(tiny)), "tunnel");
}

static void test_model_helpers(void **state)
{
	struct topo_builder b;
	struct topo t;
	struct addr a = { 0 }, c = { 0 };
	char text[ADDR_STRLEN];

	seed(&b);
	t = topo_of(&b);
	assert_string_equal(topo_link_by_ifindex(&t, 3)->name, "eth1");
	assert_null(topo_link_by_ifindex(&t, 0));
	assert_null(topo_link_by_ifindex(&t, 42));
	assert_int_equal(topo_link_by_name(&t, "tun0")->ifindex, 5);
	assert_null(topo_link_by_name(&t, "tun9"));
	assert_int_equal(topo_route_by_tunnel(&t, 5)->oif, 3);
	assert_null(topo_route_by_tunnel(&t, 3));

	assert_false(addr_is_set(&a));
	assert_string_equal(addr_ntop(&a, text, sizeof(text)), "any");
	assert_true(addr_equal(&a, &c));
	a = b.links[3].tun.remote;
	assert_true(addr_is_set(&a));
	assert_false(addr_equal(&a, &c));
	c = a;
	assert_true(addr_equal(&a, &c));
	c.v4.s_addr ^= 1;
	assert_false(addr_equal(&a, &c));
	assert_string_equal(addr_ntop(&a, text, 4), "?");	/* too small: not "any" */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seed),
		cmocka_unit_test(test_vrf_members),
		cmocka_unit_test(test_globs),
		cmocka_unit_test(test_missing_configured_device),
		cmocka_unit_test(test_tunnel_down),
		cmocka_unit_test(test_tunnel_unresolved),
		cmocka_unit_test(test_tunnel_selection),
		cmocka_unit_test(test_collect_md_and_no_remote),
		cmocka_unit_test(test_vlan_and_qinq),
		cmocka_unit_test(test_multipath_underlay),
		cmocka_unit_test(test_bridge_ports),
		cmocka_unit_test(test_bridge_port_is_vlan),
		cmocka_unit_test(test_ppp),
		cmocka_unit_test(test_configured_and_underlay),
		cmocka_unit_test(test_two_tunnels_share_underlay),
		cmocka_unit_test(test_lower_loop_terminates),
		cmocka_unit_test(test_too_deep),
		cmocka_unit_test(test_missing_lower),
		cmocka_unit_test(test_ipv6_tunnel),
		cmocka_unit_test(test_l2_tunnels),
		cmocka_unit_test(test_fallback_devices),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_devices_equal),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_reasons_str),
		cmocka_unit_test(test_model_helpers),
	};

	return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
