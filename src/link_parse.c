// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * RTM_NEWLINK -> struct link, for every device kind flowd cares about.
 *
 * Tunnel parameters come from IFLA_LINKINFO/IFLA_INFO_DATA, which carries
 * IFLA_IPTUN_* for ipip, sit and ip6tnl and IFLA_GRE_* for gre and ip6gre.
 * Both attribute sets map onto the same struct tunnel_params through one
 * table per set, so a single parser covers all five kinds.  Every attribute
 * flowd reads has its size checked first: a malformed message is rejected
 * as a whole rather than half-read.
 */
#include <arpa/inet.h>
#include <net/if.h>		/* before <linux/if*.h>: glibc and uapi clash otherwise */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/if_tunnel.h>
#include <linux/rtnetlink.h>

#include "link_parse.h"
#include "nlattr_util.h"
#include "tunnel_kind.h"

/* The struct tunnel_params member an INFO_DATA attribute lands in. */
enum tun_field {
	TF_NONE = 0,		/* known to the kernel, ignored by flowd */
	TF_LINK,
	TF_LOCAL,
	TF_REMOTE,
	TF_TTL,
	TF_TOS,
	TF_PMTUDISC,
	TF_ENCAP_LIMIT,
	TF_FLOWINFO,
	TF_FLAGS,
	TF_PROTO,
	TF_FWMARK,
	TF_COLLECT_MD,
	TF_IFLAGS,
	TF_OFLAGS,
	TF_IKEY,
	TF_OKEY,
};

/* ipip, sit, ip6tnl (kernel: ipip_fill_info, ipip6_fill_info, ip6_tnl_fill_info). */
static const enum tun_field iptun_fields[IFLA_IPTUN_MAX + 1] = {
	[IFLA_IPTUN_LINK] = TF_LINK,
	[IFLA_IPTUN_LOCAL] = TF_LOCAL,
	[IFLA_IPTUN_REMOTE] = TF_REMOTE,
	[IFLA_IPTUN_TTL] = TF_TTL,
	[IFLA_IPTUN_TOS] = TF_TOS,
	[IFLA_IPTUN_ENCAP_LIMIT] = TF_ENCAP_LIMIT,
	[IFLA_IPTUN_FLOWINFO] = TF_FLOWINFO,
	[IFLA_IPTUN_FLAGS] = TF_FLAGS,
	[IFLA_IPTUN_PROTO] = TF_PROTO,
	[IFLA_IPTUN_PMTUDISC] = TF_PMTUDISC,
	[IFLA_IPTUN_COLLECT_METADATA] = TF_COLLECT_MD,
	[IFLA_IPTUN_FWMARK] = TF_FWMARK,
};

/* gre, ip6gre (kernel: ipgre_fill_info, ip6gre_fill_info). */
static const enum tun_field gre_fields[IFLA_GRE_MAX + 1] = {
	[IFLA_GRE_LINK] = TF_LINK,
	[IFLA_GRE_IFLAGS] = TF_IFLAGS,
	[IFLA_GRE_OFLAGS] = TF_OFLAGS,
	[IFLA_GRE_IKEY] = TF_IKEY,
	[IFLA_GRE_OKEY] = TF_OKEY,
	[IFLA_GRE_LOCAL] = TF_LOCAL,
	[IFLA_GRE_REMOTE] = TF_REMOTE,
	[IFLA_GRE_TTL] = TF_TTL,
	[IFLA_GRE_TOS] = TF_TOS,
	[IFLA_GRE_PMTUDISC] = TF_PMTUDISC,
	[IFLA_GRE_ENCAP_LIMIT] = TF_ENCAP_LIMIT,
	[IFLA_GRE_FLOWINFO] = TF_FLOWINFO,
	[IFLA_GRE_FLAGS] = TF_FLAGS,
	[IFLA_GRE_COLLECT_METADATA] = TF_COLLECT_MD,
	[IFLA_GRE_FWMARK] = TF_FWMARK,
};

