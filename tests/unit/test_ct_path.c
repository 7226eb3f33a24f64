// SPDX-License-Identifier: GPL-2.0-or-later
/* Route messages for flow paths: events, lookup requests and answers. */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
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
#include "nlattr_util.h"

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

	/* Unreachable: without a device. */
	nlh = newroute(&buf, AF_INET, "10.9.0.0", 16, RTN_UNREACHABLE, RT_TABLE_MAIN);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 1);
	assert_int_equal(r.ifindex, 0);
	assert_int_equal(r.type, RTN_UNREACHABLE);

	/* Every table and type counts (policy routing), deletions too. */
	nlh = newroute(&buf, AF_INET, "10.0.0.1", 32, RTN_LOCAL, RT_TABLE_LOCAL);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 1);
	assert_int_equal(r.table, RT_TABLE_LOCAL);
	assert_int_equal(r.type, RTN_LOCAL);
	nlh = newroute(&buf, AF_INET, "10.0.0.0", 24, RTN_UNICAST, 100);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 1);
	assert_int_equal(r.table, 100);

	/* Not ours: cloned, other family, other message. */
	nlh = newroute(&buf, AF_INET6, "2001:db8::1", 128, RTN_UNICAST, RT_TABLE_MAIN);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_flags |= RTM_F_CLONED;
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 0);
	nlh = newroute(&buf, AF_MPLS, NULL, 0, RTN_UNICAST, RT_TABLE_MAIN);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 0);
	nlh = newroute(&buf, AF_INET, "10.0.0.0", 24, RTN_UNICAST, RT_TABLE_MAIN);
	nlh->nlmsg_type = RTM_DELROUTE;
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 1);
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), 0);

	/* Malformed: prefix too long, address of the wrong size, truncated. */
	nlh = newroute(&buf, AF_INET, "10.0.0.0", 33, RTN_UNICAST, RT_TABLE_MAIN);
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), -1);
	nlh = newroute(&buf, AF_INET6, NULL, 64, RTN_UNICAST, RT_TABLE_MAIN);
	mnl_attr_put(nlh, RTA_DST, 4, "abcd");
	assert_int_equal(ct_route_parse(nlh, nlh->nlmsg_len, &r), -1);
	nlh = newroute(&buf, AF_INET, "10.0.0.0", 24, RTN_UNICAST, RT_TABLE_MAIN);
	mnl_attr_put_u16(nlh, RTA_OIF, 2);
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

/* --- lookups --- */

static struct ct_rtkey key4(const char *src, const char *dst, int iif, uint32_t mark)
{
	struct ct_rtkey k = { .family = AF_INET, .iif = iif, .mark = mark };

	inet_pton(AF_INET, dst, k.dst);
	if (src != NULL) {
		k.input = 1;
		inet_pton(AF_INET, src, k.src);
	}
	return k;
}

static void test_lookup_build(void **state)
{
	union nlbuf buf;
	const struct nlattr *tb[RTA_MAX + 1];
	struct ct_rtkey k = key4("10.0.0.2", "10.2.0.9", 2, 7);
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf.b;
	const struct rtmsg *rtm;
	size_t len;

	/* An input lookup: src, dst, iif, mark. */
	len = ct_lookup_build(buf.b, sizeof(buf), &k, 42);
	assert_true(len > 0 && len <= CT_LOOKUP_MSG_MAX);
	assert_int_equal(nlh->nlmsg_type, RTM_GETROUTE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
	assert_int_equal(nlh->nlmsg_seq, 42);
	rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 32);
	assert_int_equal(rtm->rtm_src_len, 32);
	assert_int_equal(nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX), 0);
	assert_memory_equal(mnl_attr_get_payload(tb[RTA_DST]), k.dst, 4);
	assert_memory_equal(mnl_attr_get_payload(tb[RTA_SRC]), k.src, 4);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_IIF]), 2);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_MARK]), 7);

	/* An output lookup: dst only (no mark when 0). */
	k = key4(NULL, "10.2.0.9", 0, 0);
	len = ct_lookup_build(buf.b, sizeof(buf), &k, 43);
	assert_true(len > 0);
	assert_int_equal(nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX), 0);
	assert_non_null(tb[RTA_DST]);
	assert_null(tb[RTA_SRC]);
	assert_null(tb[RTA_IIF]);
	assert_null(tb[RTA_MARK]);
	assert_null(tb[RTA_OIF]);
	assert_int_equal(rtm->rtm_flags & RTM_F_FIB_MATCH, 0);

	/* In a VRF's table, the route that matched: RTA_OIF, RTM_F_FIB_MATCH. */
	k.oif = 20;
	k.fib_match = 1;
	len = ct_lookup_build(buf.b, sizeof(buf), &k, 44);
	assert_true(len > 0 && len <= CT_LOOKUP_MSG_MAX);
	assert_int_equal(nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX), 0);
	assert_int_equal(mnl_attr_get_u32(tb[RTA_OIF]), 20);
	assert_true(rtm->rtm_flags & RTM_F_FIB_MATCH);
	assert_null(tb[RTA_IIF]);

	/* Too small a buffer, a bad family: nothing. */
	assert_int_equal(ct_lookup_build(buf.b, CT_LOOKUP_MSG_MAX - 1, &k, 1), 0);
	k.family = AF_UNSPEC;
	assert_int_equal(ct_lookup_build(buf.b, sizeof(buf), &k, 1), 0);
}

