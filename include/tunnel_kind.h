/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The layer 3 tunnel kinds flowd accelerates, in one table.  Everything
 * that depends on the kind -- the name the config file and rtnetlink use,
 * the bit in conf.tunnel_kinds, the outer family, whether a GRE header is
 * carried, the fallback device the kernel module creates -- is read from
 * here, so adding a kind is one row in src/tunnel_kind.c plus its bit
 * below.
 */
#ifndef FLOWD_TUNNEL_KIND_H
#define FLOWD_TUNNEL_KIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A kind's bit in conf.tunnel_kinds and its value in tunnel_params.kind.
 * Bit n is row n of the table: tests/unit/test_tunnel_kind.c checks it.
 */
enum tunnel_kind {
	TUNNEL_KIND_IPIP = 1u << 0,	/* IPv4 in IPv4 */
	TUNNEL_KIND_SIT = 1u << 1,	/* IPv6 in IPv4 */
	TUNNEL_KIND_IP6TNL = 1u << 2,	/* IPv6/IPv4 in IPv6 (ip6ip6, ipip6) */
	TUNNEL_KIND_GRE = 1u << 3,	/* GRE over IPv4, layer 3 only */
	TUNNEL_KIND_IP6GRE = 1u << 4,	/* GRE over IPv6, layer 3 only */
};
/* Rows in the table; a compile-time check in tunnel_kind.c holds it to the table. */
#define TUNNEL_KIND_COUNT 5u
/* Every kind: the default of tunnels.kinds. */
#define TUNNEL_KIND_ALL ((1u << TUNNEL_KIND_COUNT) - 1u)

/* Which IFLA_INFO_DATA attribute set the kind's links carry. */
enum tunnel_attrs {
	TUNNEL_ATTRS_IPTUN,		/* IFLA_IPTUN_* (ipip, sit, ip6tnl) */
	TUNNEL_ATTRS_GRE,		/* IFLA_GRE_* (gre, ip6gre) */
};

struct tunnel_kind_info {
	/* The config name, which is also the rtnetlink IFLA_INFO_KIND string,
	 * so a name in flowd.conf is what `ip -d link` shows. */
	const char *name;
	const char *carries;		/* "IPv4 in IPv4": for people */
	/* The device the module creates in every namespace (ip_tunnel_init_net()). */
	const char *fallback_dev;
	enum tunnel_kind kind;
	int outer_family;		/* AF_INET or AF_INET6 */
	enum tunnel_attrs attrs;
	bool gre;			/* a GRE header: checksum/sequence flags apply */
	/*
	 * Inner protocol when the kernel leaves IFLA_IPTUN_PROTO out (older
	 * kernels); non-zero only for the kinds whose "mode" picks the inner
	 * protocol among IPv4, IPv6 and MPLS (ipip, sit).
	 */
	uint8_t default_proto;
};

/* Row i of the table, 0 <= i < TUNNEL_KIND_COUNT; NULL past the end. */
const struct tunnel_kind_info *tunnel_kind_at(size_t i);
/* The row for one kind bit; NULL for 0, several bits or an unknown bit. */
const struct tunnel_kind_info *tunnel_kind_info(unsigned int kind);
/* The row whose name (config or IFLA_INFO_KIND) is name; NULL if none or name is NULL. */
const struct tunnel_kind_info *tunnel_kind_by_name(const char *name);

/* Shorthands: kind bit -> name (NULL if unknown), name -> bit (0 if unknown). */
const char *tunnel_kind_name(unsigned int kind);
unsigned int tunnel_kind_from_name(const char *name);

/* "ipip, sit, ip6tnl, gre, ip6gre": the names for error messages. */
const char *tunnel_kind_names_list(void);

#endif