/*
 * The kinds that are not a layer 3 tunnel: those come from the tunnel kind
 * table (tunnel_kind.h), so a kind flowd accelerates is named only there.
 */
static const struct other_kind {
	const char *kind;		/* IFLA_INFO_KIND */
	enum link_type type;
} other_kinds[] = {
	{ "gretap", LINK_TYPE_L2_TUNNEL },
	{ "ip6gretap", LINK_TYPE_L2_TUNNEL },
	{ "erspan", LINK_TYPE_L2_TUNNEL },
	{ "ip6erspan", LINK_TYPE_L2_TUNNEL },
	{ "vlan", LINK_TYPE_VLAN },
	{ "bridge", LINK_TYPE_BRIDGE },
	{ "ppp", LINK_TYPE_PPP },
	{ "vrf", LINK_TYPE_VRF },
};

enum link_type link_type_from_kind(const char *kind)
{
	if (kind == NULL)
		return LINK_TYPE_OTHER;
	if (tunnel_kind_by_name(kind) != NULL)
		return LINK_TYPE_TUNNEL;
	for (size_t i = 0; i < sizeof(other_kinds) / sizeof(other_kinds[0]); i++)
		if (strcmp(other_kinds[i].kind, kind) == 0)
			return other_kinds[i].type;
	return LINK_TYPE_OTHER;
}

/* A NUL-terminated string that fits in size bytes, NUL included. */
static int attr_strcpy(const struct nlattr *attr, char *dst, size_t size)
{
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
		return -1;
	if (mnl_attr_get_payload_len(attr) > size) {
		errno = ERANGE;
		return -1;
	}
	/* The payload may hold padding NULs past the terminator. */
	snprintf(dst, size, "%s", mnl_attr_get_str(attr));
	return 0;
}

static size_t family_addr_len(int family)
{
	return family == AF_INET6 ? sizeof(struct in6_addr) : sizeof(struct in_addr);
}

static int tun_set_addr(const struct nlattr *attr, int family, struct addr *dst)
{
	size_t alen = family_addr_len(family);

	if (nlattr_len_is(attr, alen) < 0)
		return -1;
	memcpy(dst->bytes, mnl_attr_get_payload(attr), alen);
	/* All zeroes is how the kernel says "any" / "not point-to-point". */
	if (family == AF_INET ? dst->v4.s_addr != INADDR_ANY : !IN6_IS_ADDR_UNSPECIFIED(&dst->v6))
		dst->family = family;
	else
		memset(dst, 0, sizeof(*dst));
	return 0;
}

