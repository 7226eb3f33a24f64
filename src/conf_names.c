// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The names the config file uses for tunnel kinds, protocols and address
 * families, and their bits in struct conf.
 */
#include "config.h"

#include <string.h>

#include "conf_priv.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The rtnetlink IFLA_INFO_KIND strings, so a name here is what `ip -d link` shows. */
static const struct conf_bit_name tunnel_kind_names[] = {
	{ TUNNEL_KIND_IPIP, "ipip" },
	{ TUNNEL_KIND_SIT, "sit" },
	{ TUNNEL_KIND_IP6TNL, "ip6tnl" },
	{ TUNNEL_KIND_GRE, "gre" },
	{ TUNNEL_KIND_IP6GRE, "ip6gre" },
};

static const struct conf_bit_name flow_l4_names[] = {
	{ FLOW_L4_TCP, "tcp" },
	{ FLOW_L4_UDP, "udp" },
};

static const struct conf_bit_name flow_family_names[] = {
	{ FLOW_FAMILY_IPV4, "ipv4" },
	{ FLOW_FAMILY_IPV6, "ipv6" },
};

const struct conf_bit_names conf_tunnel_kinds = {
	tunnel_kind_names, N_ELEMS(tunnel_kind_names), "ipip, sit, ip6tnl, gre, ip6gre",
};

const struct conf_bit_names conf_flow_l4s = {
	flow_l4_names, N_ELEMS(flow_l4_names), "tcp, udp",
};

const struct conf_bit_names conf_flow_families = {
	flow_family_names, N_ELEMS(flow_family_names), "ipv4, ipv6",
};

unsigned int conf_bit_from_name(const struct conf_bit_names *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->names[i].name, name) == 0)
			return set->names[i].bit;
	return 0;
}

const char *conf_bit_name(const struct conf_bit_names *set, unsigned int bit)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->names[i].bit == bit)
			return set->names[i].name;
	return NULL;
}

bool conf_table_family_valid(const char *family)
{
	/* arp, bridge and netdev tables cannot hold a forward-hook flow rule. */
	return strcmp(family, "inet") == 0 || strcmp(family, "ip") == 0 ||
	       strcmp(family, "ip6") == 0;
}

const char *tunnel_kind_name(enum tunnel_kind kind)
{
	return conf_bit_name(&conf_tunnel_kinds, kind);
}

unsigned int tunnel_kind_from_name(const char *name)
{
	return conf_bit_from_name(&conf_tunnel_kinds, name);
}

const char *flow_l4_name(enum flow_l4 l4)
{
	return conf_bit_name(&conf_flow_l4s, l4);
}

unsigned int flow_l4_from_name(const char *name)
{
	return conf_bit_from_name(&conf_flow_l4s, name);
}

const char *flow_family_name(enum flow_family family)
{
	return conf_bit_name(&conf_flow_families, family);
}

unsigned int flow_family_from_name(const char *name)
{
	return conf_bit_from_name(&conf_flow_families, name);
}

const char *conf_flush_method_name(enum conf_flush_method m)
{
	switch (m) {
	case CONF_FLUSH_AUTO:
		return "auto";
	case CONF_FLUSH_DELETE:
		return "delete";
	case CONF_FLUSH_REBUILD:
		return "rebuild";
	}
	return NULL;
}
