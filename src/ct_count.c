// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Counting offloaded flows per tunnel and flowtable device, and choosing
 * which flows to flush.  Pure: reads the table and the copied plan.
 *
 * Counts are computed on demand by walking the table (100k flows: about a
 * millisecond), so they can never drift from the set; only the totals
 * ("seen", "flushed") are kept incrementally, per ifindex.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "ct.h"
#include "ct_int.h"

static ssize_t dev_index(const struct ct_ctx *ct, int ifindex)
{
	for (size_t i = 0; i < ct->n_devs; i++)
		if (ct->devs[i].ifindex == ifindex)
			return (ssize_t)i;
	return -1;
}

static ssize_t tun_index(const struct ct_ctx *ct, int ifindex)
{
	const struct ct_ptun *t = ct_find_tun(ct->tuns, ct->n_tuns, ifindex);

	return t != NULL ? t - ct->tuns : -1;
}

static void bump(struct ct_path_count *c, const struct ct_flow *f)
{
	if (f->flags & CT_FLOW_HW)
		c->hw++;
	else
		c->sw++;
}

static void fill_totals(const struct ct_ctx *ct, struct ct_path_count *c)
{
	const struct ct_ifstat *s = ct_ifstat_find(ct, c->ifindex);

	if (s != NULL) {
		c->seen = s->seen;
		c->flushed = s->flushed;
	}
}

int ct_counts(const struct ct_ctx *ct, struct ct_counts *out)
{
	memset(out, 0, sizeof(*out));
	out->stats = ct->stats;
	if (ct->n_devs > 0 && (out->devices = calloc(ct->n_devs, sizeof(*out->devices))) == NULL)
		return -ENOMEM;
	if (ct->n_tuns > 0 && (out->tunnels = calloc(ct->n_tuns, sizeof(*out->tunnels))) == NULL) {
		ct_counts_free(out);
		return -ENOMEM;
	}
	out->n_devices = ct->n_devs;
	out->n_tunnels = ct->n_tuns;
	for (size_t i = 0; i < ct->n_devs; i++) {
		memcpy(out->devices[i].name, ct->devs[i].name, IFNAMSIZ);
		out->devices[i].ifindex = ct->devs[i].ifindex;
		fill_totals(ct, &out->devices[i]);
	}
	for (size_t i = 0; i < ct->n_tuns; i++) {
		memcpy(out->tunnels[i].name, ct->tuns[i].name, IFNAMSIZ);
		out->tunnels[i].ifindex = ct->tuns[i].ifindex;
		fill_totals(ct, &out->tunnels[i]);
	}

	for (size_t i = 0; i < ct_flows_count(ct->flows); i++) {
		const struct ct_flow *f = ct_flows_at(ct->flows, i);
		int devs[CT_MAX_DEVS];
		size_t n = ct_flow_devices(ct->tuns, ct->n_tuns, f, devs);
		ssize_t ti = tun_index(ct, f->in_if), to = tun_index(ct, f->out_if);

		if (f->flags & CT_FLOW_HW)
			out->hw++;
		else
			out->sw++;
		if (f->in_if == 0 || f->out_if == 0)
			out->unrouted++;
		for (size_t j = 0; j < n; j++) {
			ssize_t d = dev_index(ct, devs[j]);

			if (d >= 0)
				bump(&out->devices[d], f);
		}
		if (ti >= 0)
			bump(&out->tunnels[ti], f);
		if (to >= 0 && to != ti)
			bump(&out->tunnels[to], f);
	}
	return 0;
}

void ct_counts_free(struct ct_counts *c)
{
	free(c->devices);
	free(c->tunnels);
	memset(c, 0, sizeof(*c));
}

/* --- selections --- */

void ct_selection_free(struct ct_selection *sel)
{
	free(sel->flows);
	memset(sel, 0, sizeof(*sel));
}

static int sel_add(struct ct_selection *sel, size_t *cap, const struct ct_flow *f)
{
	if (sel->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct ct_flow *nv = realloc(sel->flows, ncap * sizeof(*nv));

		if (nv == NULL)
			return -ENOMEM;
		sel->flows = nv;
		*cap = ncap;
	}
	sel->flows[sel->n++] = *f;
	if (f->flags & (CT_FLOW_SNAT | CT_FLOW_DNAT))
		sel->n_nat++;
	if (f->flags & CT_FLOW_HW)
		sel->n_hw++;
	return 0;
}

static bool has_dev(const int *devs, size_t n, int ifindex)
{
	for (size_t i = 0; i < n; i++)
		if (devs[i] == ifindex)
			return true;
	return false;
}

