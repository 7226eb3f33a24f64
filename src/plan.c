// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The planner: config + topology -> which devices the flowtable hooks and
 * why, and which tunnels are accelerated and why not.  Pure: no I/O, no
 * logging, no globals; tests feed it hand-built topologies.
 *
 * A tunnel's outer packets reach the flowtable on the device where they
 * enter the box, so besides the tunnel device itself the plan carries its
 * underlay: the route's output device walked down through what the
 * kernel's forward-path walk also crosses (VLAN, PPPoE, bridge), to the
 * devices that actually receive the frames.
 */
#include <fnmatch.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "accel.h"
#include "plan.h"
#include "tunnel_kind.h"

static const char WHY_NOT_SELECTED[] = "not selected by config";
static const char WHY_COLLECT_MD[] = "external/collect_md tunnel";
static const char WHY_DOWN[] = "down";
static const char WHY_NO_REMOTE[] = "no remote (not point-to-point)";
static const char WHY_NO_ROUTE[] = "no route to remote";
static const char WHY_THROUGH_SELF[] = "route to remote goes through the tunnel itself";
static const char WHY_UNDERLAY_MISSING[] = "underlay device missing";
static const char WHY_UNDERLAY_LOOP[] = "underlay devices form a loop";
static const char WHY_UNDERLAY_DEEP[] = "underlay stacked too deep";
static const char WHY_L2[] = "layer 2 tunnel: not accelerated";

