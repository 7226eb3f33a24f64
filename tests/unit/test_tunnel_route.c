// SPDX-License-Identifier: GPL-2.0-or-later
/* tunnel_route: the RTM_GETROUTE builder and the reply parser, no socket. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nlmsg_build.h"

#include <linux/ip6_tunnel.h>

#include "nlattr_util.h"
#include "tunnel_route.h"

static void set4(struct addr *a, const char *text)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	inet_pton(AF_INET, text, &a->v4);
}

static void set6(struct addr *a, const char *text)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	inet_pton(AF_INET6, text, &a->v6);
}

static struct link tun4(void)
{
	struct link l = { .ifindex = 5, .name = "tun0", .kind = "ipip", .type = LINK_TYPE_TUNNEL,
			  .up = true };

	l.tun.kind = TUNNEL_KIND_IPIP;
	l.tun.outer_family = AF_INET;
	set4(&l.tun.remote, "198.51.100.2");
	return l;
}

static struct link tun6(void)
{
	struct link l = { .ifindex = 6, .name = "ip6t0", .kind = "ip6tnl",
			  .type = LINK_TYPE_TUNNEL, .up = true };

	l.tun.kind = TUNNEL_KIND_IP6TNL;
	l.tun.outer_family = AF_INET6;
	set6(&l.tun.remote, "2001:db8:1::2");
	return l;
}

/* --- request builder --- */

static void test_request_full_ipv4(void **state)
{
	char buf[TUNNEL_ROUTE_REQ_SIZE] __attribute__((aligned(4)));
	const struct nlattr *tb[RTA_MAX + 1];
	struct link l = tun4();
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	set4(&l.tun.local, "192.0.2.1");
	l.tun.link_ifindex = 3;
	l.tun.fwmark = 0x42;
	l.tun.tos = 0xb8;
	nlh = tunnel_route_build_request(buf, sizeof(buf), &l, 77);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_GETROUTE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(nlh->nlmsg_seq, 77);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 32);
	assert_int_equal(rtm->rtm_src_len, 32);
	assert_int_equal(rtm->rtm_flags, RTM_F_LOOKUP_TABLE);
	assert_int_equal(rtm->rtm_tos, 0xb8);

	assert_int_equal(nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX), 0);
	assert_non_null(tb[RTA_DST]);
	assert_int_equal(mnl_attr_get_payload_len(tb[RTA_DST]), 4);
	assert_int_equal(*(uint32_t *)mnl_attr_get_payload(tb[RTA_DST]), in4("198.51.100.2"));
	assert_non_null(tb[RTA_SRC]);
	assert_int_equal(*(uint32_t *)mnl_attr_get_payload(tb[RTA_SRC]), in4("192.0.2.1"));
	assert_non_null(tb[RTA_OIF]);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_OIF]), 3);
	assert_non_null(tb[RTA_MARK]);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_MARK]), 0x42);
}

static void test_request_minimal(void **state)
{
	char buf[TUNNEL_ROUTE_REQ_SIZE] __attribute__((aligned(4)));
	const struct nlattr *tb[RTA_MAX + 1];
	struct link l = tun4();
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	int n = 0;

	l.tun.tos = 1;	/* inherit: no fixed tos to route with */
	nlh = tunnel_route_build_request(buf, sizeof(buf), &l, 1);
	assert_non_null(nlh);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_src_len, 0);
	assert_int_equal(rtm->rtm_tos, 0);
	assert_int_equal(nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX), 0);
	for (int i = 0; i <= RTA_MAX; i++)
		n += tb[i] != NULL;
	assert_int_equal(n, 1);
	assert_non_null(tb[RTA_DST]);
}

