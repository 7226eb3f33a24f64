// SPDX-License-Identifier: GPL-2.0-or-later
/* link_parse(): hand-built RTM_NEWLINK messages, valid and malformed. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "nlmsg_build.h"

#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/ip6_tunnel.h>

#include "link_parse.h"

static void assert_addr4(const struct addr *a, const char *text)
{
	assert_int_equal(a->family, AF_INET);
	assert_int_equal(a->v4.s_addr, in4(text));
}

static void assert_addr6(const struct addr *a, const char *text)
{
	struct in6_addr want;

	assert_int_equal(inet_pton(AF_INET6, text, &want), 1);
	assert_int_equal(a->family, AF_INET6);
	assert_memory_equal(&a->v6, &want, sizeof(want));
}

static void test_ipip(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 5, "tun0", IFF_UP | IFF_POINTOPOINT);
	struct nlattr *li, *data;
	struct link l;

	mnl_attr_put_u32(nlh, IFLA_LINK, 3);
	li = nl_linkinfo_begin(nlh, "ipip", &data);
	mnl_attr_put_u32(nlh, IFLA_IPTUN_LINK, 3);
	nl_put_in4(nlh, IFLA_IPTUN_LOCAL, "192.0.2.1");
	nl_put_in4(nlh, IFLA_IPTUN_REMOTE, "198.51.100.2");
	mnl_attr_put_u8(nlh, IFLA_IPTUN_TTL, 64);
	mnl_attr_put_u8(nlh, IFLA_IPTUN_TOS, 1);
	mnl_attr_put_u8(nlh, IFLA_IPTUN_PMTUDISC, 1);
	mnl_attr_put_u8(nlh, IFLA_IPTUN_PROTO, IPPROTO_IPIP);
	mnl_attr_put_u32(nlh, IFLA_IPTUN_FWMARK, 0x42);
	mnl_attr_put_u16(nlh, IFLA_IPTUN_ENCAP_TYPE, 0);	/* known, ignored */
	nl_linkinfo_end(nlh, li, data);

	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.ifindex, 5);
	assert_string_equal(l.name, "tun0");
	assert_string_equal(l.kind, "ipip");
	assert_int_equal(l.type, LINK_TYPE_TUNNEL);
	assert_true(l.up);
	assert_int_equal(l.lower_ifindex, 0);	/* IFLA_LINK of a tunnel is tun.link_ifindex */
	assert_int_equal(l.master_ifindex, 0);
	assert_int_equal(l.tun.kind, TUNNEL_KIND_IPIP);
	assert_int_equal(l.tun.outer_family, AF_INET);
	assert_int_equal(l.tun.link_ifindex, 3);
	assert_addr4(&l.tun.local, "192.0.2.1");
	assert_addr4(&l.tun.remote, "198.51.100.2");
	assert_int_equal(l.tun.ttl, 64);
	assert_int_equal(l.tun.tos, 1);
	assert_true(l.tun.pmtudisc);
	assert_int_equal(l.tun.proto, IPPROTO_IPIP);
	assert_int_equal(l.tun.fwmark, 0x42);
	assert_false(l.tun.collect_md);
}

static void test_ipip_any_remote_is_unset(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 6, "tunl0", 0);
	struct nlattr *li, *data;
	struct link l;

	li = nl_linkinfo_begin(nlh, "ipip", &data);
	nl_put_in4(nlh, IFLA_IPTUN_LOCAL, "0.0.0.0");
	nl_put_in4(nlh, IFLA_IPTUN_REMOTE, "0.0.0.0");
	nl_linkinfo_end(nlh, li, data);

	assert_int_equal(link_parse(nlh, &l), 0);
	assert_false(l.up);
	assert_int_equal(l.tun.local.family, 0);
	assert_int_equal(l.tun.remote.family, 0);
}

