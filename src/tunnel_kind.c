// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The tunnel kind table (see include/tunnel_kind.h) and its look-ups.
 */
#include "config.h"

#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tunnel_kind.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Row n holds bit 1u << n: tunnel_kind_info() relies on it. */
static const struct tunnel_kind_info kinds[] = {
	{ "ipip", "IPv4 in IPv4", "tunl0", TUNNEL_KIND_IPIP, AF_INET, TUNNEL_ATTRS_IPTUN,
	  false, IPPROTO_IPIP },
	{ "sit", "IPv6 in IPv4", "sit0", TUNNEL_KIND_SIT, AF_INET, TUNNEL_ATTRS_IPTUN,
	  false, IPPROTO_IPV6 },
	{ "ip6tnl", "IPv6 or IPv4 in IPv6", "ip6tnl0", TUNNEL_KIND_IP6TNL, AF_INET6,
	  TUNNEL_ATTRS_IPTUN, false, 0 },
	{ "gre", "GRE over IPv4", "gre0", TUNNEL_KIND_GRE, AF_INET, TUNNEL_ATTRS_GRE, true, 0 },
	{ "ip6gre", "GRE over IPv6", "ip6gre0", TUNNEL_KIND_IP6GRE, AF_INET6, TUNNEL_ATTRS_GRE,
	  true, 0 },
};

_Static_assert(N_ELEMS(kinds) == TUNNEL_KIND_COUNT,
	       "TUNNEL_KIND_COUNT must match the rows of the tunnel kind table");

const struct tunnel_kind_info *tunnel_kind_at(size_t i)
{
	return i < N_ELEMS(kinds) ? &kinds[i] : NULL;
}

const struct tunnel_kind_info *tunnel_kind_info(unsigned int kind)
{
	for (size_t i = 0; i < N_ELEMS(kinds); i++)
		if (kinds[i].kind == kind)
			return &kinds[i];
	return NULL;
}

const struct tunnel_kind_info *tunnel_kind_by_name(const char *name)
{
	if (name == NULL)
		return NULL;
	for (size_t i = 0; i < N_ELEMS(kinds); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

const char *tunnel_kind_name(unsigned int kind)
{
	const struct tunnel_kind_info *k = tunnel_kind_info(kind);

	return k != NULL ? k->name : NULL;
}

unsigned int tunnel_kind_from_name(const char *name)
{
	const struct tunnel_kind_info *k = tunnel_kind_by_name(name);

	return k != NULL ? (unsigned int)k->kind : 0;
}

const char *tunnel_kind_names_list(void)
{
	/* Built on first use; flowd and flowctl are single-threaded. */
	static char list[128];
	size_t used = 0;

	if (list[0] != '\0')
		return list;
	for (size_t i = 0; i < N_ELEMS(kinds); i++) {
		int n = snprintf(list + used, sizeof(list) - used, "%s%s", i ? ", " : "",
				 kinds[i].name);

		if (n < 0 || (size_t)n >= sizeof(list) - used)
			break;	/* too long for the buffer: keep what fits */
		used += (size_t)n;
	}
	return list;
}
