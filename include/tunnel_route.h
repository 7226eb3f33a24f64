/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A tunnel's underlay route: ask the kernel (RTM_GETROUTE) where a packet
 * to the tunnel's remote would go, the way the tunnel's own transmit path
 * routes it (source = local, oif = bound link, mark = fwmark, tos).
 *
 * The message builder and the reply parser are pure and unit-tested; only
 * tunnel_route_lookup() and tunnel_route_resolve_all() do socket I/O.
 */
#ifndef FLOWD_TUNNEL_ROUTE_H
#define FLOWD_TUNNEL_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "model.h"

struct nl_talk;

/* Reasons a tunnel_route stays unresolved (static strings, compare by pointer or text). */
extern const char TUNNEL_ROUTE_NO_REMOTE[];		/* "no remote address" */
extern const char TUNNEL_ROUTE_COLLECT_MD[];		/* "external/collect_md tunnel" */
extern const char TUNNEL_ROUTE_NO_ROUTE[];		/* "no route to remote" */
extern const char TUNNEL_ROUTE_THROUGH_SELF[];		/* "route to remote goes through the tunnel itself" */
extern const char TUNNEL_ROUTE_UNREACHABLE[];
extern const char TUNNEL_ROUTE_PROHIBITED[];
extern const char TUNNEL_ROUTE_INVALID[];
extern const char TUNNEL_ROUTE_NO_LINK[];
extern const char TUNNEL_ROUTE_LOCAL_REMOTE[];
extern const char TUNNEL_ROUTE_NOT_UNICAST[];
extern const char TUNNEL_ROUTE_NO_OIF[];
extern const char TUNNEL_ROUTE_LOOKUP_FAILED[];
extern const char TUNNEL_ROUTE_NOT_TUNNEL[];

/* Room for any request tunnel_route_build_request() makes. */
#define TUNNEL_ROUTE_REQ_SIZE 256

/*
 * Why the tunnel needs no lookup (no remote, collect_md, not a tunnel),
 * or NULL when it does.
 */
const char *tunnel_route_precheck(const struct link *tun);

/*
 * Build the RTM_GETROUTE request for tun into buf (at least
 * TUNNEL_ROUTE_REQ_SIZE bytes).  Returns the message, or NULL with errno
 * set (EINVAL: tun needs no lookup, see tunnel_route_precheck();
 * ENOSPC: buf too small).
 */
struct nlmsghdr *tunnel_route_build_request(void *buf, size_t len, const struct link *tun,
					    uint32_t seq);

/*
 * The same request with RTM_F_FIB_MATCH: the kernel answers with the route
 * itself, all next hops of a multipath route included.
 */
struct nlmsghdr *tunnel_route_build_paths_request(void *buf, size_t len, const struct link *tun,
						  uint32_t seq);

/*
 * Parse the answer to the RTM_F_FIB_MATCH request into out->path_oifs (the
 * output devices of the live next hops of a multipath route; none for a
 * single path or an NLMSG_ERROR).  Returns 0, or -1 with errno EINVAL for a
 * malformed message (out->n_path_oifs is then 0).  Touches nothing else.
 */
int tunnel_route_parse_paths(const struct nlmsghdr *nlh, const struct link *tun,
			     struct tunnel_route *out);

/*
 * Parse the kernel's answer to that request: an RTM_NEWROUTE, or an
 * NLMSG_ERROR carrying the lookup's errno.  Fills *out (resolved or with a
 * why_not reason) and returns 0; returns -1 with errno EINVAL when the
 * message is malformed or is neither of the two (out then says
 * TUNNEL_ROUTE_LOOKUP_FAILED).
 */
int tunnel_route_parse_reply(const struct nlmsghdr *nlh, const struct link *tun,
			     struct tunnel_route *out);

/*
 * One blocking lookup over t (a NETLINK_ROUTE conversation with a receive
 * timeout); late answers to an earlier timed-out lookup are skipped.
 * Always fills *out; returns 0 when the kernel answered (resolved or
 * not), -1 on socket trouble (out then says TUNNEL_ROUTE_LOOKUP_FAILED).
 */
int tunnel_route_lookup(struct nl_talk *t, const struct link *tun, struct tunnel_route *out);

/*
 * Replace topo->routes with one entry per LINK_TYPE_TUNNEL link.  Returns
 * 0, or -1 on allocation failure (topo->routes then unchanged).  Socket
 * trouble on one tunnel only leaves that tunnel unresolved.  *requests
 * counts the RTM_GETROUTE requests sent (two for a resolved tunnel: the
 * lookup and its RTM_F_FIB_MATCH).
 */
int tunnel_route_resolve_all(struct nl_talk *t, struct topo *topo, uint64_t *requests);

#endif
