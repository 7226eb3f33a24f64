// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Which device a flow uses, without asking the kernel per flow: a
 * longest-prefix-match table of the main routing table.
 *
 * One open-addressing hash of (family, prefix length, masked prefix) for
 * every route, plus the list of prefix lengths present per family; a
 * lookup masks the address for each present length, longest first, and
 * stops at the first hit.  That is at most 33 (129) probes, in practice a
 * dozen or two, and a full Internet table costs 28 bytes per route ×2.
 *
 * Only the main table: ip rules, fwmarks, VRFs and per-source routes are
 * ignored, so a policy-routed flow is attributed as the main table would
 * route it.  ECMP routes count for their first hop.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "ct.h"
#include "ct_int.h"
#include "log.h"
#include "nlattr_util.h"

/* --- route messages --- */

struct rt_attrs {
	const struct nlattr *tb[RTA_MAX + 1];
};

static int rt_attr_cb(const struct nlattr *attr, void *data)
{
	struct rt_attrs *a = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= RTA_MAX)
		a->tb[type] = attr;
	return MNL_CB_OK;
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

int ct_route_parse(const void *buf, size_t len, struct ct_route *out)
{
	const struct nlmsghdr *nlh = buf;
	const struct rtmsg *rtm;
	struct rt_attrs a;
	uint32_t table;
	size_t alen;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
		return -1;
	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return 0;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*rtm)))
		return -1;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 0;
	alen = rtm->rtm_family == AF_INET ? 4 : 16;
	if (rtm->rtm_dst_len > alen * 8)
		return -1;
	memset(&a, 0, sizeof(a));
	if (mnl_attr_parse(nlh, sizeof(*rtm), rt_attr_cb, &a) != MNL_CB_OK)
		return -1;
	table = rtm->rtm_table;
	if (a.tb[RTA_TABLE] != NULL) {
		if (mnl_attr_validate(a.tb[RTA_TABLE], MNL_TYPE_U32) < 0)
			return -1;
		table = mnl_attr_get_u32(a.tb[RTA_TABLE]);
	}
	if (table != RT_TABLE_MAIN || (rtm->rtm_flags & RTM_F_CLONED))
		return 0;
	switch (rtm->rtm_type) {
	case RTN_UNICAST:
	case RTN_UNREACHABLE:
	case RTN_BLACKHOLE:
	case RTN_PROHIBIT:
	case RTN_THROW:
		break;
	default:
		return 0;		/* local, broadcast, multicast, nat... */
	}

	out->family = rtm->rtm_family;
	out->plen = rtm->rtm_dst_len;
	if (a.tb[RTA_DST] != NULL) {
		if (mnl_attr_get_payload_len(a.tb[RTA_DST]) != alen)
			return -1;
		memcpy(out->addr, mnl_attr_get_payload(a.tb[RTA_DST]), alen);
	} else if (out->plen != 0) {
		return -1;
	}
	if (a.tb[RTA_PRIORITY] != NULL) {
		if (mnl_attr_validate(a.tb[RTA_PRIORITY], MNL_TYPE_U32) < 0)
			return -1;
		out->metric = mnl_attr_get_u32(a.tb[RTA_PRIORITY]);
	}
	if (rtm->rtm_type != RTN_UNICAST)
		return 1;		/* no device: shadows shorter prefixes */
	if (a.tb[RTA_OIF] != NULL) {
		if (mnl_attr_validate(a.tb[RTA_OIF], MNL_TYPE_U32) < 0)
			return -1;
		out->ifindex = (int32_t)mnl_attr_get_u32(a.tb[RTA_OIF]);
	} else if (a.tb[RTA_MULTIPATH] != NULL) {
		if (first_hop_ifindex(a.tb[RTA_MULTIPATH], &out->ifindex) < 0)
			return -1;
	}
	return 1;
}

/* --- the dump --- */

#define ROUTE_DUMP_BUF	(64 * 1024)
#define ROUTE_DUMP_TRIES 4

static int routes_append(struct ct_route **v, size_t *n, size_t *cap, const struct ct_route *r)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct ct_route *nv = realloc(*v, ncap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *r;
	return 0;
}

/* One family; *intr when the kernel says the dump was inconsistent. */
static int dump_family(struct mnl_socket *nl, int family, uint32_t seq, char *buf,
		       struct ct_route **v, size_t *n, size_t *cap, bool *intr)
{
	char req[MNL_ALIGN(sizeof(struct nlmsghdr)) + MNL_ALIGN(sizeof(struct rtmsg))]
		__attribute__((aligned(4)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(req);
	struct rtmsg *rtm;
	unsigned int portid = mnl_socket_get_portid(nl);

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_table = RT_TABLE_MAIN;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl, buf, ROUTE_DUMP_BUF);
		const struct nlmsghdr *m = (const struct nlmsghdr *)buf;
		int rem = (int)len;

		if (len < 0)
			return -errno;
		for (; nlattr_msg_ok(m, rem); m = mnl_nlmsg_next(m, &rem)) {
			struct ct_route r;

			if (m->nlmsg_seq != seq || m->nlmsg_pid != portid)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR)
				*intr = true;
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);

				if (m->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*e))
					return -EPROTO;
				/* INT_MIN: no errno, and -INT_MIN overflows. */
				return e->error < 0 && e->error != INT_MIN ? e->error : -EPROTO;
			}
			if (ct_route_parse(m, (size_t)rem, &r) == 1 &&
			    routes_append(v, n, cap, &r) < 0)
				return -ENOMEM;
		}
	}
}

