// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stale flows: a tunnel's fingerprint (its endpoints, parameters and the
 * route its outer packets take) taken at each reconcile, and the flows
 * whose tunnel's fingerprint changed or whose device left the flowtable
 * since, which must go back to the slow path to pick up the new path.
 * Pure: reads the table and the two plans.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "ct.h"
#include "ct_int.h"

void ct_tunnel_fp_fill(struct ct_tunnel_fp *fp, const struct link *l, const struct tunnel_route *r,
		       const struct plan_tunnel *t)
{
	const struct tunnel_params *p = &l->tun;
	struct {
		uint32_t kind, proto, iflags, oflags, ikey, okey, fwmark, flowinfo, flags;
		int32_t link;
		/* cppcheck-suppress unusedStructMember ; pad: no hidden padding, h is hashed as bytes */
		uint8_t encap_limit, hop_limit, collect_md, pad;
		uint8_t prefsrc[16];
		int32_t paths[TUNNEL_ROUTE_MAX_PATHS];
	} h;

	memset(fp, 0, sizeof(*fp));
	fp->ifindex = l->ifindex;
	fp->underlay_ifindex = t != NULL && t->accelerated ? t->underlay_ifindex : 0;
	if (r != NULL && r->resolved) {
		fp->oif = r->oif;
		fp->nexthop = r->nexthop;
	}
	fp->local = p->local;
	fp->remote = p->remote;
	fp->ttl = p->outer_family == AF_INET6 ? p->hop_limit : p->ttl;
	fp->tos = p->tos;
	fp->pmtudisc = p->pmtudisc;

	memset(&h, 0, sizeof(h));
	h.kind = p->kind;
	h.proto = p->proto;
	h.iflags = p->iflags;
	h.oflags = p->oflags;
	h.ikey = p->ikey;
	h.okey = p->okey;
	h.fwmark = p->fwmark;
	h.flowinfo = p->flowinfo;
	h.flags = p->flags;
	h.link = p->link_ifindex;
	h.encap_limit = p->encap_limit;
	h.hop_limit = p->hop_limit;
	h.collect_md = p->collect_md;
	/* With "local any" the outer source is the route's preferred source. */
	if (r != NULL && r->resolved && r->prefsrc.family != 0)
		memcpy(h.prefsrc, r->prefsrc.bytes, 16);
	/* The next hops of a multipath route: flows move when they change. */
	if (r != NULL && r->resolved)
		for (size_t i = 0; i < r->n_path_oifs; i++)
			h.paths[i] = r->path_oifs[i];
	/* A fixed key: fingerprints taken at different times must compare. */
	fp->params = (uint32_t)ct_hash(&h, sizeof(h), 0x666c6f7764ULL, 0x6670ULL);
}

bool ct_tunnel_fp_equal(const struct ct_tunnel_fp *a, const struct ct_tunnel_fp *b)
{
	return a->ifindex == b->ifindex && a->underlay_ifindex == b->underlay_ifindex &&
	       a->oif == b->oif && addr_equal(&a->nexthop, &b->nexthop) &&
	       addr_equal(&a->local, &b->local) && addr_equal(&a->remote, &b->remote) &&
	       a->ttl == b->ttl && a->tos == b->tos && a->pmtudisc == b->pmtudisc &&
	       a->params == b->params;
}

static bool in_ints(const int *v, size_t n, int x)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/*
 * The ifindexes that make a flow stale: first the tunnels whose fingerprint
 * changed or that disappeared (*n_tun of them), then old_plan's devices
 * that new_plan lacks, *n in all.  NULL on ENOMEM.
 */
static int *stale_ifindexes(const struct plan *old_plan, const struct ct_tunnel_fp *old_fp,
			    size_t n_old, const struct plan *new_plan,
			    const struct ct_tunnel_fp *new_fp, size_t n_new, size_t *n_tun,
			    size_t *n)
{
	int *stale = calloc(n_old + old_plan->n_devices + 1, sizeof(*stale));

	*n_tun = *n = 0;
	if (stale == NULL)
		return NULL;
	for (size_t i = 0; i < n_old; i++) {
		const struct ct_tunnel_fp *now = NULL;

		for (size_t j = 0; j < n_new && now == NULL; j++)
			if (new_fp[j].ifindex == old_fp[i].ifindex)
				now = &new_fp[j];
		if (now == NULL || !ct_tunnel_fp_equal(&old_fp[i], now))
			stale[(*n_tun)++] = old_fp[i].ifindex;
	}
	*n = *n_tun;
	for (size_t i = 0; i < old_plan->n_devices; i++) {
		bool kept = false;

		for (size_t j = 0; j < new_plan->n_devices && !kept; j++)
			kept = new_plan->devices[j].ifindex == old_plan->devices[i].ifindex;
		if (!kept)
			stale[(*n)++] = old_plan->devices[i].ifindex;
	}
	return stale;
}

int ct_paths_changed(const struct plan *old_plan, const struct ct_tunnel_fp *old_fp,
		     size_t n_old, const struct plan *new_plan, const struct ct_tunnel_fp *new_fp,
		     size_t n_new)
{
	size_t n_tun, n;
	int *stale = stale_ifindexes(old_plan, old_fp, n_old, new_plan, new_fp, n_new, &n_tun, &n);

	if (stale == NULL)
		return -ENOMEM;
	free(stale);
	return n > 0;
}

int ct_stale_flows(const struct ct_ctx *ct, const struct plan *old_plan,
		   const struct ct_tunnel_fp *old_fp, size_t n_old, const struct plan *new_plan,
		   const struct ct_tunnel_fp *new_fp, size_t n_new, struct ct_selection *out)
{
	size_t n_stale_tun, n_stale, cap = 0;
	struct ct_ptun *tuns = NULL;
	int *stale;		/* tunnels whose path changed, then devices that left */
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	stale = stale_ifindexes(old_plan, old_fp, n_old, new_plan, new_fp, n_new, &n_stale_tun,
				&n_stale);
	tuns = calloc(old_plan->n_tunnels + 1, sizeof(*tuns));
	if (stale == NULL || tuns == NULL)
		goto out;
	/* The flows were offloaded under the old plan's underlays. */
	for (size_t i = 0; i < old_plan->n_tunnels; i++) {
		tuns[i].ifindex = old_plan->tunnels[i].ifindex;
		tuns[i].underlay = old_plan->tunnels[i].underlay_ifindex;
	}

	out->n_total = ct_flows_count(ct->flows);
	for (size_t i = 0; i < ct_flows_count(ct->flows) && n_stale > 0; i++) {
		const struct ct_flow *f = ct_flows_at(ct->flows, i);
		int devs[CT_MAX_DEVS];
		size_t n = ct_flow_devices(tuns, old_plan->n_tunnels, f, devs);
		bool take = in_ints(stale, n_stale_tun, f->in_if) ||
			    in_ints(stale, n_stale_tun, f->out_if);

		for (size_t j = 0; j < n && !take; j++)
			take = in_ints(stale + n_stale_tun, n_stale - n_stale_tun, devs[j]);
		if (take && ct_selection_add(out, &cap, f) < 0) {
			ct_selection_free(out);
			goto out;
		}
	}
	ret = 0;
out:
	free(stale);
	free(tuns);
	return ret;
}