static void test_sit_records_proto(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 7, "sit1", IFF_UP);
	struct nlattr *li, *data;
	struct link l;

	/* No PROTO attribute: sit's default is IPv6 in IPv4. */
	li = nl_linkinfo_begin(nlh, "sit", &data);
	nl_put_in4(nlh, IFLA_IPTUN_REMOTE, "203.0.113.9");
	mnl_attr_put_u16(nlh, IFLA_IPTUN_FLAGS, 0);	/* sit sends a u16 */
	nl_linkinfo_end(nlh, li, data);
	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.type, LINK_TYPE_TUNNEL);
	assert_int_equal(l.tun.kind, TUNNEL_KIND_SIT);
	assert_int_equal(l.tun.outer_family, AF_INET);
	assert_int_equal(l.tun.proto, IPPROTO_IPV6);
	assert_addr4(&l.tun.remote, "203.0.113.9");

	/* "mode any": PROTO 0. */
	nlh = nl_newlink(&buf, 7, "sit1", IFF_UP);
	li = nl_linkinfo_begin(nlh, "sit", &data);
	mnl_attr_put_u8(nlh, IFLA_IPTUN_PROTO, 0);
	nl_linkinfo_end(nlh, li, data);
	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.tun.proto, 0);
}

static struct nlmsghdr *build_ip6tnl(union nlbuf *buf, uint8_t proto)
{
	struct nlmsghdr *nlh = nl_newlink(buf, 8, "ip6t0", IFF_UP);
	struct nlattr *li, *data;

	li = nl_linkinfo_begin(nlh, "ip6tnl", &data);
	mnl_attr_put_u32(nlh, IFLA_IPTUN_LINK, 4);
	nl_put_in6(nlh, IFLA_IPTUN_LOCAL, "2001:db8::1");
	nl_put_in6(nlh, IFLA_IPTUN_REMOTE, "2001:db8:1::2");
	mnl_attr_put_u8(nlh, IFLA_IPTUN_TTL, 63);
	mnl_attr_put_u8(nlh, IFLA_IPTUN_ENCAP_LIMIT, 4);
	mnl_attr_put_u32(nlh, IFLA_IPTUN_FLOWINFO, htonl(0x00012345));
	mnl_attr_put_u32(nlh, IFLA_IPTUN_FLAGS, IP6_TNL_F_IGN_ENCAP_LIMIT);
	mnl_attr_put_u8(nlh, IFLA_IPTUN_PROTO, proto);
	mnl_attr_put_u32(nlh, IFLA_IPTUN_FWMARK, 7);
	nl_linkinfo_end(nlh, li, data);
	return nlh;
}

static void test_ip6tnl_ip6ip6(void **state)
{
	union nlbuf buf;
	struct link l;

	assert_int_equal(link_parse(build_ip6tnl(&buf, IPPROTO_IPV6), &l), 0);
	assert_string_equal(l.kind, "ip6tnl");
	assert_int_equal(l.type, LINK_TYPE_TUNNEL);
	assert_int_equal(l.tun.kind, TUNNEL_KIND_IP6TNL);
	assert_int_equal(l.tun.outer_family, AF_INET6);
	assert_int_equal(l.tun.link_ifindex, 4);
	assert_addr6(&l.tun.local, "2001:db8::1");
	assert_addr6(&l.tun.remote, "2001:db8:1::2");
	assert_int_equal(l.tun.hop_limit, 63);
	assert_int_equal(l.tun.ttl, 0);
	assert_int_equal(l.tun.encap_limit, 4);
	assert_int_equal(l.tun.flowinfo, htonl(0x00012345));
	assert_int_equal(l.tun.flags, IP6_TNL_F_IGN_ENCAP_LIMIT);
	assert_int_equal(l.tun.proto, IPPROTO_IPV6);
	assert_int_equal(l.tun.fwmark, 7);
}

static void test_ip6tnl_ipip6(void **state)
{
	union nlbuf buf;
	struct link l;

	assert_int_equal(link_parse(build_ip6tnl(&buf, IPPROTO_IPIP), &l), 0);
	assert_int_equal(l.tun.kind, TUNNEL_KIND_IP6TNL);
	assert_int_equal(l.tun.proto, IPPROTO_IPIP);
}

