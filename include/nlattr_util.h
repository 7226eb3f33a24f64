/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Strict netlink attribute indexing shared by the rtnetlink parsers. */
#ifndef FLOWD_NLATTR_UTIL_H
#define FLOWD_NLATTR_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

/*
 * Index the attributes in [payload, payload + len) by type into tb[0..max]
 * (tb is zeroed first; types above max are skipped, the last duplicate
 * wins).  Unlike mnl_attr_parse(), bytes left over that do not form a whole
 * attribute are an error (-1, errno EINVAL), not silently dropped.
 */
int nlattr_table(const void *payload, size_t len, const struct nlattr **tb, uint16_t max);
/* The same over a nested attribute's payload. */
int nlattr_nested_table(const struct nlattr *nest, const struct nlattr **tb, uint16_t max);
/* The same over a message's attributes after a family header of hdrlen bytes. */
int nlattr_msg_table(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		     uint16_t max);
/*
 * mnl_nlmsg_ok() for walking a receive buffer with mnl_nlmsg_next().
 * libmnl's casts nlmsg_len to int: a length of 2^31 or more passes its
 * check, and mnl_nlmsg_next() then jumps up to 4 GiB past the buffer, or,
 * for 2^32 - 3 and up (which MNL_ALIGN() rounds to 0), returns the same
 * message forever.  This one compares unsigned, so a message that passes
 * lies within the len bytes left.
 */
static inline bool nlattr_msg_ok(const struct nlmsghdr *nlh, int len)
{
	return len >= (int)sizeof(struct nlmsghdr) &&
	       nlh->nlmsg_len >= sizeof(struct nlmsghdr) &&
	       nlh->nlmsg_len <= (unsigned int)len;
}

/* 0 when the payload is exactly len bytes, else -1 with errno ERANGE. */
int nlattr_len_is(const struct nlattr *attr, size_t len);

#endif
