// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Tunnel underlay resolution: one RTM_GETROUTE per tunnel, shaped like the
 * flow the tunnel driver itself routes on transmit (ip_tunnel_xmit,
 * ip6_tnl_xmit): destination = remote, source = local, oif = the bound
 * link, mark = fwmark, and for IPv4 a fixed tos.  libnl's
 * rtnl_route_lookup() sends RTA_DST only, hence libmnl here.
 */
#include <arpa/inet.h>
#include <net/if.h>		/* before <linux/if*.h>: glibc and uapi clash otherwise */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/ip6_tunnel.h>
#include <linux/rtnetlink.h>

#include "log.h"
#include "nl_talk.h"
#include "nlattr_util.h"
#include "tunnel_route.h"

/* Room for one answer: a route with its next hops. */
#define TUNNEL_ROUTE_BUFSIZE MNL_SOCKET_BUFFER_SIZE

const char TUNNEL_ROUTE_NO_REMOTE[] = "no remote address";
const char TUNNEL_ROUTE_COLLECT_MD[] = "external/collect_md tunnel";
const char TUNNEL_ROUTE_NO_ROUTE[] = "no route to remote";
const char TUNNEL_ROUTE_THROUGH_SELF[] = "route to remote goes through the tunnel itself";
const char TUNNEL_ROUTE_UNREACHABLE[] = "remote is unreachable (unreachable route)";
const char TUNNEL_ROUTE_PROHIBITED[] = "route to remote is prohibited";
const char TUNNEL_ROUTE_INVALID[] =
	"route lookup refused (blackhole route, or local address not on this host)";
const char TUNNEL_ROUTE_NO_LINK[] = "tunnel's bound device does not exist";
const char TUNNEL_ROUTE_LOCAL_REMOTE[] = "remote is an address of this host";
const char TUNNEL_ROUTE_NOT_UNICAST[] = "route to remote is not unicast";
const char TUNNEL_ROUTE_NO_OIF[] = "route to remote has no output device";
const char TUNNEL_ROUTE_LOOKUP_FAILED[] = "route lookup failed";
const char TUNNEL_ROUTE_NOT_TUNNEL[] = "not a layer 3 tunnel";

static size_t addr_len(int family)
{
	return family == AF_INET6 ? sizeof(struct in6_addr) : sizeof(struct in_addr);
}

static void route_unresolved(struct tunnel_route *out, int tunnel_ifindex, const char *why)
{
	memset(out, 0, sizeof(*out));
	out->tunnel_ifindex = tunnel_ifindex;
	out->why_not = why;
}

const char *tunnel_route_precheck(const struct link *tun)
{
	const struct tunnel_params *tp = &tun->tun;

	if (tun->type != LINK_TYPE_TUNNEL ||
	    (tp->outer_family != AF_INET && tp->outer_family != AF_INET6))
		return TUNNEL_ROUTE_NOT_TUNNEL;
	if (tp->collect_md)
		return TUNNEL_ROUTE_COLLECT_MD;
	if (tp->remote.family != tp->outer_family)
		return TUNNEL_ROUTE_NO_REMOTE;
	return NULL;
}

static struct nlmsghdr *build_request(void *buf, size_t len, const struct link *tun,
				      uint32_t seq, unsigned int rtm_flags)
{
	const struct tunnel_params *tp = &tun->tun;
	size_t alen = addr_len(tp->outer_family);
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	if (tunnel_route_precheck(tun) != NULL) {
		errno = EINVAL;
		return NULL;
	}
	/* Headers plus DST, SRC (16 + 4 each), OIF and MARK (4 + 4 each). */
	if (len < TUNNEL_ROUTE_REQ_SIZE) {
		errno = ENOSPC;
		return NULL;
	}
	memset(buf, 0, TUNNEL_ROUTE_REQ_SIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = tp->outer_family;
	rtm->rtm_dst_len = alen * 8;
	/* Answer with the table the FIB lookup used, not RT_TABLE_MAIN. */
	rtm->rtm_flags = rtm_flags;
	/*
	 * IPv4 tunnels route with their fixed tos (DSCP bits); tos bit 0
	 * means "inherit from the inner packet", so no single value applies.
	 */
	if (tp->outer_family == AF_INET && !(tp->tos & 0x1))
		rtm->rtm_tos = tp->tos & 0xfc;

	mnl_attr_put(nlh, RTA_DST, alen, tp->remote.bytes);
	if (tp->local.family == tp->outer_family) {
		rtm->rtm_src_len = alen * 8;
		mnl_attr_put(nlh, RTA_SRC, alen, tp->local.bytes);
	}
	if (tp->link_ifindex > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)tp->link_ifindex);
	/* With USE_ORIG_FWMARK an ip6 tunnel routes by each packet's mark. */
	if (tp->fwmark != 0 &&
	    !(tp->outer_family == AF_INET6 && (tp->flags & IP6_TNL_F_USE_ORIG_FWMARK)))
		mnl_attr_put_u32(nlh, RTA_MARK, tp->fwmark);
	return nlh;
}

