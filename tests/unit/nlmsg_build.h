/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Hand-built netlink messages for the parser tests and the fuzz seeds
 * (tests/fuzz/gen_corpus.c): rtnetlink links and routes, errors and ACKs.
 */
#ifndef FLOWD_TEST_NLMSG_BUILD_H
#define FLOWD_TEST_NLMSG_BUILD_H

#include <arpa/inet.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

/* Netlink buffers must be 4-byte aligned. */
union nlbuf {
	struct nlmsghdr align;
	char b[4096];
};

/* A message of type alone in buf, its hdrlen bytes of family header zeroed. */
static inline struct nlmsghdr *nl_msg_start(union nlbuf *buf, uint16_t type, size_t hdrlen)
{
	struct nlmsghdr *nlh;

	memset(buf, 0, sizeof(*buf));
	nlh = mnl_nlmsg_put_header(buf->b);
	nlh->nlmsg_type = type;
	mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static inline struct nlmsghdr *nl_newlink(union nlbuf *buf, int ifindex, const char *name,
					  unsigned int flags)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWLINK, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	if (name != NULL)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

/*
 * IFLA_LINKINFO with IFLA_INFO_KIND kind, then an open IFLA_INFO_DATA for
 * the kind's attributes; close both with nl_linkinfo_end().
 */
static inline struct nlattr *nl_linkinfo_begin(struct nlmsghdr *nlh, const char *kind,
					       struct nlattr **data)
{
	struct nlattr *li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);

	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	*data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	return li;
}

static inline void nl_linkinfo_end(struct nlmsghdr *nlh, struct nlattr *li, struct nlattr *data)
{
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, li);
}

/* An RTM_NEWROUTE in the main table, no attributes yet. */
static inline struct nlmsghdr *nl_newroute(union nlbuf *buf, int family, int dst_len,
					   unsigned char type)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, RTM_NEWROUTE, sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_family = (unsigned char)family;
	rtm->rtm_dst_len = (unsigned char)dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_type = type;
	return nlh;
}

/* An NLMSG_ERROR carrying error (negative errno), nothing of the request. */
static inline struct nlmsghdr *nl_error(union nlbuf *buf, int error)
{
	struct nlmsghdr *nlh = nl_msg_start(buf, NLMSG_ERROR, sizeof(struct nlmsgerr));
	struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	e->error = error;
	return nlh;
}

/*
 * The ACK (error 0) or error the kernel sends for request seq on a socket
 * with NETLINK_CAP_ACK and NETLINK_EXT_ACK, as flowd's nftables socket:
 * the request's header only, then text and offs (< 0: none, else where
 * the offending attribute is in the request) when given.  Written to buf,
 * anywhere 4-byte aligned, so that ACKs can follow each other in a buffer.
 */
static inline struct nlmsghdr *nl_put_ack(void *buf, uint32_t seq, int error, const char *text,
					  int64_t offs)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nlmsgerr *e;

	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED;
	nlh->nlmsg_seq = seq;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	e->error = error;
	e->msg.nlmsg_len = 100;		/* the request's length; capped, it is not here */
	e->msg.nlmsg_seq = seq;
	if (text || offs >= 0)
		nlh->nlmsg_flags |= NLM_F_ACK_TLVS;
	if (text)
		mnl_attr_put_strz(nlh, NLMSGERR_ATTR_MSG, text);
	if (offs >= 0)
		mnl_attr_put_u32(nlh, NLMSGERR_ATTR_OFFS, (uint32_t)offs);
	return nlh;
}

static inline void nl_put_in4(struct nlmsghdr *nlh, uint16_t type, const char *text)
{
	struct in_addr a;

	inet_pton(AF_INET, text, &a);
	mnl_attr_put(nlh, type, sizeof(a), &a);
}

static inline void nl_put_in6(struct nlmsghdr *nlh, uint16_t type, const char *text)
{
	struct in6_addr a;

	inet_pton(AF_INET6, text, &a);
	mnl_attr_put(nlh, type, sizeof(a), &a);
}

static inline uint32_t in4(const char *text)
{
	struct in_addr a;

	inet_pton(AF_INET, text, &a);
	return a.s_addr;
}

#endif
