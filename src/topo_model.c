// SPDX-License-Identifier: GPL-2.0-or-later
/* Lookups and helpers over the plain topology model (model.h). */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"

const struct link *topo_link_by_ifindex(const struct topo *topo, int ifindex)
{
	if (ifindex <= 0)
		return NULL;
	for (size_t i = 0; i < topo->n_links; i++)
		if (topo->links[i].ifindex == ifindex)
			return &topo->links[i];
	return NULL;
}

const struct link *topo_link_by_name(const struct topo *topo, const char *name)
{
	for (size_t i = 0; i < topo->n_links; i++)
		if (strncmp(topo->links[i].name, name, IFNAMSIZ) == 0)
			return &topo->links[i];
	return NULL;
}

const struct tunnel_route *topo_route_by_tunnel(const struct topo *topo, int tunnel_ifindex)
{
	for (size_t i = 0; i < topo->n_routes; i++)
		if (topo->routes[i].tunnel_ifindex == tunnel_ifindex)
			return &topo->routes[i];
	return NULL;
}

void topo_free(struct topo *topo)
{
	if (topo == NULL)
		return;
	free(topo->links);
	free(topo->routes);
	memset(topo, 0, sizeof(*topo));
}

bool addr_is_set(const struct addr *addr)
{
	return addr->family == AF_INET || addr->family == AF_INET6;
}

bool addr_equal(const struct addr *a, const struct addr *b)
{
	if (a->family != b->family)
		return false;
	switch (a->family) {
	case AF_INET:
		return a->v4.s_addr == b->v4.s_addr;
	case AF_INET6:
		return memcmp(&a->v6, &b->v6, sizeof(a->v6)) == 0;
	default:
		return true;
	}
}

const char *addr_ntop(const struct addr *addr, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (!addr_is_set(addr))
		snprintf(buf, len, "any");
	else if (inet_ntop(addr->family, addr->bytes, buf, len) == NULL)
		snprintf(buf, len, "?");	/* buf too small: never pass for "any" */
	return buf;
}
