// SPDX-License-Identifier: GPL-2.0-or-later
/* Path resolution: the LPM table and the RTM_NEWROUTE parser. */
#include <arpa/inet.h>
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
#include "ct_int.h"

static struct ct_route rt(const char *prefix, int ifindex, uint32_t metric)
{
	struct ct_route r;
	char text[64];
	char *slash;

	memset(&r, 0, sizeof(r));
	snprintf(text, sizeof(text), "%s", prefix);
	slash = strchr(text, '/');
	assert_non_null(slash);
	*slash = '\0';
	r.family = strchr(text, ':') ? AF_INET6 : AF_INET;
	assert_int_equal(inet_pton(r.family, text, r.addr), 1);
	r.plen = (uint8_t)atoi(slash + 1);
	r.ifindex = ifindex;
	r.metric = metric;
	return r;
}

static int look(const struct ct_ctx *ct, const char *addr)
{
	uint8_t a[16] = { 0 };
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, a), 1);
	return ct_route_lookup(ct, family, a);
}

static void test_lpm_v4(void **state)
{
	struct ct_route routes[] = {
		rt("0.0.0.0/0", 3, 0),		/* default via eth1 */
		rt("10.0.0.0/24", 2, 0),	/* eth0 */
		rt("10.2.0.0/24", 5, 0),	/* tun0 */
		rt("10.2.0.128/25", 6, 0),
		rt("10.2.0.77/32", 7, 0),	/* host route */
		rt("10.9.0.0/16", 0, 0),	/* unreachable */
		rt("10.0.0.0/8", 8, 0),
		rt("10.0.0.99/24", 9, 10),	/* same prefix (host bits set), worse metric */
	};
	struct ct_ctx *ct;

	assert_int_equal(ct_new(NULL, &ct), 0);
	assert_int_equal(look(ct, "10.0.0.2"), 0);	/* no routes yet */
	assert_int_equal(ct_set_routes(ct, routes, sizeof(routes) / sizeof(routes[0])), 0);
	assert_int_equal(look(ct, "10.0.0.2"), 2);
	assert_int_equal(look(ct, "10.0.0.255"), 2);
	assert_int_equal(look(ct, "10.0.1.1"), 8);
	assert_int_equal(look(ct, "10.2.0.2"), 5);
	assert_int_equal(look(ct, "10.2.0.127"), 5);
	assert_int_equal(look(ct, "10.2.0.128"), 6);
	assert_int_equal(look(ct, "10.2.0.77"), 7);
	assert_int_equal(look(ct, "10.2.0.78"), 5);
	assert_int_equal(look(ct, "10.9.1.1"), 0);	/* the unreachable shadows /8 */
	assert_int_equal(look(ct, "8.8.8.8"), 3);
	assert_int_equal(look(ct, "255.255.255.255"), 3);
	/* IPv4 routes never answer IPv6. */
	assert_int_equal(look(ct, "::ffff:10.0.0.2"), 0);

	/* Lower metric wins whichever comes first. */
	routes[1].metric = 20;
	assert_int_equal(ct_set_routes(ct, routes, sizeof(routes) / sizeof(routes[0])), 0);
	assert_int_equal(look(ct, "10.0.0.2"), 9);

	/* Without a default route, unmatched addresses have no device. */
	assert_int_equal(ct_set_routes(ct, routes + 1, 2), 0);
	assert_int_equal(look(ct, "8.8.8.8"), 0);
	ct_close(ct);
}

static void test_lpm_v6(void **state)
{
	struct ct_route routes[] = {
		rt("::/0", 3, 1024),
		rt("2001:db8::/64", 2, 256),
		rt("2001:db8:2::/48", 5, 256),
		rt("2001:db8:2:0:8000::/65", 6, 256),
		rt("2001:db8:2::77/128", 7, 256),
		rt("2001:db8:2:0:1::/80", 0, 0),	/* blackhole */
	};
	struct ct_ctx *ct;

	assert_int_equal(ct_new(NULL, &ct), 0);
	assert_int_equal(ct_set_routes(ct, routes, sizeof(routes) / sizeof(routes[0])), 0);
	assert_int_equal(look(ct, "2001:db8::2"), 2);
	assert_int_equal(look(ct, "2001:db8:2::2"), 5);
	assert_int_equal(look(ct, "2001:db8:2:0:8000::1"), 6);
	assert_int_equal(look(ct, "2001:db8:2:0:7fff::1"), 5);
	assert_int_equal(look(ct, "2001:db8:2::77"), 7);
	assert_int_equal(look(ct, "2001:db8:2::78"), 5);
	assert_int_equal(look(ct, "2001:db8:2:0:1::5"), 0);
	assert_int_equal(look(ct, "2606:4700::1"), 3);
	assert_int_equal(look(ct, "10.0.0.2"), 0);	/* no IPv4 routes at all */
	ct_close(ct);
}

/* Many routes: the table grows and still answers right. */
static void test_lpm_many(void **state)
{
	enum { N = 50000 };
	struct ct_route *routes = calloc(N, sizeof(*routes));
	struct ct_ctx *ct;

	for (uint32_t i = 0; i < N; i++) {
		uint32_t a = htonl(0x64000000u | (i << 8));	/* 100.x.y.0/24 */

		routes[i].family = AF_INET;
		routes[i].plen = 24;
		memcpy(routes[i].addr, &a, 4);
		routes[i].ifindex = (int32_t)(i % 1000) + 1;
	}
	assert_int_equal(ct_new(NULL, &ct), 0);
	assert_int_equal(ct_set_routes(ct, routes, N), 0);
	for (uint32_t i = 0; i < N; i += 97) {
		uint32_t a = htonl(0x64000000u | (i << 8) | 42);

		assert_int_equal(ct_route_lookup(ct, AF_INET, &a), (int)(i % 1000) + 1);
	}
	free(routes);
	ct_close(ct);
}