static void test_gre_keys_and_csum(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 9, "gre1", IFF_UP);
	struct nlattr *li, *data;
	struct link l;

	li = nl_linkinfo_begin(nlh, "gre", &data);
	mnl_attr_put_u32(nlh, IFLA_GRE_LINK, 0);
	mnl_attr_put_u16(nlh, IFLA_GRE_IFLAGS, GRE_KEY | GRE_CSUM);
	mnl_attr_put_u16(nlh, IFLA_GRE_OFLAGS, GRE_KEY | GRE_SEQ);
	mnl_attr_put_u32(nlh, IFLA_GRE_IKEY, htonl(42));
	mnl_attr_put_u32(nlh, IFLA_GRE_OKEY, htonl(43));
	nl_put_in4(nlh, IFLA_GRE_LOCAL, "192.0.2.1");
	nl_put_in4(nlh, IFLA_GRE_REMOTE, "192.0.2.77");
	mnl_attr_put_u8(nlh, IFLA_GRE_TTL, 0);
	mnl_attr_put_u8(nlh, IFLA_GRE_TOS, 0x10);
	mnl_attr_put_u8(nlh, IFLA_GRE_PMTUDISC, 0);
	mnl_attr_put_u8(nlh, IFLA_GRE_IGNORE_DF, 0);	/* known, ignored */
	nl_linkinfo_end(nlh, li, data);

	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.type, LINK_TYPE_TUNNEL);
	assert_int_equal(l.tun.kind, TUNNEL_KIND_GRE);
	assert_int_equal(l.tun.outer_family, AF_INET);
	assert_int_equal(l.tun.iflags, ntohs(GRE_KEY | GRE_CSUM));
	assert_int_equal(l.tun.oflags, ntohs(GRE_KEY | GRE_SEQ));
	assert_int_equal(l.tun.ikey, htonl(42));
	assert_int_equal(l.tun.okey, htonl(43));
	assert_addr4(&l.tun.local, "192.0.2.1");
	assert_addr4(&l.tun.remote, "192.0.2.77");
	assert_int_equal(l.tun.tos, 0x10);
	assert_false(l.tun.pmtudisc);
	assert_int_equal(l.tun.link_ifindex, 0);
}

static void test_ip6gre(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 10, "g6", IFF_UP);
	struct nlattr *li, *data;
	struct link l;

	li = nl_linkinfo_begin(nlh, "ip6gre", &data);
	mnl_attr_put_u16(nlh, IFLA_GRE_IFLAGS, 0);
	mnl_attr_put_u16(nlh, IFLA_GRE_OFLAGS, GRE_KEY);
	mnl_attr_put_u32(nlh, IFLA_GRE_OKEY, htonl(5));
	nl_put_in6(nlh, IFLA_GRE_LOCAL, "2001:db8::1");
	nl_put_in6(nlh, IFLA_GRE_REMOTE, "2001:db8::2");
	mnl_attr_put_u8(nlh, IFLA_GRE_TTL, 64);
	mnl_attr_put_u8(nlh, IFLA_GRE_ENCAP_LIMIT, 0);
	mnl_attr_put_u32(nlh, IFLA_GRE_FLOWINFO, 0);
	mnl_attr_put_u32(nlh, IFLA_GRE_FLAGS, IP6_TNL_F_USE_ORIG_TCLASS);
	mnl_attr_put_u32(nlh, IFLA_GRE_FWMARK, 9);
	nl_linkinfo_end(nlh, li, data);

	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.tun.kind, TUNNEL_KIND_IP6GRE);
	assert_int_equal(l.tun.outer_family, AF_INET6);
	assert_addr6(&l.tun.remote, "2001:db8::2");
	assert_int_equal(l.tun.hop_limit, 64);
	assert_int_equal(l.tun.oflags, ntohs(GRE_KEY));
	assert_int_equal(l.tun.okey, htonl(5));
	assert_int_equal(l.tun.flags, IP6_TNL_F_USE_ORIG_TCLASS);
	assert_int_equal(l.tun.fwmark, 9);
	assert_false(l.tun.collect_md);
}

static void test_collect_md(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 11, "ip6gre-ext", IFF_UP);
	struct nlattr *li, *data;
	struct link l;

	li = nl_linkinfo_begin(nlh, "ip6gre", &data);
	mnl_attr_put(nlh, IFLA_GRE_COLLECT_METADATA, 0, NULL);
	nl_linkinfo_end(nlh, li, data);
	assert_int_equal(link_parse(nlh, &l), 0);
	assert_true(l.tun.collect_md);

	nlh = nl_newlink(&buf, 12, "ipip-ext", IFF_UP);
	li = nl_linkinfo_begin(nlh, "ipip", &data);
	mnl_attr_put(nlh, IFLA_IPTUN_COLLECT_METADATA, 0, NULL);
	nl_linkinfo_end(nlh, li, data);
	assert_int_equal(link_parse(nlh, &l), 0);
	assert_true(l.tun.collect_md);
	assert_int_equal(l.tun.remote.family, 0);
}

