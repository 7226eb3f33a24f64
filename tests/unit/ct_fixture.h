/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-built ctnetlink messages for the conntrack tests.  The attributes
 * come from libnetfilter_conntrack's own builder (nfct_nlmsg_build), so the
 * tests check our parser against the library, not against itself.
 */
#ifndef FLOWD_TEST_CT_FIXTURE_H
#define FLOWD_TEST_CT_FIXTURE_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

#ifndef IPS_OFFLOAD
#define IPS_OFFLOAD (1 << 14)
#endif
#ifndef IPS_HW_OFFLOAD
#define IPS_HW_OFFLOAD (1 << 15)
#endif

/* Netlink buffers must be 4-byte aligned. */
union ctbuf {
	struct nlmsghdr align;
	char b[8192];
};

struct ctspec {
	int family;
	const char *src, *dst;		/* original tuple */
	const char *rsrc, *rdst;	/* reply tuple; NULL: the mirror */
	uint8_t proto;
	uint16_t sport, dport;		/* host order */
	uint32_t id;
	uint32_t status;
	uint16_t zone;
	uint32_t mark;			/* CTA_MARK, 0: none */
};

enum ct_fx_kind { FX_NEW, FX_UPDATE, FX_DESTROY, FX_DUMP };

/* Append one message to buf at *off; returns it. */
static inline struct nlmsghdr *ct_fx_put(union ctbuf *buf, size_t *off, enum ct_fx_kind kind,
					 const struct ctspec *s)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf->b + *off);
	struct nfgenmsg *nfg;
	struct nf_conntrack *ct = nfct_new();
	uint8_t a[16];

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
			  (kind == FX_DESTROY ? IPCTNL_MSG_CT_DELETE : IPCTNL_MSG_CT_NEW);
	nlh->nlmsg_flags = kind == FX_NEW ? NLM_F_CREATE | NLM_F_EXCL :
			   kind == FX_DUMP ? NLM_F_MULTI : 0;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = (uint8_t)s->family;
	nfg->version = NFNETLINK_V0;

	nfct_set_attr_u8(ct, ATTR_L3PROTO, (uint8_t)s->family);
	if (s->family == AF_INET) {
		inet_pton(AF_INET, s->src, a);
		nfct_set_attr(ct, ATTR_IPV4_SRC, a);
		inet_pton(AF_INET, s->dst, a);
		nfct_set_attr(ct, ATTR_IPV4_DST, a);
		inet_pton(AF_INET, s->rsrc ? s->rsrc : s->dst, a);
		nfct_set_attr(ct, ATTR_REPL_IPV4_SRC, a);
		inet_pton(AF_INET, s->rdst ? s->rdst : s->src, a);
		nfct_set_attr(ct, ATTR_REPL_IPV4_DST, a);
	} else {
		inet_pton(AF_INET6, s->src, a);
		nfct_set_attr(ct, ATTR_IPV6_SRC, a);
		inet_pton(AF_INET6, s->dst, a);
		nfct_set_attr(ct, ATTR_IPV6_DST, a);
		inet_pton(AF_INET6, s->rsrc ? s->rsrc : s->dst, a);
		nfct_set_attr(ct, ATTR_REPL_IPV6_SRC, a);
		inet_pton(AF_INET6, s->rdst ? s->rdst : s->src, a);
		nfct_set_attr(ct, ATTR_REPL_IPV6_DST, a);
	}
	nfct_set_attr_u8(ct, ATTR_REPL_L3PROTO, (uint8_t)s->family);
	nfct_set_attr_u8(ct, ATTR_L4PROTO, s->proto);
	nfct_set_attr_u8(ct, ATTR_REPL_L4PROTO, s->proto);
	nfct_set_attr_u16(ct, ATTR_PORT_SRC, htons(s->sport));
	nfct_set_attr_u16(ct, ATTR_PORT_DST, htons(s->dport));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_SRC, htons(s->dport));
	nfct_set_attr_u16(ct, ATTR_REPL_PORT_DST, htons(s->sport));
	nfct_set_attr_u32(ct, ATTR_STATUS, s->status);
	if (s->zone)
		nfct_set_attr_u16(ct, ATTR_ZONE, s->zone);
	if (s->mark)
		nfct_set_attr_u32(ct, ATTR_MARK, s->mark);
	nfct_nlmsg_build(nlh, ct);
	/* The builder leaves CTA_ID out: the kernel never takes it in a create. */
	mnl_attr_put_u32(nlh, CTA_ID, htonl(s->id));
	nfct_destroy(ct);
	*off += nlh->nlmsg_len;
	return nlh;
}

/* A 10.0.0.2:40000 -> 10.2.0.2:80 TCP flow, id 1, offloaded. */
static inline struct ctspec ct_fx_seed_flow(void)
{
	return (struct ctspec){ .family = AF_INET, .src = "10.0.0.2", .dst = "10.2.0.2",
				.proto = IPPROTO_TCP, .sport = 40000, .dport = 80, .id = 1,
				.status = IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED |
					  IPS_OFFLOAD };
}

#endif