struct nlmsghdr *tunnel_route_build_request(void *buf, size_t len, const struct link *tun,
					    uint32_t seq)
{
	return build_request(buf, len, tun, seq, RTM_F_LOOKUP_TABLE);
}

struct nlmsghdr *tunnel_route_build_paths_request(void *buf, size_t len, const struct link *tun,
						  uint32_t seq)
{
	return build_request(buf, len, tun, seq, RTM_F_LOOKUP_TABLE | RTM_F_FIB_MATCH);
}

static const char *errno_reason(int err)
{
	switch (err) {
	case ENETUNREACH:
		return TUNNEL_ROUTE_NO_ROUTE;
	case EHOSTUNREACH:
		return TUNNEL_ROUTE_UNREACHABLE;
	case EACCES:
	case EPERM:
		return TUNNEL_ROUTE_PROHIBITED;
	case EINVAL:
		return TUNNEL_ROUTE_INVALID;
	case ENODEV:
		return TUNNEL_ROUTE_NO_LINK;
	default:
		return TUNNEL_ROUTE_LOOKUP_FAILED;
	}
}

static int parse_error(const struct nlmsghdr *nlh, struct tunnel_route *out)
{
	const struct nlmsgerr *err;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*err)) {
		errno = EINVAL;
		return -1;
	}
	err = mnl_nlmsg_get_payload(nlh);
	/* A bare ack (error 0) is no answer to a lookup. */
	if (err->error >= 0 || err->error == INT_MIN) {
		errno = EINVAL;
		return -1;
	}
	out->why_not = errno_reason(-err->error);
	return 0;
}

static int get_addr(const struct nlattr *attr, int family, struct addr *dst)
{
	size_t alen = addr_len(family);

	if (nlattr_len_is(attr, alen) < 0)
		return -1;
	memset(dst, 0, sizeof(*dst));
	dst->family = family;
	memcpy(dst->bytes, mnl_attr_get_payload(attr), alen);
	return 0;
}

/* RTA_VIA: an IPv4 route with an IPv6 next hop (RFC 5549), or the reverse. */
static int get_via(const struct nlattr *attr, struct addr *dst)
{
	const struct rtvia *via;
	size_t plen = mnl_attr_get_payload_len(attr);

	if (plen < sizeof(*via)) {
		errno = ERANGE;
		return -1;
	}
	via = mnl_attr_get_payload(attr);
	if ((via->rtvia_family != AF_INET && via->rtvia_family != AF_INET6) ||
	    plen != sizeof(*via) + addr_len(via->rtvia_family)) {
		errno = ERANGE;
		return -1;
	}
	memset(dst, 0, sizeof(*dst));
	dst->family = via->rtvia_family;
	memcpy(dst->bytes, via->rtvia_addr, addr_len(via->rtvia_family));
	return 0;
}