static void test_vlan(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 20, "eth1.100", IFF_UP);
	struct nlattr *li, *data;
	struct link l;

	mnl_attr_put_u32(nlh, IFLA_LINK, 3);
	li = nl_linkinfo_begin(nlh, "vlan", &data);
	mnl_attr_put_u16(nlh, IFLA_VLAN_ID, 100);
	mnl_attr_put_u16(nlh, IFLA_VLAN_PROTOCOL, htons(0x88a8));
	nl_linkinfo_end(nlh, li, data);

	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.type, LINK_TYPE_VLAN);
	assert_int_equal(l.lower_ifindex, 3);
	assert_int_equal(l.vlan_id, 100);
	assert_int_equal(l.vlan_proto, 0x88a8);
}

static void test_vlan_lower_in_other_netns(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 20, "eth1.100", IFF_UP);
	struct nlattr *li, *data;
	struct link l;

	mnl_attr_put_u32(nlh, IFLA_LINK, 3);
	mnl_attr_put_u32(nlh, IFLA_LINK_NETNSID, 0);
	li = nl_linkinfo_begin(nlh, "vlan", &data);
	mnl_attr_put_u16(nlh, IFLA_VLAN_ID, 100);
	nl_linkinfo_end(nlh, li, data);

	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.type, LINK_TYPE_VLAN);
	assert_int_equal(l.lower_ifindex, 0);
	assert_int_equal(l.vlan_proto, 0x8100);
}

static void test_bridge_and_port(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 30, "br0", IFF_UP);
	struct nlattr *li;
	struct link l;

	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.type, LINK_TYPE_BRIDGE);

	/* A plain port: no IFLA_LINKINFO at all, only IFLA_MASTER. */
	nlh = nl_newlink(&buf, 31, "eth2", IFF_UP);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 30);
	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.type, LINK_TYPE_OTHER);
	assert_string_equal(l.kind, "");
	assert_int_equal(l.master_ifindex, 30);
}

static void test_ppp(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 40, "ppp0", IFF_UP);
	struct nlattr *li;
	struct ifinfomsg *ifi;
	struct link l;

	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "ppp");
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.type, LINK_TYPE_PPP);
	assert_int_equal(l.lower_ifindex, 0);

	/* An old kernel's unit: no kind, only ARPHRD_PPP. */
	nlh = nl_newlink(&buf, 41, "ppp1", IFF_UP);
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_type = ARPHRD_PPP;
	assert_int_equal(link_parse(nlh, &l), 0);
	assert_int_equal(l.type, LINK_TYPE_PPP);
}

static void test_l2_tunnels_and_unknown_kinds(void **state)
{
	static const struct {
		const char *kind;
		enum link_type type;
	} cases[] = {
		{ "gretap", LINK_TYPE_L2_TUNNEL },
		{ "ip6gretap", LINK_TYPE_L2_TUNNEL },
		{ "erspan", LINK_TYPE_L2_TUNNEL },
		{ "ip6erspan", LINK_TYPE_L2_TUNNEL },
		{ "wireguard", LINK_TYPE_OTHER },
		{ "veth", LINK_TYPE_OTHER },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		union nlbuf buf;
		struct nlmsghdr *nlh = nl_newlink(&buf, 50, "x0", IFF_UP);
		struct nlattr *li, *data;
		struct link l;

		mnl_attr_put_u32(nlh, IFLA_LINK, 3);
		li = nl_linkinfo_begin(nlh, cases[i].kind, &data);
		mnl_attr_put_u32(nlh, 1, 1);
		nl_linkinfo_end(nlh, li, data);
		assert_int_equal(link_parse(nlh, &l), 0);
		assert_string_equal(l.kind, cases[i].kind);
		assert_int_equal(l.type, cases[i].type);
		assert_int_equal(l.lower_ifindex, 0);
	}
}

static void test_kind_helpers(void **state)
{
	assert_int_equal(link_type_from_kind("ipip"), LINK_TYPE_TUNNEL);
	assert_int_equal(link_type_from_kind("ip6gre"), LINK_TYPE_TUNNEL);
	assert_int_equal(link_type_from_kind("gretap"), LINK_TYPE_L2_TUNNEL);
	assert_int_equal(link_type_from_kind(NULL), LINK_TYPE_OTHER);
	assert_int_equal(link_type_from_kind("vlan"), LINK_TYPE_VLAN);
	assert_int_equal(link_type_from_kind("dummy"), LINK_TYPE_OTHER);
}

/* --- malformed input: a clean -1, never a crash --- */

