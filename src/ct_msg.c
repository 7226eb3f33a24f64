// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * ctnetlink messages -> struct ct_flow.  Events, dump replies and the unit
 * tests all come through here.  Our own small libmnl parser rather than
 * nfct_nlmsg_parse(): it needs no opaque object per message, reads only
 * the attributes we keep, and rejects a malformed message as a whole
 * (counted by the caller) instead of returning half of it.
 */
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "ct.h"

struct attrs {
	const struct nlattr **tb;
	unsigned int max;
};

/* Keep each attribute up to max; libmnl already checked it fits. */
static int put_attr_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type <= a->max)
		a->tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned int max)
{
	struct attrs a = { tb, max };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_validate(nest, MNL_TYPE_NESTED) < 0)
		return -1;
	return mnl_attr_parse_nested(nest, put_attr_cb, &a) == MNL_CB_OK ? 0 : -1;
}

static int get_u32(const struct nlattr *attr, uint32_t *v)
{
	if (attr == NULL || mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
		return -1;
	*v = ntohl(mnl_attr_get_u32(attr));
	return 0;
}

static int get_addr(const struct nlattr *attr, size_t len, uint8_t *out)
{
	if (attr == NULL || mnl_attr_get_payload_len(attr) != len)
		return -1;
	memcpy(out, mnl_attr_get_payload(attr), len);
	return 0;
}

struct tuple {
	uint8_t src[16], dst[16];
	uint8_t proto;
	uint16_t sport, dport;		/* network order */
};

/* A CTA_TUPLE_ORIG/REPLY nest; family decides which address attributes. */
static int parse_tuple(const struct nlattr *nest, int family, struct tuple *t)
{
	const struct nlattr *tb[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1], *pr[CTA_PROTO_MAX + 1];
	size_t alen = family == AF_INET ? 4 : 16;

	memset(t, 0, sizeof(*t));
	if (parse_nested(nest, tb, CTA_TUPLE_MAX) < 0 || tb[CTA_TUPLE_IP] == NULL ||
	    tb[CTA_TUPLE_PROTO] == NULL)
		return -1;
	if (parse_nested(tb[CTA_TUPLE_IP], ip, CTA_IP_MAX) < 0 ||
	    parse_nested(tb[CTA_TUPLE_PROTO], pr, CTA_PROTO_MAX) < 0)
		return -1;
	if (get_addr(ip[family == AF_INET ? CTA_IP_V4_SRC : CTA_IP_V6_SRC], alen, t->src) < 0 ||
	    get_addr(ip[family == AF_INET ? CTA_IP_V4_DST : CTA_IP_V6_DST], alen, t->dst) < 0)
		return -1;
	if (pr[CTA_PROTO_NUM] == NULL || mnl_attr_validate(pr[CTA_PROTO_NUM], MNL_TYPE_U8) < 0)
		return -1;
	t->proto = mnl_attr_get_u8(pr[CTA_PROTO_NUM]);
	/* Ports (GRE: keys) exist for port-based protocols only. */
	if (pr[CTA_PROTO_SRC_PORT] != NULL) {
		if (mnl_attr_validate(pr[CTA_PROTO_SRC_PORT], MNL_TYPE_U16) < 0)
			return -1;
		t->sport = mnl_attr_get_u16(pr[CTA_PROTO_SRC_PORT]);
	}
	if (pr[CTA_PROTO_DST_PORT] != NULL) {
		if (mnl_attr_validate(pr[CTA_PROTO_DST_PORT], MNL_TYPE_U16) < 0)
			return -1;
		t->dport = mnl_attr_get_u16(pr[CTA_PROTO_DST_PORT]);
	}
	return 0;
}

int ct_msg_parse(const void *buf, size_t len, struct ct_flow *f, uint32_t *status)
{
	const struct nlmsghdr *nlh = buf;
	const struct nlattr *tb[CTA_MAX + 1];
	struct attrs a = { tb, CTA_MAX };
	const struct nfgenmsg *nfg;
	struct tuple orig, reply;
	uint16_t type;
	int family, kind;

	memset(f, 0, sizeof(*f));
	*status = 0;
	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len)
		return -1;
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK)
		return CT_MSG_OTHER;
	type = NFNL_MSG_TYPE(nlh->nlmsg_type);
	if (type == IPCTNL_MSG_CT_DELETE)
		kind = CT_MSG_DESTROY;
	else if (type == IPCTNL_MSG_CT_NEW)
		kind = (nlh->nlmsg_flags & NLM_F_CREATE) ? CT_MSG_NEW : CT_MSG_UPDATE;
	else
		return CT_MSG_OTHER;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*nfg)))
		return -1;
	nfg = mnl_nlmsg_get_payload(nlh);
	family = nfg->nfgen_family;
	if (family != AF_INET && family != AF_INET6)
		return -1;

	memset(tb, 0, sizeof(tb));
	if (mnl_attr_parse(nlh, sizeof(*nfg), put_attr_cb, &a) != MNL_CB_OK)
		return -1;
	if (tb[CTA_TUPLE_ORIG] == NULL || parse_tuple(tb[CTA_TUPLE_ORIG], family, &orig) < 0)
		return -1;
	if (get_u32(tb[CTA_ID], &f->id) < 0)
		return -1;
	if (tb[CTA_STATUS] != NULL && get_u32(tb[CTA_STATUS], status) < 0)
		return -1;
	if (tb[CTA_STATUS] == NULL && kind != CT_MSG_DESTROY)
		return -1;
	if (tb[CTA_ZONE] != NULL) {
		if (mnl_attr_validate(tb[CTA_ZONE], MNL_TYPE_U16) < 0)
			return -1;
		f->zone = ntohs(mnl_attr_get_u16(tb[CTA_ZONE]));
	}
	/* Paths are looked up with the mark (ct_paths.c). */
	if (tb[CTA_MARK] != NULL && get_u32(tb[CTA_MARK], &f->mark) < 0)
		return -1;
	if (tb[CTA_TUPLE_REPLY] != NULL) {
		if (parse_tuple(tb[CTA_TUPLE_REPLY], family, &reply) < 0)
			return -1;
	} else {
		reply = orig;
		memcpy(reply.src, orig.dst, 16);
	}

	f->family = (uint8_t)family;
	f->l4proto = orig.proto;
	f->sport = orig.sport;
	f->dport = orig.dport;
	memcpy(f->src, orig.src, 16);
	memcpy(f->dst, orig.dst, 16);
	memcpy(f->rdst, reply.src, 16);
	if (*status & IPS_OFFLOAD)
		f->flags |= CT_FLOW_OFFLOAD;
	if (*status & IPS_HW_OFFLOAD)
		f->flags |= CT_FLOW_HW;
	if (*status & IPS_SRC_NAT)
		f->flags |= CT_FLOW_SNAT;
	if (*status & IPS_DST_NAT)
		f->flags |= CT_FLOW_DNAT;
	return kind;
}

static void put_tuple(struct nlmsghdr *nlh, const struct ct_flow *f)
{
	struct nlattr *tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	struct nlattr *ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	struct nlattr *proto;

	if (f->family == AF_INET) {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, f->src);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, f->dst);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, f->src);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, f->dst);
	}
	mnl_attr_nest_end(nlh, ip);
	proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, f->l4proto);
	switch (f->l4proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_GRE:
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, f->sport);
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, f->dport);
		break;
	default:
		break;
	}
	mnl_attr_nest_end(nlh, proto);
	mnl_attr_nest_end(nlh, tuple);
}

size_t ct_msg_build_delete(void *buf, size_t len, const struct ct_flow *f, uint32_t seq)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if (len < CT_DELETE_MSG_MAX)
		return 0;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = f->family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	put_tuple(nlh, f);
	if (f->zone != 0)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(f->zone));
	/* Neither libnetfilter_conntrack builder sends CTA_ID: we do. */
	mnl_attr_put_u32(nlh, CTA_ID, htonl(f->id));
	return nlh->nlmsg_len;
}