static void test_request_ipv6(void **state)
{
	char buf[TUNNEL_ROUTE_REQ_SIZE] __attribute__((aligned(4)));
	const struct nlattr *tb[RTA_MAX + 1];
	struct link l = tun6();
	struct in6_addr want;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	set6(&l.tun.local, "2001:db8::1");
	l.tun.link_ifindex = 4;
	l.tun.fwmark = 9;
	l.tun.tos = 0x10;	/* IPv4 only: ignored */
	nlh = tunnel_route_build_request(buf, sizeof(buf), &l, 2);
	assert_non_null(nlh);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, AF_INET6);
	assert_int_equal(rtm->rtm_dst_len, 128);
	assert_int_equal(rtm->rtm_src_len, 128);
	assert_int_equal(rtm->rtm_tos, 0);
	assert_int_equal(nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX), 0);
	inet_pton(AF_INET6, "2001:db8:1::2", &want);
	assert_int_equal(mnl_attr_get_payload_len(tb[RTA_DST]), 16);
	assert_memory_equal(mnl_attr_get_payload(tb[RTA_DST]), &want, 16);
	inet_pton(AF_INET6, "2001:db8::1", &want);
	assert_memory_equal(mnl_attr_get_payload(tb[RTA_SRC]), &want, 16);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_OIF]), 4);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_MARK]), 9);

	/* With USE_ORIG_FWMARK the packet's own mark routes: no RTA_MARK. */
	l.tun.flags = IP6_TNL_F_USE_ORIG_FWMARK;
	nlh = tunnel_route_build_request(buf, sizeof(buf), &l, 3);
	assert_int_equal(nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX), 0);
	assert_null(tb[RTA_MARK]);
}

static void test_request_refused(void **state)
{
	char buf[TUNNEL_ROUTE_REQ_SIZE] __attribute__((aligned(4)));
	struct link l = tun4();

	errno = 0;
	assert_null(tunnel_route_build_request(buf, 16, &l, 1));
	assert_int_equal(errno, ENOSPC);

	l.tun.collect_md = true;
	assert_null(tunnel_route_build_request(buf, sizeof(buf), &l, 1));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(tunnel_route_precheck(&l), "external/collect_md tunnel");

	l = tun4();
	memset(&l.tun.remote, 0, sizeof(l.tun.remote));
	assert_null(tunnel_route_build_request(buf, sizeof(buf), &l, 1));
	assert_ptr_equal(tunnel_route_precheck(&l), TUNNEL_ROUTE_NO_REMOTE);
	assert_string_equal(TUNNEL_ROUTE_NO_REMOTE, "no remote address");

	/* A remote of the other family is no remote. */
	l = tun4();
	set6(&l.tun.remote, "2001:db8::1");
	assert_ptr_equal(tunnel_route_precheck(&l), TUNNEL_ROUTE_NO_REMOTE);

	l = tun4();
	l.type = LINK_TYPE_OTHER;
	assert_ptr_equal(tunnel_route_precheck(&l), TUNNEL_ROUTE_NOT_TUNNEL);
	assert_null(tunnel_route_precheck(&(struct link){ .type = LINK_TYPE_TUNNEL,
		.tun = tun4().tun }));
}

/* --- reply parser --- */

/* The answer to an RTM_GETROUTE for one address. */
static struct nlmsghdr *reply(union nlbuf *buf, int family, uint8_t type)
{
	return nl_newroute(buf, family, family == AF_INET ? 32 : 128, type);
}

static void test_reply_gateway(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = reply(&buf, AF_INET, RTN_UNICAST);
	struct link l = tun4();
	struct tunnel_route r;
	char text[ADDR_STRLEN];

	nl_put_in4(nlh, RTA_DST, "198.51.100.2");
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	nl_put_in4(nlh, RTA_GATEWAY, "192.0.2.254");
	nl_put_in4(nlh, RTA_PREFSRC, "192.0.2.1");
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), 0);
	assert_true(r.resolved);
	assert_null(r.why_not);
	assert_int_equal(r.tunnel_ifindex, 5);
	assert_int_equal(r.oif, 3);
	assert_string_equal(addr_ntop(&r.nexthop, text, sizeof(text)), "192.0.2.254");
	assert_string_equal(addr_ntop(&r.prefsrc, text, sizeof(text)), "192.0.2.1");
}