static void test_rejects_truncated_attribute(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 5, "tun0", IFF_UP);
	struct link l;

	mnl_attr_put_u32(nlh, IFLA_MASTER, 30);
	/* Cut the message in the middle of the last attribute. */
	nlh->nlmsg_len -= 2;
	assert_int_equal(link_parse(nlh, &l), -1);
	assert_int_equal(l.ifindex, 0);
	assert_string_equal(l.name, "");
}

static void test_rejects_wrong_remote_length(void **state)
{
	static const uint8_t six[6] = { 1, 2, 3, 4, 5, 6 };
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 5, "tun0", IFF_UP);
	struct nlattr *li, *data;
	struct link l;

	li = nl_linkinfo_begin(nlh, "ipip", &data);
	mnl_attr_put(nlh, IFLA_IPTUN_REMOTE, sizeof(six), six);
	nl_linkinfo_end(nlh, li, data);
	errno = 0;
	assert_int_equal(link_parse(nlh, &l), -1);
	assert_int_equal(errno, ERANGE);

	/* An IPv4-sized remote on an IPv6 tunnel is just as wrong. */
	nlh = nl_newlink(&buf, 5, "ip6t0", IFF_UP);
	li = nl_linkinfo_begin(nlh, "ip6tnl", &data);
	nl_put_in4(nlh, IFLA_IPTUN_REMOTE, "192.0.2.1");
	nl_linkinfo_end(nlh, li, data);
	assert_int_equal(link_parse(nlh, &l), -1);
}

static void test_rejects_wrong_scalar_sizes(void **state)
{
	static const uint16_t types[] = { IFLA_IPTUN_LINK, IFLA_IPTUN_TTL, IFLA_IPTUN_FLAGS,
					  IFLA_IPTUN_FWMARK, IFLA_IPTUN_COLLECT_METADATA };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		static const uint8_t three[3] = { 1, 2, 3 };
		union nlbuf buf;
		struct nlmsghdr *nlh = nl_newlink(&buf, 5, "tun0", IFF_UP);
		struct nlattr *li, *data;
		struct link l;

		li = nl_linkinfo_begin(nlh, "ipip", &data);
		mnl_attr_put(nlh, types[i], sizeof(three), three);
		nl_linkinfo_end(nlh, li, data);
		assert_int_equal(link_parse(nlh, &l), -1);
	}
}

static void test_rejects_info_data_garbage(void **state)
{
	static const uint8_t garbage[7] = { 0xff, 0xff, 0x01, 0x00, 0xde, 0xad, 0xbe };
	union nlbuf buf;
	struct nlmsghdr *nlh = nl_newlink(&buf, 5, "tun0", IFF_UP);
	struct nlattr *li;
	struct link l;

	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "gre");
	mnl_attr_put(nlh, IFLA_INFO_DATA, sizeof(garbage), garbage);
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(link_parse(nlh, &l), -1);

	/* INFO_DATA shorter than one attribute header. */
	nlh = nl_newlink(&buf, 5, "tun0", IFF_UP);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "gre");
	mnl_attr_put(nlh, IFLA_INFO_DATA, 2, garbage);
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(link_parse(nlh, &l), -1);

	/* A VLAN id of the wrong size. */
	nlh = nl_newlink(&buf, 5, "v0", IFF_UP);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vlan");
	{
		struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);

		mnl_attr_put_u32(nlh, IFLA_VLAN_ID, 100);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(link_parse(nlh, &l), -1);
}