static int parse_route(const struct nlmsghdr *nlh, const struct link *tun,
		       struct tunnel_route *out)
{
	const struct tunnel_params *tp = &tun->tun;
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm;
	uint32_t oif;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*rtm))) {
		errno = EINVAL;
		return -1;
	}
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != tp->outer_family) {
		errno = EINVAL;
		return -1;
	}
	if (nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return -1;

	if (tb[RTA_OIF] != NULL) {
		if (mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) < 0)
			return -1;
		oif = mnl_attr_get_u32(tb[RTA_OIF]);
		out->oif = oif <= INT_MAX ? (int)oif : 0;
	}
	if (tb[RTA_GATEWAY] != NULL && get_addr(tb[RTA_GATEWAY], tp->outer_family, &out->nexthop) < 0)
		return -1;
	if (tb[RTA_GATEWAY] == NULL && tb[RTA_VIA] != NULL && get_via(tb[RTA_VIA], &out->nexthop) < 0)
		return -1;
	if (tb[RTA_PREFSRC] != NULL &&
	    get_addr(tb[RTA_PREFSRC], tp->outer_family, &out->prefsrc) < 0)
		return -1;

	if (rtm->rtm_type == RTN_LOCAL) {
		out->why_not = TUNNEL_ROUTE_LOCAL_REMOTE;
		return 0;
	}
	if (rtm->rtm_type != RTN_UNICAST) {
		out->why_not = TUNNEL_ROUTE_NOT_UNICAST;
		return 0;
	}
	if (out->oif == 0) {
		out->why_not = TUNNEL_ROUTE_NO_OIF;
		return 0;
	}
	if (out->oif == tun->ifindex) {
		out->why_not = TUNNEL_ROUTE_THROUGH_SELF;
		return 0;
	}
	/* On-link: the next hop is the remote itself. */
	if (!addr_is_set(&out->nexthop))
		out->nexthop = tp->remote;
	out->resolved = true;
	return 0;
}

int tunnel_route_parse_reply(const struct nlmsghdr *nlh, const struct link *tun,
			     struct tunnel_route *out)
{
	int ret;

	route_unresolved(out, tun->ifindex, NULL);
	if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN && nlh->nlmsg_type == NLMSG_ERROR) {
		ret = parse_error(nlh, out);
	} else if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN && nlh->nlmsg_type == RTM_NEWROUTE) {
		ret = parse_route(nlh, tun, out);
	} else {
		errno = EINVAL;
		ret = -1;
	}
	if (ret < 0) {
		int saved = errno;

		route_unresolved(out, tun->ifindex, TUNNEL_ROUTE_LOOKUP_FAILED);
		errno = saved;
	}
	return ret;
}

static void add_path_oif(struct tunnel_route *out, int ifindex)
{
	for (size_t i = 0; i < out->n_path_oifs; i++)
		if (out->path_oifs[i] == ifindex)
			return;
	if (out->n_path_oifs < TUNNEL_ROUTE_MAX_PATHS)
		out->path_oifs[out->n_path_oifs++] = ifindex;
}

int tunnel_route_parse_paths(const struct nlmsghdr *nlh, const struct link *tun,
			     struct tunnel_route *out)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtnexthop *nh;
	const struct rtmsg *rtm;
	size_t left;

	out->n_path_oifs = 0;
	/* No such route (it went away meanwhile): a single path it is. */
	if (nlh->nlmsg_len >= MNL_NLMSG_HDRLEN && nlh->nlmsg_type == NLMSG_ERROR)
		return 0;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*rtm)) ||
	    nlh->nlmsg_type != RTM_NEWROUTE) {
		errno = EINVAL;
		return -1;
	}
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != tun->tun.outer_family ||
	    nlattr_msg_table(nlh, sizeof(*rtm), tb, RTA_MAX) < 0) {
		errno = EINVAL;
		return -1;
	}
	if (tb[RTA_MULTIPATH] == NULL)
		return 0;
	nh = mnl_attr_get_payload(tb[RTA_MULTIPATH]);
	left = mnl_attr_get_payload_len(tb[RTA_MULTIPATH]);
	while (left >= sizeof(*nh)) {
		if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > left) {
			out->n_path_oifs = 0;
			errno = EINVAL;
			return -1;
		}
		/* A dead next hop (its device down) is never picked. */
		if (!(nh->rtnh_flags & RTNH_F_DEAD) && nh->rtnh_ifindex > 0 &&
		    nh->rtnh_ifindex != tun->ifindex)
			add_path_oif(out, nh->rtnh_ifindex);
		if ((size_t)RTNH_ALIGN(nh->rtnh_len) >= left)
			break;
		left -= (size_t)RTNH_ALIGN(nh->rtnh_len);
		nh = RTNH_NEXT(nh);
	}
	/* One live next hop is a single path after all. */
	if (out->n_path_oifs < 2)
		out->n_path_oifs = 0;
	return 0;
}

typedef int (*reply_parser)(const struct nlmsghdr *, const struct link *, struct tunnel_route *);

struct reply {
	const struct link *tun;
	struct tunnel_route *out;
	reply_parser parse;
};