static void test_reply_on_link(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = reply(&buf, AF_INET, RTN_UNICAST);
	struct link l = tun4();
	struct tunnel_route r;
	char text[ADDR_STRLEN];

	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), 0);
	assert_true(r.resolved);
	assert_string_equal(addr_ntop(&r.nexthop, text, sizeof(text)), "198.51.100.2");
	assert_int_equal(r.prefsrc.family, 0);
}

static void test_reply_ipv6(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = reply(&buf, AF_INET6, RTN_UNICAST);
	struct link l = tun6();
	struct tunnel_route r;
	char text[ADDR_STRLEN];

	mnl_attr_put_u32(nlh, RTA_OIF, 4);
	nl_put_in6(nlh, RTA_GATEWAY, "fe80::1");
	nl_put_in6(nlh, RTA_PREFSRC, "2001:db8::1");
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), 0);
	assert_true(r.resolved);
	assert_int_equal(r.oif, 4);
	assert_string_equal(addr_ntop(&r.nexthop, text, sizeof(text)), "fe80::1");
	assert_string_equal(addr_ntop(&r.prefsrc, text, sizeof(text)), "2001:db8::1");
}

static void test_reply_via_ipv6_nexthop(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = reply(&buf, AF_INET, RTN_UNICAST);
	struct link l = tun4();
	struct tunnel_route r;
	char text[ADDR_STRLEN];
	struct {
		struct rtvia via;
		struct in6_addr a;
	} __attribute__((packed)) v = { .via.rtvia_family = AF_INET6 };

	inet_pton(AF_INET6, "fe80::2", &v.a);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	mnl_attr_put(nlh, RTA_VIA, sizeof(v), &v);
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), 0);
	assert_true(r.resolved);
	assert_string_equal(addr_ntop(&r.nexthop, text, sizeof(text)), "fe80::2");
}

static void test_reply_errors(void **state)
{
	static const struct {
		int err;
		const char *why;
	} cases[] = {
		{ ENETUNREACH, "no route to remote" },
		{ EHOSTUNREACH, NULL },
		{ EACCES, NULL },
		{ EINVAL, NULL },
		{ ENODEV, NULL },
		{ EIO, "route lookup failed" },
	};
	struct link l = tun4();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		union nlbuf buf;
		struct tunnel_route r;

		assert_int_equal(tunnel_route_parse_reply(nl_error(&buf, -cases[i].err), &l, &r), 0);
		assert_false(r.resolved);
		assert_int_equal(r.tunnel_ifindex, 5);
		assert_non_null(r.why_not);
		if (cases[i].why != NULL)
			assert_string_equal(r.why_not, cases[i].why);
	}
	{
		union nlbuf buf;
		struct tunnel_route r;

		tunnel_route_parse_reply(nl_error(&buf, -EHOSTUNREACH), &l, &r);
		assert_ptr_equal(r.why_not, TUNNEL_ROUTE_UNREACHABLE);
		tunnel_route_parse_reply(nl_error(&buf, -EACCES), &l, &r);
		assert_ptr_equal(r.why_not, TUNNEL_ROUTE_PROHIBITED);
		/* A bare ack is not an answer. */
		assert_int_equal(tunnel_route_parse_reply(nl_error(&buf, 0), &l, &r), -1);
		assert_ptr_equal(r.why_not, TUNNEL_ROUTE_LOOKUP_FAILED);
	}
}

static void test_reply_unusable_routes(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh;
	struct link l = tun4();
	struct tunnel_route r;

	/* Through the tunnel itself. */
	nlh = reply(&buf, AF_INET, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_OIF, 5);
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), 0);
	assert_false(r.resolved);
	assert_string_equal(r.why_not, "route to remote goes through the tunnel itself");

	/* The remote is local. */
	nlh = reply(&buf, AF_INET, RTN_LOCAL);
	mnl_attr_put_u32(nlh, RTA_OIF, 1);
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), 0);
	assert_ptr_equal(r.why_not, TUNNEL_ROUTE_LOCAL_REMOTE);

	/* Multicast or anything else. */
	nlh = reply(&buf, AF_INET, RTN_MULTICAST);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), 0);
	assert_ptr_equal(r.why_not, TUNNEL_ROUTE_NOT_UNICAST);

	/* No output device. */
	nlh = reply(&buf, AF_INET, RTN_UNICAST);
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), 0);
	assert_ptr_equal(r.why_not, TUNNEL_ROUTE_NO_OIF);
}