static struct nlmsghdr *errmsg(union nlbuf *buf, int error)
{
	struct nlmsghdr *nlh;
	struct nlmsgerr *e;

	memset(buf, 0, sizeof(*buf));
	nlh = mnl_nlmsg_put_header(buf->b);
	nlh->nlmsg_type = NLMSG_ERROR;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	return nlh;
}

static void test_lookup_parse(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh;
	uint8_t plen;

	/* The answer: unicast via dev 5 (answers are flagged cloned). */
	nlh = newroute(&buf, AF_INET, "10.2.0.9", 32, RTN_UNICAST, RT_TABLE_MAIN);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_flags |= RTM_F_CLONED;
	mnl_attr_put_u32(nlh, RTA_OIF, 5);
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), 5);
	assert_int_equal(plen, 32);
	/* A fib_match answer: the route that matched, its prefix length. */
	nlh = newroute(&buf, AF_INET, "10.2.0.0", 16, RTN_UNICAST, 200);
	mnl_attr_put_u32(nlh, RTA_OIF, 11);
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), 11);
	assert_int_equal(plen, 16);
	/* Local, unreachable: no path (and no prefix length). */
	nlh = newroute(&buf, AF_INET, "10.0.0.1", 32, RTN_LOCAL, RT_TABLE_LOCAL);
	mnl_attr_put_u32(nlh, RTA_OIF, 1);
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), 0);
	assert_int_equal(plen, 0);
	nlh = errmsg(&buf, -ENETUNREACH);
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), 0);
	nlh = errmsg(&buf, -EXDEV);	/* rp_filter */
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), 0);
	/* Transient errors, ACKs and garbage say nothing. */
	nlh = errmsg(&buf, -ENOBUFS);
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), -1);
	nlh = errmsg(&buf, 0);
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), -1);
	nlh = errmsg(&buf, INT_MIN);
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), -1);
	nlh = errmsg(&buf, -ENETUNREACH);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 2;	/* no room for the error */
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), -1);
	/* Malformed answers: a short RTA_OIF, truncated, a deletion. */
	nlh = newroute(&buf, AF_INET, "10.2.0.9", 32, RTN_UNICAST, RT_TABLE_MAIN);
	mnl_attr_put_u16(nlh, RTA_OIF, 5);
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), -1);
	nlh = newroute(&buf, AF_INET, "10.2.0.9", 32, RTN_UNICAST, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_OIF, 5);
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len - 1, &plen), -1);
	nlh->nlmsg_type = RTM_DELROUTE;
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), -1);
	nlh = newroute(&buf, AF_INET, "10.2.0.9", 33, RTN_UNICAST, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_OIF, 5);
	assert_int_equal(ct_lookup_parse(nlh, nlh->nlmsg_len, &plen), -1);
}

/* The host's kernel answers a lookup for the default route's world. */
static void test_lookup_kernel(void **state)
{
	struct ct_lookup *l;
	struct ct_rtkey keys[2] = { key4(NULL, "127.0.0.1", 0, 0),
				    key4("192.0.2.7", "198.51.100.1", 0x7ffffff0, 0) };
	int32_t ans[2];
	uint8_t plen[2];
	int r = ct_lookup_open(&l);

	if (r < 0) {
		printf("# no rtnetlink here (%s): skipped\n", strerror(-r));
		skip();
	}
	assert_int_equal(ct_lookup_kernel(l, keys, ans, plen, 2), 0);
	/* Loopback is local: no path; no such input device (ENODEV): no path. */
	assert_int_equal(ans[0], 0);
	assert_int_equal(ans[1], 0);
	ct_lookup_close(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_parse),
		cmocka_unit_test(test_lookup_build),
		cmocka_unit_test(test_lookup_parse),
		cmocka_unit_test(test_lookup_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
