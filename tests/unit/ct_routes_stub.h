/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A stand-in for the kernel's route lookups in the conntrack tests and
 * tools: a handful of routes, longest prefix first (lowest metric on a
 * tie), one table, no rules.  Input lookups route by destination like
 * output ones; the tests of ct_paths.c use their own backends for the
 * rest.  Counts the lookups it answers.
 */
#ifndef FLOWD_TEST_CT_ROUTES_STUB_H
#define FLOWD_TEST_CT_ROUTES_STUB_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/rtnetlink.h>

#include "ct.h"

#define STUB_MAX_ROUTES 64

struct stub_routes {
	struct ct_route v[STUB_MAX_ROUTES];
	size_t n;
	unsigned long asked;		/* keys looked up */
};

static struct stub_routes stub_routes;

static inline bool stub_in_prefix(const uint8_t *a, const struct ct_route *r)
{
	unsigned int bytes = r->plen / 8, bits = r->plen % 8;

	if (memcmp(a, r->addr, bytes) != 0)
		return false;
	return bits == 0 || ((a[bytes] ^ r->addr[bytes]) & (uint8_t)(0xff00u >> bits)) == 0;
}

static inline int stub_lookup(void *arg, const struct ct_rtkey *keys, int32_t *ifindex,
			      uint8_t *plen, size_t n)
{
	struct stub_routes *s = arg;

	for (size_t i = 0; i < n; i++) {
		const struct ct_route *best = NULL;

		s->asked++;
		for (size_t j = 0; j < s->n; j++) {
			const struct ct_route *r = &s->v[j];

			if (r->family != keys[i].family || !stub_in_prefix(keys[i].dst, r))
				continue;
			if (best == NULL || r->plen > best->plen ||
			    (r->plen == best->plen && r->metric < best->metric))
				best = r;
		}
		ifindex[i] = best == NULL || (best->type != 0 && best->type != RTN_UNICAST) ?
				     0 : best->ifindex;
		plen[i] = ifindex[i] > 0 ? best->plen : 0;
	}
	return 0;
}

/* Route with these from now on, and re-resolve every flow. */
static inline int seed_set_routes(struct ct_ctx *ct, const struct ct_route *routes, size_t n)
{
	if (n > STUB_MAX_ROUTES)
		return -E2BIG;
	if (n > 0)
		memcpy(stub_routes.v, routes, n * sizeof(*routes));
	stub_routes.n = n;
	ct_set_lookup(ct, stub_lookup, &stub_routes);
	return ct_update_paths(ct);
}

#endif