int ct_select(const struct ct_ctx *ct, const struct ct_target *target, struct ct_selection *out)
{
	int ifindex = 0;
	size_t cap = 0;

	memset(out, 0, sizeof(*out));
	if (target->kind == CT_TARGET_TUNNEL) {
		for (size_t i = 0; i < ct->n_tuns && ifindex == 0; i++)
			if (strncmp(ct->tuns[i].name, target->name, IFNAMSIZ) == 0)
				ifindex = ct->tuns[i].ifindex;
	} else if (target->kind == CT_TARGET_DEVICE) {
		for (size_t i = 0; i < ct->n_devs && ifindex == 0; i++)
			if (strncmp(ct->devs[i].name, target->name, IFNAMSIZ) == 0)
				ifindex = ct->devs[i].ifindex;
		for (size_t i = 0; i < ct->n_tuns && ifindex == 0; i++)
			if (strncmp(ct->tuns[i].name, target->name, IFNAMSIZ) == 0)
				ifindex = ct->tuns[i].ifindex;
	} else if (target->kind != CT_TARGET_ALL) {
		return -EINVAL;
	}
	if (target->kind != CT_TARGET_ALL && ifindex <= 0)
		return -ENOENT;

	out->n_total = ct_flows_count(ct->flows);
	for (size_t i = 0; i < ct_flows_count(ct->flows); i++) {
		const struct ct_flow *f = ct_flows_at(ct->flows, i);
		bool take = target->kind == CT_TARGET_ALL;

		if (target->kind == CT_TARGET_TUNNEL) {
			take = f->in_if == ifindex || f->out_if == ifindex;
		} else if (target->kind == CT_TARGET_DEVICE) {
			int devs[CT_MAX_DEVS];
			size_t n = ct_flow_devices(ct->tuns, ct->n_tuns, f, devs);

			take = has_dev(devs, n, ifindex);
		}
		if (take && sel_add(out, &cap, f) < 0) {
			ct_selection_free(out);
			return -ENOMEM;
		}
	}
	return 0;
}

/* --- stale flows --- */

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

int ct_stale_flows(const struct ct_ctx *ct, const struct plan *old_plan,
		   const struct ct_tunnel_fp *old_fp, size_t n_old, const struct plan *new_plan,
		   const struct ct_tunnel_fp *new_fp, size_t n_new, struct ct_selection *out)
{
	int *stale = NULL;	/* tunnels whose path changed, then devices that left */
	size_t n_stale_tun = 0, n_stale = 0, cap = 0;
	struct ct_ptun *tuns = NULL;
	int ret = -ENOMEM;

	memset(out, 0, sizeof(*out));
	stale = calloc(n_old + old_plan->n_devices + 1, sizeof(*stale));
	tuns = calloc(old_plan->n_tunnels + 1, sizeof(*tuns));
	if (stale == NULL || tuns == NULL)
		goto out;
	for (size_t i = 0; i < n_old; i++) {
		const struct ct_tunnel_fp *now = NULL;

		for (size_t j = 0; j < n_new && now == NULL; j++)
			if (new_fp[j].ifindex == old_fp[i].ifindex)
				now = &new_fp[j];
		if (now == NULL || !ct_tunnel_fp_equal(&old_fp[i], now))
			stale[n_stale_tun++] = old_fp[i].ifindex;
	}
	n_stale = n_stale_tun;
	for (size_t i = 0; i < old_plan->n_devices; i++) {
		bool kept = false;

		for (size_t j = 0; j < new_plan->n_devices && !kept; j++)
			kept = new_plan->devices[j].ifindex == old_plan->devices[i].ifindex;
		if (!kept)
			stale[n_stale++] = old_plan->devices[i].ifindex;
	}
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
		if (take && sel_add(out, &cap, f) < 0) {
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

/* --- how to flush --- */

enum ct_flush_method ct_flush_advice(const struct ct_ctx *ct, const struct ct_selection *sel)
{
	if (sel->n == 0)
		return CT_FLUSH_NONE;
	if (ct->cfg.flush_policy == CT_FLUSH_POLICY_DELETE)
		return CT_FLUSH_DELETE;
	if (ct->cfg.flush_policy == CT_FLUSH_POLICY_REBUILD)
		return CT_FLUSH_REBUILD;
	if (sel->n_nat > 0)
		return CT_FLUSH_REBUILD;
	if (ct->cfg.rebuild_pct > 0 && sel->n_total > 0 &&
	    (uint64_t)sel->n * 100 >= (uint64_t)ct->cfg.rebuild_pct * sel->n_total)
		return CT_FLUSH_REBUILD;
	return CT_FLUSH_DELETE;
}

void ct_set_flush_policy(struct ct_ctx *ct, enum ct_flush_policy policy)
{
	ct->cfg.flush_policy = policy;
}

const char *ct_flush_method_name(enum ct_flush_method m)
{
	switch (m) {
	case CT_FLUSH_NONE:
		return "none";
	case CT_FLUSH_DELETE:
		return "delete";
	case CT_FLUSH_REBUILD:
		return "rebuild";
	}
	return "?";
}

void ct_note_rebuild(struct ct_ctx *ct, const struct ct_selection *sel, double now)
{
	for (size_t i = 0; i < sel->n; i++)
		ct_count_flushed(ct, &sel->flows[i]);
	ct_flows_clear(ct->flows);
	/* They come back on their next packet, silently: look in a moment. */
	if (!ct->new_pending) {
		ct->new_pending = true;
		ct->first_new = now;
	}
}
