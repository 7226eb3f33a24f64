// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The names the config file uses for protocols and address families, and
 * their bits in struct conf; the tunnel kinds' names come from their table
 * (tunnel_kind.h) through the same interface.
 */
#include "config.h"

#include <string.h>

#include "conf_priv.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

struct bit_name {
	unsigned int bit;
	const char *name;
};

static const struct bit_name flow_l4_names[] = {
	{ FLOW_L4_TCP, "tcp" },
	{ FLOW_L4_UDP, "udp" },
};

static const struct bit_name flow_family_names[] = {
	{ FLOW_FAMILY_IPV4, "ipv4" },
	{ FLOW_FAMILY_IPV6, "ipv6" },
};

static const char *tunnel_kind_name_at(size_t i)
{
	const struct tunnel_kind_info *k = tunnel_kind_at(i);

	return k != NULL ? k->name : NULL;
}

static unsigned int tunnel_kind_bit_at(size_t i)
{
	const struct tunnel_kind_info *k = tunnel_kind_at(i);

	return k != NULL ? (unsigned int)k->kind : 0;
}

static const char *flow_l4_name_at(size_t i)
{
	return flow_l4_names[i].name;
}

static unsigned int flow_l4_bit_at(size_t i)
{
	return flow_l4_names[i].bit;
}

static const char *flow_l4s_allowed(void)
{
	return "tcp, udp";
}

static const char *flow_family_name_at(size_t i)
{
	return flow_family_names[i].name;
}

static unsigned int flow_family_bit_at(size_t i)
{
	return flow_family_names[i].bit;
}

static const char *flow_families_allowed(void)
{
	return "ipv4, ipv6";
}

const struct conf_bit_names conf_tunnel_kinds = {
	TUNNEL_KIND_COUNT, tunnel_kind_name_at, tunnel_kind_bit_at, tunnel_kind_names_list,
};

const struct conf_bit_names conf_flow_l4s = {
	N_ELEMS(flow_l4_names), flow_l4_name_at, flow_l4_bit_at, flow_l4s_allowed,
};

const struct conf_bit_names conf_flow_families = {
	N_ELEMS(flow_family_names), flow_family_name_at, flow_family_bit_at,
	flow_families_allowed,
};

unsigned int conf_bit_from_name(const struct conf_bit_names *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->name_at(i), name) == 0)
			return set->bit_at(i);
	return 0;
}

const char *conf_bit_name(const struct conf_bit_names *set, unsigned int bit)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->bit_at(i) == bit)
			return set->name_at(i);
	return NULL;
}

bool conf_table_family_valid(const char *family)
{
	/* arp, bridge and netdev tables cannot hold a forward-hook flow rule. */
	return strcmp(family, "inet") == 0 || strcmp(family, "ip") == 0 ||
	       strcmp(family, "ip6") == 0;
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