static int tun_set_field(enum tun_field field, const struct nlattr *attr, struct tunnel_params *tp)
{
	bool v6 = tp->outer_family == AF_INET6;
	uint32_t u32;

	switch (field) {
	case TF_NONE:
		return 0;
	case TF_LOCAL:
		return tun_set_addr(attr, tp->outer_family, &tp->local);
	case TF_REMOTE:
		return tun_set_addr(attr, tp->outer_family, &tp->remote);
	case TF_TTL:
	case TF_TOS:
	case TF_PMTUDISC:
	case TF_ENCAP_LIMIT:
	case TF_PROTO:
		if (nlattr_len_is(attr, 1) < 0)
			return -1;
		break;
	case TF_LINK:
	case TF_FLOWINFO:
	case TF_FWMARK:
	case TF_IKEY:
	case TF_OKEY:
		if (nlattr_len_is(attr, 4) < 0)
			return -1;
		break;
	case TF_IFLAGS:
	case TF_OFLAGS:
		if (nlattr_len_is(attr, 2) < 0)
			return -1;
		break;
	case TF_FLAGS:
		/* sit sends a u16 (SIT_ISATAP), ip6tnl and ip6gre a u32 (IP6_TNL_F_*). */
		if (mnl_attr_get_payload_len(attr) != 2 && mnl_attr_get_payload_len(attr) != 4) {
			errno = ERANGE;
			return -1;
		}
		break;
	case TF_COLLECT_MD:
		if (nlattr_len_is(attr, 0) < 0)
			return -1;
		break;
	}

	switch (field) {
	case TF_NONE:
	case TF_LOCAL:
	case TF_REMOTE:
		break;
	case TF_LINK:
		u32 = mnl_attr_get_u32(attr);
		tp->link_ifindex = u32 <= INT_MAX ? (int)u32 : 0;
		break;
	case TF_TTL:
		/* One attribute for both: the IPv6 kinds report their hop limit. */
		if (v6)
			tp->hop_limit = mnl_attr_get_u8(attr);
		else
			tp->ttl = mnl_attr_get_u8(attr);
		break;
	case TF_TOS:
		tp->tos = mnl_attr_get_u8(attr);
		break;
	case TF_PMTUDISC:
		tp->pmtudisc = mnl_attr_get_u8(attr) != 0;
		break;
	case TF_ENCAP_LIMIT:
		tp->encap_limit = mnl_attr_get_u8(attr);
		break;
	case TF_FLOWINFO:
		tp->flowinfo = mnl_attr_get_u32(attr);
		break;
	case TF_FLAGS:
		if (mnl_attr_get_payload_len(attr) == 2)
			tp->flags = mnl_attr_get_u16(attr);
		else
			tp->flags = mnl_attr_get_u32(attr);
		break;
	case TF_PROTO:
		tp->proto = mnl_attr_get_u8(attr);
		break;
	case TF_FWMARK:
		tp->fwmark = mnl_attr_get_u32(attr);
		break;
	case TF_COLLECT_MD:
		tp->collect_md = true;
		break;
	case TF_IFLAGS:
		tp->iflags = ntohs(mnl_attr_get_u16(attr));
		break;
	case TF_OFLAGS:
		tp->oflags = ntohs(mnl_attr_get_u16(attr));
		break;
	case TF_IKEY:
		tp->ikey = mnl_attr_get_u32(attr);
		break;
	case TF_OKEY:
		tp->okey = mnl_attr_get_u32(attr);
		break;
	}
	return 0;
}

static int parse_tunnel_data(const struct tunnel_kind_info *tk, const struct nlattr *data,
			     struct tunnel_params *tp)
{
	const struct nlattr *tb[(IFLA_IPTUN_MAX > IFLA_GRE_MAX ? IFLA_IPTUN_MAX : IFLA_GRE_MAX) + 1];
	bool gre_attrs = tk->attrs == TUNNEL_ATTRS_GRE;
	const enum tun_field *fields = gre_attrs ? gre_fields : iptun_fields;
	uint16_t max = gre_attrs ? IFLA_GRE_MAX : IFLA_IPTUN_MAX;

	tp->kind = tk->kind;
	tp->outer_family = tk->outer_family;
	/* The kernel's default, for an older kernel that leaves the mode out. */
	tp->proto = tk->default_proto;
	if (data == NULL)
		return 0;
	if (nlattr_nested_table(data, tb, max) < 0)
		return -1;
	for (uint16_t type = 1; type <= max; type++)
		if (tb[type] != NULL && tun_set_field(fields[type], tb[type], tp) < 0)
			return -1;
	return 0;
}

static int parse_vlan_data(const struct nlattr *data, struct link *out)
{
	const struct nlattr *tb[IFLA_VLAN_MAX + 1];

	out->vlan_proto = ETH_P_8021Q;
	if (data == NULL)
		return 0;
	if (nlattr_nested_table(data, tb, IFLA_VLAN_MAX) < 0)
		return -1;
	if (tb[IFLA_VLAN_ID] != NULL) {
		if (nlattr_len_is(tb[IFLA_VLAN_ID], 2) < 0)
			return -1;
		out->vlan_id = mnl_attr_get_u16(tb[IFLA_VLAN_ID]);
	}
	if (tb[IFLA_VLAN_PROTOCOL] != NULL) {
		if (nlattr_len_is(tb[IFLA_VLAN_PROTOCOL], 2) < 0)
			return -1;
		out->vlan_proto = ntohs(mnl_attr_get_u16(tb[IFLA_VLAN_PROTOCOL]));
	}
	return 0;
}

