// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * topo_dump: take one topology snapshot of this host and print the links,
 * the tunnels' parameters and routes, and the plan -- what `flowd --check`
 * will show, for debugging in the test VM.  Built by `make check`, not run.
 *
 *   topo_dump [-d DEVICE-GLOB]... [-t TUNNEL-GLOB]... [-k KIND,...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "link_parse.h"
#include "log.h"
#include "plan.h"
#include "topo.h"

static const char *type_name(enum link_type t)
{
	static const char *const names[] = { "other", "vlan", "bridge", "ppp", "tunnel", "l2tunnel" };

	return (unsigned int)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

static void print_links(const struct topo *t)
{
	char l[ADDR_STRLEN], r[ADDR_STRLEN], nh[ADDR_STRLEN];

	printf("%-7s  %-15s  %-10s  %-8s  %-4s  %-5s  %s\n", "IFINDEX", "NAME", "KIND", "TYPE",
	       "UP", "LOWER", "MASTER");
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *k = &t->links[i];

		printf("%-7d  %-15s  %-10s  %-8s  %-4s  %-5d  %d", k->ifindex, k->name,
		       k->kind[0] ? k->kind : "-", type_name(k->type), k->up ? "yes" : "no",
		       k->lower_ifindex, k->master_ifindex);
		if (k->type == LINK_TYPE_VLAN)
			printf("  vlan %u proto 0x%04x", k->vlan_id, k->vlan_proto);
		if (k->type == LINK_TYPE_TUNNEL)
			printf("  local %s remote %s link %d ttl %u tos %u pmtudisc %d hoplimit %u "
			       "encaplimit %u flags 0x%x proto %u fwmark 0x%x%s",
			       addr_ntop(&k->tun.local, l, sizeof(l)),
			       addr_ntop(&k->tun.remote, r, sizeof(r)), k->tun.link_ifindex,
			       k->tun.ttl, k->tun.tos, k->tun.pmtudisc, k->tun.hop_limit,
			       k->tun.encap_limit, k->tun.flags, k->tun.proto, k->tun.fwmark,
			       k->tun.collect_md ? " external" : "");
		printf("\n");
	}
	printf("\n");
	for (size_t i = 0; i < t->n_routes; i++) {
		const struct tunnel_route *rt = &t->routes[i];
		const struct link *k = topo_link_by_ifindex(t, rt->tunnel_ifindex);

		if (rt->resolved)
			printf("route %s: oif %d via %s src %s\n", k ? k->name : "?", rt->oif,
			       addr_ntop(&rt->nexthop, nh, sizeof(nh)),
			       addr_ntop(&rt->prefsrc, l, sizeof(l)));
		else
			printf("route %s: unresolved: %s\n", k ? k->name : "?", rt->why_not);
	}
	if (t->n_routes > 0)
		printf("\n");
}

int main(int argc, char **argv)
{
	char *devices[64], *names[64];
	struct conf c = { .devices = devices, .tunnel_names = names,
			  .tunnel_kinds = TUNNEL_KIND_ALL };
	struct topo_ctx *ctx;
	struct topo t;
	struct plan p;
	int opt;

	while ((opt = getopt(argc, argv, "d:t:k:")) != -1) {
		switch (opt) {
		case 'd':
			if (c.n_devices < 64)
				devices[c.n_devices++] = optarg;
			break;
		case 't':
			if (c.n_tunnel_names < 64)
				names[c.n_tunnel_names++] = optarg;
			break;
		case 'k':
			c.tunnel_kinds = 0;
			for (char *k = strtok(optarg, ","); k != NULL; k = strtok(NULL, ",")) {
				if (tunnel_kind_from_name(k) == 0) {
					fprintf(stderr, "topo_dump: unknown tunnel kind %s\n", k);
					return 2;
				}
				c.tunnel_kinds |= tunnel_kind_from_name(k);
			}
			break;
		default:
			fprintf(stderr, "usage: topo_dump [-d GLOB]... [-t GLOB]... [-k KIND,...]\n");
			return 2;
		}
	}
	log_init("topo_dump", true, LOG_LEVEL_DEBUG);
	if (topo_init(&ctx, NULL, NULL, NULL) < 0)
		return 1;
	if (topo_snapshot(ctx, &t) < 0) {
		topo_fini(ctx);
		return 1;
	}
	print_links(&t);
	if (plan_compute(&c, &t, &p) < 0) {
		fprintf(stderr, "topo_dump: out of memory\n");
		topo_free(&t);
		topo_fini(ctx);
		return 1;
	}
	plan_print(stdout, &p);
	plan_free(&p);
	topo_free(&t);
	topo_fini(ctx);
	return 0;
}
