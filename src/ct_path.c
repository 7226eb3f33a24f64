// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Route messages for flow paths: parsing route events and lookup answers,
 * building the lookups.  Pure: the socket is ct_lookup.c's, the cache
 * ct_paths.c's.  flowd keeps no copy of any routing table: a route event
 * only says which prefix changed, and a path is whatever the kernel
 * answers for the flow's own lookup.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "ct.h"
#include "ct_int.h"
#include "nlattr_util.h"

static int get_u32(const struct nlattr *attr, uint32_t *v)
{
	if (attr == NULL)
		return 0;
	if (nlattr_len_is(attr, sizeof(*v)) < 0)
		return -1;
	*v = mnl_attr_get_u32(attr);
	return 0;
}

static int first_hop_ifindex(const struct nlattr *mp, int32_t *ifindex)
{
	const struct rtnexthop *nh = mnl_attr_get_payload(mp);
	size_t len = mnl_attr_get_payload_len(mp);

	if (len < sizeof(*nh) || nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > len)
		return -1;
	*ifindex = nh->rtnh_ifindex;
	return 0;
}

static int route_parse(const void *buf, size_t len, struct ct_route *out, bool lookup)
{
	const struct nlmsghdr *nlh = buf;
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	uint32_t oif = 0;
	size_t alen;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
		return -1;
	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return 0;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*rtm)))
		return -1;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 0;
	alen = rtm->rtm_family == AF_INET ? 4 : 16;
	if (rtm->rtm_dst_len > alen * 8)
		return -1;
	if (nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return -1;
	out->table = rtm->rtm_table;
	if (get_u32(tb[RTA_TABLE], &out->table) < 0 ||
	    get_u32(tb[RTA_PRIORITY], &out->metric) < 0 || get_u32(tb[RTA_OIF], &oif) < 0)
		return -1;
	if (tb[RTA_DST] != NULL) {
		if (nlattr_len_is(tb[RTA_DST], alen) < 0)
			return -1;
		memcpy(out->addr, mnl_attr_get_payload(tb[RTA_DST]), alen);
	} else if (rtm->rtm_dst_len != 0) {
		return -1;
	}
	if (oif > INT32_MAX)
		return -1;
	out->ifindex = (int32_t)oif;
	if (tb[RTA_OIF] == NULL && tb[RTA_MULTIPATH] != NULL &&
	    first_hop_ifindex(tb[RTA_MULTIPATH], &out->ifindex) < 0)
		return -1;
	/* An event about a cache exception is no routing decision; an answer
	 * to a lookup is always flagged cloned (rt_fill_info()). */
	if ((rtm->rtm_flags & RTM_F_CLONED) && !lookup)
		return 0;
	out->family = rtm->rtm_family;
	out->plen = rtm->rtm_dst_len;
	out->type = rtm->rtm_type;
	return 1;
}

int ct_route_parse(const void *buf, size_t len, struct ct_route *out)
{
	return route_parse(buf, len, out, false);
}

size_t ct_lookup_build(void *buf, size_t len, const struct ct_rtkey *k, uint32_t seq)
{
	size_t alen = k->family == AF_INET ? 4 : 16;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if ((k->family != AF_INET && k->family != AF_INET6) || len < CT_LOOKUP_MSG_MAX)
		return 0;
	memset(buf, 0, CT_LOOKUP_MSG_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = k->family;
	rtm->rtm_dst_len = (unsigned char)(alen * 8);
	mnl_attr_put(nlh, RTA_DST, alen, k->dst);
	if (k->input) {
		rtm->rtm_src_len = (unsigned char)(alen * 8);
		mnl_attr_put(nlh, RTA_SRC, alen, k->src);
		mnl_attr_put_u32(nlh, RTA_IIF, (uint32_t)k->iif);
	} else {
		/* An output lookup with a VRF device routes in the VRF's table. */
		if (k->oif > 0)
			mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)k->oif);
		if (k->fib_match)
			rtm->rtm_flags |= RTM_F_FIB_MATCH;
	}
	if (k->mark != 0)
		mnl_attr_put_u32(nlh, RTA_MARK, k->mark);
	return nlh->nlmsg_len;
}

int ct_lookup_parse(const void *buf, size_t len, uint8_t *plen)
{
	const struct nlmsghdr *nlh = buf;
	struct ct_route r;

	*plen = 0;
	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
		return -1;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*e) || e->error >= 0 ||
		    e->error == INT_MIN)
			return -1;	/* an ACK or garbage: no answer */
		switch (-e->error) {
		case ENOBUFS:
		case ENOMEM:
		case EAGAIN:
		case EINTR:
		case EBUSY:
			return -1;
		default:
			/* ENETUNREACH, EHOSTUNREACH, EACCES, EINVAL, EXDEV, ENODEV... */
			return 0;
		}
	}
	if (route_parse(nlh, len, &r, true) != 1 || nlh->nlmsg_type != RTM_NEWROUTE)
		return -1;
	if (r.type != RTN_UNICAST)
		return 0;
	*plen = r.plen;
	return r.ifindex > 0 ? r.ifindex : 0;
}