static void test_reply_malformed(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh;
	struct link l = tun4();
	struct tunnel_route r;

	/* A 3-byte gateway. */
	nlh = reply(&buf, AF_INET, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	mnl_attr_put(nlh, RTA_GATEWAY, 3, "abc");
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), -1);
	assert_false(r.resolved);
	assert_ptr_equal(r.why_not, TUNNEL_ROUTE_LOOKUP_FAILED);

	/* An IPv6 gateway in an IPv4 answer's RTA_GATEWAY. */
	nlh = reply(&buf, AF_INET, RTN_UNICAST);
	nl_put_in6(nlh, RTA_GATEWAY, "fe80::1");
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), -1);

	/* RTA_OIF of the wrong size. */
	nlh = reply(&buf, AF_INET, RTN_UNICAST);
	mnl_attr_put_u16(nlh, RTA_OIF, 3);
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), -1);

	/* RTA_VIA with a bad family. */
	nlh = reply(&buf, AF_INET, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	mnl_attr_put(nlh, RTA_VIA, 6, "\x07\x00\x01\x02\x03\x04");
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), -1);

	/* Family mismatch. */
	nlh = reply(&buf, AF_INET6, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), -1);

	/* Truncated attribute. */
	nlh = reply(&buf, AF_INET, RTN_UNICAST);
	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	nlh->nlmsg_len -= 1;
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), -1);

	/* Too short for struct rtmsg / nlmsgerr; wrong type. */
	nlh = reply(&buf, AF_INET, RTN_UNICAST);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 4;
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), -1);
	nlh = nl_error(&buf, -ENETUNREACH);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), -1);
	nlh = reply(&buf, AF_INET, RTN_UNICAST);
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), -1);
	nlh->nlmsg_len = 3;
	assert_int_equal(tunnel_route_parse_reply(nlh, &l, &r), -1);
}

/* --- multipath routes (RTM_F_FIB_MATCH) --- */

static void test_paths_request(void **state)
{
	char buf[TUNNEL_ROUTE_REQ_SIZE] __attribute__((aligned(4)));
	struct link l = tun4();
	struct nlmsghdr *nlh = tunnel_route_build_paths_request(buf, sizeof(buf), &l, 9);
	const struct rtmsg *rtm;

	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, RTM_GETROUTE);
	assert_int_equal(nlh->nlmsg_seq, 9);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_flags, RTM_F_LOOKUP_TABLE | RTM_F_FIB_MATCH);
}

