// SPDX-License-Identifier: GPL-2.0-or-later
/* Strict netlink attribute indexing (see nlattr_util.h). */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "nlattr_util.h"

int nlattr_table(const void *payload, size_t len, const struct nlattr **tb, uint16_t max)
{
	const struct nlattr *attr = payload;
	int rem;

	memset(tb, 0, (max + 1u) * sizeof(*tb));
	if (len > INT_MAX) {
		errno = EINVAL;
		return -1;
	}
	rem = (int)len;
	while (mnl_attr_ok(attr, rem)) {
		uint16_t type = mnl_attr_get_type(attr);

		if (type <= max)
			tb[type] = attr;
		rem -= MNL_ALIGN(attr->nla_len);
		attr = mnl_attr_next(attr);
	}
	/* rem < 0: the last attribute was not padded, which is harmless. */
	if (rem > 0) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int nlattr_nested_table(const struct nlattr *nest, const struct nlattr **tb, uint16_t max)
{
	return nlattr_table(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), tb, max);
}

int nlattr_msg_table(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		     uint16_t max)
{
	size_t off = MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen);

	if (nlh->nlmsg_len < off) {
		memset(tb, 0, (max + 1u) * sizeof(*tb));
		errno = EINVAL;
		return -1;
	}
	return nlattr_table(mnl_nlmsg_get_payload_offset(nlh, hdrlen), nlh->nlmsg_len - off, tb,
			    max);
}

int nlattr_len_is(const struct nlattr *attr, size_t len)
{
	if (mnl_attr_get_payload_len(attr) != len) {
		errno = ERANGE;
		return -1;
	}
	return 0;
}
