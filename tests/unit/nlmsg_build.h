/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Hand-built rtnetlink messages for the parser tests. */
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

static inline struct nlmsghdr *nl_newlink(union nlbuf *buf, int ifindex, const char *name,
					  unsigned int flags)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	memset(buf, 0, sizeof(*buf));
	nlh = mnl_nlmsg_put_header(buf->b);
	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	if (name != NULL)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
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
