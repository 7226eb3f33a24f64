/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RTM_NEWLINK -> struct link.  Pure: takes a netlink message, touches no
 * socket, so unit tests feed it hand-built messages.  libnl is not used
 * here because it gives no raw IFLA_INFO_DATA and has no getters for
 * every tunnel kind and attribute read here, so IFLA_INFO_DATA is walked
 * raw with libmnl.
 */
#ifndef FLOWD_LINK_PARSE_H
#define FLOWD_LINK_PARSE_H

#include <linux/netlink.h>

#include "model.h"

/*
 * Fill *out from one RTM_NEWLINK message.  Returns 0, or -1 with errno set
 * (EINVAL: not an RTM_NEWLINK or malformed; ERANGE: an attribute of the
 * wrong size) and *out zeroed.  A link of an unknown kind is not an error:
 * it becomes LINK_TYPE_OTHER.
 */
int link_parse(const struct nlmsghdr *nlh, struct link *out);

/* IFLA_INFO_KIND -> enum link_type; LINK_TYPE_OTHER when unknown or NULL. */
enum link_type link_type_from_kind(const char *kind);
/* The layer 3 tunnel kinds' IFLA_INFO_KIND strings: tunnel_kind_by_name(). */

#endif