static int parse_linkinfo(const struct nlattr *linkinfo, struct link *out)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1];

	if (nlattr_nested_table(linkinfo, tb, IFLA_INFO_MAX) < 0)
		return -1;
	if (tb[IFLA_INFO_KIND] == NULL)
		return 0;
	if (attr_strcpy(tb[IFLA_INFO_KIND], out->kind, sizeof(out->kind)) < 0)
		return -1;
	out->type = link_type_from_kind(out->kind);
	if (out->type == LINK_TYPE_OTHER)
		return 0;
	if (tb[IFLA_INFO_DATA] != NULL && mnl_attr_validate(tb[IFLA_INFO_DATA], MNL_TYPE_NESTED) < 0)
		return -1;
	switch (out->type) {
	case LINK_TYPE_TUNNEL:
		return parse_tunnel_data(tunnel_kind_by_name(out->kind), tb[IFLA_INFO_DATA],
					 &out->tun);
	case LINK_TYPE_VLAN:
		return parse_vlan_data(tb[IFLA_INFO_DATA], out);
	default:
		return 0;
	}
}

static int get_ifindex_attr(const struct nlattr *attr, int *out)
{
	uint32_t v;

	if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return -1;
	v = mnl_attr_get_u32(attr);
	*out = v <= INT_MAX ? (int)v : 0;
	return 0;
}

static int parse_link(const struct nlmsghdr *nlh, struct link *out)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	size_t hdrlen = MNL_ALIGN(sizeof(*ifi));
	int lower = 0;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < MNL_NLMSG_HDRLEN + hdrlen) {
		errno = EINVAL;
		return -1;
	}
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index <= 0) {
		errno = EINVAL;
		return -1;
	}
	out->ifindex = ifi->ifi_index;
	out->up = (ifi->ifi_flags & IFF_UP) != 0;

	if (nlattr_msg_table(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return -1;
	if (tb[IFLA_IFNAME] == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (attr_strcpy(tb[IFLA_IFNAME], out->name, sizeof(out->name)) < 0)
		return -1;
	if (out->name[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	if (tb[IFLA_MASTER] != NULL && get_ifindex_attr(tb[IFLA_MASTER], &out->master_ifindex) < 0)
		return -1;
	if (tb[IFLA_LINK] != NULL && get_ifindex_attr(tb[IFLA_LINK], &lower) < 0)
		return -1;
	if (tb[IFLA_LINKINFO] != NULL) {
		if (mnl_attr_validate(tb[IFLA_LINKINFO], MNL_TYPE_NESTED) < 0)
			return -1;
		if (parse_linkinfo(tb[IFLA_LINKINFO], out) < 0)
			return -1;
	}
	/* pppd's units may predate IFLA_INFO_KIND "ppp" (Linux 4.7). */
	if (out->type == LINK_TYPE_OTHER && out->kind[0] == '\0' && ifi->ifi_type == ARPHRD_PPP)
		out->type = LINK_TYPE_PPP;

	/*
	 * IFLA_LINK names the parent of a VLAN (and of a PPP unit, should a
	 * kernel ever report one).  With IFLA_LINK_NETNSID the parent lives in
	 * another namespace and its ifindex means nothing here.  A device is
	 * never its own parent (the kernel omits IFLA_LINK when iflink ==
	 * ifindex; be safe anyway).
	 */
	if (tb[IFLA_LINK_NETNSID] != NULL || lower == out->ifindex)
		lower = 0;
	if (out->type == LINK_TYPE_VLAN || out->type == LINK_TYPE_PPP)
		out->lower_ifindex = lower;
	return 0;
}

int link_parse(const struct nlmsghdr *nlh, struct link *out)
{
	memset(out, 0, sizeof(*out));
	if (parse_link(nlh, out) < 0) {
		int saved = errno;

		memset(out, 0, sizeof(*out));
		errno = saved;
		return -1;
	}
	return 0;
}