int ct_routes_dump(struct ct_route **out, size_t *n_out)
{
	static const int families[] = { AF_INET, AF_INET6 };
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	char *buf = NULL;
	uint32_t seq = (uint32_t)time(NULL);
	int r = 0;

	*out = NULL;
	*n_out = 0;
	if (nl == NULL)
		return -errno;
	buf = malloc(ROUTE_DUMP_BUF);
	if (buf == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = buf == NULL ? -ENOMEM : -errno;
		goto out;
	}
	for (int tries = 0; tries < ROUTE_DUMP_TRIES; tries++) {
		struct ct_route *v = NULL;
		size_t n = 0, cap = 0;
		bool intr = false;

		for (size_t i = 0; i < sizeof(families) / sizeof(families[0]) && r == 0; i++)
			r = dump_family(nl, families[i], ++seq, buf, &v, &n, &cap, &intr);
		if (r == 0 && intr && tries + 1 < ROUTE_DUMP_TRIES) {
			free(v);
			continue;	/* routes changed meanwhile: again */
		}
		if (r < 0) {
			free(v);
			break;
		}
		*out = v;
		*n_out = n;
		break;
	}
out:
	free(buf);
	mnl_socket_close(nl);
	return r;
}

/* --- the LPM table --- */

static void mask_prefix(uint8_t *addr, size_t alen, unsigned int plen)
{
	for (size_t i = 0; i < alen; i++) {
		unsigned int bits = i * 8 >= plen ? 0 : plen - i * 8;

		if (bits < 8)
			addr[i] &= (uint8_t)(0xff00u >> bits);
	}
	for (size_t i = alen; i < 16; i++)
		addr[i] = 0;
}

static uint64_t lpm_hash(const struct ct_lpm *lpm, int family, unsigned int plen,
			 const uint8_t *addr)
{
	uint8_t k[18];

	k[0] = (uint8_t)family;
	k[1] = (uint8_t)plen;
	memcpy(k + 2, addr, 16);
	return ct_hash(k, sizeof(k), lpm->k0, lpm->k1);
}

static struct ct_lpm_slot *lpm_slot(const struct ct_lpm *lpm, int family, unsigned int plen,
				    const uint8_t *masked)
{
	size_t mask = lpm->cap - 1;
	size_t pos = (size_t)lpm_hash(lpm, family, plen, masked) & mask;

	for (;;) {
		struct ct_lpm_slot *s = &lpm->slots[pos];

		if (!s->used || (s->family == family && s->plen == plen &&
				 memcmp(s->addr, masked, 16) == 0))
			return s;
		pos = (pos + 1) & mask;
	}
}

void ct_lpm_free(struct ct_lpm *lpm)
{
	free(lpm->slots);
	memset(lpm, 0, sizeof(*lpm));
}

int ct_lpm_build(struct ct_lpm *lpm, const struct ct_route *routes, size_t n)
{
	struct ct_lpm nl;
	bool have4[33] = { false }, have6[129] = { false };
	uint64_t key[2];

	memset(&nl, 0, sizeof(nl));
	nl.cap = 16;
	while (nl.cap < n * 2)
		nl.cap *= 2;
	nl.slots = calloc(nl.cap, sizeof(*nl.slots));
	if (nl.slots == NULL)
		return -ENOMEM;
	ct_hash_key(key);
	nl.k0 = key[0];
	nl.k1 = key[1];
	for (size_t i = 0; i < n; i++) {
		const struct ct_route *r = &routes[i];
		size_t alen = r->family == AF_INET ? 4 : 16;
		uint8_t masked[16];
		struct ct_lpm_slot *s;

		if ((r->family != AF_INET && r->family != AF_INET6) || r->plen > alen * 8)
			continue;
		memcpy(masked, r->addr, 16);
		mask_prefix(masked, alen, r->plen);
		s = lpm_slot(&nl, r->family, r->plen, masked);
		if (s->used && s->metric <= r->metric)
			continue;	/* the same prefix twice: lowest metric wins */
		if (!s->used)
			nl.n++;
		s->used = 1;
		s->family = r->family;
		s->plen = r->plen;
		s->metric = r->metric;
		s->ifindex = r->ifindex;
		memcpy(s->addr, masked, 16);
		if (r->family == AF_INET)
			have4[r->plen] = true;
		else
			have6[r->plen] = true;
	}
	for (int p = 32; p >= 0; p--)
		if (have4[p])
			nl.order4[nl.n4++] = (uint8_t)p;
	for (int p = 128; p >= 0; p--)
		if (have6[p])
			nl.order6[nl.n6++] = (uint8_t)p;
	ct_lpm_free(lpm);
	*lpm = nl;
	return 0;
}

int ct_lpm_lookup(const struct ct_lpm *lpm, int family, const uint8_t *addr)
{
	const uint8_t *order = family == AF_INET ? lpm->order4 : lpm->order6;
	size_t n = family == AF_INET ? lpm->n4 : lpm->n6;
	size_t alen = family == AF_INET ? 4 : 16;

	if (lpm->slots == NULL || (family != AF_INET && family != AF_INET6))
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t masked[16];
		const struct ct_lpm_slot *s;

		memcpy(masked, addr, alen);
		mask_prefix(masked, alen, order[i]);
		s = lpm_slot(lpm, family, order[i], masked);
		if (s->used)
			return s->ifindex;
	}
	return 0;
}
