// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rtnetlink: RTM_NEWLINK (link_parse) and route lookup replies
 * (tunnel_route_parse_reply, and tunnel_route_parse_paths for the
 * multipath answers), walked the way topo.c and tunnel_route.c
 * walk a receive buffer; the parsed links and routes then go through the
 * planner, which has to cope with whatever topology they describe.
 */
#include <stdio.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "fuzz_util.h"
#include "link_parse.h"
#include "nlattr_util.h"
#include "plan.h"
#include "tunnel_route.h"

#define FUZZ_LINKS 64

static FILE *devnull;
static char *dev_globs[] = { "eth*", "lan0", "br*" };
static char *tun_globs[] = { "tun*" };
static struct conf conf = {
	.devices = dev_globs,
	.n_devices = 3,
	.tunnel_kinds = TUNNEL_KIND_IPIP | TUNNEL_KIND_GRE | TUNNEL_KIND_IP6TNL,
	.tunnel_names = tun_globs,
	.n_tunnel_names = 1,
};

/* A reply always parses against these, besides the fuzzed tunnels. */
static const struct link tun4 = {
	.ifindex = 5, .name = "tun0", .type = LINK_TYPE_TUNNEL,
	.tun = { .kind = TUNNEL_KIND_IPIP, .outer_family = AF_INET,
		 .remote = { .family = AF_INET, .bytes = { 192, 0, 2, 1 } } },
};
static const struct link tun6 = {
	.ifindex = 6, .name = "tun6", .type = LINK_TYPE_TUNNEL,
	.tun = { .kind = TUNNEL_KIND_IP6TNL, .outer_family = AF_INET6,
		 .remote = { .family = AF_INET6, .bytes = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } },
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	devnull = fopen("/dev/null", "w");
	return devnull ? 0 : -1;
}

struct topo_acc {
	struct link links[FUZZ_LINKS];
	struct tunnel_route routes[FUZZ_LINKS];
	size_t n_links, n_routes;
};

static void one_msg(struct topo_acc *t, const struct nlmsghdr *m)
{
	struct tunnel_route r;
	struct link l;

	if (m->nlmsg_type == RTM_NEWLINK || m->nlmsg_type == RTM_DELLINK) {
		if (link_parse(m, &l) == 0 && t->n_links < FUZZ_LINKS) {
			char req[TUNNEL_ROUTE_REQ_SIZE];

			(void)tunnel_route_precheck(&l);
			(void)tunnel_route_build_request(req, sizeof(req), &l, 1);
			t->links[t->n_links++] = l;
		}
		return;
	}
	(void)tunnel_route_parse_reply(m, &tun4, &r);
	(void)tunnel_route_parse_reply(m, &tun6, &r);
	/* Its next hops, as the planner then walks them. */
	(void)tunnel_route_parse_paths(m, &tun4, &r);
	(void)tunnel_route_parse_paths(m, &tun6, &r);
	/* The reply to the next tunnel still waiting for one. */
	for (size_t i = 0; i < t->n_links; i++) {
		const struct link *l2 = &t->links[i];
		bool has = false;

		if (l2->type != LINK_TYPE_TUNNEL)
			continue;
		for (size_t j = 0; j < t->n_routes && !has; j++)
			has = t->routes[j].tunnel_ifindex == l2->ifindex;
		if (has)
			continue;
		if (tunnel_route_parse_reply(m, l2, &t->routes[t->n_routes]) == 0 &&
		    t->routes[t->n_routes].resolved)
			(void)tunnel_route_parse_paths(m, l2, &t->routes[t->n_routes]);
		t->n_routes++;
		break;
	}
}

static void plan_it(struct topo_acc *t)
{
	struct topo topo = { t->links, t->n_links, t->routes, t->n_routes };
	struct plan plan;

	if (plan_compute(&conf, &topo, &plan) == 0) {
		plan_print(devnull, &plan);
		plan_free(&plan);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topo_acc *t;
	struct nlmsghdr *buf, *one;

	if (size > FUZZ_MAX_INPUT)
		return -1;
	t = calloc(1, sizeof(*t));
	buf = fuzz_copy(data, size);
	if (!t || !buf)
		abort();

	/* A receive buffer, walked as topo.c and tunnel_route.c do. */
	{
		const struct nlmsghdr *m = buf;
		int rem = (int)size;

		for (; nlattr_msg_ok(m, rem); m = mnl_nlmsg_next(m, &rem))
			one_msg(t, m);
	}
	plan_it(t);

	/* The whole input as one message. */
	one = fuzz_single_msg(data, size);
	if (one) {
		struct link l;
		struct tunnel_route r;

		(void)link_parse(one, &l);
		(void)tunnel_route_parse_reply(one, &tun4, &r);
		(void)tunnel_route_parse_reply(one, &tun6, &r);
		(void)tunnel_route_parse_paths(one, &tun4, &r);
		free(one);
	}
	free(buf);
	free(t);
	return 0;
}