static void test_rejects_bad_headers_and_names(void **state)
{
	union nlbuf buf;
	struct nlmsghdr *nlh;
	struct link l;

	/* No name. */
	nlh = nl_newlink(&buf, 5, NULL, IFF_UP);
	assert_int_equal(link_parse(nlh, &l), -1);

	/* Not NUL-terminated. */
	nlh = nl_newlink(&buf, 5, NULL, IFF_UP);
	mnl_attr_put(nlh, IFLA_IFNAME, 4, "eth0");
	assert_int_equal(link_parse(nlh, &l), -1);

	/* Longer than IFNAMSIZ. */
	nlh = nl_newlink(&buf, 5, "a-name-far-too-long-for-linux", IFF_UP);
	assert_int_equal(link_parse(nlh, &l), -1);

	/* Empty name. */
	nlh = nl_newlink(&buf, 5, "", IFF_UP);
	assert_int_equal(link_parse(nlh, &l), -1);

	/* Wrong message type. */
	nlh = nl_newlink(&buf, 5, "eth0", IFF_UP);
	nlh->nlmsg_type = RTM_NEWROUTE;
	assert_int_equal(link_parse(nlh, &l), -1);

	/* Shorter than struct ifinfomsg. */
	nlh = nl_newlink(&buf, 5, "eth0", IFF_UP);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + 8;
	assert_int_equal(link_parse(nlh, &l), -1);

	/* Invalid ifindex. */
	nlh = nl_newlink(&buf, 0, "eth0", IFF_UP);
	assert_int_equal(link_parse(nlh, &l), -1);

	/* IFLA_MASTER of the wrong size. */
	nlh = nl_newlink(&buf, 5, "eth0", IFF_UP);
	mnl_attr_put_u16(nlh, IFLA_MASTER, 3);
	assert_int_equal(link_parse(nlh, &l), -1);

	/* IFLA_INFO_KIND longer than struct link's kind. */
	nlh = nl_newlink(&buf, 5, "eth0", IFF_UP);
	{
		struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

		mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "a-kind-name-too-long");
		mnl_attr_nest_end(nlh, li);
	}
	assert_int_equal(link_parse(nlh, &l), -1);
}

/* Every truncation and many byte flips of a rich message: never a crash (run under ASan). */
static void test_mutations_do_not_crash(void **state)
{
	union nlbuf orig, buf;
	struct nlmsghdr *nlh = nl_newlink(&orig, 9, "gre1", IFF_UP);
	struct nlattr *li, *data;
	uint32_t len, rnd = 12345;
	struct link l;
	int ok = 0;

	mnl_attr_put_u32(nlh, IFLA_MASTER, 2);
	li = nl_linkinfo_begin(nlh, "ip6gre", &data);
	mnl_attr_put_u16(nlh, IFLA_GRE_IFLAGS, GRE_KEY);
	mnl_attr_put_u32(nlh, IFLA_GRE_IKEY, 1);
	nl_put_in6(nlh, IFLA_GRE_LOCAL, "2001:db8::1");
	nl_put_in6(nlh, IFLA_GRE_REMOTE, "2001:db8::2");
	mnl_attr_put_u32(nlh, IFLA_GRE_FLAGS, 0);
	nl_linkinfo_end(nlh, li, data);
	len = nlh->nlmsg_len;

	for (uint32_t cut = 0; cut <= len; cut++) {
		memcpy(&buf, &orig, sizeof(buf));
		nlh = (struct nlmsghdr *)buf.b;
		nlh->nlmsg_len = cut;
		if (link_parse(nlh, &l) == 0)
			ok++;
	}
	assert_true(ok >= 1);	/* the full message at least */

	for (int round = 0; round < 20000; round++) {
		memcpy(&buf, &orig, sizeof(buf));
		nlh = (struct nlmsghdr *)buf.b;
		for (int flips = 0; flips < 3; flips++) {
			rnd = rnd * 1103515245u + 12345u;
			/* Keep nlmsg_len: it is the caller's promise about the buffer. */
			buf.b[4 + (rnd >> 8) % (len - 4)] ^= (char)(1u << ((rnd >> 4) & 7));
		}
		(void)link_parse(nlh, &l);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipip),
		cmocka_unit_test(test_ipip_any_remote_is_unset),
		cmocka_unit_test(test_sit_records_proto),
		cmocka_unit_test(test_ip6tnl_ip6ip6),
		cmocka_unit_test(test_ip6tnl_ipip6),
		cmocka_unit_test(test_gre_keys_and_csum),
		cmocka_unit_test(test_ip6gre),
		cmocka_unit_test(test_collect_md),
		cmocka_unit_test(test_vlan),
		cmocka_unit_test(test_vlan_lower_in_other_netns),
		cmocka_unit_test(test_bridge_and_port),
		cmocka_unit_test(test_ppp),
		cmocka_unit_test(test_l2_tunnels_and_unknown_kinds),
		cmocka_unit_test(test_kind_helpers),
		cmocka_unit_test(test_rejects_truncated_attribute),
		cmocka_unit_test(test_rejects_wrong_remote_length),
		cmocka_unit_test(test_rejects_wrong_scalar_sizes),
		cmocka_unit_test(test_rejects_info_data_garbage),
		cmocka_unit_test(test_rejects_bad_headers_and_names),
		cmocka_unit_test(test_mutations_do_not_crash),
	};

	return cmocka_run_group_tests_name("link_parse", tests, NULL, NULL);
}