/* The lookup's one answer (a route or an error): parse it, and done. */
static int take_reply(const struct nlmsghdr *m, size_t rem, uint32_t idx, void *arg)
{
	const struct reply *r = arg;

	if (r->parse(m, r->tun, r->out) < 0)
		return -EBADMSG;
	return NL_FINISHED;
}

/*
 * Send nlh (numbered by t) and hand its answer to parse.  Returns 0, or
 * -1 on socket trouble or a malformed answer (logged).
 */
static int exchange(struct nl_talk *t, const struct link *tun, const struct nlmsghdr *nlh,
		    char *buf, struct tunnel_route *out, reply_parser parse)
{
	struct reply r = { .tun = tun, .out = out, .parse = parse };
	struct nl_exchange x = { .first = nlh->nlmsg_seq, .count = 1, .cb = take_reply, .arg = &r };
	int err = nl_exchange(t, nlh, nlh->nlmsg_len, buf, TUNNEL_ROUTE_BUFSIZE, &x);

	if (err == -EBADMSG)
		log_warnx("%s: malformed route lookup reply", tun->name);
	else if (err < 0)
		log_warnx("%s: route lookup: %s", tun->name, strerror(-err));
	return err < 0 ? -1 : 0;
}

/* tunnel_route_lookup(), counting the requests it sends in *requests. */
static int lookup_counted(struct nl_talk *t, const struct link *tun, struct tunnel_route *out,
			  uint64_t *requests)
{
	char req[TUNNEL_ROUTE_REQ_SIZE];
	char *buf;
	const char *why = tunnel_route_precheck(tun);
	struct nlmsghdr *nlh;
	int ret = -1;

	route_unresolved(out, tun->ifindex, why);
	if (why != NULL)
		return 0;
	nlh = tunnel_route_build_request(req, sizeof(req), tun, nl_talk_seq(t, 1));
	if (nlh == NULL)
		goto fail;
	buf = malloc(TUNNEL_ROUTE_BUFSIZE);
	if (buf == NULL)
		goto fail;
	(*requests)++;
	ret = exchange(t, tun, nlh, buf, out, tunnel_route_parse_reply);
	/*
	 * The lookup gave the one next hop this lookup hashed to; the route
	 * itself (RTM_F_FIB_MATCH, same sequence number: the first answer is
	 * in) may have more, each carrying some of the tunnel's flows.  A
	 * failure here leaves the single path.
	 */
	if (ret == 0 && out->resolved) {
		struct tunnel_route paths = *out;

		nlh = tunnel_route_build_paths_request(req, sizeof(req), tun, nl_talk_seq(t, 1));
		if (nlh != NULL)
			(*requests)++;
		if (nlh != NULL && exchange(t, tun, nlh, buf, &paths, tunnel_route_parse_paths) == 0 &&
		    paths.n_path_oifs > 0) {
			memcpy(out->path_oifs, paths.path_oifs, sizeof(out->path_oifs));
			out->n_path_oifs = paths.n_path_oifs;
			/* The route may have changed between the two answers. */
			add_path_oif(out, out->oif);
		}
	}
	free(buf);
fail:
	if (ret < 0)
		route_unresolved(out, tun->ifindex, TUNNEL_ROUTE_LOOKUP_FAILED);
	return ret;
}

int tunnel_route_lookup(struct nl_talk *t, const struct link *tun, struct tunnel_route *out)
{
	uint64_t requests = 0;

	return lookup_counted(t, tun, out, &requests);
}

int tunnel_route_resolve_all(struct nl_talk *t, struct topo *topo, uint64_t *requests)
{
	struct tunnel_route *routes;
	size_t n = 0;

	for (size_t i = 0; i < topo->n_links; i++)
		if (topo->links[i].type == LINK_TYPE_TUNNEL)
			n++;
	routes = calloc(n > 0 ? n : 1, sizeof(*routes));
	if (routes == NULL)
		return -1;
	n = 0;
	for (size_t i = 0; i < topo->n_links; i++) {
		const struct link *l = &topo->links[i];

		if (l->type != LINK_TYPE_TUNNEL)
			continue;
		/* Failures are in routes[n]: one bad lookup must not hide the others. */
		(void)lookup_counted(t, l, &routes[n], requests);
		n++;
	}
	free(topo->routes);
	topo->routes = routes;
	topo->n_routes = n;
	return 0;
}
