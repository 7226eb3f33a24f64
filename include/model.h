/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * flowd's view of the router: plain structs, filled from rtnetlink by
 * topo.c and tunnel.c, read by the pure planner (plan.c).  Unit tests build
 * these by hand, so nothing here refers to a socket or a libnl object.
 */
#ifndef FLOWD_MODEL_H
#define FLOWD_MODEL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf.h"

/* An IPv4 or IPv6 address; family 0 means "none". */
struct addr {
	int family;			/* AF_INET, AF_INET6 or 0 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	};
};

/* What a device is, as far as finding a tunnel's underlay goes. */
enum link_type {
	LINK_TYPE_OTHER = 0,	/* ethernet, veth, dummy, anything plain */
	LINK_TYPE_VLAN,		/* 802.1Q/802.1ad: lower_ifindex is the parent */
	LINK_TYPE_BRIDGE,	/* a bridge: its ports have master_ifindex = it */
	LINK_TYPE_PPP,		/* ppp; lower_ifindex = the PPPoE Ethernet, if known */
	LINK_TYPE_TUNNEL,	/* one of enum tunnel_kind, see link.tun */
	LINK_TYPE_L2_TUNNEL,	/* gretap, ip6gretap, erspan...: never accelerated */
	LINK_TYPE_VRF,		/* a VRF: its members have master_ifindex = it */
};

/* A tunnel's own configuration, as the kernel reports it. */
struct tunnel_params {
	enum tunnel_kind kind;
	int outer_family;		/* AF_INET (ipip, sit, gre) or AF_INET6 */
	struct addr local;		/* family 0 when "any" */
	struct addr remote;		/* family 0: not point-to-point */
	int link_ifindex;		/* bound lower device, 0 if none */
	uint8_t ttl;			/* 0: inherit (IPv4) */
	uint8_t tos;			/* IPv4 tos; 1 = inherit */
	bool pmtudisc;			/* IPv4: DF set */
	uint8_t hop_limit;		/* IPv6 kinds */
	uint8_t encap_limit;		/* IPv6 kinds */
	uint32_t flowinfo;		/* IPv6 kinds (network order) */
	uint32_t flags;			/* IPv6 kinds: IP6_TNL_F_*; sit: SIT_ISATAP */
	uint8_t proto;			/* inner protocol: ip6tnl IPPROTO_IPIP/_IPV6/0 = any,
					 * sit IPPROTO_IPV6 (default)/_IPIP/0, ipip _IPIP */
	uint16_t iflags, oflags;	/* GRE: ntohs(GRE_KEY|GRE_CSUM|GRE_SEQ) */
	uint32_t ikey, okey;		/* GRE keys (network order) */
	uint32_t fwmark;
	bool collect_md;		/* external: no fixed endpoints (lwt) */
};

struct link {
	int ifindex;
	char name[IFNAMSIZ];
	char kind[16];			/* IFLA_INFO_KIND, "" for none */
	enum link_type type;
	bool up;			/* IFF_UP */
	int lower_ifindex;		/* IFLA_LINK for VLAN/PPP, 0 if none */
	int master_ifindex;		/* IFLA_MASTER, 0 if none */
	uint16_t vlan_id;
	uint16_t vlan_proto;		/* ETH_P_8021Q or ETH_P_8021AD (host order) */
	struct tunnel_params tun;	/* valid when type == LINK_TYPE_TUNNEL */
};

/*
 * Where a tunnel's outer packets go: filled by tunnel.c from a route lookup
 * to the remote, honouring the tunnel's bound link and local address.
 */
/* Output devices of a multipath route to a tunnel's remote that flowd follows. */
#define TUNNEL_ROUTE_MAX_PATHS 16

struct tunnel_route {
	int tunnel_ifindex;
	bool resolved;			/* false: no route (yet), or no remote */
	const char *why_not;		/* static reason text when !resolved */
	int oif;			/* route's output device */
	/*
	 * A multipath (ECMP) route: the output devices of its live next hops,
	 * oif among them, without repeats.  The kernel picks one per flow by
	 * its hash, so each may carry the tunnel.  n_path_oifs is 0 for a
	 * single path.
	 */
	int path_oifs[TUNNEL_ROUTE_MAX_PATHS];
	size_t n_path_oifs;
	struct addr nexthop;		/* gateway, or the remote when on-link */
	struct addr prefsrc;
};

struct topo {
	struct link *links;
	size_t n_links;
	struct tunnel_route *routes;	/* one per tunnel in links */
	size_t n_routes;
};

const struct link *topo_link_by_ifindex(const struct topo *topo, int ifindex);
const struct link *topo_link_by_name(const struct topo *topo, const char *name);
/* The route entry of a tunnel, NULL if topo has none for it. */
const struct tunnel_route *topo_route_by_tunnel(const struct topo *topo, int tunnel_ifindex);
/* Frees the arrays of a topo filled by topo_snapshot() and zeroes it. */
void topo_free(struct topo *topo);

/* Enough for any address as text, and for "any". */
#define ADDR_STRLEN INET6_ADDRSTRLEN
/* Text form of an address, "any" for family 0; returns buf. */
const char *addr_ntop(const struct addr *addr, char *buf, size_t len);
bool addr_is_set(const struct addr *addr);
bool addr_equal(const struct addr *a, const struct addr *b);

#endif