/* One struct rtnexthop (with a gateway) into an open RTA_MULTIPATH nest. */
static void put_nexthop(struct nlmsghdr *nlh, int ifindex, unsigned char flags, const char *gw)
{
	struct rtnexthop *nh = (struct rtnexthop *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
	size_t at = nlh->nlmsg_len;

	memset(nh, 0, sizeof(*nh));
	nh->rtnh_ifindex = ifindex;
	nh->rtnh_flags = flags;
	nlh->nlmsg_len = NLMSG_ALIGN(nlh->nlmsg_len) + RTNH_ALIGN(sizeof(*nh));
	nl_put_in4(nlh, RTA_GATEWAY, gw);
	nh->rtnh_len = (unsigned short)(nlh->nlmsg_len - at);
}

static void test_paths_multipath(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newroute(&buf, AF_INET, 24, RTN_UNICAST);
	struct link l = tun4();
	struct tunnel_route r = { .oif = 3 };
	struct nlattr *mp;

	nl_put_in4(nlh, RTA_DST, "198.51.100.0");
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_nexthop(nlh, 3, 0, "192.0.2.254");
	put_nexthop(nlh, 4, RTNH_F_DEAD, "192.0.3.254");	/* never picked */
	put_nexthop(nlh, 7, RTNH_F_ONLINK, "192.0.4.254");
	put_nexthop(nlh, 5, 0, "192.0.5.254");		/* through the tunnel itself */
	put_nexthop(nlh, 7, 0, "192.0.4.253");		/* the same device again */
	mnl_attr_nest_end(nlh, mp);
	assert_int_equal(tunnel_route_parse_paths(nlh, &l, &r), 0);
	assert_int_equal(r.n_path_oifs, 2);
	assert_int_equal(r.path_oifs[0], 3);
	assert_int_equal(r.path_oifs[1], 7);
	assert_int_equal(r.oif, 3);	/* nothing else touched */
}

static void test_paths_single(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newroute(&buf, AF_INET, 24, RTN_UNICAST);
	struct link l = tun4();
	struct tunnel_route r = { .n_path_oifs = 3 };
	struct nlattr *mp;

	mnl_attr_put_u32(nlh, RTA_OIF, 3);
	assert_int_equal(tunnel_route_parse_paths(nlh, &l, &r), 0);
	assert_int_equal(r.n_path_oifs, 0);

	/* Two next hops, one dead: a single path. */
	nlh = nl_newroute(&buf, AF_INET, 24, RTN_UNICAST);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_nexthop(nlh, 3, 0, "192.0.2.254");
	put_nexthop(nlh, 4, RTNH_F_DEAD, "192.0.3.254");
	mnl_attr_nest_end(nlh, mp);
	assert_int_equal(tunnel_route_parse_paths(nlh, &l, &r), 0);
	assert_int_equal(r.n_path_oifs, 0);

	/* The route went away between the two questions. */
	nlh = nl_msg_start(&buf, NLMSG_ERROR, sizeof(struct nlmsgerr));
	((struct nlmsgerr *)mnl_nlmsg_get_payload(nlh))->error = -ENETUNREACH;
	assert_int_equal(tunnel_route_parse_paths(nlh, &l, &r), 0);
	assert_int_equal(r.n_path_oifs, 0);
}

static void test_paths_malformed(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newroute(&buf, AF_INET, 24, RTN_UNICAST);
	struct link l = tun4();
	struct tunnel_route r = { 0 };
	struct rtnexthop *nh;
	struct nlattr *mp;

	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_nexthop(nlh, 3, 0, "192.0.2.254");
	nh = (struct rtnexthop *)((char *)nlh + NLMSG_ALIGN(nlh->nlmsg_len));
	put_nexthop(nlh, 7, 0, "192.0.4.254");
	mnl_attr_nest_end(nlh, mp);
	nh->rtnh_len = 200;	/* beyond the attribute */
	errno = 0;
	assert_int_equal(tunnel_route_parse_paths(nlh, &l, &r), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(r.n_path_oifs, 0);
	nh->rtnh_len = 2;	/* shorter than its own header */
	assert_int_equal(tunnel_route_parse_paths(nlh, &l, &r), -1);

	/* Another family, or not a route at all. */
	nlh = nl_newroute(&buf, AF_INET6, 64, RTN_UNICAST);
	assert_int_equal(tunnel_route_parse_paths(nlh, &l, &r), -1);
	nlh = nl_msg_start(&buf, RTM_NEWLINK, sizeof(struct ifinfomsg));
	assert_int_equal(tunnel_route_parse_paths(nlh, &l, &r), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_full_ipv4),
		cmocka_unit_test(test_request_minimal),
		cmocka_unit_test(test_request_ipv6),
		cmocka_unit_test(test_request_refused),
		cmocka_unit_test(test_reply_gateway),
		cmocka_unit_test(test_reply_on_link),
		cmocka_unit_test(test_reply_ipv6),
		cmocka_unit_test(test_reply_via_ipv6_nexthop),
		cmocka_unit_test(test_reply_errors),
		cmocka_unit_test(test_reply_unusable_routes),
		cmocka_unit_test(test_reply_malformed),
		cmocka_unit_test(test_paths_request),
		cmocka_unit_test(test_paths_multipath),
		cmocka_unit_test(test_paths_single),
		cmocka_unit_test(test_paths_malformed),
	};

	return cmocka_run_group_tests_name("tunnel_route", tests, NULL, NULL);
}