struct dev_list {
	struct plan_device *v;
	size_t n, cap;
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	nv = realloc(*v, ncap * size);
	if (nv == NULL)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

static void copy_name(char dst[IFNAMSIZ], const char *src)
{
	size_t len = strnlen(src, IFNAMSIZ - 1);

	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* Add l with reason, or OR the reason into its entry; keep the first tunnel by name. */
static int dev_add(struct dev_list *dl, const struct link *l, unsigned int reason,
		   const char *tunnel)
{
	struct plan_device *d = NULL;

	for (size_t i = 0; i < dl->n; i++)
		if (dl->v[i].ifindex == l->ifindex) {
			d = &dl->v[i];
			break;
		}
	if (d == NULL) {
		if (grow((void **)&dl->v, &dl->cap, dl->n, sizeof(*dl->v)) < 0)
			return -1;
		d = &dl->v[dl->n++];
		memset(d, 0, sizeof(*d));
		copy_name(d->name, l->name);
		d->ifindex = l->ifindex;
	}
	d->reasons |= reason;
	if (tunnel != NULL &&
	    (d->tunnel[0] == '\0' || strncmp(tunnel, d->tunnel, IFNAMSIZ) < 0))
		copy_name(d->tunnel, tunnel);
	return 0;
}

static bool name_matches(char *const *patterns, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (patterns[i] != NULL && fnmatch(patterns[i], name, 0) == 0)
			return true;
	return false;
}

/* --- underlay walk --- */

enum walk_state { WALK_NEW = 0, WALK_ON_PATH, WALK_DONE };

struct walk {
	const struct topo *topo;
	int tunnel_ifindex;
	unsigned char *state;		/* enum walk_state per topo->links index */
	int *found;			/* ifindexes to add as underlay */
	size_t n_found, cap_found;
	const char *why;		/* why the walk failed */
	bool nomem;
};

static int walk_found(struct walk *w, const struct link *l)
{
	if (grow((void **)&w->found, &w->cap_found, w->n_found, sizeof(*w->found)) < 0) {
		w->nomem = true;
		return -1;
	}
	w->found[w->n_found++] = l->ifindex;
	return 0;
}

/*
 * Walk from l down to the devices receiving the frames.  *bottom gets the
 * device where the straight part of the walk ends: a plain device, a PPP
 * unit of unknown lower device, or a bridge (whose ports are walked too).
 */
static int walk(struct walk *w, const struct link *l, int depth, const struct link **bottom)
{
	size_t idx = (size_t)(l - w->topo->links);
	const struct link *lower;
	int ret = 0;

	if (w->state[idx] == WALK_DONE)
		return 0;
	if (w->state[idx] == WALK_ON_PATH) {
		w->why = WHY_UNDERLAY_LOOP;
		return -1;
	}
	if (l->ifindex == w->tunnel_ifindex) {
		w->why = WHY_THROUGH_SELF;
		return -1;
	}
	if (depth >= PLAN_MAX_DEPTH) {
		w->why = WHY_UNDERLAY_DEEP;
		return -1;
	}
	w->state[idx] = WALK_ON_PATH;

	switch (l->type) {
	case LINK_TYPE_VLAN:
	case LINK_TYPE_PPP:
		/* PPP without a known lower device: its own ingress sees the packets. */
		if (l->type == LINK_TYPE_PPP && l->lower_ifindex == 0) {
			*bottom = l;
			ret = walk_found(w, l);
			break;
		}
		lower = topo_link_by_ifindex(w->topo, l->lower_ifindex);
		if (lower == NULL) {
			w->why = WHY_UNDERLAY_MISSING;
			ret = -1;
			break;
		}
		ret = walk(w, lower, depth + 1, bottom);
		break;
	case LINK_TYPE_BRIDGE:
		*bottom = l;
		if (walk_found(w, l) < 0) {
			ret = -1;
			break;
		}
		/*
		 * Every port may carry the remote's frames.  A port that cannot
		 * be walked (its own lower device missing) is left out; the
		 * tunnel still gets the others.
		 */
		for (size_t i = 0; i < w->topo->n_links; i++) {
			const struct link *port = &w->topo->links[i];
			const struct link *ignored = NULL;

			if (port->master_ifindex != l->ifindex || port == l)
				continue;
			if (walk(w, port, depth + 1, &ignored) < 0) {
				if (w->nomem) {
					ret = -1;
					break;
				}
				w->why = NULL;
			}
		}
		break;
	default:
		*bottom = l;
		ret = walk_found(w, l);
		break;
	}
	w->state[idx] = WALK_DONE;
	return ret;
}

/* --- tunnels --- */

struct plan_ctx {
	const struct conf *conf;
	const struct topo *topo;
	struct dev_list devs;
	struct plan_tunnel *tunnels;
	size_t n_tunnels, cap_tunnels;
	struct walk walk;
};

/*
 * The device a tunnel module creates in every namespace when it loads
 * (ip_tunnel_init_net(): tunl0, gre0, sit0; ip6tnl0, ip6gre0; the
 * fallback_dev column of the tunnel kind table), which
 * receives packets no configured tunnel claims.  It is recognised by the
 * name the module gives it and by its all-zero endpoints and bound device:
 * the kernel refuses to change a fallback device's parameters
 * (ip_tunnel_changelink, ip6_tnl_changelink return -EINVAL), so a device
 * with that name and any endpoint set is a user's tunnel (possible in a
 * namespace created with net.core.fb_tunnels_only_for_init_net), and is
 * listed.  The name alone would hide such a tunnel; the zero parameters
 * alone would hide a user's multipoint tunnel.  A fallback device that is
 * up is in use as a catch-all (Calico's tunl0 carries its IPIP traffic)
 * and is listed too; only the idle, always-down ones are noise.
 */
static bool tunnel_is_idle_fallback(const struct link *l)
{
	const struct tunnel_kind_info *tk;

	if (l->type != LINK_TYPE_TUNNEL || l->up || addr_is_set(&l->tun.local) ||
	    addr_is_set(&l->tun.remote) || l->tun.link_ifindex != 0)
		return false;
	tk = tunnel_kind_info(l->tun.kind);
	return tk != NULL && strncmp(l->name, tk->fallback_dev, IFNAMSIZ) == 0;
}

static bool tunnel_selected(const struct plan_ctx *pc, const struct link *l)
{
	if (l->type == LINK_TYPE_TUNNEL && (pc->conf->tunnel_kinds & l->tun.kind) != 0)
		return true;
	return name_matches(pc->conf->tunnel_names, pc->conf->n_tunnel_names, l->name);
}

/* Why a selected tunnel cannot be accelerated before looking at its underlay. */
static const char *tunnel_precheck(const struct plan_ctx *pc, const struct link *l,
				   const struct tunnel_route **route)
{
	const struct tunnel_route *r;

	if (l->tun.collect_md)
		return WHY_COLLECT_MD;
	if (!l->up)
		return WHY_DOWN;
	if (!addr_is_set(&l->tun.remote))
		return WHY_NO_REMOTE;
	r = topo_route_by_tunnel(pc->topo, l->ifindex);
	if (r == NULL)
		return WHY_NO_ROUTE;
	if (!r->resolved)
		return r->why_not != NULL ? r->why_not : WHY_NO_ROUTE;
	if (r->oif == l->ifindex)
		return WHY_THROUGH_SELF;
	*route = r;
	return NULL;
}

static int tunnel_underlay(struct plan_ctx *pc, const struct link *l,
			   const struct tunnel_route *r, struct plan_tunnel *pt)
{
	struct walk *w = &pc->walk;
	const struct link *oif = topo_link_by_ifindex(pc->topo, r->oif);
	const struct link *bottom = NULL;

	if (oif == NULL) {
		pt->why_not = WHY_UNDERLAY_MISSING;
		return 0;
	}
	memset(w->state, 0, pc->topo->n_links);
	w->n_found = 0;
	w->why = NULL;
	w->tunnel_ifindex = l->ifindex;
	if (walk(w, oif, 0, &bottom) < 0 || bottom == NULL) {
		if (w->nomem)
			return -1;
		pt->why_not = w->why != NULL ? w->why : WHY_UNDERLAY_MISSING;
		return 0;
	}
	/*
	 * A multipath route to the remote: each flow of the tunnel leaves by
	 * the next hop its hash picks, so every next hop's device is an
	 * underlay.  One that cannot be walked leaves its flows on the inner
	 * path; the others still count.
	 */
	for (size_t i = 0; i < r->n_path_oifs; i++) {
		const struct link *more = topo_link_by_ifindex(pc->topo, r->path_oifs[i]);
		const struct link *more_bottom = NULL;

		if (more == NULL || more == oif)
			continue;
		if (walk(w, more, 0, &more_bottom) < 0 && w->nomem)
			return -1;
	}
	pt->underlay_ifindexes = calloc(w->n_found, sizeof(*pt->underlay_ifindexes));
	if (pt->underlay_ifindexes == NULL)
		return -1;
	memcpy(pt->underlay_ifindexes, w->found, w->n_found * sizeof(*w->found));
	pt->n_underlay_ifindexes = w->n_found;
	for (size_t i = 0; i < w->n_found; i++)
		if (dev_add(&pc->devs, topo_link_by_ifindex(pc->topo, w->found[i]),
			    PLAN_REASON_UNDERLAY, l->name) < 0)
			return -1;
	pt->accelerated = true;
	pt->why_not = NULL;
	pt->nexthop = r->nexthop;
	pt->underlay_ifindex = bottom->ifindex;
	copy_name(pt->underlay, bottom->name);
	return 0;
}

static int plan_tunnel(struct plan_ctx *pc, const struct link *l)
{
	const struct tunnel_route *route = NULL;
	struct plan_tunnel *pt;
	bool selected = tunnel_selected(pc, l);

	/* Layer 2 tunnels are listed only when named in the config. */
	if (l->type == LINK_TYPE_L2_TUNNEL && !selected)
		return 0;
	/* So are the modules' idle fallback devices (not by kind alone). */
	if (tunnel_is_idle_fallback(l) &&
	    !name_matches(pc->conf->tunnel_names, pc->conf->n_tunnel_names, l->name))
		return 0;
	if (grow((void **)&pc->tunnels, &pc->cap_tunnels, pc->n_tunnels, sizeof(*pc->tunnels)) < 0)
		return -1;
	pt = &pc->tunnels[pc->n_tunnels++];
	memset(pt, 0, sizeof(*pt));
	copy_name(pt->name, l->name);
	pt->ifindex = l->ifindex;
	pt->selected = selected;
	snprintf(pt->kind, sizeof(pt->kind), "%s", l->kind);
	if (l->type == LINK_TYPE_L2_TUNNEL) {
		pt->l2 = true;
		pt->why_not = WHY_L2;
		return 0;
	}
	pt->local = l->tun.local;
	pt->remote = l->tun.remote;
	if (!selected) {
		pt->why_not = WHY_NOT_SELECTED;
		return 0;
	}
	/*
	 * Stock kernels accelerate the inner flow only; that needs the tunnel
	 * itself.  Not when it is down (no traffic to offload) nor
	 * for a flow-based (external) tunnel, whose xmit needs per-packet
	 * metadata the flowtable would not supply.
	 */
	if (l->up && !l->tun.collect_md) {
		if (dev_add(&pc->devs, l, PLAN_REASON_TUNNEL, l->name) < 0)
			return -1;
		pt->in_flowtable = true;
	}
	accel_refusals(&l->tun, &pt->refused, &pt->rx_refused);
	pt->why_not = tunnel_precheck(pc, l, &route);
	if (pt->why_not != NULL)
		return 0;
	return tunnel_underlay(pc, l, route, pt);
}

/* --- the plan --- */

static int cmp_device(const void *a, const void *b)
{
	const struct plan_device *x = a, *y = b;
	int c = strncmp(x->name, y->name, IFNAMSIZ);

	return c != 0 ? c : (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static int cmp_tunnel(const void *a, const void *b)
{
	const struct plan_tunnel *x = a, *y = b;
	int c = strncmp(x->name, y->name, IFNAMSIZ);

	return c != 0 ? c : (x->ifindex > y->ifindex) - (x->ifindex < y->ifindex);
}

static int cmp_link_name(const void *a, const void *b)
{
	const struct link *const *x = a, *const *y = b;

	return strncmp((*x)->name, (*y)->name, IFNAMSIZ);
}

static int plan_build(struct plan_ctx *pc)
{
	const struct topo *topo = pc->topo;
	const struct link **tunnels;
	size_t n = 0;
	int ret = 0;

	for (size_t i = 0; i < topo->n_links; i++) {
		const struct link *l = &topo->links[i];

		if (name_matches(pc->conf->devices, pc->conf->n_devices, l->name) &&
		    dev_add(&pc->devs, l, PLAN_REASON_CONFIGURED, NULL) < 0)
			return -1;
	}

	/* Tunnels by name, so each device's `tunnel` is the first by name. */
	tunnels = calloc(topo->n_links ? topo->n_links : 1, sizeof(*tunnels));
	if (tunnels == NULL)
		return -1;
	for (size_t i = 0; i < topo->n_links; i++)
		if (topo->links[i].type == LINK_TYPE_TUNNEL ||
		    topo->links[i].type == LINK_TYPE_L2_TUNNEL)
			tunnels[n++] = &topo->links[i];
	qsort(tunnels, n, sizeof(*tunnels), cmp_link_name);
	for (size_t i = 0; i < n && ret == 0; i++)
		ret = plan_tunnel(pc, tunnels[i]);
	free(tunnels);
	return ret;
}

/* The VRF device ifindex is a member of, 0 if none. */
static int l3mdev_of(const struct topo *topo, int ifindex)
{
	const struct link *l = topo_link_by_ifindex(topo, ifindex);
	const struct link *master;

	if (l == NULL || l->master_ifindex == 0)
		return 0;
	master = topo_link_by_ifindex(topo, l->master_ifindex);
	return master != NULL && master->type == LINK_TYPE_VRF ? master->ifindex : 0;
}

int plan_compute(const struct conf *conf, const struct topo *topo, struct plan *out)
{
	struct plan_ctx pc = { .conf = conf, .topo = topo };
	int ret;

	memset(out, 0, sizeof(*out));
	pc.walk.topo = topo;
	pc.walk.state = calloc(topo->n_links ? topo->n_links : 1, 1);
	if (pc.walk.state == NULL)
		return -1;
	ret = plan_build(&pc);
	free(pc.walk.state);
	free(pc.walk.found);
	if (ret < 0) {
		free(pc.devs.v);
		for (size_t i = 0; i < pc.n_tunnels; i++)
			free(pc.tunnels[i].underlay_ifindexes);
		free(pc.tunnels);
		return -1;
	}
	for (size_t i = 0; i < pc.devs.n; i++)
		pc.devs.v[i].l3mdev_ifindex = l3mdev_of(topo, pc.devs.v[i].ifindex);
	if (pc.devs.n > 0)
		qsort(pc.devs.v, pc.devs.n, sizeof(*pc.devs.v), cmp_device);
	if (pc.n_tunnels > 0)
		qsort(pc.tunnels, pc.n_tunnels, sizeof(*pc.tunnels), cmp_tunnel);
	out->devices = pc.devs.v;
	out->n_devices = pc.devs.n;
	out->tunnels = pc.tunnels;
	out->n_tunnels = pc.n_tunnels;
	return 0;
}

void plan_free(struct plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->devices);
	for (size_t i = 0; i < plan->n_tunnels; i++)
		free(plan->tunnels[i].underlay_ifindexes);
	free(plan->tunnels);
	memset(plan, 0, sizeof(*plan));
}

bool plan_tunnel_uses(const struct plan *plan, const struct plan_tunnel *t,
		      const struct plan_device *dev)
{
	(void)plan;
	for (size_t i = 0; i < t->n_underlay_ifindexes; i++)
		if (t->underlay_ifindexes[i] == dev->ifindex)
			return true;
	return false;
}

bool plan_devices_equal(const struct plan *a, const struct plan *b)
{
	if (a->n_devices != b->n_devices)
		return false;
	for (size_t i = 0; i < a->n_devices; i++)
		if (strncmp(a->devices[i].name, b->devices[i].name, IFNAMSIZ) != 0)
			return false;
	return true;
}

void plan_tunnel_accel(const struct plan_tunnel *t, enum accel_kernel kernel, struct accel *out)
{
	struct accel_facts f = {
		.tunnel_in_ft = t->in_flowtable,
		.underlay_in_ft = t->accelerated,
		.why_not = t->why_not,
		.refused = t->refused,
		.rx_refused = t->rx_refused,
	};

	accel_compute(kernel, &f, out);
}