/* --- RTM_NEWROUTE --- */

union nlbuf {
	struct nlmsghdr align;
	char b[1024];
};

static struct nlmsghdr *newroute(union nlbuf *buf, int family, const char *dst, int plen,
				 uint8_t type, uint8_t table)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint8_t a[16];

	memset(buf, 0, sizeof(*buf));
	nlh = mnl_nlmsg_put_header(buf->b);
	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)family;
	rtm->rtm_dst_len = (uint8_t)plen;
	rtm->rtm_type = type;
	rtm->rtm_table = table;
	rtm->rtm_protocol = RTPROT_BOOT;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	if (dst != NULL) {
		inet_pton(family, dst, a);
		mnl_attr_put(nlh, RTA_DST, family == AF_INET ? 4 : 16, a);
	}
	return nlh;
}

static void test_route_parse(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh;
	struct ct_route r;
	struct nlattr *mp;
	struct rtnexthop *nh;

	/* 10.2.0.0/24 dev tun0 (5) metric 100 */
	nlh = newroute(&buf, AF_INET, "10.2.0.0", 24, RTN_UNICAST, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_OIF, 5);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 100);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 1);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.plen, 24);
	assert_int_equal(r.ifindex, 5);
	assert_int_equal(r.metric, 100);
	assert_int_equal(r.addr[0], 10);
	assert_int_equal(r.addr[1], 2);

	/* default via ... dev eth1: no RTA_DST */
	nlh = newroute(&buf, AF_INET, NULL, 0, RTN_UNICAST, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 1);
	assert_int_equal(r.plen, 0);
	assert_int_equal(r.ifindex, 3);

	/* A /24 without its RTA_DST is broken. */
	nlh = newroute(&buf, AF_INET, NULL, 24, RTN_UNICAST, RT_TABLE_MAIN);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), -1);

	/* ECMP: the first hop. */
	nlh = newroute(&buf, AF_INET6, "2001:db8::", 32, RTN_UNICAST, RT_TABLE_MAIN);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	nh = mnl_nlmsg_get_payload_tail(nlh);
	memset(nh, 0, sizeof(*nh));
	nh->rtnh_len = sizeof(*nh);
	nh->rtnh_ifindex = 11;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*nh));
	nh = mnl_nlmsg_get_payload_tail(nlh);
	memset(nh, 0, sizeof(*nh));
	nh->rtnh_len = sizeof(*nh);
	nh->rtnh_ifindex = 12;
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*nh));
	mnl_attr_nest_end(nlh, mp);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 1);
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.ifindex, 11);

	/* Unreachable: kept, without a device. */
	nlh = newroute(&buf, AF_INET, "10.9.0.0", 16, RTN_UNREACHABLE, RT_TABLE_MAIN);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 1);
	assert_int_equal(r.ifindex, 0);

	/* Not ours: local table, local type, cloned, other family, other message. */
	nlh = newroute(&buf, AF_INET, "10.0.0.1", 32, RTN_LOCAL, RT_TABLE_LOCAL);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 0);
	nlh = newroute(&buf, AF_INET, "10.0.0.1", 32, RTN_LOCAL, RT_TABLE_MAIN);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 0);
	nlh = newroute(&buf, AF_INET, "10.0.0.0", 24, RTN_UNICAST, 100);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 0);
	nlh = newroute(&buf, AF_INET6, "2001:db8::1", 128, RTN_UNICAST, RT_TABLE_MAIN);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_flags |= RTM_F_CLONED;
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 0);
	nlh = newroute(&buf, AF_MPLS, NULL, 0, RTN_UNICAST, RT_TABLE_MAIN);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 0);
	nlh = newroute(&buf, AF_INET, "10.0.0.0", 24, RTN_UNICAST, RT_TABLE_MAIN);
	nlh->nlmsg_type = RTM_DELROUTE;
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 0);

	/* Malformed: prefix too long, address of the wrong size, truncated. */
	nlh = newroute(&buf, AF_INET, "10.0.0.0", 33, RTN_UNICAST, RT_TABLE_MAIN);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), -1);
	nlh = newroute(&buf, AF_INET6, NULL, 64, RTN_UNICAST, RT_TABLE_MAIN);
	mnl_attr_put(nlh, RTA_DST, 4, "abcd");
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), -1);
	nlh = newroute(&buf, AF_INET, "10.0.0.0", 24, RTN_UNICAST, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_OIF, 2);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len - 1, &r), -1);
	for (uint32_t cut = 0; cut < nlh->nlmsg_len; cut++) {
		union nlbuf c;
		int ret;

		memcpy(&c, &buf, sizeof(c));
		c.align.nlmsg_len = cut;
		ret = ct_route_parse(&c, sizeof(c), &r);
		assert_true(ret >= -1 && ret <= 1);
	}
}

/* The host's own table (read-only): it parses and answers for the default. */
static void test_route_dump_host(void **state)
{
	struct ct_route *routes;
	size_t n;
	int r = ct_routes_dump(&routes, &n);

	if (r < 0) {
		printf("# no rtnetlink here (%s): skipped\n", strerror(-r));
		skip();
	}
	printf("# host main table: %zu routes\n", n);
	for (size_t i = 0; i < n; i++) {
		assert_true(routes[i].family == AF_INET || routes[i].family == AF_INET6);
		assert_true(routes[i].plen <= (routes[i].family == AF_INET ? 32 : 128));
	}
	free(routes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lpm_v4),
		cmocka_unit_test(test_lpm_v6),
		cmocka_unit_test(test_lpm_many),
		cmocka_unit_test(test_route_parse),
		cmocka_unit_test(test_route_dump_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
